"""Golden file: the SBOM of the proj1 uv.lock for CPython 3.12 on manylinux x86_64.

Normalised before comparing: the chainproof version (tools) and the serial number, which is
derived from the content and so follows the version. Regenerate after an intended change with
``CHAINPROOF_REGENERATE_GOLDEN=1 pytest tests/sbom/test_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from chainproof.formats.cyclonedx.writer import RenderOptions, render
from chainproof.progress import NullReporter
from chainproof.sbom.target import TargetPlatform
from chainproof.sbom.uvlock import UvLockSource

ASSETS = Path(__file__).parent.parent / "assets" / "sbom"
GOLDEN = ASSETS / "proj1-uv.cdx.json"


def normalised(text: str) -> Any:
    doc = json.loads(text)
    doc["serialNumber"] = "urn:uuid:00000000-0000-0000-0000-000000000000"
    for tool in doc["metadata"]["tools"]["components"]:
        tool["version"] = "VERSION"
    return doc


def test_uv_lock_sbom_matches_golden_file() -> None:
    target = TargetPlatform.for_python("3.12", ["manylinux_2_28_x86_64"])
    result = UvLockSource(ASSETS / "proj1-uv.lock").read(target, NullReporter())
    text = render(result, RenderOptions(timestamp=1700000000)).text
    if os.environ.get("CHAINPROOF_REGENERATE_GOLDEN"):
        GOLDEN.write_text(json.dumps(normalised(text), indent=2, sort_keys=True) + "\n")
    assert normalised(text) == json.loads(GOLDEN.read_text())
