"""``chainproof db update``: download OSV's PyPI export (an all.zip) and import it."""

from __future__ import annotations

import contextlib
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from chainproof.audit.db import DbStatus, build_database
from chainproof.errors import InfrastructureError, InputError
from chainproof.fileio import CHUNK_SIZE
from chainproof.formats.osv import iter_source
from chainproof.progress import NullReporter, Reporter

__all__ = ["OSV_PYPI_EXPORT", "update_database"]

OSV_PYPI_EXPORT = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"


def _download(url: str, dest: Path, reporter: Reporter, timeout: float) -> None:
    request = urllib.request.Request(url, headers={"User-Agent": "chainproof"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response, dest.open("wb") as out:  # noqa: S310
            length = response.headers.get("Content-Length")
            reporter.step(
                "Downloading advisories", int(length) if length and length.isdigit() else None
            )
            while chunk := response.read(CHUNK_SIZE):
                out.write(chunk)
                reporter.advance(len(chunk))
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise InfrastructureError(
            f"Downloading the advisory export from {url} failed: {reason}.",
            hint="Check the network or give a reachable mirror with --url; "
            "`chainproof db import SOURCE` works offline.",
        ) from exc


def update_database(
    db_path: Path, url: str | None = None, reporter: Reporter | None = None, timeout: float = 60.0
) -> DbStatus:
    """Download ``url`` (default: OSV's PyPI export) and replace the database with it."""
    reporter = reporter or NullReporter()
    url = url or OSV_PYPI_EXPORT
    db_path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".osv-", suffix=".zip", dir=db_path.parent)
    os.close(fd)
    try:
        _download(url, Path(name), reporter, timeout)
        if not zipfile.is_zipfile(name):
            raise InputError(
                f"The download from {url} is not a zip archive of OSV records.",
                hint="--url must point at an OSV all.zip export.",
            )
        return build_database(iter_source(Path(name)), db_path, url, reporter)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
