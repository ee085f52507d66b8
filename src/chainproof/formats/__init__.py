"""Readers and writers of file formats, one module per format, shared by the stages."""

from chainproof.lazy import submodule_loader

__getattr__ = submodule_loader(__name__)  # submodules load on first use
