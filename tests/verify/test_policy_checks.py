"""Checks run because the policy asks for them: a generic attestation passes by identity, a
provenance is judged only by a policy that asks about the build, GitHub Enterprise issuers,
and rollback protection (min-version, max-age)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.sigstore_local import LocalSigstore
from tests.verify.conftest import GITHUB_ISSUER
from tests.verify.keyless import PROJECT, REF, resign, resign_payload, verify
from tests.verify.release_helpers import SDIST, WHEEL, failures, invoke
from tests.verify.test_vectors import checks, run

OCI_DIGEST = "sha256:732112270d7e59418a8c080b134b24cabd67d250d0d0147a97ed95ba5c280aa4"
CUSTOM = "https://github.com/too-legit/attest/.github/workflows/integration.yml@refs/heads/main"
ENTERPRISE_ISSUER = f"{GITHUB_ISSUER}/hammer-time"
PROVENANCE = "provenance.sigstore.json"


# --- generic attestations --------------------------------------------------------------------


def test_generic_dsse_attestation_passes_by_identity(vectors: Path) -> None:
    """cosign's own predicate (in-toto Statement v0.1) over an image digest."""
    flags = {"identity": "cody@soyland.com", "issuer": "https://github.com/login/oauth"}
    report = run(vectors, [OCI_DIGEST], flags, vectors / "oci-attestation.sigstore.json")
    assert report.passed, report.all_failures
    assert report.artifacts[0].predicate_types == ("https://cosign.sigstore.dev/attestation/v1",)
    assert not report.artifacts[0].warnings
    wrong = run(
        vectors,
        [OCI_DIGEST],
        {**flags, "identity": "cody@soyland.co"},
        vectors / "oci-attestation.sigstore.json",
    )
    assert checks(wrong) == {"identity"}
    assert checks(
        run(
            vectors,
            [OCI_DIGEST],
            {**flags, "require": "provenance"},
            vectors / "oci-attestation.sigstore.json",
        )
    ) == {"provenance"}


def _github_statement(tmp_path: Path, sigstore: LocalSigstore, predicate: Any) -> Path:
    """A file and a DSSE bundle over it (SLSA provenance ``predicate``), signed by a workflow
    of owner/repo on the local instance."""
    artifact = tmp_path / "artifact.bin"
    artifact.write_bytes(b"an artifact\n")
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [
            {
                "name": artifact.name,
                "digest": {"sha256": hashlib.sha256(b"an artifact\n").hexdigest()},
            }
        ],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": predicate,
    }
    bundle = tmp_path / "artifact.sigstore.json"
    token = sigstore.github_token(repository="owner/repo")
    resign_payload(sigstore, bundle, json.dumps(statement).encode(), token=token)
    return artifact


def _provenance(repository: str, finished: datetime | None = None) -> dict[str, Any]:
    metadata = {"finishedOn": finished.strftime("%Y-%m-%dT%H:%M:%SZ")} if finished else {}
    return {
        "buildDefinition": {
            "buildType": "https://actions.github.io/buildtypes/workflow/v1",
            "externalParameters": {
                "workflow": {"ref": "refs/heads/main", "repository": repository}
            },
        },
        "runDetails": {
            "builder": {"id": "https://github.com/actions/runner"},
            "metadata": metadata,
        },
    }


def _verify_github(sigstore: LocalSigstore, artifact: Path, *policy: str) -> Any:
    bundle = artifact.with_name("artifact.sigstore.json")
    trust = ["--trust-config", str(sigstore.trust_config)]
    return invoke(["verify", str(artifact), "--bundle", str(bundle), *trust, *policy, "--json"])


def test_provenance_of_another_repository_passes_identity_only_and_fails_with_github(
    tmp_path: Path, local_sigstore: LocalSigstore
) -> None:
    artifact = _github_statement(
        tmp_path, local_sigstore, _provenance("https://github.com/other/repo")
    )
    san = "https://github.com/owner/repo/.github/workflows/release.yml@refs/heads/main"
    identity_only = _verify_github(
        local_sigstore, artifact, "--identity", san, "--issuer", GITHUB_ISSUER
    )
    assert identity_only.exit_code == 0, identity_only.output
    (result,) = json.loads(identity_only.stdout)["artifacts"]
    assert "provenance" not in result["passed_checks"]  # shown, not judged
    assert result["predicate_types"] == ["https://slsa.dev/provenance/v1"]
    assert "https://github.com/other/repo" in result["warnings"][0]
    by_repository = _verify_github(local_sigstore, artifact, "--github", "owner/repo")
    assert by_repository.exit_code == 1, by_repository.output
    assert ("artifact.bin", "provenance-matches-certificate") in failures(by_repository)


# --- custom issuers --------------------------------------------------------------------------


def test_github_enterprise_issuer_passes(vectors: Path) -> None:
    args, bundle = (
        [str(vectors / "custom-issuer-artifact")],
        vectors / "custom-issuer.sigstore.json",
    )
    for flags in (
        {"github": "too-legit/attest", "issuer": ENTERPRISE_ISSUER, "ref": "refs/heads/main"},
        {"github": "too-legit/attest", "issuer": ENTERPRISE_ISSUER, "require": "provenance"},
        {"identity": CUSTOM, "issuer": ENTERPRISE_ISSUER},
    ):
        report = run(vectors, args, flags, bundle)
        assert report.passed, (flags, report.all_failures)


@pytest.mark.parametrize(
    "issuer", [GITHUB_ISSUER, f"{GITHUB_ISSUER}/hammer-tim", f"{GITHUB_ISSUER}/hammer-time-2"]
)
def test_another_github_issuer_fails(vectors: Path, issuer: str) -> None:
    args, bundle = (
        [str(vectors / "custom-issuer-artifact")],
        vectors / "custom-issuer.sigstore.json",
    )
    report = run(vectors, args, {"github": "too-legit/attest", "issuer": issuer}, bundle)
    assert checks(report) == {"issuer"}


@pytest.mark.parametrize(
    "issuer",
    [
        f"{GITHUB_ISSUER}.hammer-time",
        f"{GITHUB_ISSUER}/hammer-time/",
        f"{GITHUB_ISSUER}/a/b",
        "https://token.actions.githubusercontent.co/hammer-time",
        f"http://{GITHUB_ISSUER.removeprefix('https://')}/hammer-time",
    ],
)
def test_lookalike_github_issuer_is_refused(vectors: Path, issuer: str) -> None:
    artifact = str(vectors / "custom-issuer-artifact")
    result = invoke(
        ["verify", artifact, "--github", "too-legit/attest", "--issuer", issuer, "--offline"]
    )
    assert result.exit_code == 2, result.output
    assert "contradictory" in result.output


def test_gitlab_self_managed_issuer_checks_its_host(
    tmp_path: Path, local_sigstore: LocalSigstore
) -> None:
    """--gitlab with a self-managed instance's issuer: the SAN, repository and build config
    must be at that host; gitlab.com's identity does not satisfy it."""
    host = "https://gitlab.example.org"
    artifact = tmp_path / "a.whl"
    artifact.write_bytes(b"x")
    token = local_sigstore.gitlab_token(project="group/project", server=host)
    _sign_file(local_sigstore, artifact, token)
    trust = ["--trust-config", str(local_sigstore.trust_config)]
    ok = invoke(["verify", str(artifact), *trust, "--gitlab", "group/project", "--issuer", host])
    assert ok.exit_code == 0, ok.output
    dotcom = invoke(["verify", str(artifact), *trust, "--gitlab", "group/project", "--json"])
    assert dotcom.exit_code == 1
    assert {c for _, c in failures(dotcom)} >= {"issuer", "repository"}


def _sign_file(sigstore: LocalSigstore, path: Path, token: str) -> None:
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    config = ClientTrustConfig.from_json(sigstore.trust_config.read_text())
    with SigningContext.from_trust_config(config).signer(IdentityToken(token)) as signer:
        bundle = signer.sign_artifact(path.read_bytes())
    path.with_name(path.name + ".sigstore.json").write_text(bundle.to_json())


# --- rollback protection ---------------------------------------------------------------------


def test_min_version_refuses_an_older_release(local_sigstore: LocalSigstore, release: Path) -> None:
    assert verify(local_sigstore, release, "--min-version", "1.2.0").exit_code == 0
    older = verify(local_sigstore, release, "--min-version", "1.2.1")
    assert older.exit_code == 1, older.output
    assert failures(older) == {(WHEEL, "min-version"), (SDIST, "min-version")}


def test_min_version_needs_a_version(local_sigstore: LocalSigstore, release: Path) -> None:
    """A digest has no file name: the names signed statements give it decide; none: refused."""
    sha = hashlib.sha256((release / WHEEL).read_bytes()).hexdigest()
    bundle = release / f"{WHEEL}.sigstore.json"
    plain = verify(
        local_sigstore,
        f"sha256:{sha}",
        "--bundle",
        str(bundle),
        "--min-version",
        "1.0",
        require=None,
    )
    assert plain.exit_code == 1, plain.output
    assert {c for _, c in failures(plain)} == {"min-version"}
    with_provenance = verify(
        local_sigstore,
        f"sha256:{sha}",
        "--bundle",
        str(release / PROVENANCE),
        "--min-version",
        "1.0",
        require=None,
    )
    assert with_provenance.exit_code == 0, with_provenance.output


def test_renamed_older_artifact_is_refused(local_sigstore: LocalSigstore, release: Path) -> None:
    """The provenance names the artifact 1.2.0: a file renamed to 9.0.0 does not pass."""
    (release / "release.json").unlink()
    (release / f"{WHEEL}.sigstore.json").unlink()
    (release / f"{WHEEL}.publish.attestation").unlink(missing_ok=True)
    renamed = release / WHEEL.replace("1.2.0", "9.0.0")
    (release / WHEEL).rename(renamed)
    result = verify(
        local_sigstore,
        renamed,
        "--bundle",
        str(release / PROVENANCE),
        "--min-version",
        "9.0",
        require=None,
    )
    assert result.exit_code == 1, result.output
    assert {c for _, c in failures(result)} == {"min-version"}


@pytest.mark.parametrize("value", ["1.x", "latest", ""])
def test_bad_min_version_is_usage(release: Path, value: str) -> None:
    result = invoke(["verify", str(release), "--gitlab", "g/p", "--min-version", value])
    assert result.exit_code == 2, result.output


def test_max_age_refuses_an_old_build(tmp_path: Path, local_sigstore: LocalSigstore) -> None:
    finished = datetime.now(UTC) - timedelta(days=10)
    artifact = _github_statement(
        tmp_path, local_sigstore, _provenance("https://github.com/owner/repo", finished)
    )
    fresh = _verify_github(local_sigstore, artifact, "--github", "owner/repo", "--max-age", "30d")
    assert fresh.exit_code == 0, fresh.output
    old = _verify_github(local_sigstore, artifact, "--github", "owner/repo", "--max-age", "1w")
    assert old.exit_code == 1, old.output
    assert failures(old) == {("artifact.bin", "max-age")}


def test_max_age_without_a_build_time_fails(tmp_path: Path, local_sigstore: LocalSigstore) -> None:
    artifact = _github_statement(
        tmp_path, local_sigstore, _provenance("https://github.com/owner/repo")
    )
    result = _verify_github(local_sigstore, artifact, "--github", "owner/repo", "--max-age", "30d")
    assert result.exit_code == 1, result.output
    assert failures(result) == {("artifact.bin", "max-age")}


def test_max_age_on_a_release(local_sigstore: LocalSigstore, release: Path) -> None:
    """The demo release was built at its commit's time (SOURCE_DATE_EPOCH), long ago."""
    resign(
        local_sigstore,
        release / PROVENANCE,
        lambda st: (
            st["predicate"]["runDetails"]
            .setdefault("metadata", {})
            .update(finishedOn=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
        ),
    )
    (release / "release.json").unlink()
    assert verify(local_sigstore, release, "--max-age", "1h").exit_code == 0
    resign(
        local_sigstore,
        release / PROVENANCE,
        lambda st: st["predicate"]["runDetails"]["metadata"].update(
            finishedOn="2020-01-01T00:00:00Z"
        ),
    )
    old = verify(local_sigstore, release, "--max-age", "365d")
    assert old.exit_code == 1, old.output
    assert failures(old) == {(WHEEL, "max-age"), (SDIST, "max-age")}


@pytest.mark.parametrize("value", ["30", "thirty days", "1y", "-1d"])
def test_bad_max_age_is_usage(release: Path, value: str) -> None:
    result = invoke(["verify", str(release), "--gitlab", "g/p", "--max-age", value])
    assert result.exit_code == 2, result.output
    assert "duration" in result.output


def test_dirty_provenance_fails_an_identity_only_policy_too(
    local_sigstore: LocalSigstore, release: Path
) -> None:
    """Checked before issue 16 under every policy: it stays checked."""

    def edit(statement: Any) -> None:
        statement["predicate"]["buildDefinition"]["externalParameters"]["source"]["dirty"] = True

    resign(local_sigstore, release / PROVENANCE, edit)
    (release / "release.json").unlink()
    san = f"https://gitlab.com/{PROJECT}//.gitlab-ci.yml@{REF}"
    trust = ["--trust-config", str(local_sigstore.trust_config)]
    policy = ["--identity", san, "--issuer", "https://gitlab.com"]
    result = invoke(["verify", str(release), *trust, *policy, "--json"])
    assert result.exit_code == 1, result.output
    assert failures(result) == {(WHEEL, "source-dirty"), (SDIST, "source-dirty")}
