"""Git repositories with a known history, written in one ``git fast-import`` stream (a
thousand commits take well under a second), and OSV records for them."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

__all__ = ["DAY0", "SBOM", "Change", "advisory", "day", "write_advisories", "write_repository"]

DAY0 = datetime(2026, 1, 1, 12, tzinfo=UTC)


def day(n: float) -> datetime:
    return DAY0 + timedelta(days=n)


@dataclass(frozen=True)
class Change:
    when: datetime
    message: str
    files: Mapping[str, str | None] = field(default_factory=dict)  # None deletes


GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "dev",
    "GIT_AUTHOR_EMAIL": "dev@example.invalid",
    "GIT_COMMITTER_NAME": "dev",
    "GIT_COMMITTER_EMAIL": "dev@example.invalid",
}


def _git(repo: Path, *args: str, stdin: bytes | None = None) -> None:
    subprocess.run(
        ["git", *args],
        cwd=repo,
        input=stdin,
        env={**os.environ, **GIT_ENV},
        check=True,
        capture_output=True,
    )


def write_repository(repo: Path, changes: Sequence[Change]) -> Path:
    """A new repository at ``repo`` whose branch main is ``changes``, checked out."""
    repo.mkdir(parents=True, exist_ok=True)
    _git(repo, "init", "-q", "-b", "main")
    stream = bytearray()
    for n, change in enumerate(changes):
        stamp = f"{int(change.when.timestamp())} +0000"
        message = change.message.encode()
        stream += f"commit refs/heads/main\nmark :{n + 1}\n".encode()
        stream += f"author dev <dev@example.invalid> {stamp}\n".encode()
        stream += f"committer dev <dev@example.invalid> {stamp}\n".encode()
        stream += f"data {len(message)}\n".encode() + message + b"\n"
        if n:
            stream += f"from :{n}\n".encode()
        for path, text in change.files.items():
            if text is None:
                stream += f"D {path}\n".encode()
            else:
                data = text.encode()
                stream += f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n"
        stream += b"\n"
    _git(repo, "fast-import", "--quiet", stdin=bytes(stream))
    _git(repo, "reset", "-q", "--hard", "main")
    return repo


def advisory(
    osv_id: str,
    package: str,
    fixed: str,
    published: datetime,
    severity: str = "HIGH",
    **extra: Any,
) -> dict[str, Any]:
    """An OSV record: ``package`` affected below ``fixed``."""
    stamp = published.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "schema_version": "1.6.0",
        "id": osv_id,
        "modified": stamp,
        "published": stamp,
        "summary": f"{package} before {fixed} is vulnerable",
        "database_specific": {"severity": severity},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": package},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": fixed}]}
                ],
            }
        ],
        **extra,
    }


def write_advisories(directory: Path, records: Sequence[dict[str, Any]]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for record in records:
        (directory / f"{record['id']}.json").write_text(json.dumps(record))
    return directory


SBOM: dict[str, Any] = {  # a released version's, which shipped alpha 0.9
    "bomFormat": "CycloneDX",
    "specVersion": "1.6",
    "version": 1,
    "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
    "metadata": {"component": {"type": "application", "name": "acme-app", "version": "0.9"}},
    "components": [
        {
            "type": "library",
            "bom-ref": "pkg:pypi/alpha@0.9",
            "name": "alpha",
            "version": "0.9",
            "purl": "pkg:pypi/alpha@0.9",
        }
    ],
}
