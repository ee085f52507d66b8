"""Deploy-time verification: policy, Sigstore bundles and DSSE, provenance, SBOM, VSA.

Typical use (what ``chainproof verify`` does)::

    policy = load_policy({"gitlab": "group/project", "ref": "refs/heads/main"})
    targets, release = resolve_targets(["dist/"], bundle=None)
    report = verify_targets(targets, release, policy, load_verifier(policy),
                            trust_description(policy))
    report.passed  # fails closed: every required check ran and passed

Heavy libraries (sigstore, cryptography, pypi-attestations) load only when a function runs.
"""

from __future__ import annotations

from chainproof.formats.deploy_policy import Policy, load_policy
from chainproof.verify.engine import verify_targets
from chainproof.verify.report import ArtifactResult, Failure, Report
from chainproof.verify.targets import ArtifactToVerify, Release, resolve_targets
from chainproof.verify.trust import load_verifier, trust_description
from chainproof.verify.vsa import vsa_statement

__all__ = [
    "ArtifactResult",
    "ArtifactToVerify",
    "Failure",
    "Policy",
    "Release",
    "Report",
    "load_policy",
    "load_verifier",
    "resolve_targets",
    "trust_description",
    "verify_targets",
    "vsa_statement",
]
