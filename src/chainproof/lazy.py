"""Submodules loaded on first use (the pattern of Scientific Python's SPEC 1): a package
that sets ``__getattr__ = submodule_loader(__name__)`` imports ``package.name`` when code first
reads that attribute. The CLI reaches the stages this way, so a command's ``--help`` loads its
own module only; the modules that use a submodule still import it at the top, under
``TYPE_CHECKING``, for the type checker and the layer contract (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from types import ModuleType

__all__ = ["submodule_loader"]


def submodule_loader(package: str) -> Callable[[str], ModuleType]:
    """A module ``__getattr__`` for ``package`` that imports its submodules on demand."""

    def __getattr__(name: str) -> ModuleType:
        if name.startswith("__"):
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        try:
            return import_module(f"{package}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{name}":
                raise  # a module that exists failed to import one of its own
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None

    return __getattr__
