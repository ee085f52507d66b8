"""The outcome of a verification run: per-artifact results and the overall decision.

The decision fails closed: an artifact passes only when it has no failure AND every check the
policy requires for it (``required``) is among the checks that ran and passed; a run with no
artifact, or with any release-level failure, does not pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chainproof.errors import VerificationFailed
from chainproof.formats.deploy_policy import Policy
from chainproof.verify.identity import SignerIdentity

__all__ = ["ArtifactResult", "Failure", "Report"]


@dataclass(frozen=True)
class Failure:
    """One failed check: ``subject`` is the artifact or file it concerns."""

    subject: str
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.subject}: {self.check}: {self.detail}"

    def to_json(self) -> dict[str, str]:
        return {"subject": self.subject, "check": self.check, "detail": self.detail}


@dataclass(frozen=True)
class ArtifactResult:
    name: str
    sha256: str
    signer: SignerIdentity | None
    required: tuple[str, ...]
    passed_checks: tuple[str, ...]
    failures: tuple[Failure, ...]
    predicate_types: tuple[str, ...] = ()  # of the verified statements naming it
    warnings: tuple[str, ...] = ()  # what an identity-only policy did not judge

    @property
    def missing_checks(self) -> tuple[str, ...]:
        return tuple(c for c in self.required if c not in self.passed_checks)

    @property
    def passed(self) -> bool:
        return not self.failures and not self.missing_checks

    @property
    def result(self) -> str:
        """``ok``, or the first failed check (``not-run:<check>`` if one never ran)."""
        if self.failures:
            return self.failures[0].check
        if self.missing_checks:
            return f"not-run:{self.missing_checks[0]}"
        return "ok"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "signer": self.signer.to_json() if self.signer else None,
            "required": list(self.required),
            "passed_checks": list(self.passed_checks),
            "failures": [f.to_json() for f in self.failures],
            "predicate_types": list(self.predicate_types),
            "warnings": list(self.warnings),
            "result": self.result,
            "passed": self.passed,
        }


@dataclass(frozen=True)
class Report:
    """Everything ``verify`` decided. ``evidence`` are the (file, sha256) pairs it relied on."""

    policy: Policy
    trust: str
    artifacts: tuple[ArtifactResult, ...]
    failures: tuple[Failure, ...]  # release-level: manifest, provenance, SBOM files
    evidence: tuple[tuple[str, str], ...] = ()

    @property
    def passed(self) -> bool:
        return bool(self.artifacts) and not self.failures and all(a.passed for a in self.artifacts)

    @property
    def all_failures(self) -> tuple[Failure, ...]:
        own = tuple(f for a in self.artifacts for f in a.failures)
        not_run = tuple(
            Failure(a.name, f"not-run:{c}", f"the {c} check did not run")
            for a in self.artifacts
            if not a.failures
            for c in a.missing_checks
        )
        return self.failures + own + not_run

    def raise_if_failed(self, prefix: str, hint: str | None = None) -> None:
        """VerificationFailed (exit 1) naming the first failure, after ``prefix``, unless
        every artifact passed. A report with no artifact fails: nothing was verified."""
        if self.passed:
            return
        failures = self.all_failures
        first = f"{str(failures[0]).rstrip('.')}." if failures else "nothing was verified."
        raise VerificationFailed(prefix + first, hint=hint)

    def to_json(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "policy": self.policy.to_json(),
            "trust": self.trust,
            "artifacts": [a.to_json() for a in self.artifacts],
            "failures": [f.to_json() for f in self.all_failures],
            "evidence": [{"name": n, "sha256": d} for n, d in self.evidence],
        }
