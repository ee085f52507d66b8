"""`--vsa FILE` writes the Verification Summary as DSSE: signed with `--vsa-key`, or keyless
where the job has an identity token; `chainproof verify` takes a PASSED one as a bundle of its
own kind, and never a FAILED one."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests.sigstore_local import LocalSigstore
from tests.verify.keyless import PROJECT, REF, verify
from tests.verify.release_helpers import WHEEL, failures, invoke


def _keys(tmp_path: Path) -> tuple[Path, Path]:
    result = invoke(["keygen", "-o", str(tmp_path / "vsa")])
    assert result.exit_code == 0, result.output
    return tmp_path / "vsa.key", tmp_path / "vsa.pub"


def _statement(envelope: dict[str, object]) -> dict[str, object]:
    payload = envelope["payload"] if "payload" in envelope else envelope["dsseEnvelope"]["payload"]  # type: ignore[index]
    return dict(json.loads(base64.b64decode(str(payload))))


def test_vsa_signed_with_a_key_verifies_as_a_bundle(
    local_sigstore: LocalSigstore, release: Path, tmp_path: Path
) -> None:
    private, public = _keys(tmp_path)
    out = tmp_path / "vsa.dsse.json"
    result = verify(local_sigstore, release, "--vsa", str(out), "--vsa-key", str(private))
    assert result.exit_code == 0, result.output
    assert "signed (key " in result.stderr
    envelope = json.loads(out.read_text())
    statement = _statement(envelope)
    assert statement["predicateType"] == "https://slsa.dev/verification_summary/v1"
    downstream = invoke(
        ["verify", str(release / WHEEL), "--bundle", str(out), "--key", str(public), "--json"]
    )
    assert downstream.exit_code == 0, downstream.output
    other = tmp_path / "other"
    other.mkdir()
    _, wrong = _keys(other)
    refused = invoke(["verify", str(release / WHEEL), "--bundle", str(out), "--key", str(wrong)])
    assert refused.exit_code == 1, refused.output


def test_failed_vsa_is_no_signature(
    local_sigstore: LocalSigstore, release: Path, tmp_path: Path
) -> None:
    private, public = _keys(tmp_path)
    out = tmp_path / "vsa.dsse.json"
    failed = verify(
        local_sigstore,
        release,
        "--min-version",
        "9.0",
        "--vsa",
        str(out),
        "--vsa-key",
        str(private),
    )
    assert failed.exit_code == 1
    assert _statement(json.loads(out.read_text()))["predicate"]["verificationResult"] == "FAILED"  # type: ignore[index]
    downstream = invoke(
        ["verify", str(release / WHEEL), "--bundle", str(out), "--key", str(public), "--json"]
    )
    assert downstream.exit_code == 1, downstream.output
    assert (WHEEL, "predicate-type") in failures(downstream)


def test_vsa_signed_keyless_with_the_jobs_identity(
    local_sigstore: LocalSigstore, release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "vsa.sigstore.json"
    token = local_sigstore.gitlab_token(project=PROJECT, ref=REF)
    trust = ["--trust-config", str(local_sigstore.trust_config)]
    args = ["verify", str(release), *trust, "--gitlab", PROJECT, "--vsa", str(out)]
    result = invoke(args, env={"SIGSTORE_ID_TOKEN": token})
    assert result.exit_code == 0, result.output
    bundle = json.loads(out.read_text())
    assert bundle["mediaType"].startswith("application/vnd.dev.sigstore.bundle")
    downstream = invoke(
        ["verify", str(release / WHEEL), "--bundle", str(out), *trust, "--gitlab", PROJECT]
    )
    assert downstream.exit_code == 0, downstream.output


def test_vsa_without_a_signer_is_written_unsigned(
    local_sigstore: LocalSigstore, release: Path, tmp_path: Path
) -> None:
    out = tmp_path / "vsa.json"
    result = verify(local_sigstore, release, "--vsa", str(out))
    assert result.exit_code == 0, result.output
    assert "unsigned" in result.stderr
    assert json.loads(out.read_text())["predicateType"].endswith("verification_summary/v1")


def test_vsa_key_needs_vsa(release: Path, tmp_path: Path) -> None:
    result = invoke(["verify", str(release), "--gitlab", PROJECT, "--vsa-key", "k"])
    assert result.exit_code == 2
    assert "--vsa" in result.stderr
