"""`chainproof sign` keyless, end to end against the local Sigstore instance, on a real build's
dists; every output is checked with the upstream verifiers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format  # type: ignore[import-untyped]
from in_toto_attestation.predicates.provenance.v1 import provenance_pb2
from in_toto_attestation.v1 import statement_pb2
from in_toto_attestation.v1.statement import Statement as InTotoStatement
from pypi_attestations import Attestation, AttestationType, Distribution, GitLabPublisher
from pypi_attestations import VerificationError as AttestationVerificationError
from sigstore.models import Bundle
from sigstore.verify import Verifier, policy
from typer.testing import CliRunner

from chainproof.cli.app import app
from chainproof.formats.intoto import BUILD_TYPE
from chainproof.formats.release_manifest import RELEASE_SCHEMA
from tests.signing.demo import COMMIT, SOURCE_URI
from tests.sigstore_local import LocalSigstore

SAN = "https://gitlab.com/group/project//.gitlab-ci.yml@refs/heads/main"
ISSUER = "https://gitlab.com"
DISTS = ("cp_demo-1.2.0-py3-none-any.whl", "cp_demo-1.2.0.tar.gz")
GITLAB_ENV = {
    "GITLAB_CI": "true",
    "CI_SERVER_URL": "https://gitlab.com",
    "CI_PROJECT_PATH": "group/project",
    "CI_RUNNER_ID": "12345",
    "CI_JOB_URL": "https://gitlab.com/group/project/-/jobs/678",
}


@pytest.fixture(autouse=True)
def _no_ambient_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITLAB_CI", "GITHUB_ACTIONS", "SIGSTORE_ID_TOKEN", "CHAINPROOF_IDENTITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def _sigstore_cli(
    sigstore: LocalSigstore, path: Path, identity: str = SAN, bundle: Path | None = None
) -> int:
    """The upstream CLI: PATH.sigstore.json beside PATH, or --bundle (a DSSE bundle must
    have PATH's digest among its statement's subjects)."""
    return sigstore.cli_verify(path, identity, ISSUER, bundle)


def _statement(payload: bytes, predicate_type: str) -> dict[str, Any]:
    """Validate with in-toto-attestation's models and return the statement."""
    proto = json_format.Parse(payload, statement_pb2.Statement())
    InTotoStatement.copy_from_pb(proto).validate()
    statement: dict[str, Any] = json.loads(payload)
    assert statement["predicateType"] == predicate_type
    return statement


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def signed(
    local_sigstore: LocalSigstore, demo_release: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    for name, value in GITLAB_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", local_sigstore.gitlab_token())
    result = CliRunner().invoke(
        app, ["sign", str(demo_release), "--trust-config", str(local_sigstore.trust_config)]
    )
    assert result.exit_code == 0, result.output
    assert SAN in result.output
    return demo_release


def test_sign_writes_every_file_of_a_release(signed: Path) -> None:
    names = {p.name for p in signed.iterdir()}
    expected = {
        *DISTS,
        "build-record.json",
        "sbom.cdx.json",
        "sbom.cdx.json.sigstore.json",
        "provenance.sigstore.json",
        "sbom.intoto.sigstore.json",
        "release.json",
        *(f"{d}.sigstore.json" for d in DISTS),
        *(f"{d}.publish.attestation" for d in DISTS),
    }
    assert names == expected


def test_each_bundle_verifies_with_the_upstream_cli(
    signed: Path, local_sigstore: LocalSigstore
) -> None:
    for name in (*DISTS, "sbom.cdx.json"):
        assert _sigstore_cli(local_sigstore, signed / name) == 0, name
        bundle = json.loads((signed / f"{name}.sigstore.json").read_text())
        assert bundle["mediaType"] == "application/vnd.dev.sigstore.bundle.v0.3+json"
    for statement in ("provenance.sigstore.json", "sbom.intoto.sigstore.json"):
        for name in DISTS:
            assert _sigstore_cli(local_sigstore, signed / name, bundle=signed / statement) == 0
        not_a_subject = signed / "build-record.json"
        assert _sigstore_cli(local_sigstore, not_a_subject, bundle=signed / statement) != 0
    assert _sigstore_cli(local_sigstore, signed / DISTS[0], SAN.replace("main", "dev")) != 0
    wheel = signed / DISTS[0]
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    assert _sigstore_cli(local_sigstore, wheel) != 0


def test_provenance_verifies_and_is_slsa_v1(signed: Path, local_sigstore: LocalSigstore) -> None:
    bundle = Bundle.from_json((signed / "provenance.sigstore.json").read_bytes())
    identity = policy.AllOf(
        [
            policy.Identity(identity=SAN, issuer=ISSUER),
            policy.OIDCSourceRepositoryURI(SOURCE_URI),
            policy.OIDCSourceRepositoryRef("refs/heads/main"),
        ]
    )
    payload_type, payload = local_sigstore.verifier().verify_dsse(bundle, identity)
    assert payload_type == "application/vnd.in-toto+json"
    statement = _statement(payload, "https://slsa.dev/provenance/v1")
    json_format.ParseDict(statement["predicate"], provenance_pb2.Provenance())
    assert {s["name"]: s["digest"]["sha256"] for s in statement["subject"]} == {
        d: _sha256(signed / d) for d in DISTS
    }
    definition = statement["predicate"]["buildDefinition"]
    assert definition["buildType"] == BUILD_TYPE
    assert definition["externalParameters"]["source"] == {
        "repository": SOURCE_URI,
        "ref": "refs/heads/main",
        "commit": COMMIT,
        "dirty": False,
    }
    resolved = definition["resolvedDependencies"]
    assert resolved[0] == {
        "uri": f"git+{SOURCE_URI}@refs/heads/main",
        "digest": {"gitCommit": COMMIT},
    }
    record = json.loads((signed / "build-record.json").read_text())
    assert [(r["name"], r["digest"]["sha256"]) for r in resolved[1:]] == [
        (p["filename"], p["sha256"]) for p in record["build_environment"]
    ]
    run = statement["predicate"]["runDetails"]
    assert run["builder"]["id"] == "https://gitlab.com/group/project/-/runners/12345"
    assert run["metadata"] == {
        "invocationId": GITLAB_ENV["CI_JOB_URL"],
        "startedOn": record["started"],
        "finishedOn": record["finished"],
    }


def test_sbom_attestation_carries_the_sbom(signed: Path, local_sigstore: LocalSigstore) -> None:
    bundle = Bundle.from_json((signed / "sbom.intoto.sigstore.json").read_bytes())
    _, payload = local_sigstore.verifier().verify_dsse(
        bundle, policy.Identity(identity=SAN, issuer=ISSUER)
    )
    statement = _statement(payload, "https://cyclonedx.org/bom")
    assert statement["predicate"] == json.loads((signed / "sbom.cdx.json").read_text())
    assert sorted(s["digest"]["sha256"] for s in statement["subject"]) == sorted(
        _sha256(signed / d) for d in DISTS
    )


def test_pep740_attestations_verify_with_pypi_attestations(
    signed: Path, local_sigstore: LocalSigstore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Attestation.verify() builds its Verifier with Verifier.production()/staging() and takes
    # no trust root. Point Verifier.production at the local root so the library's own checks
    # (bundle, publisher policy, subject name and digest, predicate type) run unchanged.
    local = local_sigstore.verifier()
    monkeypatch.setattr(Verifier, "production", classmethod(lambda cls, offline=False: local))
    publisher = GitLabPublisher(repository="group/project", workflow_filepath=".gitlab-ci.yml")
    for name in DISTS:
        attestation = Attestation.model_validate_json(
            (signed / f"{name}.publish.attestation").read_bytes()
        )
        dist = Distribution.from_file(signed / name)
        predicate_type, _ = attestation.verify(publisher, dist, offline=True)
        assert predicate_type == AttestationType.PYPI_PUBLISH_V1
        wrong = Distribution(name=name, digest="0" * 64)
        with pytest.raises(AttestationVerificationError):
            attestation.verify(publisher, wrong, offline=True)
    other = GitLabPublisher(repository="group/other", workflow_filepath=".gitlab-ci.yml")
    with pytest.raises(AttestationVerificationError):
        attestation.verify(other, dist, offline=True)


def test_release_json_lists_every_file(signed: Path) -> None:
    manifest = json.loads((signed / "release.json").read_text())
    assert manifest["schema"] == RELEASE_SCHEMA
    assert manifest["project"] == {"name": "cp-demo", "version": "1.2.0"}
    files = manifest["files"]
    assert [f["name"] for f in files] == sorted(
        p.name for p in signed.iterdir() if p.name != "release.json"
    )
    for entry in files:
        path = signed / entry["name"]
        assert entry["sha256"] == _sha256(path)
        assert entry["size"] == path.stat().st_size
    roles = {f["name"]: (f["role"], f.get("subject")) for f in files}
    assert roles[DISTS[0]] == ("artifact", None)
    assert roles["provenance.sigstore.json"] == ("provenance", None)
    assert roles["sbom.intoto.sigstore.json"] == ("sbom-attestation", None)
    assert roles["sbom.cdx.json.sigstore.json"] == ("signature", "sbom.cdx.json")
    assert roles[f"{DISTS[1]}.publish.attestation"] == ("pep740-attestation", DISTS[1])
    assert (signed / "release.json").read_text() == json.dumps(
        manifest, indent=2, sort_keys=True, ensure_ascii=False
    ) + "\n"


def test_json_summary_and_sbom_from_elsewhere(
    local_sigstore: LocalSigstore, demo_release: Path, tmp_path: Path
) -> None:
    sbom = tmp_path / "bom.json"
    (demo_release / "sbom.cdx.json").rename(sbom)
    result = CliRunner().invoke(
        app,
        [
            "sign",
            str(demo_release),
            "--sbom",
            str(sbom),
            "--json",
            "--trust-config",
            str(local_sigstore.trust_config),
            "--identity-token",
            local_sigstore.github_token("octo/demo"),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["signer"].startswith("https://github.com/octo/demo/.github/workflows/")
    assert (demo_release / "sbom.cdx.json").read_bytes() == sbom.read_bytes()
    assert "sbom.cdx.json.sigstore.json" in summary["written"]
