"""chainproof: a release pipeline for Python projects you can prove."""

from chainproof.lazy import submodule_loader

__all__ = ["__version__"]

__version__ = "0.1.0"

__getattr__ = submodule_loader(__name__)  # chainproof.pipeline and the stages load on first use
