"""Data sets: generators and loaders, each returning one tensor per modality plus labels."""

from .toy import gaussian_parity

__all__ = ["gaussian_parity"]
