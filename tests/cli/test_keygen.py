"""`chainproof keygen`, and the key pair's round trip through `chainproof sign --signer key`."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from chainproof.errors import InputError, VerificationFailed
from chainproof.verify.key_envelope import verify_key_envelope


@pytest.fixture(autouse=True)
def _no_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAINPROOF_KEY_PASSWORD", raising=False)
    for name in ("GITLAB_CI", "GITHUB_ACTIONS"):
        monkeypatch.delenv(name, raising=False)


def _keygen(prefix: Path, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, ["keygen", "-o", str(prefix), "--json", *args])
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


@pytest.mark.parametrize("key_type", ["ed25519", "ecdsa"])
def test_keygen_sign_verify_round_trip(tmp_path: Path, demo_release: Path, key_type: str) -> None:
    summary = _keygen(tmp_path / "release", "--type", key_type)
    private, public = tmp_path / "release.key", tmp_path / "release.pub"
    assert summary["private_key"] == str(private)
    assert summary["encrypted"] is False
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert public.read_text().startswith("-----BEGIN PUBLIC KEY-----")

    result = CliRunner().invoke(
        app, ["sign", str(demo_release), "--signer", "key", "--key", str(private), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["signer"] == f"key {summary['keyid']}"
    names = {p.name for p in demo_release.iterdir()}
    assert {"provenance.dsse.json", "sbom.intoto.dsse.json", "release.json"} <= names
    assert not [n for n in names if n.endswith((".sigstore.json", ".publish.attestation"))]

    for name, predicate in (
        ("provenance.dsse.json", "https://slsa.dev/provenance/v1"),
        ("sbom.intoto.dsse.json", "https://cyclonedx.org/bom"),
    ):
        envelope = (demo_release / name).read_bytes()
        payload_type, payload = verify_key_envelope(envelope, public)
        assert payload_type == "application/vnd.in-toto+json"
        assert json.loads(payload)["predicateType"] == predicate

        data = json.loads(envelope)
        flipped = bytearray(base64.b64decode(data["payload"]))
        flipped[len(flipped) // 2] ^= 0x01
        data["payload"] = base64.b64encode(bytes(flipped)).decode()
        with pytest.raises(VerificationFailed):
            verify_key_envelope(json.dumps(data).encode(), public)

    other = tmp_path / "other"
    _keygen(other, "--type", key_type)
    with pytest.raises(VerificationFailed):
        verify_key_envelope(
            (demo_release / "provenance.dsse.json").read_bytes(), tmp_path / "other.pub"
        )
    roles = {
        f["name"]: f["role"]
        for f in json.loads((demo_release / "release.json").read_text())["files"]
    }
    assert roles["provenance.dsse.json"] == "provenance"
    assert roles["sbom.intoto.dsse.json"] == "sbom-attestation"


def test_password_protected_key(
    tmp_path: Path, demo_release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAINPROOF_KEY_PASSWORD", "correct horse")
    assert _keygen(tmp_path / "k")["encrypted"] is True
    assert b"ENCRYPTED" in (tmp_path / "k.key").read_bytes()
    before = sorted(p.name for p in demo_release.iterdir())

    def sign() -> tuple[int, str]:
        result = CliRunner().invoke(
            app, ["sign", str(demo_release), "--signer", "key", "--key", str(tmp_path / "k.key")]
        )
        return result.exit_code, result.output

    monkeypatch.setenv("CHAINPROOF_KEY_PASSWORD", "wrong")
    code, output = sign()
    assert code == 2
    assert "not a PEM private key or a wrong password" in output
    monkeypatch.delenv("CHAINPROOF_KEY_PASSWORD")
    code, output = sign()
    assert code == 2
    assert "is encrypted" in output
    assert "CHAINPROOF_KEY_PASSWORD" in output
    assert sorted(p.name for p in demo_release.iterdir()) == before
    monkeypatch.setenv("CHAINPROOF_KEY_PASSWORD", "correct horse")
    code, output = sign()
    assert code == 0, output


def test_keygen_refuses_to_overwrite(tmp_path: Path) -> None:
    _keygen(tmp_path / "k")
    key = (tmp_path / "k.key").read_bytes()
    result = CliRunner().invoke(app, ["keygen", "-o", str(tmp_path / "k")])
    assert result.exit_code == 2
    assert "already exists" in result.output
    assert (tmp_path / "k.key").read_bytes() == key
    _keygen(tmp_path / "k", "--force")
    assert (tmp_path / "k.key").read_bytes() != key


def test_keygen_bad_type_and_help(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["keygen", "-o", str(tmp_path / "k"), "--type", "rsa"])
    assert result.exit_code == 2
    assert "Unknown key type 'rsa'" in result.output
    assert not list(tmp_path.iterdir())
    help_text = CliRunner().invoke(app, ["keygen", "--help"]).output
    assert "CHAINPROOF_KEY_PASSWORD" in help_text


def test_sign_with_a_missing_or_bad_key(tmp_path: Path, demo_release: Path) -> None:
    def sign(key: Path) -> tuple[int, str]:
        result = CliRunner().invoke(
            app, ["sign", str(demo_release), "--signer", "key", "--key", str(key)]
        )
        return result.exit_code, result.output

    code, output = sign(tmp_path / "absent.key")
    assert (code, "does not exist" in output) == (2, True)
    (tmp_path / "junk.key").write_text("not a key")
    code, output = sign(tmp_path / "junk.key")
    assert (code, "not a PEM private key" in output) == (2, True)
    with pytest.raises(InputError, match="not a PEM public key"):
        verify_key_envelope(b"{}", tmp_path / "junk.key")


@pytest.mark.parametrize("prefix", ["", ".", "/", "..", " "])
def test_keygen_prefix_without_a_name_is_one_sentence(
    prefix: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["keygen", "-o", prefix])
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    assert "needs a file name" in result.output
    assert list(tmp_path.iterdir()) == []


def test_password_that_is_not_utf8(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An environment variable holds bytes: a non-UTF-8 password is used as set."""
    from chainproof.formats.keys import load_signer

    monkeypatch.setenv("CHAINPROOF_KEY_PASSWORD", "\udcffpw")  # b"\xffpw", as Python reads it
    summary = _keygen(tmp_path / "k")
    assert summary["encrypted"] is True
    assert load_signer(tmp_path / "k.key", b"\xffpw").public_key.keyid == summary["keyid"]
