"""``chainproof verify``: artifacts against a deploy policy."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.output import emit, handle_errors, reporter, stdout_width
from chainproof.errors import InputError, UsageError
from chainproof.progress import NullReporter
from chainproof.rendering import JsonFormat

if TYPE_CHECKING:
    import chainproof.fileio
    import chainproof.formats.deploy_policy
    import chainproof.signing.choice
    import chainproof.verify.formats
    import chainproof.verify.run
    import chainproof.verify.targets
    import chainproof.verify.vsa

__all__ = ["command"]


def _resource(args: list[str], targets: list[chainproof.verify.targets.ArtifactToVerify]) -> str:
    if len(args) == 1 and Path(args[0]).is_dir():
        return Path(args[0]).resolve().name
    return targets[0].name if len(targets) == 1 else ",".join(t.name for t in targets)


# an identity for keyless signing: GitLab's id_tokens (SIGSTORE_ID_TOKEN), GitHub's ambient
# OIDC (id-token: write), or chainproof's own variable
_TOKENS = ("CHAINPROOF_IDENTITY_TOKEN", "SIGSTORE_ID_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL")


def _signed_vsa(
    statement: bytes, key: Path | None, policy: chainproof.formats.deploy_policy.Policy
) -> tuple[bytes, str]:
    """The VSA as DSSE: with ``key``; keyless where CI (or an explicit token) gives an
    identity, on the policy's Sigstore instance; else the statement unsigned."""
    if key is not None:
        signer = chainproof.signing.choice.signer_factory("key", key, None, None, False, False)
    elif any(os.environ.get(name) for name in _TOKENS):
        signer = chainproof.signing.choice.signer_factory(
            "sigstore", None, None, policy.trust_config, policy.staging, False
        )
    else:
        return statement, "unsigned (no --vsa-key, and no CI identity to sign keyless)"
    made = signer(NullReporter())
    return made.sign_statement(statement), f"signed ({made.describe()})"


def command(
    targets: Annotated[
        list[str] | None, typer.Argument(help="Artifacts, release directories or sha256:HEX.")
    ] = None,
    bundle: Annotated[Path | None, typer.Option(help="The Sigstore bundle to use.")] = None,
    policy: Annotated[
        Path | None,
        typer.Option(help="A policy file (chainproof.toml); else $CHAINPROOF_VERIFY_POLICY."),
    ] = None,
    identity: Annotated[str | None, typer.Option(help="Exact signer identity (SAN).")] = None,
    identity_regex: Annotated[str | None, typer.Option(help="Regex over the SAN.")] = None,
    issuer: Annotated[str | None, typer.Option(help="OIDC issuer URL.")] = None,
    gitlab: Annotated[str | None, typer.Option(help="GROUP/PROJECT on GitLab.")] = None,
    github: Annotated[str | None, typer.Option(help="OWNER/REPO on GitHub.")] = None,
    ref: Annotated[str | None, typer.Option(help="Git ref the release was built from.")] = None,
    source_uri: Annotated[str | None, typer.Option(help="Expected source repository URI.")] = None,
    builder_id: Annotated[str | None, typer.Option(help="Expected SLSA builder id.")] = None,
    require: Annotated[str | None, typer.Option(help="Comma-separated: provenance, sbom.")] = None,
    min_version: Annotated[
        str | None, typer.Option(help="Refuse releases older than this version (PEP 440).")
    ] = None,
    max_age: Annotated[
        str | None, typer.Option(help="Refuse builds that finished longer ago (30d, 12h).")
    ] = None,
    trusted_root: Annotated[Path | None, typer.Option(help="A pinned trusted root.")] = None,
    trust_config: Annotated[Path | None, typer.Option(help="A ClientTrustConfig JSON.")] = None,
    staging: Annotated[bool, typer.Option(help="Sigstore's staging instance.")] = False,
    offline: Annotated[bool, typer.Option(help="Never refresh the trusted root.")] = False,
    key: Annotated[
        Path | None,
        typer.Option(help="Public key (PEM) of a managed-key signer: verifies *.dsse.json."),
    ] = None,
    vsa: Annotated[
        Path | None, typer.Option(help="Write a signed Verification Summary (DSSE) here.")
    ] = None,
    vsa_key: Annotated[
        Path | None,
        typer.Option(help="Private key (PEM) that signs the --vsa; keyless in CI without it."),
    ] = None,
    layout: Annotated[Path | None, typer.Option(help="A signed in-toto layout.")] = None,
    layout_key: Annotated[
        Path | None, typer.Option(help="Public key of the layout's owner.")
    ] = None,
    links: Annotated[
        Path | None, typer.Option(help="Directory of in-toto links (default: the layout's).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON report.")] = False,
) -> None:
    """Verify artifacts, provenance and SBOM against a policy.

    Exit codes: 0 verified, 1 a check failed, 2 bad usage or input, 3 no trusted root.
    """
    with handle_errors():
        flags = {
            "identity": identity,
            "identity-regex": identity_regex,
            "issuer": issuer,
            "gitlab": gitlab,
            "github": github,
            "ref": ref,
            "source-uri": source_uri,
            "builder-id": builder_id,
            "require": require,
            "min-version": min_version,
            "max-age": max_age,
            "trusted-root": trusted_root,
            "trust-config": trust_config,
            "staging": staging,
            "offline": offline,
            "key": key,
            "layout": layout,
            "layout-key": layout_key,
            "links": links,
        }
        if vsa is not None and (not vsa.name or vsa.is_dir()):  # refuse before verifying
            raise InputError(f"--vsa {str(vsa)!r} is a directory; give the summary's file name.")
        if vsa_key is not None and vsa is None:
            raise UsageError("--vsa-key signs the --vsa FILE; give --vsa too.")
        rules = chainproof.formats.deploy_policy.load_policy(
            flags, chainproof.formats.deploy_policy.policy_file(policy)
        )
        args = targets or []
        # sigstore-python and in-toto log warnings (offline TUF, command alignment) on stderr;
        # the report says what decided.
        for library in ("sigstore", "in_toto"):
            logging.getLogger(library).setLevel(logging.ERROR)
        with reporter(json_output) as progress:
            verified = chainproof.verify.run.verify_release(args, bundle, rules, progress)
        report = verified.report
        if vsa is not None:
            statement = chainproof.fileio.canonical_json(
                chainproof.verify.vsa.vsa_statement(report, _resource(args, verified.targets))
            ).encode()
            content, how = _signed_vsa(statement, vsa_key, rules)
            chainproof.fileio.atomic_write_bytes(vsa, content)
            typer.echo(f"Verification summary {vsa}: {how}.", err=True)
        width = stdout_width()
        output_format = (
            JsonFormat()
            if json_output
            else chainproof.verify.formats.VerifyTable(width, color=width is not None)
        )
        emit(output_format, report)
        count = len(report.all_failures)
        report.raise_if_failed(
            "Verification failed: ",
            hint=f"{count} check(s) failed; see the list above." if count > 1 else None,
        )
