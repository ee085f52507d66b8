"""The keyless demo release shared by the round-trip and attack tests: signed by
`chainproof sign` in a GitLab pipeline of group/project at refs/heads/main (local Sigstore)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import Result

from tests.signing.demo import COMMIT, build_demo_release
from tests.sigstore_local import LocalSigstore
from tests.verify.release_helpers import invoke, sbom_with_artifact_hashes

__all__ = [
    "BUILDER",
    "GITLAB_ENV",
    "PROJECT",
    "REF",
    "edit_json",
    "make_keyless_release",
    "resign",
    "resign_payload",
    "verify",
]

PROJECT = "group/project"
REF = "refs/heads/main"
GITLAB_ENV = {
    "GITLAB_CI": "true",
    "CI_SERVER_URL": "https://gitlab.com",
    "CI_PROJECT_PATH": PROJECT,
    "CI_RUNNER_ID": "12345",
    "CI_JOB_URL": f"https://gitlab.com/{PROJECT}/-/jobs/678",
}
BUILDER = f"https://gitlab.com/{PROJECT}/-/runners/12345"


def make_keyless_release(directory: Path, sigstore: LocalSigstore) -> Path:
    build_demo_release(directory)
    sbom_with_artifact_hashes(directory)
    token = sigstore.gitlab_token(project=PROJECT, ref=REF, claims={"sha": COMMIT})
    result = invoke(
        [
            "sign",
            str(directory),
            "--trust-config",
            str(sigstore.trust_config),
            "--identity-token",
            token,
        ],
        env=GITLAB_ENV,
    )
    assert result.exit_code == 0, result.output
    return directory


def verify(
    local_sigstore: LocalSigstore,
    target: Path | str,
    *extra: str,
    require: str | None = "provenance,sbom",
) -> Result:
    """`chainproof verify TARGET` under the release's true policy, JSON output, with
    ``--require`` (provenance and SBOM unless told); ``extra`` flags are appended."""
    trust = ["--trust-config", str(local_sigstore.trust_config)]
    policy = ["--gitlab", PROJECT, "--ref", REF, *(["--require", require] if require else [])]
    return invoke(["verify", str(target), *trust, *policy, "--json", *extra])


def edit_json(path: Path, edit: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))


def resign_payload(
    sigstore: LocalSigstore, path: Path, payload: bytes, token: str | None = None
) -> None:
    """Replace the DSSE bundle at ``path`` by a VALID one, same identity (or ``token``'s),
    over ``payload`` (an in-toto statement as raw bytes): a compromised or buggy pipeline."""
    from sigstore import dsse
    from sigstore.models import ClientTrustConfig
    from sigstore.oidc import IdentityToken
    from sigstore.sign import SigningContext

    config = ClientTrustConfig.from_json(sigstore.trust_config.read_text())
    token = token or sigstore.gitlab_token(project=PROJECT, ref=REF, claims={"sha": COMMIT})
    with SigningContext.from_trust_config(config).signer(IdentityToken(token)) as signer:
        signed = signer.sign_dsse(dsse.Statement(payload))
    path.write_text(signed.to_json())


def resign(sigstore: LocalSigstore, path: Path, edit: Callable[[Any], None]) -> None:
    """Like resign_payload, over the bundle's own statement changed by ``edit``: the checks on
    the statement itself must catch it."""
    bundle = json.loads(path.read_text())
    statement = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    edit(statement)
    resign_payload(sigstore, path, json.dumps(statement).encode())
