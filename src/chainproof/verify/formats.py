"""Output formats of a verification (:class:`chainproof.rendering.OutputFormat`): the table
``chainproof verify`` prints, and the lines ``verify-env`` prints. Both reports also have
``chainproof.rendering.JsonFormat`` (their ``to_json()``)."""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING

from chainproof.verify.report import Report

if TYPE_CHECKING:  # verify-env's report: its module (and the SBOM readers) load only for it
    from chainproof.verify.env_drift import EnvironmentReport

__all__ = ["DriftText", "VerifyTable"]


_PLAIN = re.compile(r"[ -Z^-~]*")  # printable ASCII but [ \\ ] (rich's markup)
_RICH_WIDTH = 400  # rich's console width for a log or a pipe


def _short(value: str | None) -> str:
    return value.removeprefix("https://") if value else "-"


def _plain_table(lines: list[str], rows: list[tuple[str, ...]]) -> str | None:
    """What rich prints for ``lines`` and this table (box=None, no edge padding: cells
    left-aligned, two spaces apart) on a console of 400 columns with no colour; None when
    rich would do more (markup, wide or control characters, folding). Why: on a release of
    50 files importing rich and rendering the table cost 30 ms of 0.3 s (bench_verify.py)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    cells = [c for row in rows for c in row]
    if any(len(line) > _RICH_WIDTH or not _PLAIN.fullmatch(line) for line in lines + cells):
        return None
    if sum(widths) + 2 * (len(widths) - 1) > _RICH_WIDTH:
        return None
    table = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join([lines[0], *table, *lines[1:]]) + "\n"


class VerifyTable:
    """The policy and root of trust, one row per artifact (signer, source, ref, result),
    then every failure. ``width`` None: one line per artifact, never folded (logs, pipes)."""

    name = "table"

    def __init__(self, width: int | None = None, color: bool = False) -> None:
        self.width = width
        self.color = color

    def render(self, report: Report) -> str:
        lines, rows = self.content(report)
        if self.width is None and not self.color:
            plain = _plain_table(lines, rows)
            if plain is not None:
                return plain
        return self.rich(lines, rows)

    @staticmethod
    def content(report: Report) -> tuple[list[str], list[tuple[str, ...]]]:
        """The lines around the table (the first goes above it) and its rows (a header)."""
        origin = report.policy.origin
        # a policy file found in the working directory decides as much as the flags: name it
        lines = [f"policy: {origin or 'flags only'}; trusted root: {report.trust}"]
        rows: list[tuple[str, ...]] = [("artifact", "signer", "source", "ref", "result")]
        for art in report.artifacts:
            signer = art.signer
            rows.append(
                (
                    art.name,
                    _short(signer.san if signer else None),
                    _short(signer.source_repository_uri if signer else None),
                    _short(signer.source_repository_ref if signer else None),
                    "ok" if art.passed else f"FAIL {art.result}",
                )
            )
        for art in report.artifacts:
            if art.predicate_types:
                kinds = ", ".join(art.predicate_types)
                lines.append(f"  {art.name}: signed statements: {kinds}")
            lines += [f"  {art.name}: warning: {warning}" for warning in art.warnings]
        lines += [f"  {failure}" for failure in report.all_failures]
        return lines, rows

    def rich(self, lines: list[str], rows: list[tuple[str, ...]]) -> str:
        from rich.console import Console
        from rich.table import Table

        table = Table(box=None, pad_edge=False, show_edge=False)
        for column in rows[0][:-1]:
            table.add_column(column, overflow="fold")
        table.add_column(rows[0][-1], no_wrap=True)
        for row in rows[1:]:
            result = row[-1]
            colour = "green" if result == "ok" else "red"
            table.add_row(*row[:-1], f"[{colour}]{result}[/]")
        buffer = io.StringIO()
        console = Console(
            file=buffer,
            width=self.width or _RICH_WIDTH,
            force_terminal=self.color,
            no_color=None if self.color else True,  # on a terminal rich reads NO_COLOR itself
            highlight=False,
            emoji=False,
        )
        console.print(lines[0], markup=False)
        console.print(table)
        for line in lines[1:]:
            console.print(line, markup=False)
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
