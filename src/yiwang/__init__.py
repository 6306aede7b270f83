"""Yiwang (一网): Internet + Government Services platform."""

__version__ = "0.1.0"
