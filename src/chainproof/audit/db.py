"""The offline advisory database: one SQLite file under the user cache directory.

Why SQLite: it ships with Python, an index on the package name answers "advisories for these
1,000 packages" without reading the rest, readers see either the old or the new file (an import
builds a new file beside the old one and renames it over), and the file can be inspected with
any SQLite tool. Each advisory is stored once as JSON; each (package, advisory) pair is a row
holding what matching needs, with version lists already in canonical PEP 440 form.

Location: ``--db`` flag, then ``CHAINPROOF_DB``, then
``<user cache>/chainproof/advisories.sqlite3``.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from chainproof.audit.matching import version_key
from chainproof.config import setting
from chainproof.errors import InputError
from chainproof.formats.osv import (
    Advisory,
    AffectedPackage,
    RangeEvent,
    is_malicious,
    parse_advisory,
)
from chainproof.models import parse_timestamp
from chainproof.progress import NullReporter, Reporter

__all__ = [
    "SCHEMA_VERSION",
    "AdvisoryDB",
    "DbStatus",
    "VersionList",
    "build_database",
    "resolve_db_path",
]

SCHEMA_VERSION = "2"
_HINT = "Run `chainproof db import SOURCE` (offline) or `chainproof db update` to create it."
_DDL = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE advisory (id TEXT PRIMARY KEY, modified TEXT NOT NULL, doc TEXT NOT NULL);
CREATE TABLE affected (package TEXT NOT NULL, advisory_id TEXT NOT NULL, spec TEXT NOT NULL);
CREATE INDEX affected_package ON affected (package);
"""


class VersionList(Collection[str]):
    """An advisory's ``versions`` as stored: canonical forms framed by newlines.

    Membership is one substring search, so a list of thousands of versions costs nothing to
    load or to test; nothing is split unless the list is iterated.
    """

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text = text if text.startswith("\n") else "\n" + text

    def __contains__(self, item: object) -> bool:
        return isinstance(item, str) and f"\n{item}\n" in self._text

    def __iter__(self) -> Iterator[str]:
        return iter(self._text.split("\n")[1:-1])

    def __len__(self) -> int:
        return max(self._text.count("\n") - 1, 0)

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Collection) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._text)


def resolve_db_path(flag: Path | None = None) -> Path:
    """``--db``, then ``CHAINPROOF_DB``, then the user cache directory."""
    found = setting("db", flag)
    if found is not None:
        return Path(found.value)
    return Path(platformdirs.user_cache_dir("chainproof")) / "advisories.sqlite3"


@dataclass(frozen=True)
class DbStatus:
    path: Path
    source: str
    imported_at: str  # RFC 3339, UTC
    snapshot_date: str | None  # newest ``modified`` of any advisory
    advisories: int
    packages: int
    withdrawn: int
    skipped: tuple[tuple[str, str], ...]  # (origin, reason) of documents not imported
    unreadable: tuple[tuple[str, str], ...]  # (advisory id, note): ranges not evaluable
    malicious: int = 0  # records of malicious packages (MAL-), counted in ``advisories``

    def snapshot_datetime(self) -> datetime | None:
        return parse_timestamp(self.snapshot_date) if self.snapshot_date else None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "source": self.source,
            "imported_at": self.imported_at,
            "snapshot_date": self.snapshot_date,
            "advisories": self.advisories,
            "packages": self.packages,
            "withdrawn": self.withdrawn,
            "malicious": self.malicious,
            "skipped": [{"origin": o, "reason": r} for o, r in self.skipped],
            "unreadable_ranges": [{"id": i, "note": n} for i, n in self.unreadable],
        }


def _advisory_doc(adv: Advisory) -> str:
    return json.dumps(
        {
            "id": adv.id,
            "aliases": adv.aliases,
            "summary": adv.summary,
            "details": adv.details,
            "modified": adv.modified,
            "published": adv.published,
            "withdrawn": adv.withdrawn,
            "severity": adv.severity,
            "database_severity": adv.database_severity,
            "references": adv.references,
            "malicious": adv.malicious,
        },
        separators=(",", ":"),
    )


def _spec(affected: AffectedPackage) -> str:
    keys = sorted({version_key(v) for v in affected.versions})
    ranges = [[[e.kind, e.version] for e in events] for events in affected.ranges]
    listed = "\n" + "".join(f"{k}\n" for k in keys)
    return json.dumps({"r": ranges, "v": listed, "u": affected.unreadable}, separators=(",", ":"))


def build_database(
    documents: Iterable[tuple[str, Any]],
    db_path: Path,
    source: str,
    reporter: Reporter | None = None,
) -> DbStatus:
    """Import OSV documents into a new database that replaces ``db_path`` only on success."""
    reporter = reporter or NullReporter()
    reporter.step("Importing advisories")
    advisories: dict[str, Advisory] = {}
    skipped: list[tuple[str, str]] = []
    for origin, document in documents:
        reporter.advance()
        advisory = parse_advisory(document, origin)
        if advisory is None:
            skipped.append((origin, "it affects no PyPI package"))
            continue
        known = advisories.get(advisory.id)
        if known is not None:
            skipped.append((origin, f"duplicate of {advisory.id}; the newer record was kept"))
            if (parse_timestamp(known.modified) or datetime.min.replace(tzinfo=UTC)) >= (
                parse_timestamp(advisory.modified) or datetime.min.replace(tzinfo=UTC)
            ):
                continue
        advisories[advisory.id] = advisory
    times = [t for t in (parse_timestamp(a.modified) for a in advisories.values()) if t is not None]
    snapshot = max(times).astimezone(UTC).isoformat().replace("+00:00", "Z") if times else None
    packages = {aff.package for a in advisories.values() for aff in a.affected}
    unreadable = sorted(  # withdrawn advisories are never evaluated, so never a problem
        (a.id, note)
        for a in advisories.values()
        if not a.withdrawn
        for aff in a.affected
        for note in aff.unreadable
    )
    status = DbStatus(
        path=db_path,
        source=source,
        imported_at=datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        snapshot_date=snapshot,
        advisories=len(advisories),
        packages=len(packages),
        withdrawn=sum(1 for a in advisories.values() if a.withdrawn),
        skipped=tuple(skipped),
        unreadable=tuple(unreadable),
        malicious=sum(1 for a in advisories.values() if a.malicious),
    )
    _write(db_path, tuple(advisories.values()), status)
    return status


def _write(db_path: Path, advisories: tuple[Advisory, ...], status: DbStatus) -> None:
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{db_path.name}.", suffix=".tmp", dir=db_path.parent
        )
    except OSError as exc:
        raise InputError(
            f"Cannot write the advisory database {db_path}: {exc.strerror or exc}."
        ) from exc
    os.close(fd)
    try:
        with contextlib.closing(sqlite3.connect(tmp_name)) as conn:
            conn.executescript(_DDL)
            conn.executemany(
                "INSERT INTO advisory VALUES (?, ?, ?)",
                ((a.id, a.modified, _advisory_doc(a)) for a in advisories),
            )
            conn.executemany(
                "INSERT INTO affected VALUES (?, ?, ?)",
                ((aff.package, a.id, _spec(aff)) for a in advisories for aff in a.affected),
            )
            meta = {**status.to_json(), "schema": SCHEMA_VERSION}
            meta.pop("path")
            conn.executemany(
                "INSERT INTO meta VALUES (?, ?)", ((k, json.dumps(v)) for k, v in meta.items())
            )
            conn.commit()
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, db_path)
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise InputError(f"Cannot write the advisory database {db_path}: {exc}.") from exc
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise


class AdvisoryDB:
    """Read-only access to an imported database."""

    def __init__(self, path: Path) -> None:
        self.path = path
        if not path.is_file():
            raise InputError(f"There is no advisory database at {path}.", hint=_HINT)
        try:
            self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
            meta = {k: json.loads(v) for k, v in self._conn.execute("SELECT key, value FROM meta")}
        except (sqlite3.Error, ValueError) as exc:
            if hasattr(self, "_conn"):
                self._conn.close()
            raise InputError(
                f"{path} is not a chainproof advisory database ({exc}).", hint=_HINT
            ) from exc
        if meta.get("schema") != SCHEMA_VERSION:
            self._conn.close()
            raise InputError(
                f"{path} was written by another chainproof version "
                f"(schema {meta.get('schema')!r}).",
                hint=_HINT,
            )
        try:
            self.status = DbStatus(
                path=path,
                source=str(meta["source"]),
                imported_at=str(meta["imported_at"]),
                snapshot_date=meta.get("snapshot_date"),
                advisories=int(meta["advisories"]),
                packages=int(meta["packages"]),
                withdrawn=int(meta["withdrawn"]),
                skipped=tuple((s["origin"], s["reason"]) for s in meta.get("skipped", [])),
                unreadable=tuple((u["id"], u["note"]) for u in meta.get("unreadable_ranges", [])),
                malicious=int(meta.get("malicious", 0)),  # absent before MAL- records counted
            )
        except (KeyError, TypeError, ValueError) as exc:
            self._conn.close()
            raise InputError(
                f"{path} is not a complete chainproof advisory database (missing {exc}).",
                hint=_HINT,
            ) from exc

    def __enter__(self) -> AdvisoryDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    def advisories_for(
        self, packages: Iterable[str]
    ) -> dict[str, list[tuple[Advisory, AffectedPackage]]]:
        """Every stored advisory (withdrawn ones included) for each normalised package name.

        ``AffectedPackage.versions`` holds canonical PEP 440 forms (see matching.version_key).
        """
        names = sorted(set(packages))
        found: dict[str, list[tuple[Advisory, AffectedPackage]]] = {}
        cache: dict[str, Advisory] = {}
        query = (
            "SELECT a.package, a.spec, v.id, v.doc FROM affected a JOIN advisory v "
            "ON v.id = a.advisory_id WHERE a.package IN (SELECT value FROM json_each(?)) "
            "ORDER BY a.package, v.id"
        )
        try:
            rows = self._conn.execute(query, (json.dumps(names),)).fetchall()
        except sqlite3.Error as exc:
            raise InputError(
                f"The advisory database {self.path} is unreadable ({exc}).", hint=_HINT
            ) from exc
        for package, spec_text, vuln_id, doc in rows:
            advisory = cache.get(vuln_id)
            if advisory is None:
                advisory = cache[vuln_id] = _advisory_from(json.loads(doc))
            spec = json.loads(spec_text)
            affected = AffectedPackage(
                package=package,
                ranges=tuple(tuple(RangeEvent(k, v) for k, v in events) for events in spec["r"]),
                versions=VersionList(spec["v"]),
                unreadable=tuple(spec["u"]),
            )
            found.setdefault(package, []).append((advisory, affected))
        return found


def _advisory_from(doc: dict[str, Any]) -> Advisory:
    return Advisory(
        id=doc["id"],
        aliases=tuple(doc["aliases"]),
        summary=doc["summary"],
        details=doc["details"],
        modified=doc["modified"],
        published=doc["published"],
        withdrawn=doc["withdrawn"],
        severity=tuple((t, s) for t, s in doc["severity"]),
        database_severity=doc["database_severity"],
        references=tuple(doc["references"]),
        affected=(),
        malicious=bool(doc.get("malicious")) or is_malicious(doc["id"], None),
    )
