"""``chainproof step``: record an in-toto link for a supply-chain step."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import chainproof
from chainproof.cli.output import emit_json, handle_errors, stdout_console
from chainproof.config import key_password

if TYPE_CHECKING:
    import chainproof.signing.links

__all__ = ["command"]


def command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The step's name in the layout.")],
    key: Annotated[
        Path,
        typer.Option(help="Private key signing the link (password from $CHAINPROOF_KEY_PASSWORD)."),
    ],
    materials: Annotated[
        list[Path] | None, typer.Option(help="Inputs to record before the command (repeatable).")
    ] = None,
    products: Annotated[
        list[Path] | None, typer.Option(help="Outputs to record after the command (repeatable).")
    ] = None,
    git_materials: Annotated[
        bool,
        typer.Option(
            "--git-materials",
            help="Also record every git-tracked file under the working directory as materials "
            "(what build --link records).",
        ),
    ] = False,
    links: Annotated[Path, typer.Option(help="Directory the link is written to.")] = Path("."),
    json_output: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Run a command and record a signed in-toto link (after --).

    Writes NAME.KEYID8.link (a DSSE envelope); paths are recorded relative to the working
    directory.
    """
    with handle_errors():
        link = chainproof.signing.links.record_step(
            name,
            key,
            key_password(),
            materials or [],
            products or [],
            list(ctx.args),
            links,
            git_materials=git_materials,
            output_to_stderr=json_output,  # stdout is the JSON summary's
        )
        if json_output:
            emit_json({"step": name, "link": str(link)})
        else:
            stdout_console().print(f"Recorded step {name}: {link}", markup=False)
