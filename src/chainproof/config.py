"""Configuration: flags, then CHAINPROOF_* environment variables, then chainproof.toml or
``[tool.chainproof]`` in pyproject.toml."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainproof.errors import InputError, UsageError
from chainproof.fileio import load_toml

__all__ = [
    "KEY_PASSWORD_ENV",
    "Setting",
    "env_setting",
    "key_password",
    "load_section",
    "setting",
    "source_date_epoch",
]

# The password of a --signer key private key (never a flag: flags end up in shell history).
KEY_PASSWORD_ENV = "CHAINPROOF_KEY_PASSWORD"  # noqa: S105 (a variable name)


def env_setting(name: str) -> str | None:
    """``CHAINPROOF_<NAME>`` from the environment, or None when unset or empty."""
    value = os.environ.get(f"CHAINPROOF_{name.upper().replace('-', '_')}")
    return value or None


def offline_mode(flag: bool | None) -> bool:
    """--offline / --online when given, else ``CHAINPROOF_OFFLINE`` (1, true, yes; 0, false,
    no), else online."""
    if flag is not None:
        return flag
    value = env_setting("offline")
    if value is None:
        return False
    if value.strip().lower() in ("1", "true", "yes", "on"):
        return True
    if value.strip().lower() in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"CHAINPROOF_OFFLINE={value!r} is neither 1 nor 0.")


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


@dataclass(frozen=True)
class Setting:
    """A setting's value and where it came from (for messages), e.g. ``--installer``,
    ``CHAINPROOF_INSTALLER``, ``[build] of /src/pyproject.toml``."""

    value: Any
    origin: str
    path: Path | None = None  # the configuration file, when it came from one


def setting(
    key: str,
    flag: Any,
    *,
    env: str | None = None,
    section: str | None = None,
    search_dir: Path | None = None,
) -> Setting | None:
    """The one lookup order of every setting: the flag (when given), then the variable
    ``CHAINPROOF_<ENV>`` (``env`` defaults to ``<section>_<key>``), then ``key`` in the
    ``[section]`` table of chainproof.toml / ``[tool.chainproof.<section>]`` of pyproject.toml
    in ``search_dir``; None when none sets it (the caller has the default). Values from a file
    are returned as written: the caller checks their type."""
    if flag is not None and flag != []:
        return Setting(flag, f"--{key}")
    name = env if env is not None else f"{section}_{key}" if section else key
    if (from_env := env_setting(name)) is not None:
        return Setting(from_env, f"CHAINPROOF_{name.upper().replace('-', '_')}")
    if section is None:
        return None
    table, path = load_section(section, search_dir=search_dir)
    if key not in table:
        return None
    return Setting(table[key], f"[{section}] of {path}", path)
