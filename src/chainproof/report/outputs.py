"""The report's output formats (``--format``): each a ``chainproof.rendering.OutputFormat``
over a :class:`~chainproof.report.figures.ProjectReport`."""

from __future__ import annotations

from chainproof.errors import UsageError
from chainproof.rendering import JsonFormat, OutputFormat
from chainproof.report.figures import ProjectReport
from chainproof.report.html import ReportPage
from chainproof.report.markdown import ReportMarkdown

__all__ = ["REPORT_FORMATS", "report_format"]

REPORT_FORMATS: dict[str, type[OutputFormat[ProjectReport]]] = {
    "html": ReportPage,
    "markdown": ReportMarkdown,
    "json": JsonFormat,
}


def report_format(name: str) -> OutputFormat[ProjectReport]:
    factory = REPORT_FORMATS.get(name.lower())
    if factory is None:
        raise UsageError(f"--format must be one of {', '.join(REPORT_FORMATS)}, not {name!r}.")
    return factory()
