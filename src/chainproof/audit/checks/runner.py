"""Run the chosen dependency checks over one input, and say which could not run and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from chainproof.audit.checks.base import Check, CheckContext
from chainproof.audit.checks.hashes import HashesCheck
from chainproof.audit.checks.pins import PinsCheck
from chainproof.audit.checks.sources import SourcesCheck
from chainproof.audit.report import CheckStatus, Finding, Unchecked
from chainproof.errors import UsageError
from chainproof.formats.audit_policy import CHECKS
from chainproof.formats.requirements import IndexOption

__all__ = ["ChecksResult", "applicable", "choose_checks", "run_checks"]

# The inputs each check reads; every check reads every lock format and requirements files.
_READS = {
    "vulnerabilities": ("sbom", "pylock", "uv-lock", "requirements", "env"),
    "pins": ("pylock", "uv-lock", "requirements"),
    "hashes": ("sbom", "pylock", "uv-lock", "requirements"),
    "sources": ("sbom", "pylock", "uv-lock", "requirements"),
}
_INPUTS = {
    "sbom": "an SBOM",
    "pylock": "a pylock.toml",
    "uv-lock": "a uv.lock",
    "requirements": "a requirements file",
    "env": "an installed environment",
}


@dataclass
class ChecksResult:
    findings: list[Finding] = field(default_factory=list)
    unchecked: list[Unchecked] = field(default_factory=list)
    statuses: list[CheckStatus] = field(default_factory=list)


def applicable(check: str, kind: str, has_sources_policy: bool) -> str | None:
    """None when ``check`` can run on input ``kind``, else why not."""
    if kind not in _READS[check]:
        return f"does not apply to {_INPUTS.get(kind, kind)}"
    if check == "sources" and not has_sources_policy:
        return "no [audit.sources] in the policy says which indexes are allowed"
    return None


def choose_checks(
    kind: str, asked: tuple[str, ...] | None, has_sources_policy: bool, origin: str
) -> tuple[tuple[str, ...], list[CheckStatus]]:
    """The checks to run, and the statuses of those that will not. A check that cannot run
    is listed as not checked, with the reason; it is a usage error when ``--checks`` asked for
    it, or when the policy asks for sources without saying which sources are allowed. (The
    policy's list serves every input: the release's SBOM too, which no pins check reads.)"""
    chosen: list[str] = []
    statuses: list[CheckStatus] = []
    for check in CHECKS:
        if asked is not None and check not in asked:
            continue
        why = applicable(check, kind, has_sources_policy)
        if why is None:
            chosen.append(check)
        elif asked is not None and (origin == "--checks" or check == "sources"):
            raise UsageError(f"The {check} check ({origin}) {why}.")
        else:
            statuses.append(CheckStatus(check, False, why))
    return tuple(chosen), statuses


def _check(check: str, pip_extra_indexes: tuple[IndexOption, ...]) -> Check:
    if check == "pins":
        return PinsCheck()
    if check == "hashes":
        return HashesCheck()
    return SourcesCheck(pip_extra_indexes)


def run_checks(
    context: CheckContext,
    chosen: tuple[str, ...],
    pip_extra_indexes: tuple[IndexOption, ...] = (),
) -> ChecksResult:
    """Run every chosen dependency check (not ``vulnerabilities``: the engine runs that)."""
    result = ChecksResult()
    for check_id in chosen:
        if check_id == "vulnerabilities":
            continue
        outcome = _check(check_id, pip_extra_indexes).run(context)
        result.findings += outcome.findings
        result.unchecked += outcome.unchecked
        offline = context.index is None and any(u.check == check_id for u in outcome.unchecked)
        result.statuses.append(
            CheckStatus(check_id, True, "offline: the index was not asked" if offline else "")
        )
    return result
