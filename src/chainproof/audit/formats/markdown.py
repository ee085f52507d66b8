"""``--format markdown``: a merge-request comment."""

from __future__ import annotations

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
        if not report.checked and report.db is not None and not failure:
            verdict = "**Passed, but no package could be checked**"
        out = ["## chainproof audit", "", f"{verdict}", "", summary_line(report), ""]
        out += [checks_line(report), ""]
        vulnerabilities = report.findings_of("vulnerabilities")
        if vulnerabilities:
            out += [
                "| Package | Version | Vulnerability | Summary | Severity | Fixed in | Proposal "
                "| Path | Status |",
                "|---|---|---|---|---|---|---|---|---|",
            ]
            for f in vulnerabilities:
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
                            f.proposal.upgrade_to or "no fix" if f.proposal else "no fix",
                            path_text(f),
                            status_text(f),
                        )
                    )
                    + " |"
                )
            out.append("")
            upgrades = proposals(report)
            if upgrades:
                out += ["### Upgrade proposals", ""]
                out += [f"- {_cell(p.explanation)}" for p in upgrades]
                out.append("")
        others = [f for f in report.findings if f.check != "vulnerabilities"]
        if others:
            out += [
                "### Dependency checks",
                "",
                "| Check | Package | Version | Finding | Evidence | Severity | Remedy | Status |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for f in others:
                cells = (
                    f.check,
                    f.component.name,
                    f.component.version or "-",
                    f"{f.id}: {_short(f.summary, 240)}",
                    evidence_text(f),
                    severity_text(f),
                    f.remedy,
                    status_text(f),
                )
                out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
            out.append("")
        extra = notes(report)
        if extra:
            out += ["### Notes", ""] + [f"- {_cell(line)}" for line in extra] + [""]
        return "\n".join(out)
