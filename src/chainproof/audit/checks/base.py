"""What every dependency check shares: its rules, the context it runs in, what it returns."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from chainproof.audit.locked import LockedPackage, LockEvidence
from chainproof.audit.report import Finding, Unchecked
from chainproof.audit.severity import Rating
from chainproof.formats.audit_policy import AuditPolicy, index_key
from chainproof.index.client import default_index_url
from chainproof.index.listing import MetadataFile, ProjectListing
from chainproof.models import Component

__all__ = ["Check", "CheckContext", "CheckOutcome", "IndexReader", "Rule", "public_index_url"]


@functools.cache
def public_index_url() -> str:
    return index_key(default_index_url())


@dataclass(frozen=True)
class Rule:
    """A kind of finding: ``id`` is "check.rule"; ``severity`` its default level."""

    id: str
    severity: str
    title: str

    @property
    def check(self) -> str:
        return self.id.split(".", 1)[0]


class IndexReader(Protocol):
    """What the checks ask of the package indexes (``chainproof.index.client.IndexClient``)."""

    def listings(
        self, pairs: Iterable[tuple[str, str]]
    ) -> Mapping[tuple[str, str], ProjectListing | None]: ...

    def sha256_of(self, url: str) -> str: ...

    def download(self, url: str, sink: Callable[[bytes], object]) -> str: ...

    def wheel_metadatas(self, files: Iterable[MetadataFile]) -> Mapping[str, bytes | None]: ...


@dataclass(frozen=True)
class CheckContext:
    evidence: LockEvidence
    policy: AuditPolicy  # its [audit.sources] "public" resolved, when it has that table
    index: IndexReader | None  # None: offline
    verify_files: bool = False  # download files the index publishes no hash for
    project_dir: Path | None = None  # the pyproject.toml the lock must be in step with
    components: tuple[Component, ...] = ()  # the input's inventory (an SBOM's, licences too)

    @property
    def public_index(self) -> str:
        """Where dependency confusion comes from (index_key form): ``[audit.sources]
        public``, else PyPI's simple API (read from the index client only when needed: its
        library takes a third of a second to import)."""
        sources = self.policy.sources
        if sources is not None and sources.public:
            return sources.public
        return public_index_url()

    def rating(self, rule: Rule) -> Rating:
        """The rule's severity: ``[audit.severity]`` for the rule, else for its check, else
        the rule's default."""
        chosen = dict(self.policy.severity)
        for key in (rule.id, rule.check):
            if key in chosen:
                return Rating(chosen[key], "policy", f"[audit.severity] {key}")
        return Rating(rule.severity, "check", rule.id)


@dataclass
class CheckOutcome:
    findings: list[Finding] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)

    def add(
        self,
        context: CheckContext,
        rule: Rule,
        package: LockedPackage | Component,
        summary: str,
        evidence: Sequence[tuple[str, str]] = (),
        remedy: str = "",
    ) -> None:
        component = package if isinstance(package, Component) else package.component()
        self.findings.append(
            Finding(
                id=rule.id,
                component=component,
                summary=summary,
                rating=context.rating(rule),
                check=rule.check,
                evidence=tuple(evidence),
                remedy=remedy,
            )
        )

    def skip(self, check: str, package: LockedPackage, reason: str) -> None:
        self.unchecked.append(Unchecked(package.name, package.version, reason, check))


class Check(Protocol):
    """A dependency check: its id, its rules, and which inputs it reads."""

    id: str
    rules: tuple[Rule, ...]

    def run(self, context: CheckContext) -> CheckOutcome: ...
