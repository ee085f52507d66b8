"""Shared helpers of the round-trip tests: a demo release signed by `chainproof sign`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from typer.testing import CliRunner, Result

from chainproof.cli.app import app

__all__ = ["SDIST", "WHEEL", "failures", "flip_byte", "invoke", "sbom_with_artifact_hashes"]

runner = CliRunner()
WHEEL = "cp_demo-1.2.0-py3-none-any.whl"
SDIST = "cp_demo-1.2.0.tar.gz"


def sbom_with_artifact_hashes(directory: Path) -> None:
    """The demo SBOM, with the release's artifact hashes in metadata.component (as
    `chainproof sbom --dist` writes them)."""
    path = directory / "sbom.cdx.json"
    sbom = json.loads(path.read_text())
    sbom["metadata"]["component"]["hashes"] = [
        {"alg": "SHA-256", "content": hashlib.sha256((directory / n).read_bytes()).hexdigest()}
        for n in (SDIST, WHEEL)
    ]
    path.write_text(json.dumps(sbom, indent=2) + "\n")


def invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    result = runner.invoke(app, args, env=env)
    assert "Traceback" not in result.output
    return result


def failures(result: Result) -> set[tuple[str, str]]:
    return {(f["subject"], f["check"]) for f in json.loads(result.stdout)["failures"]}


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
