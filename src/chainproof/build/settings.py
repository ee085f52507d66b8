"""Settings of the build stage, shared by ``chainproof build`` and ``chainproof release``:
the flag, then ``CHAINPROOF_<NAME>``, then ``[build]`` in the project's chainproof.toml or
``[tool.chainproof.build]`` in its pyproject.toml, then the default."""

from __future__ import annotations

from pathlib import Path

from chainproof.build.installers import INSTALLER_NAMES
from chainproof.config import Setting, setting
from chainproof.errors import InputError, UsageError

__all__ = ["build_lock_setting", "installer_setting"]


def _lookup(flag: str | None, name: str, project_dir: Path) -> Setting | None:
    """One ``[build]`` setting: the configuration is looked up in ``project_dir``, whose
    pyproject.toml is where ``[tool.chainproof.build]`` lives, wherever the command runs from
    (a missing directory has none; the build says what is wrong with it)."""
    found = setting(name, flag, env=name, section="build", search_dir=project_dir)
    if found is not None and not isinstance(found.value, str):
        raise InputError(f"{name} in {found.origin} must be a string.")
    return found


def installer_setting(flag: str | None, project_dir: Path) -> str:
    """The installer name (auto, uv or pip), checked before anything is built."""
    found = _lookup(flag, "installer", project_dir)
    if found is None:
        return "auto"
    value, origin = found.value, found.origin
    if value not in INSTALLER_NAMES:
        raise UsageError(
            f"Unknown installer {value!r} (from {origin}); use one of {', '.join(INSTALLER_NAMES)}."
        )
    return str(value)


def build_lock_setting(flag: Path | None, project_dir: Path) -> Path | None:
    """The build lock, if any; a path in a configuration file is relative to that file."""
    found = _lookup(None if flag is None else str(flag), "build-lock", project_dir)
    if found is None:
        return None
    return found.path.parent / found.value if found.path is not None else Path(found.value)
