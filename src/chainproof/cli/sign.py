"""``chainproof sign``: Sigstore bundles, SLSA provenance, SBOM attestation, PEP 740."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.output import emit, handle_errors, reporter, stdout_console
from chainproof.cli.signer_choice import (
    IdentityTokenOption,
    KeyOption,
    SignerOption,
    StagingOption,
    TrustConfigOption,
    interactive,
)
from chainproof.rendering import JsonFormat

if TYPE_CHECKING:
    import chainproof.signing.choice
    import chainproof.signing.ci
    import chainproof.signing.release_dir

__all__ = ["command"]


def command(
    dist_dir: Annotated[Path, typer.Argument(help="Directory holding the artifacts.")] = Path(
        "dist"
    ),
    sbom: Annotated[
        Path | None,
        typer.Option(help="The SBOM to sign and attest (default: DIST_DIR/sbom.cdx.json)."),
    ] = None,
    signer: SignerOption = "sigstore",
    key: KeyOption = None,
    identity_token: IdentityTokenOption = None,
    trust_config: TrustConfigOption = None,
    staging: StagingOption = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Sign the artifacts, the SBOM and SLSA provenance.

    Writes <file>.sigstore.json for each artifact and the SBOM, provenance.sigstore.json,
    sbom.intoto.sigstore.json, <dist>.publish.attestation (PEP 740) and release.json; with
    --signer key, provenance.dsse.json and sbom.intoto.dsse.json. Nothing is written unless
    every signature succeeds.
    """
    with handle_errors():
        make_signer = chainproof.signing.choice.signer_factory(
            signer, key, identity_token, trust_config, staging, interactive(json_output)
        )
        with reporter(json_output) as progress:
            inputs = chainproof.signing.release_dir.read_release(dist_dir, sbom, progress)
            result = chainproof.signing.release_dir.sign_release(
                inputs,
                make_signer(progress),
                chainproof.signing.ci.run_details(os.environ),
                progress,
            )
        if json_output:
            emit(JsonFormat(), result)
            return
        console = stdout_console()
        console.print(
            f"Signed {result.project_name} {result.project_version} as {result.signer}",
            markup=False,
        )
        for path in result.written:
            console.print(f"  wrote {path}", markup=False)
