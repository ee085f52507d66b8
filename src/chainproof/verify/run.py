"""The one entry point of a verification, for ``chainproof verify`` and the release's verify
stage: find what to verify, pick the verifier the policy names, run every check."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from chainproof.formats.deploy_policy import Policy
from chainproof.progress import Reporter
from chainproof.verify.engine import verify_targets
from chainproof.verify.report import Report
from chainproof.verify.targets import ArtifactToVerify, resolve_targets
from chainproof.verify.verifiers import SigstoreVerifier, verifier_for, verifier_type

__all__ = ["Verified", "verify_release"]


@dataclass(frozen=True)
class Verified:
    report: Report
    targets: list[ArtifactToVerify]


def verify_release(
    args: Sequence[str], bundle: Path | None, policy: Policy, reporter: Reporter | None = None
) -> Verified:
    """Verify the files, directories or ``sha256:`` digests in ``args`` under ``policy``.

    Bad input (a missing file, a malformed release.json) fails before the trusted root is
    loaded; a failed check is in the report, never an exception (``Report.raise_if_failed``).
    """
    kind = verifier_type(policy)
    suffix = kind.statement_suffix if kind is not None else SigstoreVerifier.statement_suffix
    targets, release = resolve_targets(list(args), bundle, suffix)
    report = verify_targets(targets, release, policy, verifier_for(policy), reporter)
    return Verified(report, targets)
