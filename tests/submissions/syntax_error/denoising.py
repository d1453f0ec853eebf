"""A submission that does not parse."""
import torch


def gaussian_noise(images, std, generator=None)
    return (images + std * torch.randn(images.shape, generator=generator)).clamp(0, 1)
