"""Run the chosen dependency checks over one input, and say which could not run and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from chainproof.audit.checks.age import AgeCheck
from chainproof.audit.checks.base import Check, CheckContext
from chainproof.audit.checks.content import ContentCheck
from chainproof.audit.checks.hashes import HashesCheck
from chainproof.audit.checks.licenses import LicensesCheck
from chainproof.audit.checks.pins import PinsCheck
from chainproof.audit.checks.sources import SourcesCheck
from chainproof.audit.checks.status import StatusCheck
from chainproof.audit.checks.typosquats import TyposquatsCheck, popular_index
from chainproof.audit.report import CheckStatus, Finding, Unchecked
from chainproof.errors import UsageError
from chainproof.formats.audit_policy import ADVISORY_CHECKS, CHECKS, OPT_IN_CHECKS, AuditPolicy
from chainproof.formats.requirements import IndexOption

__all__ = ["ChecksResult", "applicable", "choose_checks", "run_checks"]

# The inputs each check reads.
_LOCKS = ("pylock", "uv-lock", "requirements")
_EVERY = ("sbom", *_LOCKS, "env")
_READS = {
    "vulnerabilities": _EVERY,
    "malicious": _EVERY,
    "pins": _LOCKS,
    "hashes": ("sbom", *_LOCKS),
    "sources": ("sbom", *_LOCKS),
    "typosquats": _EVERY,
    "status": ("sbom", *_LOCKS),
    "age": ("sbom", *_LOCKS),
    "licenses": _EVERY,
    "content": ("sbom", *_LOCKS),
}
_INPUTS = {
    "sbom": "an SBOM",
    "pylock": "a pylock.toml",
    "uv-lock": "a uv.lock",
    "requirements": "a requirements file",
    "env": "an installed environment",
}
# The checks that judge nothing until the policy says what is allowed, and what it must say.
_NEEDS_POLICY = {
    "sources": "no [audit.sources] in the policy says which indexes are allowed",
    "age": "no min-release-age in the policy says how old a release must be",
    "licenses": "no [audit.licenses] in the policy says which licences are allowed",
}


@dataclass
class ChecksResult:
    findings: list[Finding] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)
    statuses: list[CheckStatus] = field(default_factory=list)


_CONFIGURED = {
    "sources": lambda policy: policy.sources is not None,
    "age": lambda policy: policy.min_release_age is not None,
    "licenses": lambda policy: policy.licenses is not None,
}


def _unconfigured(check: str, policy: AuditPolicy) -> str | None:
    """Why the policy leaves ``check`` nothing to judge by, or None."""
    configured = _CONFIGURED.get(check)
    return _NEEDS_POLICY[check] if configured and not configured(policy) else None


def applicable(check: str, kind: str, policy: AuditPolicy) -> str | None:
    """None when ``check`` can run on input ``kind`` under ``policy``, else why not."""
    if kind not in _READS[check]:
        return f"does not apply to {_INPUTS.get(kind, kind)}"
    return _unconfigured(check, policy)


def choose_checks(
    kind: str, asked: tuple[str, ...] | None, policy: AuditPolicy, origin: str
) -> tuple[tuple[str, ...], list[CheckStatus]]:
    """The checks to run, and the statuses of those that will not. A check that cannot run
    is listed as not checked, with the reason; it is a usage error when ``--checks`` asked for
    it, or when the policy asks for a check without the settings it needs. (The policy's list
    serves every input: the release's SBOM too, which no pins check reads.)"""
    chosen: list[str] = []
    statuses: list[CheckStatus] = []
    for check in CHECKS:
        if asked is not None and check not in asked:
            continue
        if asked is None and check in OPT_IN_CHECKS:
            continue  # not in the default set
        why = applicable(check, kind, policy)
        missing = _unconfigured(check, policy)
        if why is None:
            chosen.append(check)
        elif asked is not None and (origin == "--checks" or missing):
            raise UsageError(f"The {check} check ({origin}) {missing or why}.")
        else:
            statuses.append(CheckStatus(check, False, why))
    return tuple(chosen), statuses


def _check(check: str, context: CheckContext, pip_extra_indexes: tuple[IndexOption, ...]) -> Check:
    if check == "typosquats":
        names = context.policy.typosquats
        return TyposquatsCheck(
            *popular_index(names.allow, names.popular_names, names.extra_popular_names)
        )
    if check == "pins":
        return PinsCheck()
    if check == "hashes":
        return HashesCheck()
    if check == "status":
        return StatusCheck()
    if check == "age":
        return AgeCheck()
    if check == "licenses":
        return LicensesCheck()
    if check == "content":
        return ContentCheck()
    return SourcesCheck(pip_extra_indexes)


def run_checks(
    context: CheckContext,
    chosen: tuple[str, ...],
    pip_extra_indexes: tuple[IndexOption, ...] = (),
) -> ChecksResult:
    """Run every chosen dependency check (not the advisory checks: the engine runs those)."""
    result = ChecksResult()
    for check_id in chosen:
        if check_id in ADVISORY_CHECKS:
            continue
        outcome = _check(check_id, context, pip_extra_indexes).run(context)
        result.findings += outcome.findings
        result.unchecked += outcome.unchecked
        if context.index is None and _only_online(check_id, context.evidence.kind):
            # every package it would judge is listed as not checked, for `unchecked = "fail"`
            result.statuses.append(CheckStatus(check_id, False, "offline: it asks the index"))
            continue
        offline = context.index is None and any(u.check == check_id for u in outcome.unchecked)
        result.statuses.append(
            CheckStatus(check_id, True, "offline: the index was not asked" if offline else "")
        )
    return result


def _only_online(check: str, kind: str) -> bool:
    """Whether the check learns everything it judges from the index, for this input."""
    return check == "status" or (check == "licenses" and kind in _LOCKS)
