"""``chainproof verify`` end to end on the real public bundles: exit codes, output, policy files
and malformed input (one sentence, exit 2, never a traceback)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from chainproof.cli.app import app
from tests.verify.conftest import GITHUB_ISSUER, GITLAB_SAN, RFC8785_SAN, copy_vectors

runner = CliRunner()


@pytest.fixture
def vectors(tmp_path: Path) -> Path:
    return copy_vectors(tmp_path)


WHEEL = "bundle_v3_github.whl"
SDIST = "gitlab_oidc_project-0.0.3.tar.gz"
GITHUB = ["--github", "trailofbits/rfc8785.py", "--ref", "refs/tags/v0.1.2"]


def verify(*args: str) -> Result:
    result = runner.invoke(app, ["verify", "--offline", *args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result


def error_lines(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("Error: ")]


def test_passes_with_table(vectors: Path) -> None:
    result = verify(str(vectors / WHEEL), *GITHUB)
    assert result.exit_code == 0, result.output
    assert "artifact" in result.stdout
    assert "result" in result.stdout
    assert "ok" in result.stdout
    assert "github.com/trailofbits/rfc8785.py" in result.stdout
    assert result.stderr == ""  # sigstore's offline warning is not shown
    assert "policy: flags only; trusted root: sigstore-production (offline)" in result.stdout


def test_table_names_the_policy_file_found_in_the_working_directory(
    vectors: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chainproof.toml in the working directory decides too (e.g. its trusted root): the
    output says which file was used."""
    monkeypatch.chdir(vectors)
    (vectors / "chainproof.toml").write_text('[verify]\nref = "refs/tags/v0.1.2"\n')
    result = verify(WHEEL, "--github", "trailofbits/rfc8785.py")
    assert result.exit_code == 0, result.output
    assert f"policy: {vectors / 'chainproof.toml'};" in result.stdout


def test_wrong_identity_exits_1_naming_artifact_and_check(vectors: Path) -> None:
    result = verify(
        str(vectors / WHEEL), "--identity", "https://example.com/x", "--issuer", GITHUB_ISSUER
    )
    assert result.exit_code == 1
    (line,) = error_lines(result)
    assert line.startswith(f"Error: Verification failed: {WHEEL}: identity:")


def test_json_report(vectors: Path) -> None:
    result = verify(str(vectors / SDIST), "--gitlab", "facutuesca/gitlab-oidc-project", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["passed"] is True
    (artifact,) = report["artifacts"]
    assert artifact["signer"]["san"] == GITLAB_SAN
    assert artifact["passed_checks"] == ["identity", "signature"]
    failing = verify(str(vectors / SDIST), "--gitlab", "facutuesca/other", "--json")
    assert failing.exit_code == 1
    assert {f["check"] for f in json.loads(failing.stdout)["failures"]} >= {"repository"}


def test_digest_with_bundle(vectors: Path) -> None:
    digest = "sha256:" + hashlib.sha256((vectors / WHEEL).read_bytes()).hexdigest()
    bundle = str(vectors / f"{WHEEL}.sigstore")
    assert verify(digest, "--bundle", bundle, *GITHUB).exit_code == 0
    assert verify("sha256:" + "1" * 64, "--bundle", bundle, *GITHUB).exit_code == 1
    no_bundle = verify(digest, *GITHUB)
    assert no_bundle.exit_code == 2
    assert "needs --bundle" in no_bundle.stderr


@pytest.mark.parametrize("passed", [True, False])
def test_vsa(vectors: Path, tmp_path: Path, passed: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    ref = "refs/tags/v0.1.2" if passed else "refs/tags/v9"
    out = tmp_path / "vsa.json"
    result = verify(
        str(vectors / WHEEL), "--github", "trailofbits/rfc8785.py", "--ref", ref, "--vsa", str(out)
    )
    assert result.exit_code == (0 if passed else 1)
    vsa = json.loads(out.read_text())
    assert vsa["_type"] == "https://in-toto.io/Statement/v1"
    assert vsa["predicateType"] == "https://slsa.dev/verification_summary/v1"
    assert vsa["subject"] == [
        {
            "name": WHEEL,
            "digest": {"sha256": hashlib.sha256((vectors / WHEEL).read_bytes()).hexdigest()},
        }
    ]
    predicate = vsa["predicate"]
    assert predicate["verificationResult"] == ("PASSED" if passed else "FAILED")
    assert predicate["timeVerified"] == "2023-11-14T22:13:20Z"
    assert predicate["inputAttestations"][0]["uri"] == f"{WHEEL}.sigstore"
    assert predicate["verifiedLevels"] == (["SLSA_BUILD_LEVEL_0"] if passed else ["FAILED"])


def test_vsa_with_a_relative_policy_path(
    vectors: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "deploy.toml").write_text(
        '[verify]\ngithub = "trailofbits/rfc8785.py"\nref = "refs/tags/v0.1.2"\noffline = true\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = verify(str(vectors / WHEEL), "--policy", "deploy.toml", "--vsa", "vsa.json")
    assert result.exit_code == 0, result.output
    policy = json.loads((tmp_path / "vsa.json").read_text())["predicate"]["policy"]
    assert policy["uri"] == (tmp_path / "deploy.toml").resolve().as_uri()


def test_policy_file_needs_no_flags(vectors: Path, tmp_path: Path) -> None:
    policy = tmp_path / "chainproof.toml"
    policy.write_text(
        '[verify]\ngitlab = "facutuesca/gitlab-oidc-project"\n'
        'ref = "refs/heads/main"\noffline = true\n'
    )
    assert verify(str(vectors / SDIST), "--policy", str(policy)).exit_code == 0
    # a flag overrides the file; a wrong one fails
    assert (
        verify(str(vectors / SDIST), "--policy", str(policy), "--ref", "refs/heads/dev").exit_code
        == 1
    )


def test_pyproject_tool_table_is_found(
    vectors: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.chainproof.verify]\n'
        f'identity = "{RFC8785_SAN}"\nissuer = "{GITHUB_ISSUER}"\n'
    )
    monkeypatch.chdir(tmp_path)
    assert verify(str(vectors / WHEEL)).exit_code == 0
    # the identity group is replaced as a whole by a flag of the group
    assert verify(str(vectors / WHEEL), "--identity-regex", "https://example.com/.*").exit_code == 1


def _assert_input_error(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    (line,) = error_lines(result)
    for word in words:
        assert word in line


def test_bundle_that_is_not_json(vectors: Path) -> None:
    (vectors / f"{WHEEL}.sigstore").write_text("not json {")
    _assert_input_error(verify(str(vectors / WHEEL), *GITHUB), "not valid JSON")


def test_unknown_media_type(vectors: Path) -> None:
    path = vectors / f"{WHEEL}.sigstore"
    data = json.loads(path.read_text())
    data["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=9.9"
    path.write_text(json.dumps(data))
    _assert_input_error(verify(str(vectors / WHEEL), *GITHUB), "unknown media type")


def test_truncated_certificate(vectors: Path) -> None:
    path = vectors / f"{WHEEL}.sigstore"
    data = json.loads(path.read_text())
    cert = data["verificationMaterial"]["x509CertificateChain"]["certificates"][0]
    cert["rawBytes"] = base64.b64encode(base64.b64decode(cert["rawBytes"])[:300]).decode()
    path.write_text(json.dumps(data))
    result = verify(str(vectors / WHEEL), *GITHUB)
    assert result.exit_code == 1, result.output  # it parses as a bundle: a failed check
    assert "certificate: " in result.stderr
    assert "signing certificate is malformed" in result.stderr


def test_truncated_pep740_certificate(vectors: Path) -> None:
    path = vectors / f"{SDIST}.publish.attestation"
    data = json.loads(path.read_text())
    material = data["verification_material"]
    material["certificate"] = base64.b64encode(
        base64.b64decode(material["certificate"])[:300]
    ).decode()
    path.write_text(json.dumps(data))
    result = verify(str(vectors / SDIST), "--gitlab", "facutuesca/gitlab-oidc-project")
    assert result.exit_code == 1, result.output
    assert "certificate: " in result.stderr


def test_bundle_of_another_format(vectors: Path) -> None:
    (vectors / f"{WHEEL}.sigstore").write_text('{"hello": "world"}')
    _assert_input_error(verify(str(vectors / WHEEL), *GITHUB), "neither a Sigstore bundle")


def test_policy_with_unknown_key(vectors: Path, tmp_path: Path) -> None:
    policy = tmp_path / "chainproof.toml"
    policy.write_text('[verify]\ngitlab = "a/b"\nidentiy = "typo"\n')
    _assert_input_error(
        verify(str(vectors / SDIST), "--policy", str(policy)), "Unknown key 'identiy'"
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], ("empty",)),
        (["--identity", RFC8785_SAN], ("--issuer",)),
        (
            ["--identity", RFC8785_SAN, "--identity-regex", ".*", "--issuer", GITHUB_ISSUER],
            ("contradictory",),
        ),
        (["--github", "a/b", "--gitlab", "c/d"], ("contradictory",)),
        (["--github", "a/b", "--issuer", "https://gitlab.com"], ("contradictory",)),
        (["--github", "a/b", "--ref", "main"], ("full git ref",)),
        (["--github", "a/b", "--require", "provenance,signatures"], ("Unknown requirement",)),
        (["--github", "a/b", "--layout", "root.layout"], ("--layout-key",)),
        (["--key", "key.pub", "--github", "a/b"], ("contradictory",)),
        (["--gitlab", "g/p", "--source-uri", "https://gitlab.com/g/other"], ("contradictory",)),
    ],
)
def test_bad_usage_exits_2(vectors: Path, args: list[str], words: tuple[str, ...]) -> None:
    _assert_input_error(verify(str(vectors / WHEEL), *args), *words)


def test_missing_artifact_and_empty_directory(tmp_path: Path) -> None:
    _assert_input_error(verify(str(tmp_path / "nope.whl"), *GITHUB), "does not exist")
    _assert_input_error(verify(str(tmp_path), *GITHUB), "no artifacts")
    _assert_input_error(verify(*GITHUB), "Nothing to verify")


def test_a_required_check_that_cannot_run_fails(vectors: Path) -> None:
    result = verify(str(vectors / WHEEL), *GITHUB, "--require", "sbom")
    assert result.exit_code == 1
    assert "sbom" in error_lines(result)[0]
