"""Lists of popular names for the typosquats check: the one bundled with chainproof and the
user's own files (one name a line, ``#`` comments, or a JSON download list). The bundled
file records its source, date, licence and count in ``# key: value`` lines at its top, which
``db status`` shows."""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from chainproof.audit.lookalike import normalize
from chainproof.errors import InputError
from chainproof.fileio import atomic_write_text, read_text

__all__ = [
    "BUNDLED",
    "PopularNames",
    "active_names",
    "bundled_names",
    "imported_names_path",
    "read_names_file",
    "write_names_file",
]

BUNDLED = "data/popular-names.txt"
FIRST_LINE = "chainproof popular-names 1: one PEP 503 name a line, the most downloaded first"
_HEADER = re.compile(r"^#\s*(source|date|licence|count):\s*(.+?)\s*$")
_NAME = re.compile(r"^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$", re.IGNORECASE)
_HINT = "Write one package name a line; # starts a comment."


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


def _names(lines: list[str], where: str, unit: str = "line") -> tuple[str, ...]:
    names: dict[str, None] = {}
    for number, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not _NAME.match(line):
            raise InputError(f"{where}, {unit} {number}: {line!r} is not a package name.", _HINT)
        names.setdefault(normalize(line), None)
    return tuple(names)


def _header(lines: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in lines:
        if match := _HEADER.match(line.strip()):
            found.setdefault(match.group(1), match.group(2))
    return found


def _json_list(text: str, path: Path) -> tuple[list[str], dict[str, str]]:
    """The names of top-pypi-packages' ``rows`` or GuardDog's ``packages``, and the date."""
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"The popular names file {path} is not valid JSON: {exc.msg}.") from exc
    rows = data.get("rows") if isinstance(data, dict) else None
    packages = data.get("packages") if isinstance(data, dict) else None
    if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
        names = [r.get("project") for r in rows]
        date = str(data.get("last_update", ""))[:10]
    elif isinstance(packages, list):
        names = packages
        stamp = data.get("downloaded_timestamp")
        date = datetime.fromtimestamp(stamp, UTC).date().isoformat() if stamp else ""
    else:
        raise InputError(
            f"The popular names file {path} is JSON without a list of names.",
            'Give {"rows": [{"project": NAME}, ...]}, {"packages": [NAME, ...]} or a text file.',
        )
    if not all(isinstance(n, str) for n in names):
        raise InputError(f"The popular names file {path} holds a name that is not a string.")
    return [str(n) for n in names], {"date": date} if date else {}


def _read(
    text: str, where: str, path: Path | None = None
) -> tuple[tuple[str, ...], dict[str, str]]:
    if path is not None and text.lstrip().startswith("{"):
        lines, header = _json_list(text, path)
        return _names(lines, where, "entry"), header
    lines = text.splitlines()
    return _names(lines, where), _header(lines)


def _popular(names: tuple[str, ...], header: dict[str, str], origin: str) -> PopularNames:
    get = header.get
    return PopularNames(names, origin, get("source", ""), get("date", ""), get("licence", ""))


@functools.cache
def bundled_names() -> PopularNames:
    """The list shipped in the package (read once)."""
    text = resources.files("chainproof.audit").joinpath(BUNDLED).read_text("utf-8")
    return _popular(*_read(text, "the bundled popular names"), "bundled")


def read_names_file(path: Path) -> PopularNames:
    """A user's list: one name a line, the most popular first, ``#`` comments (and the
    bundled file's header lines, if any); or a JSON download list as top-pypi-packages
    publishes it or GuardDog ships it. A missing, unreadable or empty file, or a line that
    is not a name, is an InputError."""
    names, header = _read(read_text(path, "popular names file"), str(path), path)
    if not names:
        raise InputError(f"The popular names file {path} names no package.", _HINT)
    return _popular(names, header, str(path))


def write_names_file(names: PopularNames, path: Path) -> None:
    """``names`` in the bundled file's form, its header first, written atomically (to keep
    a newer list that was imported)."""
    fields = (
        ("source", names.source or names.origin),
        ("date", names.date),
        ("licence", names.licence),
        ("count", str(names.count)),
    )
    header = [f"# {FIRST_LINE}", *(f"# {key}: {value}" for key, value in fields if value)]
    atomic_write_text(path, "\n".join([*header, *names.names]) + "\n")


def imported_names_path(db_path: Path) -> Path:
    """Where ``db import-names`` keeps a newer list: beside the advisory database."""
    return db_path.with_name("popular-names.txt")


def active_names(db_path: Path) -> PopularNames:
    """The list the typosquats check uses when no file is named: the imported one beside
    ``db_path`` when there is one, else the bundled one."""
    imported = imported_names_path(db_path)
    return read_names_file(imported) if imported.is_file() else bundled_names()
