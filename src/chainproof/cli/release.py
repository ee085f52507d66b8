"""``chainproof release``: build, SBOM, sign and manifest in one go."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import not_yet

__all__ = ["command"]


def command(
    project_dir: Annotated[Path, typer.Argument(help="The git checkout to release.")] = Path("."),
    output: Annotated[Path, typer.Option("-o", "--output", help="Release directory.")] = Path(
        "release"
    ),
    signer: Annotated[str, typer.Option(help="sigstore or key.")] = "sigstore",
    key: Annotated[Path | None, typer.Option(help="Private key for --signer key.")] = None,
    identity_token: Annotated[str | None, typer.Option(help="OIDC identity token.")] = None,
    trust_config: Annotated[Path | None, typer.Option(help="A ClientTrustConfig JSON.")] = None,
    staging: Annotated[bool, typer.Option(help="Sigstore's staging instance.")] = False,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Build, write the SBOM, sign and write release.json."""
    not_yet("release", 2)()
