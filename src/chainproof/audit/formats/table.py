"""``--format table``: a table for the terminal, then notes and a one-line summary."""

from __future__ import annotations

import io

from chainproof.audit.formats._text import (
    checks_line,
    evidence_text,
    notes,
    path_text,
    proposals,
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
        from rich.text import Text

        report = run.report
        buffer = io.StringIO()
        console = Console(
            file=buffer, width=self.width, no_color=True, highlight=False, emoji=False
        )
        vulnerabilities = report.findings_of("vulnerabilities")
        if vulnerabilities:
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
            for f in vulnerabilities:
                cells = (
                    f.component.name,
                    f.component.version,
                    "\n".join(f.ids),
                    severity_text(f),
                    ", ".join(f.fixed_versions) or "none",
                    f.proposal.upgrade_to or "no fix" if f.proposal else "no fix",
                    path_text(f),
                    status_text(f),
                )
                table.add_row(*(Text(c) for c in cells))  # as written: no rich markup
            console.print(table)
            for proposal in proposals(report):
                console.print(proposal.explanation, markup=False)
        elif report.db is None:
            pass  # the vulnerabilities check did not run; the checks line says so
        elif report.checked:
            console.print("No known vulnerabilities in the packages checked.", markup=False)
        else:
            console.print(
                "No package could be checked, so nothing is known about vulnerabilities.",
                markup=False,
            )
        others = [f for f in report.findings if f.check != "vulnerabilities"]
        if others:
            table = Table(show_lines=False, expand=False)
            for column in ("Check", "Package", "Version", "Finding", "Severity", "Status"):
                keep = column in ("Check", "Package", "Version", "Severity")
                table.add_column(column, overflow="fold", no_wrap=keep)
            for f in others:
                row = (
                    f.check,
                    f.component.name,
                    f.component.version or "-",
                    f"{f.summary}\n{evidence_text(f)}\n→ {f.remedy}".strip(),
                    severity_text(f),
                    status_text(f),
                )
                table.add_row(*(Text(c) for c in row))
            console.print(table)
        console.print(checks_line(report), markup=False)
        for line in notes(report):
            console.print(line, markup=False)
        console.print(summary_line(report), markup=False)
        return buffer.getvalue()
