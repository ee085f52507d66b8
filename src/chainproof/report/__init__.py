"""Report: the git history of the lock files against the advisory database, for people.

- :mod:`chainproof.report.history`: one ``git log`` stream and one ``git cat-file --batch``.
- :mod:`chainproof.report.states`: what each lock (and policy) blob in that history held.
- :mod:`chainproof.report.audited`: every version ever locked, the released SBOMs and the current
  locks, through the audit.
- :mod:`chainproof.report.timeline`: findings as episodes (detected, resolved, by what).
- :mod:`chainproof.report.figures`: open findings, time to fix, trend, exceptions.
- :mod:`chainproof.report.run`: ``make_report`` (``ReportRequest`` → ``ProjectReport``).
- :mod:`chainproof.report.baseline`: what is new since an earlier report's JSON.
- :mod:`chainproof.report.html`, :mod:`chainproof.report.markdown`, :mod:`chainproof.report.charts`:
  the page, the Markdown and the inline SVG charts.
"""

from __future__ import annotations

from chainproof.lazy import submodule_loader

__all__: list[str] = []

__getattr__ = submodule_loader(__name__)  # submodules load on first use
