"""``report --format html``: one self-contained page for people who do not read JSON.

No script and nothing fetched: the styles are inline, the charts inline SVG, and a
Content-Security-Policy forbids any request (a browser test checks it). A headline verdict
and plain sentences come first, then the figures, then the tables. Severity is always
written out; colour only repeats it. The print styles drop the colours' backgrounds and keep
tables whole across pages."""

from __future__ import annotations

from html import escape

from chainproof.report.baseline import describe
from chainproof.report.charts import STYLES, fix_chart, trend_chart
from chainproof.report.figures import SEVERITIES, ProjectReport, plural
from chainproof.report.tables import OPTIONAL, Table, tables

__all__ = ["ReportPage"]

_CSS = """
:root { color-scheme: light; }
body { font: 16px/1.5 system-ui, sans-serif; color: #1a1a1a; margin: 0 auto; max-width: 60rem;
  padding: 1.5rem; }
h1 { font-size: 1.7rem; margin-bottom: .2rem; }
h2 { font-size: 1.3rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
.verdict { font-size: 1.25rem; font-weight: 700; padding: .6rem .9rem; border-left: .5rem solid;
  background: #f5f5f5; }
.verdict.bad { border-color: #b71c1c; } .verdict.warn { border-color: #e65100; }
.verdict.good { border-color: #1b5e20; }
.figures { display: flex; flex-wrap: wrap; gap: .8rem; padding: 0; list-style: none; }
.figures li { border: 1px solid #bbb; border-radius: .4rem; padding: .6rem .9rem; min-width: 9rem; }
.figures .value { display: block; font-size: 1.8rem; font-weight: 700; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border: 1px solid #ccc; padding: .3rem .5rem; text-align: left; vertical-align: top; }
th { background: #eee; }
.sev { font-weight: 700; white-space: nowrap; }
.sev::before { content: "■ "; }
.expired { font-weight: 700; } .expired::before { content: "⚠ "; }
.chart { width: 100%; max-width: 40rem; height: auto; }
.note { color: #444; font-style: italic; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .verdict, th { background: none; }
  table, svg, .figures { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _table(table: Table) -> str:
    key = table.key
    out = [f'<section aria-labelledby="{key}-h"><h2 id="{key}-h">{escape(table.title)}</h2>']
    out.append(f"<p>{escape(table.intro)}</p>")
    if not table.rows:
        out.append(f'<p class="note">{escape(table.empty)}</p></section>')
        return "".join(out)
    out.append(f'<table id="{table.key}-table"><thead><tr>')
    out += [f'<th scope="col">{escape(h)}</th>' for h in table.headers]
    out.append("</tr></thead><tbody>")
    for row in table.rows:
        cells = []
        for header, cell in zip(table.headers, row, strict=True):
            if header == "Severity" and cell.lower() in STYLES:
                colour = STYLES[cell.lower()][0]
                cells.append(f'<td class="sev" style="color:{colour}">{escape(cell)}</td>')
            elif header == "Status" and cell == "Expired":
                cells.append(f'<td class="expired">{escape(cell)}</td>')
            else:
                cells.append(f"<td>{escape(cell)}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table></section>")
    return "".join(out)


def _trend_table(report: ProjectReport) -> str:
    points = report.trend()
    head = "".join(f'<th scope="col">{s.capitalize()}</th>' for s in SEVERITIES)
    rows = "".join(
        f'<tr><th scope="row">{escape(day)}</th>'
        + "".join(f"<td>{counts[s]}</td>" for s in SEVERITIES)
        + "</tr>"
        for day, counts in points
    )
    return (
        '<table id="trend-table"><caption>Open findings at the end of each week</caption>'
        f'<thead><tr><th scope="col">Week ending</th>{head}</tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


class ReportPage:
    name = "html"

    def render(self, report: ProjectReport) -> str:
        counts = report.open_by_severity()
        overall, per = report.fix_times()
        total = sum(counts.values())
        tone = "bad" if counts["critical"] + counts["high"] else "warn" if total else "good"
        expired = sum(1 for g in report.grants if report.expired(g))
        figures = [
            ("open-total", str(total), "open findings"),
            ("open-high", str(counts["critical"] + counts["high"]), "critical or high"),
            (
                "mean-days",
                "—" if overall.mean is None else f"{overall.mean:g}",
                "mean days to fix",
            ),
            ("expired", str(expired), "expired exceptions"),
        ]
        title = f"Dependency report: {report.project}"
        parts = [
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
            f"<header><h1>{escape(title)}</h1>",
            f"<p>Made on {report.generated.date().isoformat()} from the git history of the "
            "lock files and the advisory database.</p></header><main>",
            f'<p class="verdict {tone}" id="verdict">{escape(report.verdict())}</p>',
            '<section aria-labelledby="short-h"><h2 id="short-h">In short</h2><ul id="summary">',
            *(f"<li>{escape(line)}</li>" for line in report.sentences()),
            "</ul>",
            f'<p class="note" id="history">{escape(report.history.statement())}</p>',
            *(f'<p class="note">Warning: {escape(w)}</p>' for w in report.warnings),
            '<ul class="figures">',
            *(
                f'<li data-figure="{key}"><span class="value">{escape(value)}</span>'
                f"{escape(label)}</li>"
                for key, value, label in figures
            ),
            "</ul></section>",
        ]
        if report.new is not None:
            new = report.new
            items = [describe(e) for e in new.findings]
            items += [
                f"exception {g.exception.id} for {g.exception.package} expired" for g in new.expired
            ]
            parts += [
                '<section aria-labelledby="new-h"><h2 id="new-h">New since the last report</h2>',
                "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items or ["Nothing."]) + "</ul>",
                "</section>",
            ]
        parts += [
            '<section aria-labelledby="trend-h"><h2 id="trend-h">Open findings over time</h2>',
            f"<p>How many findings were open at the end of each week, by severity "
            f"({plural(len(report.trend()), 'week')}).</p>",
            trend_chart(report.trend()),
            _trend_table(report),
            "</section>",
            '<section aria-labelledby="fix-h">',
            '<h2 id="fix-h">How fast findings are fixed</h2>',
            fix_chart(per),
            "</section>",
        ]
        parts += [_table(t) for t in tables(report) if t.key not in OPTIONAL or t.rows]
        parts.append(
            "<footer><p>Detection is the later of the commit that locked an affected version "
            "and the advisory's publication; resolution is the commit that removed it, or "
            "the granting of an exception.</p></footer></main></body></html>\n"
        )
        return "".join(parts)
