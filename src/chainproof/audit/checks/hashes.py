"""``hashes``: every locked file has a sha256 (offline), and online each one is the sha256 the
index publishes for that file (PEP 691 ``hashes``, or the PEP 503 URL fragment).

A hash in a lock proves nothing on its own: pip-audit's ``--require-hashes`` checks only that
one is present. Here the index is asked. Where it publishes no hash, ``--verify-files``
downloads the file from the lock's URL and hashes it; without it the file is not checked.
A requirements file lists hashes without file names: each must be the hash of some file the
index serves for that release.
"""

from __future__ import annotations

from chainproof.audit.checks.base import CheckContext, CheckOutcome, Rule
from chainproof.audit.checks.served import package_indexes, package_listings
from chainproof.audit.locked import INDEX, LockedPackage, LockFileEntry
from chainproof.index.listing import IndexFile, ProjectListing
from chainproof.redact import strip_credentials

__all__ = ["HashesCheck"]

MISSING = Rule("hashes.missing", "high", "A locked file has no sha256")
MISMATCH = Rule("hashes.mismatch", "critical", "A locked sha256 differs from the index's")
NOT_SERVED = Rule("hashes.not-on-index", "high", "The index does not serve a locked file")


def _served(listings: list[ProjectListing], version: str) -> list[IndexFile]:
    return [f for listing in listings for f in listing.files_of(version)]


class HashesCheck:
    id = "hashes"
    rules: tuple[Rule, ...] = (MISSING, MISMATCH, NOT_SERVED)

    def run(self, context: CheckContext) -> CheckOutcome:
        outcome = CheckOutcome()
        online: list[LockedPackage] = []
        for package in context.evidence.packages:
            if package.version is None:
                continue  # unpinned: the pins check names it, no file to hash
            if self._missing(context, outcome, package) or package.kind != INDEX:
                continue
            online.append(package)
        if context.index is None:
            for package in online:
                outcome.skip(self.id, package, "hashes not compared with the index (offline)")
            return outcome
        for package, found in package_listings(context, online).items():
            self._compare(context, outcome, package, found)
        return outcome

    def _missing(
        self, context: CheckContext, outcome: CheckOutcome, package: LockedPackage
    ) -> bool:
        """A finding (and True) when the lock gives no sha256 for some file of the package."""
        bare = [f.filename or f.url or "?" for f in package.files if not f.sha256]
        if package.files and not bare:
            return False
        if not package.files and package.hashes:
            return False
        if not package.files and package.kind != INDEX:
            return False  # a direct reference without files: the pins check names it
        what = f" for {', '.join(bare)}" if bare else ""
        outcome.add(
            context,
            MISSING,
            package,
            f"{package.name} {package.version} has no sha256{what}, so nothing proves "
            "which file installs.",
            (("where", package.where), ("files without a hash", ", ".join(bare))),
            "Lock with hashes (uv lock; uv pip compile --generate-hashes; pip lock).",
        )
        return True

    def _compare(
        self,
        context: CheckContext,
        outcome: CheckOutcome,
        package: LockedPackage,
        listings: list[ProjectListing],
    ) -> None:
        version = package.version or ""
        served = _served(listings, version)
        indexes = ", ".join(strip_credentials(i) for i in package_indexes(context, package))
        if not served:
            outcome.add(
                context,
                NOT_SERVED,
                package,
                f"{package.name} {version} is not served by {indexes or 'any index'}.",
                (("indexes", indexes),),
                "Re-lock from an index that serves it, or find out why it was removed.",
            )
            return
        if package.files:
            by_name = {f.filename: f for f in served}
            for locked in package.files:
                self._file(context, outcome, package, locked, by_name.get(locked.filename))
            return
        published = {f.sha256 for f in served if f.sha256}
        if len(published) < len(served):  # some files without a published hash
            published |= self._downloaded(context, outcome, package, served)
        for sha in package.hashes:
            if sha not in published and published:
                outcome.add(
                    context,
                    MISMATCH,
                    package,
                    f"{package.name} {version}: the lock's sha256 {sha} is the hash of no file "
                    f"{indexes} serves for that release.",
                    (
                        ("lock sha256", sha),
                        ("index sha256", ", ".join(sorted(published))),
                        ("index", indexes),
                    ),
                    "Do not install it: find out where the locked file came from, then "
                    "re-lock from the index.",
                )

    def _downloaded(
        self,
        context: CheckContext,
        outcome: CheckOutcome,
        package: LockedPackage,
        served: list[IndexFile],
    ) -> set[str]:
        bare = [f for f in served if not f.sha256]
        if not context.verify_files or context.index is None:
            outcome.skip(
                self.id,
                package,
                f"the index publishes no sha256 for {len(bare)} file(s) "
                "(--verify-files downloads them)",
            )
            return set()
        return {context.index.sha256_of(f.url) for f in bare}

    def _file(
        self,
        context: CheckContext,
        outcome: CheckOutcome,
        package: LockedPackage,
        locked: LockFileEntry,
        served: IndexFile | None,
    ) -> None:
        if served is None:
            outcome.add(
                context,
                NOT_SERVED,
                package,
                f"{package.name} {package.version}: the index does not serve {locked.filename}.",
                (("file", locked.filename), ("lock sha256", locked.sha256 or "")),
                "Re-lock from the index, or find out why the file was removed.",
            )
            return
        published = served.sha256
        if published is None:
            if not context.verify_files or context.index is None:
                outcome.skip(
                    self.id,
                    package,
                    f"the index publishes no sha256 for {locked.filename} "
                    "(--verify-files downloads it)",
                )
                return
            published = context.index.sha256_of(locked.url or served.url)
        if published != locked.sha256:
            outcome.add(
                context,
                MISMATCH,
                package,
                f"{package.name} {package.version}: the sha256 of {locked.filename} in the "
                f"lock differs from the index's.",
                (
                    ("file", locked.filename),
                    ("lock sha256", locked.sha256 or ""),
                    ("index sha256", published),
                ),
                "Do not install it: find out which file the lock was made from, then re-lock "
                "from the index.",
            )
