"""Lists of popular names for the typosquats check: the one bundled with chainproof and the
user's own files (one name a line, ``#`` comments). The bundled file records its source,
date, licence and count in ``# key: value`` lines at its top, which ``db status`` shows."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from chainproof.audit.lookalike import normalize
from chainproof.errors import InputError

__all__ = ["BUNDLED", "PopularNames", "bundled_names", "read_names_file"]

BUNDLED = "data/popular-names.txt"
_HEADER = re.compile(r"^#\s*(source|date|licence|count):\s*(.+?)\s*$")
_NAME = re.compile(r"^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$", re.IGNORECASE)


@dataclass(frozen=True)
class PopularNames:
    """Names, the most popular first (PEP 503 normalised), and where they come from."""

    names: tuple[str, ...]
    origin: str  # "bundled", or the file's path
    source: str = ""
    date: str = ""
    licence: str = ""

    @property
    def count(self) -> int:
        return len(self.names)

    def to_json(self) -> dict[str, object]:
        return {
            "origin": self.origin,
            "source": self.source,
            "date": self.date,
            "licence": self.licence,
            "count": self.count,
        }


def _parse(text: str, where: str) -> tuple[tuple[str, ...], dict[str, str]]:
    names: list[str] = []
    seen: set[str] = set()
    header: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            if found := _HEADER.match(raw.strip()):
                header.setdefault(found.group(1), found.group(2))
            continue
        if not _NAME.match(line):
            raise InputError(
                f"{where}, line {number}: {line!r} is not a package name.",
                "Write one package name a line; # starts a comment.",
            )
        normal = normalize(line)
        if normal not in seen:
            seen.add(normal)
            names.append(normal)
    return tuple(names), header


@functools.cache
def bundled_names() -> PopularNames:
    """The list shipped in the package (read once)."""
    text = resources.files("chainproof.audit").joinpath(BUNDLED).read_text("utf-8")
    names, header = _parse(text, "the bundled popular names")
    return PopularNames(
        names,
        "bundled",
        header.get("source", ""),
        header.get("date", ""),
        header.get("licence", ""),
    )


def read_names_file(path: Path) -> PopularNames:
    """A user's list: one name a line, the most popular first, ``#`` comments; an empty
    list, a missing or unreadable file, or a line that is not a name is an InputError."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        raise InputError(f"The popular names file {path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"The popular names file {path} cannot be read: {exc}.") from exc
    names, header = _parse(text, str(path))
    if not names:
        raise InputError(
            f"The popular names file {path} names no package.",
            "Write one package name a line; # starts a comment.",
        )
    return PopularNames(
        names,
        str(path),
        header.get("source", ""),
        header.get("date", ""),
        header.get("licence", ""),
    )
