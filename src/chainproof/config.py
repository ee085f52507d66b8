"""Configuration: flags, then CHAINPROOF_* environment variables, then chainproof.toml or
``[tool.chainproof]`` in pyproject.toml."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from chainproof.errors import InputError, UsageError
from chainproof.fileio import load_toml

__all__ = [
    "KEY_PASSWORD_ENV",
    "env_setting",
    "key_password",
    "load_section",
    "source_date_epoch",
]

# The password of a --signer key private key (never a flag: flags end up in shell history).
KEY_PASSWORD_ENV = "CHAINPROOF_KEY_PASSWORD"  # noqa: S105 (a variable name)


def env_setting(name: str) -> str | None:
    """``CHAINPROOF_<NAME>`` from the environment, or None when unset or empty."""
    value = os.environ.get(f"CHAINPROOF_{name.upper().replace('-', '_')}")
    return value or None


def source_date_epoch() -> int | None:
    """``SOURCE_DATE_EPOCH`` (reproducible-builds.org) in seconds; None when unset or empty.
    Every stage that dates its output reads it here, so all agree on what is valid."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not value:
        return None
    if not value.isdigit():
        raise UsageError(f"SOURCE_DATE_EPOCH={value!r} is not a whole number of seconds.")
    return int(value)


def load_section(
    section: str, explicit: Path | None = None, search_dir: Path | None = None
) -> tuple[dict[str, Any], Path | None]:
    """Return the ``section`` table (e.g. "verify", "audit") and the file it came from.

    ``explicit`` (a --policy flag) must exist. Otherwise ``chainproof.toml`` in ``search_dir``
    (default: the working directory) is used, then ``[tool.chainproof]`` in pyproject.toml.
    In chainproof.toml the section is top level (``[verify]``); in pyproject.toml it is
    ``[tool.chainproof.verify]``. A chainproof.toml may also use the ``[tool.chainproof]`` form.
    """
    candidates: list[Path]
    if explicit is not None:
        candidates = [explicit]
    else:
        base = search_dir or Path.cwd()
        candidates = [p for p in (base / "chainproof.toml", base / "pyproject.toml") if p.is_file()]
    for path in candidates:
        data = load_toml(path, "configuration file")
        tool = data.get("tool")
        ours = tool.get("chainproof") if isinstance(tool, dict) else None
        table = ours.get(section) if isinstance(ours, dict) else None
        if table is None and path.name != "pyproject.toml":
            table = data.get(section)
        if table is None:
            if explicit is not None:
                return {}, path
            continue
        if not isinstance(table, dict):
            raise InputError(f"[{section}] in {path} must be a table.")
        return table, path
    return {}, None


def key_password() -> bytes | None:
    """The private key's password from $CHAINPROOF_KEY_PASSWORD, if set and not empty."""
    value = os.environ.get(KEY_PASSWORD_ENV)
    return os.fsencode(value) if value else None  # the bytes as set, even if not UTF-8
