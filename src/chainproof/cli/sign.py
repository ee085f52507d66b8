"""``chainproof sign``: Sigstore bundles, SLSA provenance, SBOM attestation, PEP 740."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import emit_json, handle_errors, reporter, stdout_console
from chainproof.errors import UsageError
from chainproof.signing.key_signer import PASSWORD_ENV

__all__ = ["command"]


def command(
    dist_dir: Annotated[Path, typer.Argument(help="Directory holding the artifacts.")] = Path(
        "dist"
    ),
    sbom: Annotated[
        Path | None,
        typer.Option(help="The SBOM to sign and attest (default: DIST_DIR/sbom.cdx.json)."),
    ] = None,
    signer: Annotated[str, typer.Option(help="sigstore (keyless) or key.")] = "sigstore",
    key: Annotated[
        Path | None,
        typer.Option(help=f"Private key for --signer key (PEM; password from ${PASSWORD_ENV})."),
    ] = None,
    identity_token: Annotated[
        str | None,
        typer.Option(
            help="OIDC identity token (else $SIGSTORE_ID_TOKEN, CI ambient credentials, or "
            "the browser on a terminal)."
        ),
    ] = None,
    trust_config: Annotated[
        Path | None, typer.Option(help="ClientTrustConfig JSON of a private Sigstore.")
    ] = None,
    staging: Annotated[bool, typer.Option(help="Use Sigstore's staging instance.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Sign the artifacts, the SBOM and SLSA provenance.

    Writes <file>.sigstore.json for each artifact and the SBOM, provenance.sigstore.json,
    sbom.intoto.sigstore.json, <dist>.publish.attestation (PEP 740) and release.json; with
    --signer key, provenance.dsse.json and sbom.intoto.dsse.json. Nothing is written unless
    every signature succeeds.
    """
    with handle_errors():
        from chainproof.signing import (
            KeySigner,
            SigstoreSigner,
            check_token,
            find_token,
            key_password,
            load_trust_config,
            read_release,
            run_details,
            sign_release,
        )

        if signer not in ("sigstore", "key"):
            raise UsageError(f"Unknown signer {signer!r}: use sigstore or key.")
        if signer == "key":
            if key is None:
                raise UsageError("--signer key needs --key FILE (make one with chainproof keygen).")
            unused = [
                flag
                for flag, value in (
                    ("--identity-token", identity_token),
                    ("--trust-config", trust_config),
                    ("--staging", staging),
                )
                if value
            ]
            if unused:
                raise UsageError(f"{unused[0]} applies only to --signer sigstore.")
        elif key is not None:
            raise UsageError("--key applies only to --signer key.")
        with reporter(json_output) as progress:
            inputs = read_release(dist_dir, sbom, progress)
            chosen: KeySigner | SigstoreSigner
            if signer == "key" and key is not None:
                chosen = KeySigner(key, key_password())
            else:
                # A --trust-config file is checked at once; the public instances' trust roots
                # come over the network, so a missing or expired token is reported first.
                local = None if trust_config is None else load_trust_config(trust_config, staging)
                config = functools.cache(lambda: local or load_trust_config(None, staging))
                interactive = not json_output and sys.stdin.isatty() and sys.stdout.isatty()
                token = find_token(
                    identity_token,
                    interactive=interactive,
                    oidc_url=lambda: config().signing_config.get_oidc_url(),
                )
                check_token(token)
                progress.step("Getting a signing certificate")
                chosen = SigstoreSigner(config(), token)
            result = sign_release(inputs, chosen, run_details(os.environ), progress)
        if json_output:
            emit_json(result.to_json())
            return
        console = stdout_console()
        console.print(
            f"Signed {result.project_name} {result.project_version} as {result.signer}",
            markup=False,
        )
        for path in result.written:
            console.print(f"  wrote {path}", markup=False)
