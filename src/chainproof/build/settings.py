"""Settings of the build stage, shared by ``chainproof build`` and ``chainproof release``:
the flag, then ``CHAINPROOF_<NAME>``, then ``[build]`` in the project's chainproof.toml or
``[tool.chainproof.build]`` in its pyproject.toml, then the default."""

from __future__ import annotations

from pathlib import Path

from chainproof.build.installers import INSTALLER_NAMES
from chainproof.config import env_setting, load_section
from chainproof.errors import InputError, UsageError

__all__ = ["build_lock_setting", "installer_setting"]


def _lookup(flag: str | None, name: str, project_dir: Path) -> tuple[str, str, Path | None] | None:
    """(value, where it came from, the configuration file) of one setting, or None.

    The configuration is looked up in ``project_dir``: its pyproject.toml is where
    ``[tool.chainproof.build]`` lives, wherever the command runs from.
    """
    if flag is not None:
        return flag, f"--{name}", None
    if (from_env := env_setting(name)) is not None:
        return from_env, f"CHAINPROOF_{name.upper().replace('-', '_')}", None
    if not project_dir.is_dir():
        return None  # the build says what is wrong with the directory
    table, path = load_section("build", search_dir=project_dir)
    if name not in table:
        return None
    value = table[name]
    origin = f"[build] of {path}"
    if not isinstance(value, str):
        raise InputError(f"{name} in {origin} must be a string.")
    return value, origin, path


def installer_setting(flag: str | None, project_dir: Path) -> str:
    """The installer name (auto, uv or pip), checked before anything is built."""
    found = _lookup(flag, "installer", project_dir)
    if found is None:
        return "auto"
    value, origin, _ = found
    if value not in INSTALLER_NAMES:
        raise UsageError(
            f"Unknown installer {value!r} (from {origin}); use one of {', '.join(INSTALLER_NAMES)}."
        )
    return value


def build_lock_setting(flag: Path | None, project_dir: Path) -> Path | None:
    """The build lock, if any; a path in a configuration file is relative to that file."""
    found = _lookup(None if flag is None else str(flag), "build-lock", project_dir)
    if found is None:
        return None
    value, _, config = found
    return config.parent / value if config is not None else Path(value)
