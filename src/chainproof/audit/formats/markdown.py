"""``--format markdown``: a merge-request comment."""

from __future__ import annotations

from chainproof.audit.formats._text import (
    notes,
    path_text,
    severity_text,
    status_text,
    summary_line,
)
from chainproof.audit.run import AuditRun

__all__ = ["MarkdownFormat"]


def _cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _short(text: str, limit: int = 160) -> str:
    """A summary that fits a table cell (some advisories have their whole details there)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class MarkdownFormat:
    name = "markdown"

    def render(self, run: AuditRun) -> str:
        report = run.report
        failure = report.failure()
        verdict = f"**Failed** — {failure}" if failure else "**Passed**"
        if not report.checked and not failure:
            verdict = "**Passed, but no package could be checked**"
        out = ["## chainproof audit", "", f"{verdict}", "", summary_line(report), ""]
        if report.findings:
            out += [
                "| Package | Version | Vulnerability | Summary | Severity | Fixed in | Proposal "
                "| Path | Status |",
                "|---|---|---|---|---|---|---|---|---|",
            ]
            for f in report.findings:
                out.append(
                    "| "
                    + " | ".join(
                        _cell(c)
                        for c in (
                            f.component.name,
                            f.component.version,
                            ", ".join(f.ids),
                            _short(f.summary),
                            severity_text(f),
                            ", ".join(f.fixed_versions) or "none",
                            f.proposal.version or "no fix",
                            path_text(f),
                            status_text(f),
                        )
                    )
                    + " |"
                )
            out.append("")
            proposals = sorted(
                {f.proposal for f in report.active}, key=lambda p: (p.package, p.current)
            )
            if proposals:
                out += ["### Upgrade proposals", ""]
                out += [f"- {_cell(p.explanation)}" for p in proposals]
                out.append("")
        extra = notes(report)
        if extra:
            out += ["### Notes", ""] + [f"- {_cell(line)}" for line in extra] + [""]
        return "\n".join(out)
