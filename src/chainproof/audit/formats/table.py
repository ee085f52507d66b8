"""``--format table``: a table for the terminal, then notes and a one-line summary."""

from __future__ import annotations

import io

from chainproof.audit.formats._text import (
    notes,
    path_text,
    severity_text,
    status_text,
    summary_line,
)
from chainproof.audit.run import AuditRun

__all__ = ["TableFormat"]


class TableFormat:
    name = "table"

    def __init__(self, width: int = 160) -> None:
        self.width = width

    def render(self, run: AuditRun) -> str:
        from rich.console import Console
        from rich.table import Table

        report = run.report
        buffer = io.StringIO()
        console = Console(
            file=buffer, width=self.width, no_color=True, highlight=False, emoji=False
        )
        if report.findings:
            table = Table(show_lines=False, expand=False)
            for column in (
                "Package",
                "Version",
                "Vulnerability",
                "Severity",
                "Fixed in",
                "Proposal",
                "Path",
                "Status",
            ):
                # identifiers and versions never break; prose columns wrap
                keep = column in ("Package", "Version", "Vulnerability", "Proposal")
                table.add_column(column, overflow="fold", no_wrap=keep)
            for f in report.findings:
                table.add_row(
                    f.component.name,
                    f.component.version,
                    "\n".join(f.ids),
                    severity_text(f),
                    ", ".join(f.fixed_versions) or "none",
                    f.proposal.version or "no fix",
                    path_text(f),
                    status_text(f),
                )
            console.print(table)
            proposals = {f.proposal for f in report.active}
            for proposal in sorted(proposals, key=lambda p: (p.package, p.current)):
                console.print(proposal.explanation, markup=False)
        elif report.checked:
            console.print("No known vulnerabilities in the packages checked.", markup=False)
        else:
            console.print(
                "No package could be checked, so nothing is known about vulnerabilities.",
                markup=False,
            )
        for line in notes(report):
            console.print(line, markup=False)
        console.print(summary_line(report), markup=False)
        return buffer.getvalue()
