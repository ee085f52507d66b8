"""The real public bundles verify offline with their true identities, and fail with a named
reason for a wrong identity, issuer, repository, ref or one changed byte."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from chainproof.formats.deploy_policy import load_policy
from chainproof.verify.report import Report
from chainproof.verify.run import verify_release
from tests.verify.conftest import ATTEST_SAN, GITHUB_ISSUER, GITLAB_SAN, RFC8785_SAN

WHEEL, WHEEL_BUNDLE = "bundle_v3_github.whl", "bundle_v3_github.whl.sigstore"
REUSABLE, REUSABLE_BUNDLE = (
    "reusable-workflow-artifact",
    "reusable-workflow-attestation.sigstore.json",
)
SDIST, SDIST_ATTESTATION = (
    "gitlab_oidc_project-0.0.3.tar.gz",
    "gitlab_oidc_project-0.0.3.tar.gz.publish.attestation",
)

# name -> (artifact, explicit bundle or None, true policies, repository flags, issuer)
CASES: dict[str, tuple[str, str | None, list[dict[str, Any]], dict[str, str], str]] = {
    "github-release": (
        WHEEL,
        None,
        [
            {"identity": RFC8785_SAN, "issuer": GITHUB_ISSUER},
            {"github": "trailofbits/rfc8785.py", "ref": "refs/tags/v0.1.2"},
            {
                "identity-regex": r"https://github\.com/trailofbits/.*@refs/tags/v.*",
                "issuer": GITHUB_ISSUER,
            },
        ],
        {"github": "trailofbits/rfc8785.py"},
        GITHUB_ISSUER,
    ),
    "github-reusable": (
        REUSABLE,
        REUSABLE_BUNDLE,
        [
            {"identity": ATTEST_SAN, "issuer": GITHUB_ISSUER},
            {"github": "malancas/attest-demo", "ref": "refs/heads/main"},
            {
                "github": "malancas/attest-demo",
                "ref": "refs/heads/main",
                "identity": ATTEST_SAN,
                "require": "provenance",
                "builder-id": "https://github.com/actions/runner/github-hosted",
            },
        ],
        {"github": "malancas/attest-demo"},
        GITHUB_ISSUER,
    ),
    "gitlab-pep740": (
        SDIST,
        None,
        [
            {"identity": GITLAB_SAN, "issuer": "https://gitlab.com"},
            {"gitlab": "facutuesca/gitlab-oidc-project", "ref": "refs/heads/main"},
        ],
        {"gitlab": "facutuesca/gitlab-oidc-project"},
        "https://gitlab.com",
    ),
}


def run(
    directory: Path, args: list[str], flags: dict[str, Any], bundle: Path | None = None
) -> Report:
    policy = load_policy({"offline": True, **flags}, search_dir=directory)
    return verify_release(args, bundle, policy).report


def checks(report: Report) -> set[str]:
    return {f.check for f in report.all_failures}


def case_args(vectors: Path, case: str) -> tuple[list[str], Path | None]:
    artifact, bundle, *_ = CASES[case]
    return [str(vectors / artifact)], (vectors / bundle if bundle else None)


@pytest.mark.parametrize("case", sorted(CASES))
def test_true_identities_pass_offline(vectors: Path, case: str) -> None:
    args, bundle = case_args(vectors, case)
    for flags in CASES[case][2]:
        report = run(vectors, args, flags, bundle)
        assert report.passed, (flags, report.all_failures)
        assert {"identity", "signature"} <= set(report.artifacts[0].passed_checks)


def test_true_signers_are_reported(vectors: Path) -> None:
    report = run(
        vectors,
        *case_args(vectors, "github-reusable")[:1],
        {"github": "malancas/attest-demo"},
        vectors / REUSABLE_BUNDLE,
    )
    signer = report.artifacts[0].signer
    assert signer is not None
    assert signer.san == ATTEST_SAN
    assert signer.source_repository_uri == "https://github.com/malancas/attest-demo"
    assert signer.source_repository_ref == "refs/heads/main"
    gitlab = run(vectors, [str(vectors / SDIST)], {"gitlab": "facutuesca/gitlab-oidc-project"})
    assert gitlab.artifacts[0].signer is not None
    assert gitlab.artifacts[0].signer.san == GITLAB_SAN


@pytest.mark.parametrize("case", sorted(CASES))
def test_wrong_identity_fails(vectors: Path, case: str) -> None:
    args, bundle = case_args(vectors, case)
    issuer = CASES[case][4]
    report = run(
        vectors, args, {"identity": "https://example.com/someone-else", "issuer": issuer}, bundle
    )
    assert not report.passed
    assert checks(report) == {"identity"}
    regex = run(
        vectors, args, {"identity-regex": "https://example.com/.*", "issuer": issuer}, bundle
    )
    assert checks(regex) == {"identity"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_wrong_issuer_fails(vectors: Path, case: str) -> None:
    args, bundle = case_args(vectors, case)
    true_identity = CASES[case][2][0]
    wrong = (
        "https://accounts.example.com"
        if CASES[case][4] != "https://accounts.example.com"
        else "https://gitlab.com"
    )
    report = run(vectors, args, {**true_identity, "issuer": wrong}, bundle)
    assert checks(report) == {"issuer"}


@pytest.mark.parametrize("case", sorted(CASES))
def test_wrong_repository_fails(vectors: Path, case: str) -> None:
    args, bundle = case_args(vectors, case)
    ((kind, repo),) = CASES[case][3].items()
    report = run(vectors, args, {kind: repo.split("/")[0] + "/another-project"}, bundle)
    assert not report.passed
    assert "repository" in checks(report)
    assert all(f.subject == Path(args[0]).name for f in report.all_failures)


@pytest.mark.parametrize("case", sorted(CASES))
def test_wrong_ref_fails(vectors: Path, case: str) -> None:
    args, bundle = case_args(vectors, case)
    report = run(vectors, args, {**CASES[case][3], "ref": "refs/heads/attacker"}, bundle)
    assert checks(report) == {"ref"}


@pytest.mark.parametrize(
    ("case", "check"),
    [
        ("github-release", "artifact-digest"),
        ("github-reusable", "subject-digest"),
        ("gitlab-pep740", "subject-digest"),
    ],
)
def test_one_changed_byte_fails(vectors: Path, case: str, check: str) -> None:
    args, bundle = case_args(vectors, case)
    path = Path(args[0])
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    report = run(vectors, args, CASES[case][2][0], bundle)
    assert not report.passed
    assert checks(report) == {check}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("policy_index", [0, 1])
def test_digest_gives_the_same_result_as_the_file(
    vectors: Path, case: str, policy_index: int
) -> None:
    args, bundle = case_args(vectors, case)
    bundle = bundle or next(
        p for p in vectors.iterdir() if p.name.startswith(Path(args[0]).name + ".")
    )
    digest = "sha256:" + hashlib.sha256(Path(args[0]).read_bytes()).hexdigest()
    for flags in (CASES[case][2][policy_index], {**CASES[case][3], "ref": "refs/heads/x"}):
        by_file = run(vectors, args, flags, bundle)
        by_digest = run(vectors, [digest], flags, bundle)
        assert by_file.passed == by_digest.passed
        assert checks(by_file) == checks(by_digest)
        assert by_file.artifacts[0].sha256 == by_digest.artifacts[0].sha256
        assert by_file.artifacts[0].signer == by_digest.artifacts[0].signer
    wrong = "sha256:" + "0" * 64
    assert checks(run(vectors, [wrong], CASES[case][2][0], bundle)) in (
        {"artifact-digest"},
        {"subject-digest"},
    )


def _edit_bundle(path: Path, edit: Any) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def _flip_b64(value: str, index: int = 10) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _entry(data: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = data["verificationMaterial"]["tlogEntries"][0]
    return entry


@pytest.mark.parametrize(
    ("edit", "check"),
    [
        (
            lambda d: d["messageSignature"].update(
                signature=_flip_b64(d["messageSignature"]["signature"])
            ),
            "signature",
        ),
        (
            lambda d: _entry(d)["inclusionProof"]["hashes"].__setitem__(
                0, _flip_b64(_entry(d)["inclusionProof"]["hashes"][0], 0)
            ),
            "tlog-proof",
        ),
        (
            lambda d: _entry(d)["inclusionPromise"].update(
                signedEntryTimestamp=_flip_b64(
                    _entry(d)["inclusionPromise"]["signedEntryTimestamp"]
                )
            ),
            "tlog-promise",
        ),
        (
            lambda d: _entry(d).update(integratedTime=str(int(_entry(d)["integratedTime"]) + 3600)),
            "certificate-validity",
        ),
        (
            lambda d: d["verificationMaterial"]["x509CertificateChain"]["certificates"][0].update(
                rawBytes=_flip_b64(
                    d["verificationMaterial"]["x509CertificateChain"]["certificates"][0][
                        "rawBytes"
                    ],
                    -20,
                )
            ),
            "certificate-chain",
        ),
    ],
)
def test_tampered_bundle_fails_with_its_reason(vectors: Path, edit: Any, check: str) -> None:
    _edit_bundle(vectors / WHEEL_BUNDLE, edit)
    report = run(vectors, [str(vectors / WHEEL)], CASES["github-release"][2][0])
    assert checks(report) == {check}


def test_tampered_dsse_signature_fails(vectors: Path) -> None:
    _edit_bundle(
        vectors / REUSABLE_BUNDLE,
        lambda d: d["dsseEnvelope"]["signatures"][0].update(
            sig=_flip_b64(d["dsseEnvelope"]["signatures"][0]["sig"])
        ),
    )
    report = run(
        vectors,
        [str(vectors / REUSABLE)],
        CASES["github-reusable"][2][0],
        vectors / REUSABLE_BUNDLE,
    )
    assert checks(report) == {"signature"}


def test_tampered_dsse_payload_fails(vectors: Path) -> None:
    def edit(data: dict[str, Any]) -> None:
        statement = json.loads(base64.b64decode(data["dsseEnvelope"]["payload"]))
        statement["predicate"]["runDetails"]["builder"]["id"] = "https://example.com/evil"
        data["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()

    _edit_bundle(vectors / REUSABLE_BUNDLE, edit)
    report = run(
        vectors,
        [str(vectors / REUSABLE)],
        CASES["github-reusable"][2][0],
        vectors / REUSABLE_BUNDLE,
    )
    assert not report.passed
    assert checks(report) <= {"signature", "tlog-entry"}


def test_bundle_of_another_artifact_fails(vectors: Path) -> None:
    report = run(
        vectors, [str(vectors / SDIST)], CASES["github-release"][2][0], vectors / WHEEL_BUNDLE
    )
    assert checks(report) == {"artifact-digest"}
    swapped = run(
        vectors, [str(vectors / WHEEL)], CASES["github-reusable"][2][0], vectors / REUSABLE_BUNDLE
    )
    assert checks(swapped) == {"subject-digest"}


def test_pep740_subject_name_must_match(vectors: Path) -> None:
    renamed = vectors / "gitlab_oidc_project-0.0.4.tar.gz"
    (vectors / SDIST).rename(renamed)
    report = run(vectors, [str(renamed)], CASES["gitlab-pep740"][2][0], vectors / SDIST_ATTESTATION)
    assert checks(report) == {"subject-name"}


def test_missing_bundle_fails(vectors: Path) -> None:
    (vectors / WHEEL_BUNDLE).unlink()
    report = run(vectors, [str(vectors / WHEEL)], CASES["github-release"][2][0])
    assert checks(report) == {"signature"}
    assert "no Sigstore bundle" in report.all_failures[0].detail


def test_provenance_checks_on_a_real_github_attestation(vectors: Path) -> None:
    base = {"github": "malancas/attest-demo", "ref": "refs/heads/main", "require": "provenance"}
    bundle = vectors / REUSABLE_BUNDLE
    args = [str(vectors / REUSABLE)]
    assert run(vectors, args, base, bundle).passed
    wrong_builder = run(vectors, args, {**base, "builder-id": "https://example.com/b"}, bundle)
    assert checks(wrong_builder) == {"builder-id"}
    without = run(
        vectors, [str(vectors / WHEEL)], {**CASES["github-release"][2][1], "require": "provenance"}
    )
    assert checks(without) == {"provenance"}
    assert not run(
        vectors, [str(vectors / WHEEL)], {**CASES["github-release"][2][1], "require": "sbom"}
    ).passed
