"""``chainproof release``: build, SBOM, sign and manifest in one go."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from chainproof.cli.build import AllowDirtyOption, CheckReproducibleOption, InstallerOption
from chainproof.cli.output import emit_json, handle_errors, reporter, stdout_console
from chainproof.cli.signer_choice import (
    IdentityTokenOption,
    KeyOption,
    SignerOption,
    StagingOption,
    TrustConfigOption,
)

__all__ = ["command"]


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
    allow_dirty: AllowDirtyOption = False,
    check_reproducible: CheckReproducibleOption = False,
    json_output: Annotated[
        bool, typer.Option("--json", metavar="", help="Print a JSON summary.")
    ] = False,
) -> None:
    """Build, write the SBOM, sign and write release.json into one new directory.

    Runs `chainproof build`, `chainproof sbom --dist` and `chainproof sign` in a staging
    directory; OUTPUT appears only if every stage succeeded. The build and SBOM settings
    (\\[build], \\[sbom]) are read from PROJECT_DIR's configuration; the SBOM is always JSON.
    """
    with handle_errors():
        from chainproof.build.settings import installer_setting
        from chainproof.cli.signer_choice import signer_factory
        from chainproof.release import ReleaseOptions, make_release
        from chainproof.sbom.build import setting

        make_signer = signer_factory(
            signer, key, identity_token, trust_config, staging, json_output
        )
        sbom_settings: dict[str, Any] = {}
        if project_dir.is_dir():  # else the build says what is wrong with it
            platforms = setting("platform", None, project_dir)
            python_version = setting("python-version", None, project_dir)
            sbom_settings = {
                "spec_version": str(setting("spec-version", None, project_dir)),
                "python_version": python_version if isinstance(python_version, str) else None,
                "platforms": tuple(platforms) if isinstance(platforms, list) else (),
            }
        options = ReleaseOptions(
            project_dir=project_dir,
            output_dir=output,
            installer=installer_setting(installer, project_dir),
            allow_dirty=allow_dirty,
            check_reproducible=check_reproducible,
            **sbom_settings,
        )
        with reporter(json_output) as progress:
            result = make_release(options, make_signer, progress)
        if json_output:
            emit_json(result.to_json())
            return
        console = stdout_console()
        console.print(
            f"Released {result.project_name} {result.project_version} into {result.directory} "
            f"(signed as {result.signer}):",
            markup=False,
        )
        for entry in sorted(result.entries, key=lambda e: e.name):
            console.print(f"  {entry.name:<48} {entry.role}", markup=False)
