"""Output formats of a verification (:class:`chainproof.rendering.OutputFormat`): the table
``chainproof verify`` prints, and the lines ``verify-env`` prints. Both reports also have
``chainproof.rendering.JsonFormat`` (their ``to_json()``)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from chainproof.verify.report import Report

if TYPE_CHECKING:  # verify-env's report: its module (and the SBOM readers) load only for it
    from chainproof.verify.env_drift import EnvironmentReport

__all__ = ["DriftText", "VerifyTable"]


def _short(value: str | None) -> str:
    return value.removeprefix("https://") if value else "-"


class VerifyTable:
    """The policy and root of trust, one row per artifact (signer, source, ref, result),
    then every failure. ``width`` None: one line per artifact, never folded (logs, pipes)."""

    name = "table"

    def __init__(self, width: int | None = None, color: bool = False) -> None:
        self.width = width
        self.color = color

    def render(self, report: Report) -> str:
        from rich.console import Console
        from rich.table import Table

        table = Table(box=None, pad_edge=False, show_edge=False)
        table.add_column("artifact", overflow="fold")
        for column in ("signer", "source", "ref"):
            table.add_column(column, overflow="fold")
        table.add_column("result", no_wrap=True)
        for art in report.artifacts:
            signer = art.signer
            result = "[green]ok[/]" if art.passed else f"[red]FAIL {art.result}[/]"
            table.add_row(
                art.name,
                _short(signer.san if signer else None),
                _short(signer.source_repository_uri if signer else None),
                _short(signer.source_repository_ref if signer else None),
                result,
            )
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            width=self.width or 400,
            force_terminal=self.color,
            no_color=None if self.color else True,  # on a terminal rich reads NO_COLOR itself
            highlight=False,
            emoji=False,
        )
        # a policy file found in the working directory decides as much as the flags: name it
        origin = report.policy.origin
        console.print(
            f"policy: {origin or 'flags only'}; trusted root: {report.trust}", markup=False
        )
        console.print(table)
        for art in report.artifacts:
            if art.predicate_types:
                kinds = ", ".join(art.predicate_types)
                console.print(f"  {art.name}: signed statements: {kinds}", markup=False)
            for warning in art.warnings:
                console.print(f"  {art.name}: warning: {warning}", markup=False)
        for failure in report.all_failures:
            console.print(f"  {failure}", markup=False)
        return buffer.getvalue()


class DriftText:
    """What was compared, then one line per difference."""

    name = "text"

    def render(self, report: EnvironmentReport) -> str:
        lines = [
            f"{report.python}: {report.installed} distributions installed, "
            f"{report.expected} in the SBOM, {report.files_checked} files checked."
        ]
        lines += [f"  {drift.kind:<12} {drift}" for drift in report.drift]
        return "\n".join(lines) + "\n"
