"""``chainproof sign``: Sigstore bundles, SLSA provenance, SBOM attestation, PEP 740."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import not_yet

__all__ = ["command"]


def command(
    dist_dir: Annotated[Path, typer.Argument(help="Directory holding the artifacts.")] = Path(
        "dist"
    ),
    sbom: Annotated[Path | None, typer.Option(help="The SBOM to sign and attest.")] = None,
    signer: Annotated[str, typer.Option(help="sigstore or key.")] = "sigstore",
    key: Annotated[Path | None, typer.Option(help="Private key for --signer key.")] = None,
    identity_token: Annotated[
        str | None, typer.Option(help="OIDC identity token (else from the environment).")
    ] = None,
    trust_config: Annotated[
        Path | None, typer.Option(help="ClientTrustConfig JSON of a private Sigstore.")
    ] = None,
    staging: Annotated[bool, typer.Option(help="Use Sigstore's staging instance.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Sign the artifacts, the SBOM and SLSA provenance."""
    not_yet("sign", 4)()
