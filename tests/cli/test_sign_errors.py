"""`chainproof sign` failures: one clear sentence, the documented exit code, no file written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from chainproof.cli.app import app
from tests.sigstore_local import LocalSigstore


@pytest.fixture(autouse=True)
def _no_ambient_identity(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITLAB_CI", "GITHUB_ACTIONS", "SIGSTORE_ID_TOKEN", "CHAINPROOF_IDENTITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def _listing(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir()}


def _sign(directory: Path, *args: str) -> Result:
    before = _listing(directory)
    result = CliRunner().invoke(app, ["sign", str(directory), *args])
    assert _listing(directory) == before, "a failed sign changed the release directory"
    assert "Traceback" not in result.output
    return result


def _config(sigstore: LocalSigstore, path: Path | None = None) -> list[str]:
    return ["--trust-config", str(path or sigstore.trust_config)]


def test_expired_token(local_sigstore: LocalSigstore, demo_release: Path) -> None:
    token = local_sigstore.gitlab_token(expires_in=-120)
    result = _sign(demo_release, *_config(local_sigstore), "--identity-token", token)
    assert result.exit_code == 2
    assert "identity token from --identity-token expired at" in result.output


def test_wrong_audience(
    local_sigstore: LocalSigstore, demo_release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SIGSTORE_ID_TOKEN", local_sigstore.gitlab_token(audience="gitlab"))
    result = _sign(demo_release, *_config(local_sigstore))
    assert result.exit_code == 2
    assert "from SIGSTORE_ID_TOKEN is for audience gitlab" in result.output
    assert "aud: sigstore" in result.output  # the hint says how to fix it


def test_missing_token(local_sigstore: LocalSigstore, demo_release: Path) -> None:
    result = _sign(demo_release, *_config(local_sigstore))
    assert result.exit_code == 2
    assert "No identity token for keyless signing." in result.output


def test_not_a_token(local_sigstore: LocalSigstore, demo_release: Path) -> None:
    result = _sign(demo_release, *_config(local_sigstore), "--identity-token", "token.txt")
    assert result.exit_code == 2
    assert "is not a valid JWT" in result.output


def test_token_refused_by_fulcio(local_sigstore: LocalSigstore, demo_release: Path) -> None:
    # Well-formed and current, but the GitLab issuer's CI claims are missing: Fulcio says 400.
    result = _sign(
        demo_release, *_config(local_sigstore), "--identity-token", local_sigstore.token()
    )
    assert result.exit_code == 2
    assert f"Fulcio at {local_sigstore.fulcio_url} refused the identity token" in result.output


@pytest.mark.parametrize(("down", "service"), [("fulcio", "Fulcio"), ("rekor", "Rekor")])
def test_service_unreachable(
    local_sigstore: LocalSigstore, demo_release: Path, down: str, service: str
) -> None:
    config = local_sigstore.unreachable_trust_config(**{down: True})
    signing = json.loads(config.read_text())["signingConfig"]
    url = (signing["caUrls"] if down == "fulcio" else signing["rekorTlogUrls"])[0]["url"]
    entries = local_sigstore.rekor_entries
    result = _sign(
        demo_release,
        *_config(local_sigstore, config),
        "--identity-token",
        local_sigstore.gitlab_token(),
    )
    assert result.exit_code == 3
    expected = f"Cannot reach {service} at {url}: it refused the connection (3 attempts)."
    assert expected in result.output
    assert local_sigstore.rekor_entries == entries


def test_dist_changed_after_build(local_sigstore: LocalSigstore, demo_release: Path) -> None:
    wheel = next(demo_release.glob("*.whl"))
    wheel.write_bytes(wheel.read_bytes() + b"\0")
    result = _sign(
        demo_release, *_config(local_sigstore), "--identity-token", local_sigstore.gitlab_token()
    )
    assert result.exit_code == 2
    assert f"{wheel.name} has sha256" in result.output
    assert "build-record.json says" in result.output


def test_symlinked_dist_is_refused(
    local_sigstore: LocalSigstore, demo_release: Path, tmp_path: Path
) -> None:
    """verify refuses symbolic links in a release directory, so sign does not make one."""
    wheel = next(demo_release.glob("*.whl"))
    outside = tmp_path / "outside.whl"
    wheel.rename(outside)
    wheel.symlink_to(outside)
    result = _sign(
        demo_release, *_config(local_sigstore), "--identity-token", local_sigstore.gitlab_token()
    )
    assert result.exit_code == 2, result.output
    assert f"{wheel.name} is a symbolic link" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--signer", "gpg"], "Unknown signer 'gpg'"),
        (["--signer", "key"], "--signer key needs --key FILE"),
        (["--key", "k.key"], "--key applies only to --signer key."),
        (["--signer", "key", "--key", "k.key", "--staging"], "--staging applies only"),
        (["--staging", "--trust-config", "x.json"], "either --trust-config or --staging"),
        (["--trust-config", "missing.json"], "The trust config missing.json does not exist."),
        (["--sbom", "missing.json"], "The SBOM missing.json does not exist."),
    ],
)
def test_bad_usage(demo_release: Path, args: list[str], message: str) -> None:
    result = _sign(demo_release, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_bad_inputs(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _sign(empty)
    assert result.exit_code == 2
    assert "holds no wheel or sdist to sign" in result.output
    (empty / "demo-1.0.tar.gz").write_bytes(b"x")
    (empty / "sbom.cdx.json").write_text("{not json")
    result = _sign(empty)
    assert result.exit_code == 2
    assert "is not valid JSON" in result.output
    (empty / "sbom.cdx.json").write_text('{"spdxVersion": "SPDX-2.3"}')
    result = _sign(empty)
    assert result.exit_code == 2
    assert "is not a CycloneDX JSON SBOM" in result.output
    bad_config = tmp_path / "config.json"
    bad_config.write_text('{"mediaType": "nope"}')
    (empty / "sbom.cdx.json").unlink()
    result = _sign(empty, "--trust-config", str(bad_config))
    assert result.exit_code == 2
    assert "is not a usable Sigstore ClientTrustConfig" in result.output


@pytest.mark.parametrize("instance", [[], ["--staging"]])
def test_token_problems_come_before_fetching_a_public_trust_root(
    local_sigstore: LocalSigstore, demo_release: Path, instance: list[str]
) -> None:
    # No --trust-config: the public instance's root would come over the network (which the
    # test suite does not have); the token's problem is reported first, exit 2 not 3.
    result = _sign(demo_release, *instance)
    assert (result.exit_code, "No identity token" in result.output) == (2, True)
    expired = local_sigstore.gitlab_token(expires_in=-120)
    result = _sign(demo_release, *instance, "--identity-token", expired)
    assert (result.exit_code, "expired at" in result.output) == (2, True)


@pytest.mark.parametrize("service", ["fulcio", "rekor"])
def test_transient_outage_is_retried(
    local_sigstore: LocalSigstore, demo_release: Path, service: str
) -> None:
    # Two 503s, then the service answers: the third attempt succeeds.
    with local_sigstore.failing(service, count=2, status=503):
        result = CliRunner().invoke(
            app,
            [
                "sign",
                str(demo_release),
                *_config(local_sigstore),
                "--identity-token",
                local_sigstore.gitlab_token(),
            ],
        )
    assert result.exit_code == 0, result.output
    assert (demo_release / "release.json").is_file()


@pytest.mark.parametrize(("service", "name"), [("fulcio", "Fulcio"), ("rekor", "Rekor")])
def test_lasting_outage_gives_up(
    local_sigstore: LocalSigstore, demo_release: Path, service: str, name: str
) -> None:
    url = local_sigstore.fulcio_url if service == "fulcio" else local_sigstore.rekor_url
    with local_sigstore.failing(service, count=1000, status=502):
        result = _sign(
            demo_release,
            *_config(local_sigstore),
            "--identity-token",
            local_sigstore.gitlab_token(),
        )
    assert result.exit_code == 3
    assert f"Cannot reach {name} at {url}: it answered HTTP 502 (3 attempts)." in result.output


def test_dists_of_two_releases_and_conflicting_sbom(demo_release: Path, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere.cdx.json"
    other.write_text('{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 2}')
    result = _sign(demo_release, "--sbom", str(other))
    assert result.exit_code == 2
    assert "sbom.cdx.json exists and differs from the SBOM" in result.output
    (demo_release / "other-2.0.tar.gz").write_bytes(b"x")
    result = _sign(demo_release)
    assert result.exit_code == 2
    assert "holds dists of more than one release (cp-demo 1.2.0, other 2.0)" in result.output
    (demo_release / "other-2.0.tar.gz").unlink()
    (demo_release / "cp_demo-1.2.0-py3-none-any.whl").unlink()
    result = _sign(demo_release)
    assert result.exit_code == 2
    assert "lists cp_demo-1.2.0-py3-none-any.whl, which is not in" in result.output


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[]", "the top level: Input should be an object"),
        ('{"mediaType": "nope"}', "mediaType: Input should be"),
        ("nope", "not valid JSON"),
    ],
)
def test_wrong_shaped_trust_config_is_one_sentence(
    demo_release: Path, tmp_path: Path, content: str, problem: str
) -> None:
    config = tmp_path / "config.json"
    config.write_text(content)
    result = _sign(demo_release, "--trust-config", str(config))
    assert result.exit_code == 2, result.output
    (line, *rest) = result.stderr.strip().splitlines()
    assert line.startswith(f"Error: {config} is not a usable Sigstore ClientTrustConfig: ")
    assert problem in line, line
    assert line.endswith("."), line
    assert len(rest) <= 1
    assert "validation error" not in result.stderr
