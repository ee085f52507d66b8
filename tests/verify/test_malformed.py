"""Adversarial review of `chainproof verify`, bad input: malformed bundles and certificates,
contradictory or empty options, a broken trusted-root cache. Each is one clear sentence and
exit 2, never a traceback, an internal error or a pass."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from tests.sigstore_local import LocalSigstore
from tests.verify.keyless import PROJECT
from tests.verify.release_helpers import WHEEL, invoke


@pytest.mark.parametrize(
    "content",
    [
        b'{"mediaType": []}',
        b'{"mediaType": {"a": 1}}',
        b"[" * 100_000 + b"]" * 100_000,
    ],
)
def test_malformed_bundle_is_one_sentence(release: Path, content: bytes) -> None:
    (release / f"{WHEEL}.sigstore.json").write_bytes(content)
    result = invoke(["verify", str(release / WHEEL), "--gitlab", PROJECT, "--offline"])
    assert result.exit_code == 2, result.output
    assert "sigstore.json" in result.stderr


def _certificate_with_duplicate_extension() -> bytes:
    """A leaf whose Fulcio source-repository extension appears twice (DER patched: builders
    refuse to write it); unsigned by anyone trusted, but it must be rejected while parsing."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([]))
        .issuer_name(x509.Name([]))
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
    )
    for arc in (12, 13):
        oid = x509.ObjectIdentifier(f"1.3.6.1.4.1.57264.1.{arc}")
        builder = builder.add_extension(x509.UnrecognizedExtension(oid, b"\x0c\x01x"), False)
    der = builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    arc_12, arc_13 = (bytes.fromhex("060a2b0601040183bf3001") + bytes([a]) for a in (12, 13))
    assert der.count(arc_13) == 1
    return der.replace(arc_13, arc_12)


def test_certificate_with_duplicate_extension_is_a_failed_check(vectors: Path) -> None:
    """The file parses as a bundle: a certificate that does not decode fails a check (exit 1)."""
    path = vectors / "bundle_v3_github.whl.sigstore"
    bundle = json.loads(path.read_text())
    chain = bundle["verificationMaterial"]["x509CertificateChain"]["certificates"]
    chain[0]["rawBytes"] = base64.b64encode(_certificate_with_duplicate_extension()).decode()
    path.write_text(json.dumps(bundle))
    args = ["verify", str(vectors / "bundle_v3_github.whl"), "--github", "a/b", "--offline"]
    result = invoke(args)
    assert result.exit_code == 1, result.output
    assert "certificate: " in result.stderr
    assert "signing certificate is malformed" in result.stderr


@pytest.mark.parametrize("arg", ["sha256:abc", "sha512:" + "0" * 128, "SHA256:" + "g" * 64])
def test_bad_digest_argument_is_one_sentence(release: Path, arg: str) -> None:
    bundle = release / f"{WHEEL}.sigstore.json"
    result = invoke(["verify", arg, "--bundle", str(bundle), "--gitlab", PROJECT, "--offline"])
    assert result.exit_code == 2, result.output
    assert "sha256:HEX" in result.stderr or "not a valid digest" in result.stderr


def test_offline_root_with_an_empty_or_corrupt_cache(vectors: Path, tmp_path: Path) -> None:
    """--offline falls back to the root shipped with sigstore-python; a corrupt cached copy is
    one sentence naming the cache, never a pass and never a dump."""
    env = {k: str(tmp_path) for k in ("HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME")}
    args = ["verify", str(vectors / "bundle_v3_github.whl"), "--offline"]
    args += ["--github", "trailofbits/rfc8785.py", "--ref", "refs/tags/v0.1.2"]
    assert invoke(args, env=env).exit_code == 0
    for cached in tmp_path.rglob("trusted_root.json"):
        cached.write_text("garbage\n")
    result = invoke(args, env=env)
    assert result.exit_code == 2, result.output
    assert "cached Sigstore trusted root is unusable" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 2  # the sentence and its hint


def test_gitlab_project_with_the_github_issuer_is_contradictory(release: Path) -> None:
    issuer = "https://token.actions.githubusercontent.com"
    result = invoke(["verify", str(release), "--gitlab", PROJECT, "--issuer", issuer])
    assert result.exit_code == 2, result.output
    assert "contradictory" in result.stderr


@pytest.mark.parametrize("arg", ["", " "])
def test_empty_target_is_not_the_working_directory(
    release: Path, arg: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`chainproof verify "$ARTIFACT"` with the variable unset must not verify the cwd."""
    monkeypatch.chdir(release)
    result = invoke(["verify", arg, "--gitlab", PROJECT, "--offline"])
    assert result.exit_code == 2, result.output
    assert "empty" in result.stderr


@pytest.mark.parametrize("signatures", [[], [{"sig": ""}]])
def test_dsse_bundle_without_a_usable_signature_fails(
    vectors: Path, signatures: list[dict[str, str]]
) -> None:
    """sigstore-python refuses such an envelope only while verifying: a failed check."""
    bundle = vectors / "reusable-workflow-attestation.sigstore.json"
    data = json.loads(bundle.read_text())
    data["dsseEnvelope"]["signatures"] = signatures
    bundle.write_text(json.dumps(data))
    args = ["verify", str(vectors / "reusable-workflow-artifact"), "--bundle", str(bundle)]
    result = invoke([*args, "--github", "malancas/attest-demo", "--offline", "--json"])
    assert result.exit_code == 1, result.output
    (failure,) = json.loads(result.stdout)["failures"]
    assert failure["check"] == "bundle"
    assert "signature" in failure["detail"]


def test_a_v2_bundle_whose_leaf_has_no_key_usage_is_a_failed_check(vectors: Path) -> None:
    """sigstore-python's Bundle reads a v0.1/v0.2 leaf's key usage and raises
    ExtensionNotFound without one (the fast path falls back on it): exit 1, not 70."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "no key usage")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    path = vectors / "bundle_v3_github.whl.sigstore"
    bundle = json.loads(path.read_text())
    chain = bundle["verificationMaterial"]["x509CertificateChain"]["certificates"]
    der = certificate.public_bytes(serialization.Encoding.DER)
    chain[0]["rawBytes"] = base64.b64encode(der).decode()
    path.write_text(json.dumps(bundle))
    args = ["verify", str(vectors / "bundle_v3_github.whl"), "--github", "a/b", "--offline"]
    result = invoke(args)
    assert result.exit_code == 1, result.output
    assert "certificate: " in result.stderr


@pytest.mark.parametrize("edit", ["no CA", "a CA not started"])
def test_a_root_without_a_usable_ca_is_bad_input(
    local_sigstore: LocalSigstore, release: Path, tmp_path: Path, edit: str
) -> None:
    """sigstore-python's Verifier refuses a root with no Fulcio certificate (MetadataError):
    one sentence and exit 2, before anything is verified, not an internal error (70)."""
    root = json.loads(local_sigstore.trusted_root.read_text())
    if edit == "no CA":
        root["certificateAuthorities"] = []
    else:
        root["certificateAuthorities"][0]["validFor"]["start"] = "2999-01-01T00:00:00Z"
    path = tmp_path / "trusted_root.json"
    path.write_text(json.dumps(root))
    result = invoke(["verify", str(release), "--trusted-root", str(path), "--gitlab", PROJECT])
    assert result.exit_code == 2, result.output
    assert "trusted root" in result.stderr
