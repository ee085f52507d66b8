"""``status``: what the index says of each locked project and file, online: PEP 792 project
status (archived, deprecated, quarantined) and PEP 592 yanked files.

A lock installs a yanked file without a word (pip and uv install a pinned yanked version), and
no installer shows a project's status. An index that serves no status, as some proxies strip
it, leaves the project "not checked", never "active".
"""

from __future__ import annotations

from chainproof.audit.checks.base import CheckContext, CheckOutcome, Rule
from chainproof.audit.checks.served import index_packages, locked_files, package_listings
from chainproof.audit.locked import LockedPackage
from chainproof.index.listing import ProjectListing

__all__ = ["StatusCheck"]

QUARANTINED = Rule("status.quarantined", "high", "The index has quarantined the project")
ARCHIVED = Rule("status.archived", "low", "The project is archived: no more releases")
DEPRECATED = Rule("status.deprecated", "medium", "The project is deprecated")
YANKED = Rule("status.yanked", "high", "A locked file is yanked")

_STATUS_RULES = {"quarantined": QUARANTINED, "archived": ARCHIVED, "deprecated": DEPRECATED}
_STATUS_REMEDY = {
    "quarantined": "Do not install it: the index holds it back, usually as malware under "
    "review. Remove the dependency until the index releases it.",
    "archived": "Plan a replacement: its maintainers will publish no more releases, fixes "
    "included.",
    "deprecated": "Move to the replacement its maintainers name.",
}


class StatusCheck:
    id = "status"
    rules: tuple[Rule, ...] = (QUARANTINED, ARCHIVED, DEPRECATED, YANKED)

    def run(self, context: CheckContext) -> CheckOutcome:
        outcome = CheckOutcome()
        packages = index_packages(context)
        if context.index is None:
            for package in packages:
                outcome.skip(self.id, package, "project status not asked of the index (offline)")
            return outcome
        for package, listings in package_listings(context, packages).items():
            if not listings:
                outcome.skip(self.id, package, "no index serves it (see the hashes check)")
                continue
            self._project(context, outcome, package, listings)
            self._yanked(context, outcome, package, listings)
        return outcome

    def _project(
        self,
        context: CheckContext,
        outcome: CheckOutcome,
        package: LockedPackage,
        listings: list[ProjectListing],
    ) -> None:
        told = [listing for listing in listings if listing.status is not None]
        if not told:
            outcome.skip(self.id, package, "the index serves no project status (PEP 792)")
            return
        for listing in told:
            if listing.status == "active":
                continue
            rule = _STATUS_RULES.get(listing.status or "")
            if rule is None:  # a status newer than PEP 792's four: never read as active
                outcome.skip(self.id, package, f"the index says {listing.status!r}, unknown")
                continue
            reason = f": {listing.status_reason}" if listing.status_reason else ""
            outcome.add(
                context,
                rule,
                package,
                f"{package.name} is {listing.status} on {listing.index_url}{reason}.",
                (
                    ("status", listing.status or ""),
                    ("reason", listing.status_reason or ""),
                    ("index", listing.index_url),
                ),
                _STATUS_REMEDY[listing.status or ""],
            )

    def _yanked(
        self,
        context: CheckContext,
        outcome: CheckOutcome,
        package: LockedPackage,
        listings: list[ProjectListing],
    ) -> None:
        for served in locked_files(package, listings):
            if served.yanked is None:
                continue
            reason = f" ({served.yanked})" if served.yanked else ""
            outcome.add(
                context,
                YANKED,
                package,
                f"{package.name} {package.version}: {served.filename} is yanked{reason}; "
                "a lock installs it anyway.",
                (("file", served.filename), ("yanked reason", served.yanked)),
                "Upgrade to a release that is not yanked, or find out why it was.",
            )
