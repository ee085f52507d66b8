"""A SLSA Verification Summary Attestation (in-toto Statement v1) of a verify decision.

``chainproof verify --vsa FILE`` signs it as DSSE (``--vsa-key KEY``, or keyless in CI).
``timeVerified`` comes from SOURCE_DATE_EPOCH when set (reproducible output), else the clock.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from chainproof import __version__
from chainproof.config import source_date_epoch
from chainproof.formats.intoto import IN_TOTO_STATEMENT_V1
from chainproof.verify.report import Report
from chainproof.verify.statements import VSA_PREDICATE_TYPE

__all__ = ["VERIFIER_ID", "VSA_PREDICATE_TYPE", "vsa_statement"]

VERIFIER_ID = "https://chainproof.dev/verify/v1"


def _now() -> str:
    epoch = source_date_epoch()
    moment = datetime.now(UTC) if epoch is None else datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _levels(report: Report) -> list[str]:
    """Build L1 at most: chainproof's provenance is generated and signed inside the user's
    own CI job, by a step the build's other steps could tamper with. A hosted runner does not
    change that (L2 needs the platform itself to generate the provenance; docs/slsa.md)."""
    if not report.passed:
        return ["FAILED"]
    if "provenance" not in report.policy.require:
        return ["SLSA_BUILD_LEVEL_0"]
    return ["SLSA_BUILD_LEVEL_1"]


def vsa_statement(report: Report, resource_uri: str) -> dict[str, Any]:
    """The VSA over every artifact of ``report``; PASSED only if the report passed."""
    policy_json = json.dumps(report.policy.to_json(), sort_keys=True).encode()
    origin = report.policy.origin
    policy_uri = origin.resolve().as_uri() if origin else "chainproof:flags"
    return {
        "_type": IN_TOTO_STATEMENT_V1,
        "subject": [{"name": a.name, "digest": {"sha256": a.sha256}} for a in report.artifacts],
        "predicateType": VSA_PREDICATE_TYPE,
        "predicate": {
            "verifier": {"id": VERIFIER_ID, "version": {"chainproof": __version__}},
            "timeVerified": _now(),
            "resourceUri": resource_uri,
            "policy": {
                "uri": policy_uri,
                "digest": {"sha256": hashlib.sha256(policy_json).hexdigest()},
            },
            "inputAttestations": [
                {"uri": name, "digest": {"sha256": sha}} for name, sha in report.evidence
            ],
            "verificationResult": "PASSED" if report.passed else "FAILED",
            "verifiedLevels": _levels(report),
            "slsaVersion": "1.0",
        },
    }
