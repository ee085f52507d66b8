"""remediation.jsonl: one JSON remediation record per line, appended by ``chainproof audit
--fix`` each time it changes a lock or rolls a change back (schema
``formats/schemas/remediation.schema.json``, documented in docs/formats.md).

A record is appended by rewriting the file atomically with the new line at its end, so a
reader (or a kill) never sees half a record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chainproof.errors import InputError
from chainproof.fileio import atomic_write_bytes, read_bytes

__all__ = ["DEFAULT_RECORD", "REMEDIATION_SCHEMA", "append_record", "read_records"]

REMEDIATION_SCHEMA = "https://chainproof.dev/remediation/v1"
DEFAULT_RECORD = "remediation.jsonl"  # in the project directory


def append_record(path: Path, record: dict[str, Any]) -> None:
    existing = read_bytes(path, "remediation record file") if path.exists() else b""
    if existing and not existing.endswith(b"\n"):
        existing += b"\n"
    line = json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"
    atomic_write_bytes(path, existing + line.encode("utf-8"))


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every record of a remediation.jsonl, oldest first; a line that is not a record is
    InputError naming it."""
    records: list[dict[str, Any]] = []
    text = read_bytes(path, "remediation record file").decode("utf-8", errors="replace")
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}, line {number}, is not JSON: {exc.msg}.") from exc
        if not isinstance(record, dict) or record.get("schema") != REMEDIATION_SCHEMA:
            raise InputError(f"{path}, line {number}, is not a chainproof remediation record.")
        records.append(record)
    return records
