"""An installed environment: what is in it, and whether every file matches its RECORD.

Public API (reused by ``chainproof verify-env`` and ``chainproof audit --env``):

- ``inspect_environment(python) -> InstalledEnvironment``: runs a stdlib-only probe in that
  interpreter (``python -c``, importlib.metadata) and returns every importable distribution
  (first on sys.path wins; shadowed duplicates are skipped) with its metadata, dist-info
  directory, RECORD text and PEP 770 SBOM files, plus the interpreter's marker environment.
  A missing or broken interpreter raises InputError (exit 2).
- ``verify_distribution(dist) -> DistributionCheck`` and
  ``verify_environment(python | InstalledEnvironment) -> tuple[DistributionCheck, ...]``:
  check every RECORD entry that carries a hash. ``DistributionCheck.problems`` lists
  ``FileProblem(path, kind, expected, actual)``; kind is one of:
  ``"modified"`` (content hash or size differs), ``"missing"`` (file absent),
  ``"unreadable"`` (cannot be read; also a dist-info directory whose METADATA has no Name
  or Version, reported as a check named after that directory), ``"bad-entry"`` (malformed
  RECORD row or a hash algorithm weaker than sha256), ``"no-record"`` (no RECORD at all,
  e.g. an egg-info install: nothing can be verified). ``ok`` is True without problems.
  Entries without a hash (RECORD itself, ``.pyc`` files written at install time) are not
  checked; files present on disk but absent from RECORD are not looked for.
- ``record_sha256``: the hash chainproof records per installed distribution is the sha256 of
  its RECORD file's bytes. Once every hashed entry has been verified, that one digest commits
  to the content of every file RECORD lists with a hash; it does not cover entries without a
  hash, nor files RECORD does not list.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import subprocess
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from chainproof.errors import InputError
from chainproof.fileio import CHUNK_SIZE
from chainproof.models import none_first
from chainproof.progress import NullReporter, Reporter
from chainproof.sbom.metadata import PackageMetadata

__all__ = [
    "DistributionCheck",
    "FileProblem",
    "InstalledDistribution",
    "InstalledEnvironment",
    "inspect_environment",
    "verify_distribution",
    "verify_environment",
]

_CONSTRUCTORS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
_ALGORITHMS = tuple(_CONSTRUCTORS)
_PROBE = Path(__file__).with_name("_probe.py")


@dataclass(frozen=True)
class InstalledDistribution:
    metadata: PackageMetadata
    dist_info: Path | None
    base: Path  # the directory RECORD paths are relative to (site-packages)
    record: str | None
    direct_url: str | None
    sboms: tuple[str, ...]  # paths relative to dist_info, e.g. "sboms/foo.cdx.json"

    @property
    def name(self) -> str:
        return self.metadata.name

    @property
    def version(self) -> str:
        return self.metadata.version

    @property
    def record_sha256(self) -> str | None:
        """sha256 of the RECORD file's bytes (see the module docstring for what it covers)."""
        if self.dist_info is None or self.record is None:
            return None
        path = self.dist_info / "RECORD"
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            return None


@dataclass(frozen=True)
class InstalledEnvironment:
    python: str
    executable: str
    prefix: str
    marker_environment: dict[str, str]
    distributions: tuple[InstalledDistribution, ...]
    broken: tuple[str, ...] = ()  # dist-info/egg-info directories without a readable Name/Version
    shadowed: tuple[str, ...] = ()  # later copies of a name on sys.path: never imported


@dataclass(frozen=True)
class FileProblem:
    path: str  # as written in RECORD
    kind: str  # modified | missing | unreadable | bad-entry | no-record
    expected: str | None = None
    actual: str | None = None

    def sort_key(self) -> tuple[str, str, tuple[bool, str], tuple[bool, str]]:
        return (self.path, self.kind, none_first(self.expected), none_first(self.actual))

    def __str__(self) -> str:
        detail = f" (RECORD {self.expected}, found {self.actual})" if self.actual else ""
        return f"{self.path}: {self.kind}{detail}"


@dataclass(frozen=True)
class DistributionCheck:
    name: str
    version: str
    files_checked: int
    problems: tuple[FileProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def inspect_environment(python: str | Path) -> InstalledEnvironment:
    """Run the probe in ``python`` and read back its distributions (see module docstring)."""
    python = str(python)
    code = _PROBE.read_text(encoding="utf-8")
    try:
        proc = subprocess.run(
            [python, "-c", code],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
    except FileNotFoundError as exc:
        raise InputError(f"The Python interpreter {python} does not exist.") from exc
    except (PermissionError, OSError) as exc:
        raise InputError(f"Cannot run the Python interpreter {python}: {exc}.") from exc
    except subprocess.TimeoutExpired as exc:
        raise InputError(f"The Python interpreter {python} did not answer in 300 s.") from exc
    try:
        data: Any = json.loads(proc.stdout) if proc.returncode == 0 else None
    except json.JSONDecodeError:
        data = None
    if not isinstance(data, dict):
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise InputError(
            f"{python} is not a working Python interpreter (its environment could not be "
            f"listed: {last})."
        )
    dists: list[InstalledDistribution] = []
    broken: list[str] = []
    shadowed: list[str] = []
    seen: set[str] = set()
    for item in data["distributions"]:  # in sys.path order: the first of a name is imported
        try:
            meta = PackageMetadata.from_email(item["metadata"] or "")
        except KeyError:
            meta = None
        if meta is None or not meta.name or not meta.version:
            broken.append(str(item["dist_info"]))  # reported, never skipped silently
            continue
        key = canonicalize_name(meta.name)
        if key in seen:
            shadowed.append(str(item["dist_info"]))
            continue
        seen.add(key)
        dists.append(
            InstalledDistribution(
                metadata=meta,
                dist_info=Path(item["dist_info"]) if item["dist_info"] else None,
                base=Path(item["base"]),
                record=item["record"],
                direct_url=item["direct_url"],
                sboms=tuple(item["sboms"]),
            )
        )
    return InstalledEnvironment(
        python=python,
        executable=str(data["executable"]),
        prefix=str(data["prefix"]),
        marker_environment={str(k): str(v) for k, v in data["environment"].items()},
        distributions=tuple(sorted(dists, key=lambda d: d.name.lower())),
        broken=tuple(sorted(broken)),
        shadowed=tuple(sorted(shadowed)),
    )


def _file_digest(path: str, algorithm: str) -> tuple[str, int]:
    # Raw descriptors and str paths: for ~10,000 small files the per-file overhead of pathlib
    # and buffered file objects costs more than the hashing.
    digest = _CONSTRUCTORS[algorithm]()
    size = 0
    fd = os.open(path, os.O_RDONLY)
    try:
        while chunk := os.read(fd, CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode(), size


def _check_entry(base: str, row: list[str]) -> FileProblem | None:
    if len(row) < 2 or not row[0]:
        return FileProblem(",".join(row), "bad-entry")
    rel, hash_field = row[0], row[1]
    if not hash_field:
        return None
    algorithm, _, expected = hash_field.partition("=")
    if algorithm not in _ALGORITHMS or not expected:
        return FileProblem(rel, "bad-entry", hash_field)
    path = os.path.normpath(os.path.join(base, rel))
    try:
        actual, size = _file_digest(path, algorithm)
    except FileNotFoundError:
        return FileProblem(rel, "missing", hash_field)
    except OSError as exc:
        return FileProblem(rel, "unreadable", hash_field, exc.strerror)
    if actual != expected.rstrip("="):
        return FileProblem(rel, "modified", hash_field, f"{algorithm}={actual}")
    expected_size = row[2] if len(row) > 2 else ""
    if expected_size.isdigit() and int(expected_size) != size:
        return FileProblem(rel, "modified", f"size={expected_size}", f"size={size}")
    return None


def verify_distribution(dist: InstalledDistribution) -> DistributionCheck:
    """Check every hashed RECORD entry of ``dist`` against the file on disk."""
    if dist.record is None:
        problem = FileProblem(str(dist.dist_info or dist.name), "no-record")
        return DistributionCheck(dist.name, dist.version, 0, (problem,))
    rows = [row for row in csv.reader(io.StringIO(dist.record)) if row]
    base = str(dist.base)
    problems = [p for row in rows if (p := _check_entry(base, row)) is not None]
    checked = sum(1 for row in rows if len(row) > 1 and row[1])
    return DistributionCheck(
        dist.name, dist.version, checked, tuple(sorted(problems, key=FileProblem.sort_key))
    )


def verify_environment(
    env: str | Path | InstalledEnvironment, reporter: Reporter | None = None
) -> tuple[DistributionCheck, ...]:
    """Verify every distribution of an environment (an interpreter path or an inspection)."""
    reporter = reporter or NullReporter()
    if not isinstance(env, InstalledEnvironment):
        env = inspect_environment(env)
    dists: Iterable[InstalledDistribution] = env.distributions
    reporter.step("Verifying installed files against RECORD", total=len(env.distributions))
    results = []
    # hashlib and file reads release the GIL, so threads overlap the I/O and hashing.
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        for check in pool.map(verify_distribution, dists):
            results.append(check)
            reporter.advance()
    for path in env.broken:
        problem = FileProblem(path, "unreadable", "METADATA with Name and Version")
        results.append(DistributionCheck(Path(path).name, "", 0, (problem,)))
    return tuple(results)
