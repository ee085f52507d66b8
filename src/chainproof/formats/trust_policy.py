"""The policy of the dependency-trust checks of part 2: ``min-release-age``, the popular-name
lists of ``typosquats``, ``[audit.typosquats]`` and ``[audit.licenses]`` (read by
:mod:`chainproof.formats.audit_policy`, which owns ``[audit]``).

```toml
[audit]
min-release-age = "7d"              # s, m, h, d or w: files younger than this at lock time
popular-names = "names.txt"         # replaces the bundled list of popular names
extra-popular-names = "ours.txt"    # adds to it (e.g. the internal package names)

[audit.typosquats]
allow = ["reqeusts-mock"]           # names (or globs) never flagged as look-alikes

[audit.licenses]
allow = ["MIT", "BSD-3-Clause", "Apache-2.0"]   # SPDX ids; () allows any not denied
deny = ["AGPL-3.0-only", "AGPL-3.0-or-later"]
unknown = "medium"                  # the severity of a package whose licence is not known
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from chainproof.errors import InputError

__all__ = ["LicensesPolicy", "TyposquatsPolicy", "licence_ids", "parse_age", "path_setting"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_AGE = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)


def parse_age(value: Any, where: str) -> timedelta:
    """``"7d"``, ``"12h"``, ``"2w"`` (s, m, h, d, w) as a duration."""
    found = _AGE.match(value) if isinstance(value, str) else None
    if found is None:
        raise InputError(
            f"min-release-age in {where} must be a number and a unit (s, m, h, d or w), "
            f'such as "7d", not {value!r}.'
        )
    return timedelta(seconds=int(found.group(1)) * _UNITS[found.group(2).lower()])


@dataclass(frozen=True)
class TyposquatsPolicy:
    allow: tuple[str, ...] = ()  # names or globs never flagged
    popular_names: Path | None = None  # replaces the bundled list
    extra_popular_names: Path | None = None  # added to the list


@dataclass(frozen=True)
class LicensesPolicy:
    """``allow`` and ``deny`` are SPDX licence ids (lower-case; a ``WITH`` exception written
    in full); ``unknown`` is the severity of a package whose licence is not known."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    unknown: str = "medium"


def path_setting(value: Any, key: str, where: str, base: Path | None) -> Path:
    """A file named in the policy, relative to the policy file's directory."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{key} in {where} must be the path of a file.")
    path = Path(value.strip()).expanduser()
    return path if path.is_absolute() or base is None else base / path


_LICENSE_REF = re.compile(r"^LicenseRef-[A-Za-z0-9.-]+$")


def licence_ids(values: tuple[str, ...], key: str, where: str) -> tuple[str, ...]:
    """SPDX licence ids, a ``WITH`` exception written in full, or ``LicenseRef-`` ids; each
    as compared: the SPDX list's spelling, lower-case."""
    from license_expression import ExpressionError, get_spdx_licensing

    licensing = get_spdx_licensing()
    ids: list[str] = []
    for value in values:
        if _LICENSE_REF.match(value):
            ids.append(value.lower())
            continue
        try:
            parsed = licensing.parse(value, validate=True, strict=True)
            symbols = licensing.license_symbols(parsed, decompose=False) if parsed else []
        except ExpressionError as exc:
            raise InputError(
                f"{value!r} in [audit.licenses] {key} of {where} is not an SPDX licence id ({exc})."
            ) from exc
        if len(symbols) != 1:
            raise InputError(
                f"{value!r} in [audit.licenses] {key} of {where} is one licence id, not an "
                "expression."
            )
        ids.append(str(symbols[0]).lower())
    return tuple(ids)
