"""``sources``: each locked package from an allowed index, each file from an allowed host, each
internal name from its own index; online, dependency confusion on the public index.

The evidence is uv.lock's ``source``, pylock's ``index``, a requirements file's
``--index-url`` (and pip's own configuration), and the SBOM's component URLs, judged against
``[audit.sources]``. A name is internal when ``[audit.sources.packages]`` sends it to an index
other than the public one. Online, each internal name is looked up on the public index: served
there, anyone can upload a higher version and an installer that merges indexes
(``--extra-index-url``) takes it; not served, it is unclaimed and should be registered as a
placeholder before someone else does.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from chainproof.audit.checks.base import CheckContext, CheckOutcome, Rule
from chainproof.audit.checks.served import package_indexes
from chainproof.audit.locked import INDEX, LockedPackage
from chainproof.formats.audit_policy import SourcesPolicy
from chainproof.formats.requirements import IndexOption
from chainproof.models import parse_version
from chainproof.redact import strip_credentials

__all__ = ["SourcesCheck"]

INDEX_NOT_ALLOWED = Rule("sources.index-not-allowed", "high", "A package from an index not allowed")
HOST_NOT_ALLOWED = Rule("sources.host-not-allowed", "high", "A file from a host not allowed")
WRONG_INDEX = Rule("sources.wrong-index", "critical", "An internal name from another index")
EXTRA_INDEX = Rule("sources.extra-index-url", "high", "Internal names through --extra-index-url")
CONFUSION = Rule("sources.confusion", "high", "The public index serves an internal name")
CONFUSION_HIGHER = Rule(
    "sources.confusion-higher", "critical", "The public index serves an internal name, higher"
)
UNCLAIMED = Rule("sources.unclaimed", "none", "An internal name nobody holds on the public index")


def _host(url: str) -> str:
    return urlsplit(url).netloc.rsplit("@", 1)[-1].lower()


class SourcesCheck:
    id = "sources"
    rules: tuple[Rule, ...] = (
        INDEX_NOT_ALLOWED,
        HOST_NOT_ALLOWED,
        WRONG_INDEX,
        EXTRA_INDEX,
        CONFUSION,
        CONFUSION_HIGHER,
        UNCLAIMED,
    )

    def __init__(self, pip_extra_indexes: Sequence[IndexOption] = ()) -> None:
        # --extra-index-url from pip's own configuration (environment, pip.conf)
        self.pip_extra_indexes = tuple(pip_extra_indexes)

    def run(self, context: CheckContext) -> CheckOutcome:
        policy = context.policy.sources
        assert policy is not None  # the runner does not run it without [audit.sources]
        outcome = CheckOutcome()
        internal: list[LockedPackage] = []
        for package in context.evidence.packages:
            required = policy.required_index(package.key)
            if required is not None and required != context.public_index:
                internal.append(package)
            if package.kind == INDEX:
                self._index(context, outcome, policy, package, required)
            self._hosts(context, outcome, policy, package)
        self._extra_indexes(context, outcome, internal)
        self._confusion(context, outcome, internal)
        return outcome

    def _index(
        self,
        context: CheckContext,
        outcome: CheckOutcome,
        policy: SourcesPolicy,
        package: LockedPackage,
        required: str | None,
    ) -> None:
        indexes = package_indexes(context, package) if self._index_known(context, package) else ()
        for index in indexes:
            if policy.indexes and index not in policy.indexes:
                outcome.add(
                    context,
                    INDEX_NOT_ALLOWED,
                    package,
                    f"{package.name} is locked from {strip_credentials(index)}, which is not "
                    "an allowed index.",
                    (("index", strip_credentials(index)), ("where", package.where)),
                    "Lock it from an index in [audit.sources] indexes, or allow that index.",
                )
        if required is not None and indexes and required not in indexes:
            outcome.add(
                context,
                WRONG_INDEX,
                package,
                f"{package.name} must come from {strip_credentials(required)} but is locked "
                f"from {', '.join(strip_credentials(i) for i in indexes)}.",
                (
                    ("required index", strip_credentials(required)),
                    ("locked from", ", ".join(strip_credentials(i) for i in indexes)),
                ),
                "Pin the name to its index (uv: [tool.uv.sources] with an explicit index) and "
                "re-lock; check what was installed from the other index.",
            )

    @staticmethod
    def _index_known(context: CheckContext, package: LockedPackage) -> bool:
        """Does the evidence say which index a package comes from (not the fallbacks)?"""
        if package.index:
            return True
        return any(o.option in ("-i", "--index-url") for o in context.evidence.options)

    def _hosts(
        self,
        context: CheckContext,
        outcome: CheckOutcome,
        policy: SourcesPolicy,
        package: LockedPackage,
    ) -> None:
        allowed = {_host(i) for i in policy.indexes} | set(policy.hosts)
        if package.index:
            allowed.add(_host(package.index))
        for locked in package.files:
            if not locked.url or urlsplit(locked.url).scheme not in ("http", "https"):
                continue
            host = _host(locked.url)
            if host not in allowed:
                outcome.add(
                    context,
                    HOST_NOT_ALLOWED,
                    package,
                    f"{package.name} {package.version}: {locked.filename} comes from {host}, "
                    "which is not an allowed host.",
                    (("file", locked.filename), ("url", strip_credentials(locked.url))),
                    "Lock it from an allowed index, or add the host to [audit.sources] hosts.",
                )

    def _extra_indexes(
        self, context: CheckContext, outcome: CheckOutcome, internal: list[LockedPackage]
    ) -> None:
        if context.evidence.kind != "requirements" or not internal:
            return
        extra = [
            o
            for o in (*context.evidence.options, *self.pip_extra_indexes)
            if o.option == "--extra-index-url" and o.value
        ]
        if not extra:
            return
        where = "; ".join(f"{strip_credentials(o.value or '')} ({o.where})" for o in extra)
        for package in internal:
            outcome.add(
                context,
                EXTRA_INDEX,
                package,
                f"{package.name} is internal but pip reaches it through --extra-index-url, "
                "which merges indexes and installs the highest version any of them serves.",
                (("extra index", where),),
                "Install internal names from one index that serves them (--index-url), or "
                "use uv with an explicit index for them.",
            )

    def _confusion(
        self, context: CheckContext, outcome: CheckOutcome, internal: list[LockedPackage]
    ) -> None:
        names = sorted({p.key for p in internal})
        if context.index is None:
            for package in internal:
                outcome.skip(self.id, package, "not looked up on the public index (offline)")
            return
        public = context.public_index
        listings = context.index.listings([(public, key) for key in names])
        for package in internal:
            listing = listings.get((public, package.key))
            shown = strip_credentials(public)
            if listing is None:
                outcome.add(
                    context,
                    UNCLAIMED,
                    package,
                    f"{package.name} is not registered on the public index {shown}: "
                    "anyone may claim it.",
                    (("public index", shown),),
                    "Register a placeholder project of that name on the public index.",
                )
                continue
            versions = listing.versions  # oldest first
            locked = parse_version(package.version or "")
            higher = [
                v for v in versions if locked is not None and (p := parse_version(v)) and p > locked
            ]
            outcome.add(
                context,
                CONFUSION_HIGHER if higher else CONFUSION,
                package,
                f"The public index {shown} also serves {package.name} "
                f"({', '.join(versions) or 'no release'})"
                + (f", higher than the locked {package.version}" if higher else "")
                + ": an installer that merges indexes would take it.",
                (("public versions", ", ".join(versions)), ("public index", shown)),
                "Install it from its own index only; find out who holds the public name.",
            )
