"""Round trip with a managed key: `chainproof keygen`, `chainproof sign --signer key`, then
`chainproof verify DIR --key PUBKEY --require provenance,sbom`."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import Result

from tests.signing.demo import SOURCE_URI, build_demo_release
from tests.verify.release_helpers import (
    SDIST,
    WHEEL,
    failures,
    flip_byte,
    invoke,
    sbom_with_artifact_hashes,
)

REF = "refs/heads/main"


@pytest.fixture(scope="module")
def keyed_release(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A release signed with `chainproof sign --signer key` (plain DSSE envelopes)."""
    base = tmp_path_factory.mktemp("keyed")
    directory = build_demo_release(base / "dist")
    sbom_with_artifact_hashes(directory)
    env = {"CHAINPROOF_KEY_PASSWORD": "test-password"}
    assert invoke(["keygen", "-o", str(base / "release")], env=env).exit_code == 0
    signed = invoke(
        ["sign", str(directory), "--signer", "key", "--key", str(base / "release.key")], env=env
    )
    assert signed.exit_code == 0, signed.output
    return directory, base / "release.pub"


def verify_keyed(directory: Path, public_key: Path, *extra: str) -> Result:
    return invoke(
        [
            "verify",
            str(directory),
            "--key",
            str(public_key),
            "--require",
            "provenance,sbom",
            "--source-uri",
            SOURCE_URI,
            "--ref",
            REF,
            "--json",
            *extra,
        ]
    )


def test_key_signed_release_verifies(keyed_release: tuple[Path, Path], tmp_path: Path) -> None:
    directory, public_key = keyed_release
    assert (directory / "provenance.dsse.json").is_file()
    result = verify_keyed(directory, public_key)
    assert result.exit_code == 0, result.output
    for artifact in json.loads(result.stdout)["artifacts"]:
        assert artifact["passed_checks"] == ["identity", "provenance", "sbom", "signature"]
    other = tmp_path / "other"
    env = {"CHAINPROOF_KEY_PASSWORD": "x"}
    assert invoke(["keygen", "-o", str(other)], env=env).exit_code == 0
    wrong_key = verify_keyed(directory, tmp_path / "other.pub")
    assert wrong_key.exit_code == 1
    assert (WHEEL, "signature") in failures(wrong_key)
    wrong_ref = verify_keyed(directory, public_key, "--ref", "refs/heads/dev")
    assert (WHEEL, "ref") in failures(wrong_ref)


def test_key_signed_release_tampering(keyed_release: tuple[Path, Path], tmp_path: Path) -> None:
    directory, public_key = keyed_release
    copy = tmp_path / "release"
    shutil.copytree(directory, copy)
    flip_byte(copy / SDIST)
    result = verify_keyed(copy, public_key)
    assert result.exit_code == 1
    assert {(SDIST, "provenance-subject"), (SDIST, "manifest-digest")} <= failures(result)
    envelope = copy / "provenance.dsse.json"
    data = json.loads(envelope.read_text())
    statement = json.loads(base64.b64decode(data["payload"]))
    statement["predicate"]["runDetails"]["builder"]["id"] = "https://evil"
    data["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    envelope.write_text(json.dumps(data))
    assert (WHEEL, "signature") in failures(verify_keyed(copy, public_key))


def _copy(keyed_release: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    directory, public_key = keyed_release
    (release := tmp_path / "release").mkdir()
    for path in directory.iterdir():
        shutil.copy(path, release)
    (release / "release.json").unlink()  # the envelopes change below: read by name
    return release, public_key


def test_payload_type_is_signed(keyed_release: tuple[Path, Path], tmp_path: Path) -> None:
    """DSSE signs PAE(payloadType, payload): another payloadType breaks the signature."""
    release, public_key = _copy(keyed_release, tmp_path)
    envelope = release / "provenance.dsse.json"
    data = json.loads(envelope.read_text())
    data["payloadType"] = "application/json"
    envelope.write_text(json.dumps(data))
    assert (WHEEL, "signature") in failures(verify_keyed(release, public_key))


def test_envelope_signed_by_the_key_with_another_payload_type_fails(
    keyed_release: tuple[Path, Path], tmp_path: Path
) -> None:
    from securesystemslib.dsse import Envelope

    from chainproof.formats.keys import load_signer

    release, public_key = _copy(keyed_release, tmp_path)
    envelope = release / "provenance.dsse.json"
    data = json.loads(envelope.read_text())
    resigned = Envelope(base64.b64decode(data["payload"]), "application/json", {})
    resigned.sign(load_signer(public_key.with_suffix(".key"), b"test-password"))
    envelope.write_text(json.dumps(resigned.to_dict()))
    assert (WHEEL, "payload-type") in failures(verify_keyed(release, public_key))


def test_signature_claiming_the_keyid_but_made_by_another_key_fails(
    keyed_release: tuple[Path, Path], tmp_path: Path
) -> None:
    """Two signatures, one by another key relabelled with the trusted keyid: none verifies."""
    from securesystemslib.dsse import Envelope

    from chainproof.formats.keys import load_signer

    release, public_key = _copy(keyed_release, tmp_path)
    assert invoke(["keygen", "-o", str(tmp_path / "evil")]).exit_code == 0
    envelope = release / "provenance.dsse.json"
    data = json.loads(envelope.read_text())
    statement = json.loads(base64.b64decode(data["payload"]))
    statement["predicate"]["runDetails"]["builder"]["id"] = "https://evil"
    forged = Envelope(json.dumps(statement).encode(), data["payloadType"], {})
    forged.sign(load_signer(tmp_path / "evil.key", None))
    (evil_signature,) = forged.signatures.values()
    trusted_keyid = data["signatures"][0]["keyid"]
    forged_dict = forged.to_dict()
    forged_dict["signatures"] = [
        {"keyid": trusted_keyid, "sig": evil_signature.signature},
        {"keyid": evil_signature.keyid, "sig": evil_signature.signature},
    ]
    envelope.write_text(json.dumps(forged_dict))
    assert (WHEEL, "signature") in failures(verify_keyed(release, public_key))


def test_digest_with_the_key_signed_provenance_as_bundle(
    keyed_release: tuple[Path, Path],
) -> None:
    """By digest, --bundle names the key-signed provenance: the same result as by file."""
    directory, public_key = keyed_release
    provenance = str(directory / "provenance.dsse.json")
    key = ["--key", str(public_key), "--ref", REF, "--json"]
    for name in (WHEEL, SDIST):
        digest = "sha256:" + hashlib.sha256((directory / name).read_bytes()).hexdigest()
        by_digest = invoke(["verify", digest, "--bundle", provenance, *key])
        assert by_digest.exit_code == 0, by_digest.output
        by_file = invoke(["verify", str(directory / name), "--bundle", provenance, *key])
        assert by_file.exit_code == 0, by_file.output
        artifact = json.loads(by_digest.stdout)["artifacts"][0]
        assert artifact["passed_checks"] == ["identity", "provenance", "signature"]
    other = "sha256:" + "ab" * 32
    result = invoke(["verify", other, "--bundle", provenance, *key])
    assert result.exit_code == 1
    assert (other, "subject-digest") in failures(result)
    wrong_ref = invoke(
        ["verify", digest, "--bundle", provenance, *key[:2], "--ref", "refs/heads/x"]
    )
    assert wrong_ref.exit_code == 1


def test_keyless_and_key_statements_side_by_side(
    keyed_release: tuple[Path, Path], keyless_release: Path, tmp_path: Path
) -> None:
    """A release signed both ways (read by name): --key reads the *.dsse.json statements, not
    the Sigstore bundles of the same name."""
    release, public_key = _copy(keyed_release, tmp_path)
    for name in ("provenance.sigstore.json", "sbom.intoto.sigstore.json"):
        shutil.copy(keyless_release / name, release)
    result = verify_keyed(release, public_key)
    assert result.exit_code == 0, result.output


def test_offline_is_no_contradiction_with_a_key(keyed_release: tuple[Path, Path]) -> None:
    """CHAINPROOF_VERIFY_OFFLINE=true set for a whole CI: a key never uses the network."""
    directory, public_key = keyed_release
    result = verify_keyed(directory, public_key, "--offline")
    assert result.exit_code == 0, result.output


def test_key_signed_release_under_a_sigstore_policy_fails_verification(
    keyed_release: tuple[Path, Path],
) -> None:
    """The input is fine; the release just has no Sigstore signature: exit 1 saying so."""
    directory, _ = keyed_release
    result = invoke(["verify", str(directory), "--gitlab", "group/project", "--offline", "--json"])
    assert result.exit_code == 1, result.output
    assert {(WHEEL, "signature"), (SDIST, "signature")} <= failures(result)
    assert "this release is key-signed" in result.stderr
    assert "--key" in result.stderr
    assert "neither a Sigstore bundle" not in result.output


@pytest.mark.parametrize(
    "change",
    [
        {"payload": 1},
        {"payloadType": None},
        {"payloadType": 1},
        {"signatures": {}},
        {"signatures": [{"sig": 1}]},
        {"signatures": [{"keyid": 1, "sig": "AA=="}]},
        {"payload": "!!"},
    ],
)
def test_malformed_envelope_is_one_sentence(
    keyed_release: tuple[Path, Path], tmp_path: Path, change: dict[str, object]
) -> None:
    release, public_key = _copy(keyed_release, tmp_path)
    envelope = release / "provenance.dsse.json"
    envelope.write_text(json.dumps({**json.loads(envelope.read_text()), **change}))
    result = invoke(["verify", str(release), "--key", str(public_key)])
    assert result.exit_code == 2, result.output
    assert f"{envelope} is not a DSSE envelope: " in result.stderr


def test_missing_key_provenance_names_the_envelope(
    keyed_release: tuple[Path, Path], tmp_path: Path
) -> None:
    directory, public_key = keyed_release
    shutil.copy(directory / SDIST, tmp_path)
    result = invoke(["verify", str(tmp_path / SDIST), "--key", str(public_key), "--json"])
    assert result.exit_code == 1, result.output
    (failure,) = json.loads(result.stdout)["failures"]
    assert failure["check"] == "provenance"
    assert "provenance.dsse.json beside it" in failure["detail"]


def test_missing_key_sbom_attestation_names_the_envelope(
    keyed_release: tuple[Path, Path], tmp_path: Path
) -> None:
    release, public_key = _copy(keyed_release, tmp_path)
    (release / "sbom.intoto.dsse.json").unlink()
    result = verify_keyed(release, public_key)
    assert result.exit_code == 1, result.output
    details = [f["detail"] for f in json.loads(result.stdout)["failures"] if f["check"] == "sbom"]
    assert details, result.stdout
    assert all("sbom.intoto.dsse.json" in detail for detail in details)
