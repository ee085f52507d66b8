"""chainproof: a release pipeline for Python projects you can prove."""

__all__ = ["__version__"]

__version__ = "0.1.0"
