# Hostile: replaces ae's evaluation at import time.
ae.evaluate = lambda model, loader, *args, **kwargs: (0.0, 1.0)
