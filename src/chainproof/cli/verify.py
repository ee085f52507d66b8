"""``chainproof verify``: artifacts against a deploy policy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainproof.cli.output import not_yet

__all__ = ["command"]


def command(
    targets: Annotated[
        list[str] | None, typer.Argument(help="Artifacts, release directories or sha256:HEX.")
    ] = None,
    bundle: Annotated[Path | None, typer.Option(help="The Sigstore bundle to use.")] = None,
    policy: Annotated[Path | None, typer.Option(help="A policy file (chainproof.toml).")] = None,
    identity: Annotated[str | None, typer.Option(help="Exact signer identity (SAN).")] = None,
    identity_regex: Annotated[str | None, typer.Option(help="Regex over the SAN.")] = None,
    issuer: Annotated[str | None, typer.Option(help="OIDC issuer URL.")] = None,
    gitlab: Annotated[str | None, typer.Option(help="GROUP/PROJECT on GitLab.")] = None,
    github: Annotated[str | None, typer.Option(help="OWNER/REPO on GitHub.")] = None,
    ref: Annotated[str | None, typer.Option(help="Git ref the release was built from.")] = None,
    source_uri: Annotated[str | None, typer.Option(help="Expected source repository URI.")] = None,
    builder_id: Annotated[str | None, typer.Option(help="Expected SLSA builder id.")] = None,
    require: Annotated[
        str | None, typer.Option(help="Comma-separated: provenance, sbom.")
    ] = None,
    trusted_root: Annotated[Path | None, typer.Option(help="A pinned trusted root.")] = None,
    trust_config: Annotated[Path | None, typer.Option(help="A ClientTrustConfig JSON.")] = None,
    staging: Annotated[bool, typer.Option(help="Sigstore's staging instance.")] = False,
    offline: Annotated[bool, typer.Option(help="Never refresh the trusted root.")] = False,
    key: Annotated[Path | None, typer.Option(help="Public key of a managed-key signer.")] = None,
    vsa: Annotated[Path | None, typer.Option(help="Write a Verification Summary here.")] = None,
    layout: Annotated[Path | None, typer.Option(help="An in-toto layout.")] = None,
    layout_key: Annotated[Path | None, typer.Option(help="Public key of the layout.")] = None,
    links: Annotated[Path | None, typer.Option(help="Directory of in-toto links.")] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
) -> None:
    """Verify artifacts, provenance and SBOM against a policy."""
    not_yet("verify", 5)()
