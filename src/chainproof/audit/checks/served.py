"""What the indexes serve for the locked packages: which indexes each comes from, their pages
(asked once, concurrently, for every check), and the served files the lock installs."""

from __future__ import annotations

from collections.abc import Iterable

from chainproof.audit.checks.base import CheckContext
from chainproof.audit.locked import INDEX, LockedPackage
from chainproof.formats.audit_policy import index_key
from chainproof.index.listing import IndexFile, ProjectListing

__all__ = ["index_packages", "locked_files", "package_indexes", "package_listings"]


def package_indexes(context: CheckContext, package: LockedPackage) -> tuple[str, ...]:
    """The indexes a package is installed from, as far as the evidence says: the lock's own
    index for it; a requirements file's --index-url and --extra-index-url; else the policy's
    indexes, else the public one."""
    if package.index:
        return (index_key(package.index),)
    evidence = context.evidence
    named = [index_key(value) for value in evidence.option_indexes]
    if named:
        return tuple(dict.fromkeys(named))
    if any(o.option == "--no-index" for o in evidence.options):
        return ()
    sources = context.policy.sources
    if sources is not None and sources.indexes:
        return sources.indexes
    return (context.public_index,)


def index_packages(context: CheckContext) -> list[LockedPackage]:
    """The packages pinned to one version from an index: those an index can vouch for."""
    return [p for p in context.evidence.packages if p.version is not None and p.kind == INDEX]


def package_listings(
    context: CheckContext, packages: Iterable[LockedPackage]
) -> dict[LockedPackage, list[ProjectListing]]:
    """Each package's pages on the indexes it comes from (those that serve it). The index
    client remembers pages, so every check asks each index once."""
    assert context.index is not None  # online only
    packages = list(packages)
    pairs = {(i, p.key) for p in packages for i in package_indexes(context, p)}
    listings = context.index.listings(sorted(pairs))
    return {
        package: [
            listing
            for i in package_indexes(context, package)
            if (listing := listings.get((i, package.key))) is not None
        ]
        for package in packages
    }


def locked_files(package: LockedPackage, listings: list[ProjectListing]) -> list[IndexFile]:
    """The served files the lock installs: those it names; for a requirements file, those
    whose sha256 it lists, else (no hashes) every file of the version."""
    served = [f for listing in listings for f in listing.files_of(package.version or "")]
    if package.files:
        names = {f.filename for f in package.files}
        return [f for f in served if f.filename in names]
    if package.hashes:
        return [f for f in served if f.sha256 in package.hashes]
    return served
