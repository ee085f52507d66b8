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
from chainproof.index.listing import ProjectListing
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


def _named_files(package: LockedPackage) -> list[tuple[str, str]]:
    """(URL, sha256) of each file the lock names with both."""
    return [(f.url, f.sha256) for f in package.files if f.url and f.sha256]


def _hashed_files(package: LockedPackage, listings: list[ProjectListing]) -> list[tuple[str, str]]:
    """(URL, sha256) of the served files of a requirements pin whose published sha256 is
    one of its ``--hash`` values; every value must be one."""
    served = [f for f in locked_files(package, listings) if f.sha256]
    missing = sorted(set(package.hashes) - {f.sha256 for f in served})
    if missing or not served:
        raise VerificationFailed(
            f"The new lock pins {package.name} {package.version} to a file its index does "
            f"not serve (sha256 {(missing or ['none'])[0]}).",
            "The index changed while the lock was written: run the fix again.",
        )
    return [(f.url, f.sha256) for f in served if f.sha256]


def check_fresh_hashes(context: CheckContext, packages: Sequence[LockedPackage]) -> FreshFiles:
    """Download each file the lock names for ``packages`` (``context.index`` must be set) and
    check it against the lock's sha256: from the URL the lock gives, else (a requirements
    file) from the index page's file with that published hash. VerificationFailed names the
    first file that differs, or a hash of the lock that the index does not serve."""
    assert context.index is not None
    by_hash = [p for p in packages if not _named_files(p)]
    listings = package_listings(context, by_hash) if by_hash else {}
    jobs = [
        (package, url, sha)
        for package in packages
        for url, sha in (_named_files(package) or _hashed_files(package, listings[package]))
    ]
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
