"""The demonstration values that the book's pages 6 to 11 share (each page runs in its own kernel).

They only serve to show the pieces one by one: real runs take every setting from `HParams`.
"""

#: Size of the latent code of the demonstration model (the original notebook calls it `HIDDEN_WIDTH`).
LATENT_SIZE = 64

#: Activation between the layers of the demonstration model, one of the names in `ae.ACTIVATIONS`.
ACTIVATION = "relu"
