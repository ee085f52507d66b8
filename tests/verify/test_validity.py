"""Validity windows of a trusted root are closed intervals: a timestamp exactly at a window's
end passes, one a second later fails (transparency log keys and certificate authorities,
which sigstore-python does not compare with the signing time at all when verifying)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509

from tests.sigstore_local import LocalSigstore
from tests.verify.keyless import PROJECT, REF
from tests.verify.release_helpers import failures, invoke


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def signed(local_sigstore: LocalSigstore, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    artifact = tmp_path_factory.mktemp("validity") / "a-1.0-py3-none-any.whl"
    artifact.write_bytes(b"validity windows\n")
    config = ClientTrustConfig.from_json(local_sigstore.trust_config.read_text())
    token = IdentityToken(local_sigstore.gitlab_token(project=PROJECT, ref=REF))
    with SigningContext.from_trust_config(config).signer(token) as signer:
        bundle = signer.sign_artifact(artifact.read_bytes())
    artifact.with_name(artifact.name + ".sigstore.json").write_text(bundle.to_json())
    return artifact


def _moments(artifact: Path) -> tuple[datetime, datetime]:
    """The bundle's integrated time and its certificate's issuance."""
    bundle = json.loads(artifact.with_name(artifact.name + ".sigstore.json").read_text())
    material = bundle["verificationMaterial"]
    integrated = datetime.fromtimestamp(int(material["tlogEntries"][0]["integratedTime"]), UTC)
    der = base64.b64decode(material["certificate"]["rawBytes"])
    return integrated, x509.load_der_x509_certificate(der).not_valid_before_utc


def _verify(sigstore: LocalSigstore, artifact: Path, tmp_path: Path, edit: Any) -> Any:
    root = json.loads(sigstore.trusted_root.read_text())
    edit(root)
    path = tmp_path / "trusted_root.json"
    path.write_text(json.dumps(root))
    args = ["verify", str(artifact), "--trusted-root", str(path), "--gitlab", PROJECT, "--json"]
    return invoke(args)


@pytest.mark.parametrize("late", [0, 1])
def test_log_key_window_end_is_inclusive(
    local_sigstore: LocalSigstore, signed: Path, tmp_path: Path, late: int
) -> None:
    integrated, _ = _moments(signed)
    end = _stamp(integrated - timedelta(seconds=late))
    result = _verify(
        local_sigstore,
        signed,
        tmp_path,
        lambda root: root["tlogs"][0]["publicKey"]["validFor"].update(end=end),
    )
    if late:
        assert result.exit_code == 1, result.output
        assert failures(result) == {(signed.name, "tlog-validity")}
    else:
        assert result.exit_code == 0, result.output


@pytest.mark.parametrize("late", [0, 1])
def test_certificate_authority_window_end_is_inclusive(
    local_sigstore: LocalSigstore, signed: Path, tmp_path: Path, late: int
) -> None:
    _, issued = _moments(signed)
    end = _stamp(issued - timedelta(seconds=late))
    result = _verify(
        local_sigstore,
        signed,
        tmp_path,
        lambda root: root["certificateAuthorities"][0]["validFor"].update(end=end),
    )
    if late:
        assert result.exit_code == 1, result.output
        assert failures(result) == {(signed.name, "certificate-validity")}
    else:
        assert result.exit_code == 0, result.output


def test_timestamp_authority_ends_are_moved_one_tick() -> None:
    """sigstore-python compares a TSA's end exclusively; the root it gets ends 1 µs later."""
    from sigstore_models.trustroot.v1 import TrustedRoot

    from chainproof.verify.validity import inclusive_root

    end = "2025-01-01T00:00:00Z"
    document = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [],
        "certificateAuthorities": [],
        "ctlogs": [],
        "timestampAuthorities": [
            {
                "subject": {"organization": "o", "commonName": "tsa"},
                "certChain": {"certificates": []},
                "validFor": {"start": "2024-01-01T00:00:00Z", "end": end},
            }
        ],
    }
    moved = inclusive_root(TrustedRoot.from_json(json.dumps(document)))
    (authority,) = moved.timestamp_authorities
    assert authority.valid_for.end == datetime(2025, 1, 1, 0, 0, 0, 1, UTC)


def test_a_successor_ca_of_the_same_name_does_not_extend_an_ended_window(
    local_sigstore: LocalSigstore, signed: Path, tmp_path: Path
) -> None:
    """The CA that issued the certificate is the one whose window counts, not any CA of the
    same subject name: in the production root the 2021 root and the 2022 chain's root are
    both CN=sigstore,O=sigstore.dev. Here the local CA's window ends before the issuance and
    a new CA (another key, the same name) starts before it: still outside the window."""
    from cryptography.hazmat.primitives import serialization

    from tests.sigstore_local._fulcio import CertificateAuthority

    _, issued = _moments(signed)
    successor = CertificateAuthority(issued)
    der = successor.root.public_bytes(serialization.Encoding.DER)

    def rotate(root: Any) -> None:
        (ended,) = root["certificateAuthorities"]
        ended["validFor"]["end"] = _stamp(issued - timedelta(seconds=1))
        new = json.loads(json.dumps(ended))
        new["certChain"]["certificates"] = [{"rawBytes": base64.b64encode(der).decode()}]
        new["validFor"] = {"start": _stamp(issued - timedelta(hours=1))}
        root["certificateAuthorities"].append(new)

    result = _verify(local_sigstore, signed, tmp_path, rotate)
    assert result.exit_code == 1, result.output
    assert failures(result) == {(signed.name, "certificate-validity")}


def test_a_log_whose_declared_id_is_not_its_keys_still_has_its_window_checked(
    local_sigstore: LocalSigstore, signed: Path, tmp_path: Path
) -> None:
    """The window is found for the log whose key verified the entry, whatever log id the root
    declares for it: a root whose logId is not the hash of its key never skips the check."""
    integrated, _ = _moments(signed)

    def edit(root: dict[str, Any]) -> None:
        log = root["tlogs"][0]
        log["logId"]["keyId"] = base64.b64encode(b"\x01" * 32).decode()
        log["publicKey"]["validFor"].update(end=_stamp(integrated - timedelta(seconds=1)))

    result = _verify(local_sigstore, signed, tmp_path, edit)
    assert result.exit_code == 1, result.output
    assert failures(result) == {(signed.name, "tlog-validity")}
