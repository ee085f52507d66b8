"""Fresh hashes: every file of a package version the new lock adds is downloaded from its
index and its sha256 compared with the one the lock records, so a lock that ``--fix`` writes
never carries a hash that nobody checked against the bytes (pip-audit's ``--fix`` leaves the
old ``--hash`` lines in place: pip-audit issue 589)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from chainproof.audit.checks.base import CheckContext
from chainproof.audit.checks.served import locked_files, package_listings
from chainproof.audit.locked import INDEX, LockedPackage, LockEvidence
from chainproof.errors import VerificationFailed
from chainproof.redact import strip_credentials

__all__ = ["FreshFiles", "added_packages", "check_fresh_hashes"]

_WORKERS = 8


@dataclass(frozen=True)
class FreshFiles:
    packages: tuple[str, ...]  # "name version" of each package version checked
    files: int  # files downloaded and hashed


def added_packages(old: LockEvidence, new: LockEvidence) -> list[LockedPackage]:
    """The index packages of ``new`` at a version ``old`` does not pin."""
    before = {(p.key, p.version) for p in old.packages}
    return [
        p
        for p in new.packages
        if p.kind == INDEX and p.version is not None and (p.key, p.version) not in before
    ]


def _expected(package: LockedPackage, filename: str, served_sha256: str | None) -> str | None:
    """The sha256 the lock records for one served file (a requirements file names no files:
    the served file is the lock's when its published hash is one of the lock's)."""
    for entry in package.files:
        if entry.filename == filename:
            return entry.sha256
    return served_sha256 if served_sha256 in package.hashes else None


def check_fresh_hashes(context: CheckContext, packages: Sequence[LockedPackage]) -> FreshFiles:
    """Download each file the lock names for ``packages`` (``context.index`` must be set) and
    check it against the lock's sha256; VerificationFailed names the first file that differs,
    or a hash of the lock that no served file has."""
    assert context.index is not None
    listings = package_listings(context, packages)
    jobs: list[tuple[LockedPackage, str, str]] = []  # (package, url, expected sha256)
    for package in packages:
        served = locked_files(package, listings[package])
        expected = {f.url: _expected(package, f.filename, f.sha256) for f in served}
        found = {sha for sha in expected.values() if sha}
        missing = sorted(set(package.sha256s) - found)
        if missing or not served:
            raise VerificationFailed(
                f"The new lock pins {package.name} {package.version} to a file its index does "
                f"not serve (sha256 {(missing or ['none'])[0]}).",
                "The index changed while the lock was written: run the fix again.",
            )
        jobs += [(package, url, sha) for url, sha in expected.items() if sha]
    index = context.index
    with ThreadPoolExecutor(min(_WORKERS, max(1, len(jobs))), "chainproof-fresh") as pool:
        served_hashes = list(pool.map(lambda job: index.sha256_of(job[1]), jobs))
    for (package, url, sha), got in zip(jobs, served_hashes, strict=True):
        if got != sha:
            raise VerificationFailed(
                f"The new lock's sha256 for {strip_credentials(url)} ({package.name} "
                f"{package.version}) is {sha}, but the file downloaded has {got}.",
                "The index serves other bytes than it lists: the lock was left as it was.",
            )
    return FreshFiles(tuple(f"{p.name} {p.version}" for p in packages), len(jobs))
