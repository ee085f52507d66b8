"""``report --format markdown``: for a merge request or a wiki."""

from __future__ import annotations

from chainproof.report.baseline import describe
from chainproof.report.figures import ProjectReport
from chainproof.report.tables import OPTIONAL, tables

__all__ = ["ReportMarkdown"]


def _cell(text: str) -> str:
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


class ReportMarkdown:
    name = "markdown"

    def render(self, report: ProjectReport) -> str:
        out = [f"## Dependency report: {report.project}", "", f"**{report.verdict()}**", ""]
        out += [f"- {line}" for line in report.sentences()]
        out += [f"- Warning: {w}" for w in report.warnings]
        out += ["", f"_{report.history.statement()}_", ""]
        if report.new is not None:
            new = report.new
            out.append(f"### New since {new.baseline}")
            out.append("")
            out += [f"- {describe(e)}" for e in new.findings]
            out += [
                f"- exception {g.exception.id} for {g.exception.package} expired"
                for g in new.expired
            ]
            if not new.findings and not new.expired:
                out.append("- nothing")
            out.append("")
        for table in tables(report):
            if table.key in OPTIONAL and not table.rows:
                continue
            out += [f"### {table.title}", "", table.intro, ""]
            if not table.rows:
                out += [table.empty, ""]
                continue
            out.append("| " + " | ".join(table.headers) + " |")
            out.append("|" + "---|" * len(table.headers))
            out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
            out.append("")
        return "\n".join(out).rstrip() + "\n"
