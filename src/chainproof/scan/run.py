"""``chainproof scan`` and the release's scan stage: every member of every wheel and sdist,
streamed once, for secrets, credential files and stray files; exceptions by fingerprint."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from chainproof.build.source import tracked_at
from chainproof.errors import InputError
from chainproof.fileio import load_json
from chainproof.formats.build_record import from_json
from chainproof.formats.dist_archive import (
    ArchiveMember,
    MemberTooLarge,
    archive_kind,
    iter_members,
)
from chainproof.formats.scan_policy import ScanPolicy, load_scan_policy
from chainproof.models import BUILD_RECORD_NAME
from chainproof.progress import NullReporter, Reporter
from chainproof.scan.files import (
    TrackedFiles,
    credential_file,
    fixture_path,
    sdist_path,
    stray_rule,
)
from chainproof.scan.report import ScanFinding, ScanReport, apply_exceptions
from chainproof.scan.secrets import scan_chunks

__all__ = ["SCAN_CHECKS", "ScanRequest", "scan_artifacts"]

SCAN_CHECKS = ("secrets", "credentials", "stray", "archive")
# Below this much compressed data, one process: starting workers costs more than it saves.
# Above it, one process per CPU, each archive in one (the scan is CPU-bound: ~130 MB/s of
# member data per CPU, measured in bench/bench_scan.py).
PARALLEL_BYTES = 64 << 20


@dataclass(frozen=True)
class ScanRequest:
    paths: tuple[Path, ...]  # a dist directory, or archives
    policy: Path | None = None  # else [scan] of the project (or the working directory)
    project_dir: Path | None = None  # the git checkout stray files are judged against


def _archives(paths: tuple[Path, ...]) -> tuple[list[Path], Path | None]:
    """The archives to scan, and the directory whose build-record.json describes them."""
    found: list[Path] = []
    record_dir = None
    for path in paths:
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and archive_kind(p))
            record_dir = record_dir or path
        elif not path.exists():
            raise InputError(f"{path} does not exist.")
        elif archive_kind(path) is None:
            raise InputError(f"{path} is not a wheel or an sdist (.whl, .tar.gz, .zip).")
        else:
            found.append(path)
            record_dir = record_dir or path.parent
    if not found:
        raise InputError(
            f"There is no wheel or sdist in {', '.join(str(p) for p in paths)}.",
            hint="Run `chainproof build` first, or name the files.",
        )
    return found, record_dir


def _tracked(record_dir: Path | None, project_dir: Path | None) -> tuple[TrackedFiles | None, str]:
    """The files tracked at the build record's commit, or why stray files are not checked."""
    record = record_dir / BUILD_RECORD_NAME if record_dir else None
    if record is None or not record.is_file():
        return None, f"no {BUILD_RECORD_NAME} beside the archives names the commit"
    commit = from_json(load_json(record, BUILD_RECORD_NAME), str(record)).source.commit
    checkout = project_dir or Path.cwd()
    paths = tracked_at(checkout, commit)
    if paths is None:
        return None, f"{checkout} is not a git checkout holding commit {commit[:12]}"
    return TrackedFiles.of(paths), ""


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


class _Scanner:
    def __init__(self, policy: ScanPolicy, tracked: TrackedFiles | None) -> None:
        self.policy, self.tracked = policy, tracked
        self.findings: list[ScanFinding] = []
        self.members = 0
        self.bytes_read = 0

    def _counted(self, member: ArchiveMember) -> Iterator[bytes]:
        for chunk in member.chunks():
            self.bytes_read += len(chunk)
            yield chunk

    def archive(self, path: Path, reporter: Reporter) -> None:
        kind = archive_kind(path) or "sdist"
        reporter.step(f"Scanning {path.name}")
        for member in iter_members(path, self.policy.max_member_size):
            self.members += 1
            self._names(path.name, kind, member.name)
            relative = sdist_path(member.name) if kind == "sdist" else member.name
            try:
                hits = list(scan_chunks(self._counted(member)))
            except MemberTooLarge as exc:
                self._add(
                    "archive.too-large", path.name, member.name, None, "high",
                    f"{member.name} expands past {self.policy.max_member_size} bytes "
                    f"(declared {member.size}, read {exc.read}): it was not scanned.",
                    _fingerprint("archive.too-large", relative),
                    remedy="Find out why the member is so large; a zip bomb is refused.",
                )  # fmt: skip
                continue
            fixture = fixture_path(relative)
            where = " in a test or documentation file (likely a fixture)" if fixture else ""
            for hit in hits:
                self._add(
                    f"secrets.{hit.detector.id}", path.name, member.name, hit.line,
                    "low" if fixture else hit.detector.severity,
                    f"{hit.detector.title} ({hit.masked}){where}.",
                    hit.fingerprint, hit.masked,
                    "Remove it from the source, revoke it, and rebuild.",
                )  # fmt: skip
            if member.name.lower().endswith(".pem") and any(
                h.detector.id == "private-key" for h in hits
            ):
                self._add(
                    "credentials.pem", path.name, member.name, None,
                    "low" if fixture else "critical",
                    f"A .pem file that holds a private key{where}.",
                    _fingerprint("credentials.pem", sdist_path(member.name)),
                    remedy="Leave the key out of the package and revoke it.",
                )  # fmt: skip

    def _names(self, archive: str, kind: str, member: str) -> None:
        relative = sdist_path(member) if kind == "sdist" else member
        credential = credential_file(relative)
        if credential is not None:
            rule = f"credentials.{credential.id}"
            self._add(
                rule, archive, member, None, "high", f"{credential.title}.",
                _fingerprint(rule, relative),
                remedy="Exclude it from the build (and revoke what it holds).",
            )  # fmt: skip
        stray = stray_rule(kind, member, self.tracked) if self.tracked else None
        if stray is not None:
            what = "git does not track it" if stray == "untracked" else "no tracked file has it"
            rule = f"stray.{stray}"
            self._add(
                rule, archive, member, None, "medium",
                f"A file from outside the source: {what} at the build's commit.",
                _fingerprint(rule, relative),
                remedy="Build from a clean checkout, or exclude the file from the build.",
            )  # fmt: skip

    def _add(
        self, rule: str, archive: str, member: str, line: int | None, severity: str,
        summary: str, fingerprint: str, shown: str = "", remedy: str = "",
    ) -> None:  # fmt: skip
        self.findings.append(
            ScanFinding(rule, archive, member, line, severity, summary, fingerprint, shown, remedy)
        )


def _scan_archive(
    path: Path, policy: ScanPolicy, tracked: TrackedFiles | None
) -> tuple[list[ScanFinding], int, int]:
    scanner = _Scanner(policy, tracked)
    scanner.archive(path, NullReporter())
    return scanner.findings, scanner.members, scanner.bytes_read


def _scan_all(
    archives: list[Path], policy: ScanPolicy, tracked: TrackedFiles | None, progress: Reporter
) -> tuple[list[ScanFinding], int, int]:
    workers = min(len(archives), os.cpu_count() or 1)
    if workers < 2 or sum(p.stat().st_size for p in archives) < PARALLEL_BYTES:
        scanner = _Scanner(policy, tracked)
        for path in archives:
            scanner.archive(path, progress)
        return scanner.findings, scanner.members, scanner.bytes_read
    findings: list[ScanFinding] = []
    members = size = 0
    largest_first = sorted(archives, key=lambda p: -p.stat().st_size)
    spawn = multiprocessing.get_context("spawn")  # no fork of a process with threads
    with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
        futures = [pool.submit(_scan_archive, p, policy, tracked) for p in largest_first]
        for path, future in zip(largest_first, futures, strict=True):
            progress.step(f"Scanning {path.name}")
            found, count, read = future.result()
            findings += found
            members += count
            size += read
    return findings, members, size


def scan_artifacts(
    request: ScanRequest, reporter: Reporter | None = None, policy: ScanPolicy | None = None
) -> ScanReport:
    """Scan the archives; the report says what is over the ``[scan]`` policy's threshold."""
    progress = reporter or NullReporter()
    archives, record_dir = _archives(request.paths)
    if policy is None:
        policy = load_scan_policy(request.policy, request.project_dir)
    tracked, why = (None, "turned off by [scan] stray = false")
    if policy.stray:
        tracked, why = _tracked(record_dir, request.project_dir)
    found, members, size = _scan_all(archives, policy, tracked, progress)
    findings, unused, expired = apply_exceptions(
        sorted(found, key=ScanFinding.sort_key),
        policy.exceptions,
        datetime.now(UTC),
    )
    checks = tuple((c, why if c == "stray" else "") for c in SCAN_CHECKS)
    return ScanReport(
        archives=tuple(p.name for p in archives),
        members=members,
        bytes_read=size,
        findings=tuple(findings),
        fail_on=policy.fail_on,
        checks=checks,
        unused_exceptions=tuple(unused),
        expired_exceptions=tuple(expired),
    )
