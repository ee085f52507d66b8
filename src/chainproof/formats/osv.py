"""OSV records at the wire boundary: read a source (directory, all.zip, tarball) and turn
each raw JSON/YAML document into frozen :class:`Advisory` values.

Only the PyPI parts of a record are kept. ``ECOSYSTEM`` (and ``SEMVER``) ranges are kept for
matching; ``GIT`` ranges are not evaluated (OSV exports enumerate the versions they cover in
``versions``).
A range chainproof cannot evaluate (malformed, or a version that is not PEP 440) is kept as a
note, so matching reports the package as unchecked instead of passing it silently.
"""

from __future__ import annotations

import json
import tarfile
import zipfile
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any, NamedTuple

from packaging.utils import canonicalize_name

from chainproof.errors import InputError
from chainproof.fileio import os_error

__all__ = [
    "Advisory",
    "AffectedPackage",
    "RangeEvent",
    "is_malicious",
    "iter_source",
    "parse_advisory",
]

_SUFFIXES = (".json", ".yaml", ".yml")
_EVENT_KINDS = ("introduced", "fixed", "last_affected", "limit")


class RangeEvent(NamedTuple):
    kind: str  # introduced | fixed | last_affected | limit
    version: str


@dataclass(frozen=True)
class AffectedPackage:
    """One PyPI package an advisory affects."""

    package: str  # normalised name
    ranges: tuple[tuple[RangeEvent, ...], ...]  # ECOSYSTEM ranges, events as written
    versions: Collection[str]  # as written; canonical forms when read from the database
    unreadable: tuple[str, ...] = ()  # why a range could not be evaluated


@dataclass(frozen=True)
class Advisory:
    id: str
    aliases: tuple[str, ...]
    summary: str
    details: str
    modified: str
    published: str | None
    withdrawn: str | None
    severity: tuple[tuple[str, str], ...]  # (type, score) e.g. ("CVSS_V3", "CVSS:3.1/...")
    database_severity: str | None  # database_specific.severity, e.g. GHSA's "MODERATE"
    references: tuple[str, ...]
    affected: tuple[AffectedPackage, ...]
    # A malicious package, not a vulnerability: a MAL- id (ossf/malicious-packages), or a
    # record that database_specific marks so (its "malicious-packages-origins").
    malicious: bool = False


def is_malicious(vuln_id: str, database_specific: Any) -> bool:
    if vuln_id.upper().startswith("MAL-"):
        return True
    return isinstance(database_specific, dict) and bool(
        database_specific.get("malicious-packages-origins") or database_specific.get("malicious")
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value)
    if hasattr(value, "isoformat"):  # a datetime from a foreign YAML loader
        return str(value.isoformat())
    return None


def _affected(raw: Any, origin: str) -> AffectedPackage | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("package"), dict):
        raise InputError(f"{origin} is not a valid OSV record: an 'affected' entry has no package.")
    package = raw["package"]
    name, ecosystem = _text(package.get("name")), _text(package.get("ecosystem"))
    if not name or not ecosystem:
        raise InputError(f"{origin} is not a valid OSV record: a package has no name or ecosystem.")
    if ecosystem.split(":")[0] != "PyPI":
        return None
    ranges: list[tuple[RangeEvent, ...]] = []
    unreadable: list[str] = []
    raw_ranges = raw.get("ranges") or []
    if not isinstance(raw_ranges, list):
        raw_ranges, unreadable = [], ["its 'ranges' is not a list"]
    for entry in raw_ranges:
        if not isinstance(entry, dict):
            unreadable.append("a range is not a table")
            continue
        kind = entry.get("type")
        if kind == "GIT":
            continue
        events = entry.get("events")
        if kind not in ("ECOSYSTEM", "SEMVER") or not isinstance(events, list):
            unreadable.append(f"a range of type {kind!r} has no readable events")
            continue
        parsed: list[RangeEvent] = []
        for event in events:
            if not isinstance(event, dict) or len(event) != 1:
                unreadable.append("a range event is not a single key")
                continue
            ((key, value),) = event.items()
            text = _text(value)
            if key not in _EVENT_KINDS or text is None:
                unreadable.append(f"a range event {key}={value!r} is not understood")
                continue
            parsed.append(RangeEvent(key, text))
        if parsed:
            ranges.append(tuple(parsed))
    raw_versions = raw.get("versions") or []
    if not isinstance(raw_versions, list):
        raise InputError(f"{origin} is not a valid OSV record: 'versions' is not a list.")
    versions = tuple(v for v in (_text(x) for x in raw_versions) if v)
    if not ranges and not versions and not unreadable:
        unreadable.append("it has no ECOSYSTEM range and no versions list")
    return AffectedPackage(canonicalize_name(name), tuple(ranges), versions, tuple(unreadable))


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def parse_advisory(data: Any, origin: str) -> Advisory | None:
    """One raw OSV document → Advisory; None when it affects no PyPI package.

    Raises InputError naming ``origin`` when the document is not an OSV record at all.
    """
    if not isinstance(data, dict):
        raise InputError(f"{origin} is not a valid OSV record: the document is not a mapping.")
    vuln_id, modified = _text(data.get("id")), _text(data.get("modified"))
    if not vuln_id or not modified:
        raise InputError(f"{origin} is not a valid OSV record: it has no 'id' or no 'modified'.")
    raw_affected = data.get("affected")
    raw_affected = [] if raw_affected is None else raw_affected
    if not isinstance(raw_affected, list):
        raise InputError(f"{origin} is not a valid OSV record: 'affected' is not a list.")
    affected = tuple(a for a in (_affected(x, origin) for x in raw_affected) if a is not None)
    if not affected:
        return None
    severity: list[tuple[str, str]] = []
    for entry in [
        *(data.get("severity") or []),
        *(s for x in raw_affected if isinstance(x, dict) for s in x.get("severity") or []),
    ]:
        if isinstance(entry, dict) and _text(entry.get("type")) and _text(entry.get("score")):
            severity.append((str(entry["type"]), str(entry["score"])))
    db_specific = data.get("database_specific")
    db_severity = db_specific.get("severity") if isinstance(db_specific, dict) else None
    details = _text(data.get("details")) or ""
    summary = _text(data.get("summary")) or details.strip().split("\n\n")[0].replace("\n", " ")
    aliases = _list(data.get("aliases"))
    refs = _list(data.get("references"))
    return Advisory(
        id=vuln_id,
        aliases=tuple(sorted({str(a) for a in aliases if isinstance(a, str)} - {vuln_id})),
        summary=summary,
        details=details,
        modified=modified,
        published=_text(data.get("published")),
        withdrawn=_text(data.get("withdrawn")),
        severity=tuple(dict.fromkeys(severity)),
        database_severity=str(db_severity).upper() if isinstance(db_severity, str) else None,
        references=tuple(
            str(r["url"]) for r in refs if isinstance(r, dict) and isinstance(r.get("url"), str)
        ),
        affected=affected,
        malicious=is_malicious(vuln_id, db_specific),
    )


@cache
def _yaml_loader() -> Any:
    """Safe YAML loader that keeps every plain scalar except booleans and null as text.

    The default resolvers turn ``modified: 2024-01-03T22:31:36Z`` into a datetime and
    ``fixed: 1.10`` into the float 1.1; OSV wants both as the strings written. Built on first
    use: PyYAML is imported only when a YAML record is read.
    """
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    resolvers = {
        first: [(tag, rx) for tag, rx in found if tag.endswith((":bool", ":null"))]
        for first, found in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return type("OSVLoader", (base,), {"yaml_implicit_resolvers": resolvers})


def _decode(payload: bytes, origin: str) -> Any:
    if origin.endswith(".json"):
        try:
            return json.loads(payload)
        except ValueError as exc:
            raise _not_valid(origin, "JSON", exc) from exc
    import yaml

    try:
        return yaml.load(payload, Loader=_yaml_loader())  # noqa: S506 - a safe loader subclass
    except (ValueError, yaml.YAMLError) as exc:
        raise _not_valid(origin, "YAML", exc) from exc


def _not_valid(origin: str, kind: str, exc: Exception) -> InputError:
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return InputError(f"{origin} is not valid {kind} ({first}).")


def _wanted(name: str) -> bool:
    path = PurePosixPath(name)
    return path.suffix in _SUFFIXES and not any(p.startswith(".") for p in path.parts)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise os_error(path, exc, "read") from exc


def iter_source(source: Path) -> Iterator[tuple[str, Any]]:
    """Yield (origin, decoded document) for every OSV file in a directory, zip or tarball.

    Archives are read member by member, never extracted to disk.
    """
    if source.is_dir():
        for path in sorted(source.rglob("*")):
            rel = path.relative_to(source).as_posix()
            if path.is_file() and _wanted(rel):
                yield str(path), _decode(_read(path), str(path))
        return
    if not source.exists():
        raise InputError(
            f"The advisory source {source} does not exist.",
            hint="Give a directory of OSV files, an OSV all.zip or a .tar.gz.",
        )
    if source.is_file() and source.suffix in _SUFFIXES:
        yield str(source), _decode(_read(source), str(source))
        return
    if zipfile.is_zipfile(source):
        try:
            with zipfile.ZipFile(source) as archive:
                for info in sorted(archive.infolist(), key=lambda i: i.filename):
                    if not info.is_dir() and _wanted(info.filename):
                        origin = f"{source.name}:{info.filename}"
                        yield origin, _decode(archive.read(info), origin)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InputError(f"The archive {source} is unreadable ({exc}).") from exc
        return
    try:
        with tarfile.open(source, "r:*") as tar:
            for member in tar:
                if member.isfile() and _wanted(member.name):
                    stream = tar.extractfile(member)
                    if stream is not None:
                        origin = f"{source.name}:{member.name}"
                        yield origin, _decode(stream.read(), origin)
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise InputError(
            f"{source} is neither a directory nor a readable zip or tar archive ({exc}).",
            hint="Give a directory of OSV files, an OSV all.zip or a .tar.gz.",
        ) from exc
