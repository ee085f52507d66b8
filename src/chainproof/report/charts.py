"""Inline SVG charts for the page: no script, no font or image to fetch. Each chart has a
title and a description for screen readers; each series is told apart by its label, its
dash pattern and its marker as well as its colour."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from chainproof.report.figures import SEVERITIES, FixTimes

__all__ = ["STYLES", "fix_chart", "trend_chart"]

# severity: (colour, dash pattern, marker) — readable in grey print too
STYLES = {
    "critical": ("#6a1b9a", "", "square"),
    "high": ("#b71c1c", "8 4", "circle"),
    "medium": ("#e65100", "4 3", "diamond"),
    "low": ("#0d47a1", "2 3", "triangle"),
    "none": ("#424242", "1 4", "circle"),
}
_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 640, 240, 40, 110, 16, 36


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "square":
        return f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" fill="{colour}"/>'
    if kind == "diamond":
        points = f"{x:.1f},{y - 4:.1f} {x + 4:.1f},{y:.1f} {x:.1f},{y + 4:.1f} {x - 4:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if kind == "triangle":
        points = f"{x:.1f},{y - 4:.1f} {x + 4:.1f},{y + 3:.1f} {x - 4:.1f},{y + 3:.1f}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'


def _svg(key: str, title: str, desc: str, body: list[str], height: int = _H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" role="img" '
        f'aria-labelledby="{key}-title {key}-desc" class="chart">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(desc)}</desc>' + "".join(body) + "</svg>"
    )


def trend_chart(points: Sequence[tuple[str, dict[str, int]]]) -> str:
    """Open findings by severity at the end of each week, one line per severity."""
    shown = [s for s in SEVERITIES if any(c[s] for _, c in points)] or ["high"]
    top = max([1, *(c[s] for _, c in points for s in shown)])
    inner_w, inner_h = _W - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    step = inner_w / max(len(points) - 1, 1)

    def xy(i: int, value: int) -> tuple[float, float]:
        return _LEFT + i * step, _TOP + inner_h - value / top * inner_h

    body = [
        f'<line x1="{_LEFT}" y1="{_TOP + inner_h}" x2="{_LEFT + inner_w}" '
        f'y2="{_TOP + inner_h}" stroke="#555"/>',
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{_TOP + inner_h}" stroke="#555"/>',
        f'<text x="{_LEFT - 6}" y="{_TOP + 4}" text-anchor="end" font-size="11">{top}</text>',
        f'<text x="{_LEFT - 6}" y="{_TOP + inner_h + 4}" text-anchor="end" font-size="11">0</text>',
    ]
    if points:
        body.append(f'<text x="{_LEFT}" y="{_H - 12}" font-size="11">{escape(points[0][0])}</text>')
        body.append(
            f'<text x="{_LEFT + inner_w}" y="{_H - 12}" text-anchor="end" font-size="11">'
            f"{escape(points[-1][0])}</text>"
        )
    for level in shown:
        colour, dash, marker = STYLES[level]
        coords = [xy(i, c[level]) for i, (_, c) in enumerate(points)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        body.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dashed}/>'
        )
        if len(coords) <= 60:
            body += [_marker(marker, x, y, colour) for x, y in coords]
        last = points[-1][1][level] if points else 0
        x, y = coords[-1] if coords else (_LEFT, _TOP + inner_h)
        body.append(
            f'<text x="{x + 8:.1f}" y="{y + 4:.1f}" font-size="12" fill="{colour}">'
            f"{level.capitalize()}: {last}</text>"
        )
    now = points[-1][1] if points else {}
    said = ", ".join(f"{now.get(s, 0)} {s}" for s in shown)
    first, last_day = (points[0][0], points[-1][0]) if points else ("", "")
    desc = (
        f"Open findings by severity at the end of each week from {first} to {last_day}; "
        f"at the end: {said}. The table below holds the same numbers."
    )
    return _svg("trend", "Open findings per week", desc, body)


def fix_chart(per: dict[str, FixTimes]) -> str:
    """Mean days to fix per severity, one labelled bar each."""
    rows = [(s, per[s]) for s in SEVERITIES if per[s].count]
    height = 30 + 34 * max(len(rows), 1)
    top = max([1.0, *(t.mean or 0 for _, t in rows)])
    width = _W - 170 - 150
    body = []
    for n, (level, times) in enumerate(rows):
        colour, _, _ = STYLES[level]
        y = 16 + n * 34
        length = (times.mean or 0) / top * width
        body.append(
            f'<text x="160" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{level.capitalize()}</text>"
        )
        body.append(
            f'<rect x="170" y="{y}" width="{max(length, 1):.1f}" height="20" fill="{colour}"/>'
        )
        body.append(
            f'<text x="{176 + length:.1f}" y="{y + 15}" font-size="12">'
            f"{times.mean:g} days (over {times.count})</text>"
        )
    if not rows:
        body.append('<text x="170" y="30" font-size="12">No finding resolved yet.</text>')
    desc = (
        "; ".join(f"{level}: {t.mean:g} days on average over {t.count}" for level, t in rows)
        or "No finding has been resolved yet."
    )
    return _svg("fix", "Mean days to fix, by severity", desc, body, height)
