"""``chainproof release``: build, SBOM, audit gate, sign and verify in one go."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

import chainproof
from chainproof.cli.build import (
    AllowDirtyOption,
    BuildLockOption,
    CheckReproducibleOption,
    InstallerOption,
)
from chainproof.cli.output import (
    emit,
    emit_json,
    handle_errors,
    reporter,
    stderr_console,
    stdout_console,
)
from chainproof.cli.signer_choice import (
    IdentityTokenOption,
    KeyOption,
    SignerOption,
    StagingOption,
    TrustConfigOption,
    interactive,
)
from chainproof.errors import UsageError
from chainproof.rendering import JsonFormat

if TYPE_CHECKING:
    import chainproof.audit.gate
    import chainproof.build.settings
    import chainproof.formats.deploy_policy
    import chainproof.formats.release_manifest
    import chainproof.pipeline
    import chainproof.sbom.closure
    import chainproof.sbom.make
    import chainproof.signing.choice

__all__ = ["command"]


def _sbom_settings(project_dir: Path) -> dict[str, Any]:
    """[sbom] settings of the project (the SBOM is always JSON)."""
    if not project_dir.is_dir():  # the build says what is wrong with it
        return {}
    platforms = chainproof.sbom.make.setting("platform", None, project_dir)
    formats = chainproof.sbom.make.setting("formats", None, project_dir)
    python_version = chainproof.sbom.make.setting("python-version", None, project_dir)
    return {
        "spec_version": str(
            chainproof.sbom.make.setting("spec-version", None, project_dir)
            or chainproof.sbom.make.default_spec_version("json")
        ),
        "sbom_formats": tuple(formats) if isinstance(formats, list) else (),
        "spdx_version": str(chainproof.sbom.make.setting("spdx-version", None, project_dir)),
        "python_version": python_version if isinstance(python_version, str) else None,
        "platforms": tuple(platforms) if isinstance(platforms, list) else (),
    }


def _print_plan(plan: chainproof.pipeline.ReleasePlan) -> None:
    data = plan.to_json()
    console = stdout_console()
    source = data["source"]
    console.print(
        f"Would release {data['project']} (commit {source['commit'][:12]}, "
        f"ref {source['ref'] or '-'}{', dirty' if source['dirty'] else ''}) into {data['output']}:",
        markup=False,
    )
    for stage in data["stages"]:
        if stage["name"] == "audit" and not stage["enabled"]:
            text = "skipped (no [audit] policy, --db, --audit-policy or --fail-on)"
        else:
            details = {k: v for k, v in stage.items() if k not in ("name", "enabled")}
            if isinstance(details.get("policy"), dict):  # the deploy policy's own keys
                details.update(details.pop("policy"))
            text = ", ".join(
                f"{k}={','.join(v) if isinstance(v, list) else v}"
                for k, v in details.items()
                if v not in (None, [])
            )
        console.print(f"  {stage['name']:<7} {text}", markup=False)
    console.print("Nothing was written (--dry-run).", markup=False)


def command(
    project_dir: Annotated[Path, typer.Argument(help="The git checkout to release.")] = Path("."),
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Release directory (must not hold files).")
    ] = Path("release"),
    signer: SignerOption = "sigstore",
    key: KeyOption = None,
    identity_token: IdentityTokenOption = None,
    trust_config: TrustConfigOption = None,
    staging: StagingOption = False,
    installer: InstallerOption = None,
    build_lock: BuildLockOption = None,
    allow_dirty: AllowDirtyOption = False,
    check_reproducible: CheckReproducibleOption = False,
    lock: Annotated[
        Path | None,
        typer.Option(
            help="The lock the SBOM's runtime closure comes from (default: "
            "$CHAINPROOF_SBOM_LOCK, then lock in \\[tool.chainproof.sbom], then the project's "
            "uv.lock, else pylock.toml).",
        ),
    ] = None,
    no_lock: Annotated[
        bool,
        typer.Option(
            "--no-lock", metavar="", help="Resolve the SBOM's runtime closure with pip instead."
        ),
    ] = False,
    db: Annotated[
        Path | None,
        typer.Option(help="Advisory database for the audit gate (else CHAINPROOF_DB, the cache)."),
    ] = None,
    audit_policy: Annotated[
        Path | None, typer.Option(help="Audit policy file (\\[audit]; else the project's).")
    ] = None,
    fail_on: Annotated[
        str | None,
        typer.Option(
            envvar="CHAINPROOF_FAIL_ON", help="Audit threshold: low, medium, high or critical."
        ),
    ] = None,
    no_audit: Annotated[
        bool, typer.Option("--no-audit", metavar="", help="Skip the audit gate.")
    ] = False,
    link: Annotated[
        bool,
        typer.Option(
            "--link",
            metavar="",
            help="Also record the build step's in-toto link, signed with --key, into the release.",
        ),
    ] = False,
    links: Annotated[
        Path | None,
        typer.Option(help="With --link: also copy the link into this directory of links."),
    ] = None,
    policy: Annotated[
        Path | None,
        typer.Option(
            help="Deploy policy file (\\[verify]) to verify with (else $CHAINPROOF_VERIFY_POLICY, "
            "else the project's)."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", metavar="", help="Check and print the plan; write nothing.")
    ] = False,
    json_output: Annotated[
        bool, typer.Option("--json", metavar="", help="Print a JSON summary.")
    ] = False,
) -> None:
    """Build, scan, write the SBOM, audit, sign and verify into one new directory.

    Stages: build, scan (the project's \\[scan]: a secret or credential file stops the
    release), sbom, audit (when \\[audit] is configured or --db/--audit-policy/--fail-on
    is given), sign, verify (with --policy, else the project's \\[verify], else the signer's own
    key or identity). OUTPUT, with release.json, appears only if every stage passed.
    """
    with handle_errors():
        if link and signer != "key":
            raise UsageError("--link needs --signer key --key FILE: in-toto links are key-signed.")
        if links is not None and not link:
            raise UsageError("--links belongs to --link (where the build's link is copied).")
        make_signer = chainproof.signing.choice.signer_factory(
            signer, key, identity_token, trust_config, staging, interactive(json_output)
        )
        options = chainproof.pipeline.ReleaseOptions(
            project_dir=project_dir,
            output_dir=output,
            installer=chainproof.build.settings.installer_setting(installer, project_dir),
            build_lock=chainproof.build.settings.build_lock_setting(build_lock, project_dir),
            allow_dirty=allow_dirty,
            check_reproducible=check_reproducible,
            audit=chainproof.audit.gate.audit_gate(
                project_dir, db, audit_policy, fail_on, no_audit
            ),
            verify_policy=chainproof.formats.deploy_policy.policy_file(policy),
            signing_trust={"trust-config": trust_config, "staging": staging},
            link_key=key if link else None,
            links_dir=links,
            sbom_lock=lock,
            no_lock=no_lock,
            **_sbom_settings(project_dir),
        )
        if dry_run:
            plan = chainproof.pipeline.plan_release(options, signer)
            if json_output:
                emit_json({"dry_run": True, **plan.to_json()})
            else:
                _print_plan(plan)
            return
        with reporter(json_output) as progress:
            result = chainproof.pipeline.make_release(options, signer, make_signer, progress)
        if json_output:
            emit(JsonFormat(), result)
            return
        _print_result(result)


def _print_result(result: chainproof.pipeline.ReleaseResult) -> None:
    signed = result.signed
    console = stdout_console()
    console.print(
        f"Released {signed.project_name} {signed.project_version} into {signed.directory} "
        f"(signed as {signed.signer}):",
        markup=False,
    )
    for entry in sorted(signed.entries, key=lambda e: e.name):
        console.print(f"  {entry.name:<48} {entry.role}", markup=False)
    console.print(
        f"  {chainproof.formats.release_manifest.MANIFEST_NAME:<48} manifest of the above",
        markup=False,
    )
    closure = chainproof.sbom.closure.describe_closure(result.closure)
    console.print(f"SBOM: {closure[0].upper()}{closure[1:]}.", markup=False)
    for warning in result.sbom_warnings:
        stderr_console().print(f"Warning: {warning}", markup=False, style="yellow")
    audit = result.audit
    if audit is not None:
        console.print(
            f"Audit: {audit.checked} components, {len(audit.active)} findings "
            f"(none at or above {audit.fail_on}).",
            markup=False,
        )
    policy = result.verified.policy
    used = (
        "the signer's own key or identity (no deploy policy configured)"
        if result.own_signer
        else f"the deploy policy{f' in {policy.origin}' if policy.origin else ''}"
    )
    console.print(f"Verified with {used}: every required check passed.", markup=False)
