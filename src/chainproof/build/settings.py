"""Settings of the build stage, shared by ``chainproof build`` and ``chainproof release``:
the flag, then ``CHAINPROOF_<NAME>``, then ``[build]`` in the project's chainproof.toml or
``[tool.chainproof.build]`` in its pyproject.toml, then the default."""

from __future__ import annotations

from pathlib import Path

from chainproof.build.installers import INSTALLER_NAMES
from chainproof.config import env_setting, load_section
from chainproof.errors import InputError, UsageError

__all__ = ["installer_setting"]


def installer_setting(flag: str | None, project_dir: Path) -> str:
    """The installer name (auto, uv or pip), checked before anything is built.

    The configuration is looked up in ``project_dir``: its pyproject.toml is where
    ``[tool.chainproof.build]`` lives, wherever the command runs from.
    """
    if flag is not None:
        value, origin = flag, "--installer"
    elif (from_env := env_setting("installer")) is not None:
        value, origin = from_env, "CHAINPROOF_INSTALLER"
    elif not project_dir.is_dir():
        return "auto"  # the build says what is wrong with the directory
    else:
        table, path = load_section("build", search_dir=project_dir)
        value = table.get("installer", "auto")
        origin = f"[build] of {path}"
        if not isinstance(value, str):
            raise InputError(f"installer in {origin} must be a string.")
    if value not in INSTALLER_NAMES:
        raise UsageError(
            f"Unknown installer {value!r} (from {origin}); use one of {', '.join(INSTALLER_NAMES)}."
        )
    return value
