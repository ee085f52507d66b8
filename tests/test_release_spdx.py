"""``chainproof release`` with ``[sbom] formats = ["cyclonedx", "spdx"]``: sbom.spdx.json beside
sbom.cdx.json, attested (predicate https://spdx.dev/Document) and verified like it."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import pytest

from tests import release_helpers
from tests.build.helpers import configure
from tests.release_helpers import key_release, run
from tests.sbom.test_spdx import valid_spdx2, valid_spdx3

project = release_helpers.project  # the fixtures
key = release_helpers.key


def _verify(out: Path, key: Path) -> tuple[int, dict[str, object]]:
    result = run(
        "verify", str(out), "--key", f"{key}.pub", "--require", "provenance,sbom", "--json"
    )
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


def _failures(report: dict[str, object]) -> list[str]:
    return [
        f"{f['check']}: {f['detail']}"
        for a in report["artifacts"]  # type: ignore[attr-defined]
        for f in a["failures"]
    ]


@pytest.mark.parametrize("version", ["2.3", "3.0.1"])
def test_release_with_spdx_verifies_and_a_changed_byte_fails(
    project: Path, key: Path, tmp_path: Path, version: str
) -> None:
    configure(
        project,
        f'\n[tool.chainproof.sbom]\nformats = ["cyclonedx", "spdx"]\nspdx-version = "{version}"\n',
    )
    out = tmp_path / "rel"
    result = key_release(project, out, key)
    assert result.exit_code == 0, result.output
    text = (out / "sbom.spdx.json").read_text()
    (valid_spdx2 if version == "2.3" else valid_spdx3)(text)
    roles = {e["name"]: e["role"] for e in json.loads((out / "release.json").read_text())["files"]}
    assert roles["sbom.spdx.json"] == "spdx-sbom"
    assert roles["sbom.spdx.intoto.dsse.json"] == "spdx-sbom-attestation"
    envelope = json.loads((out / "sbom.spdx.intoto.dsse.json").read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert statement["predicateType"] == "https://spdx.dev/Document"
    assert statement["predicate"] == json.loads(text)
    code, report = _verify(out, key)
    assert code == 0, report

    for manifest in (True, False):  # found through release.json, and by name without it
        tampered = tmp_path / f"tampered-{manifest}"
        shutil.copytree(out, tampered)
        if not manifest:
            (tampered / "release.json").unlink()
        data = bytearray((tampered / "sbom.spdx.json").read_bytes())
        at = data.index(b'"name"') + 1
        data[at] = ord("N")  # one byte: "Name"
        (tampered / "sbom.spdx.json").write_bytes(bytes(data))
        code, report = _verify(tampered, key)
        assert code == 1
        assert any("sbom.spdx.json" in f for f in _failures(report)), report


def test_an_spdx_sbom_without_its_attestation_fails(
    project: Path, key: Path, tmp_path: Path
) -> None:
    configure(project, '\n[tool.chainproof.sbom]\nformats = ["cyclonedx", "spdx"]\n')
    out = tmp_path / "rel"
    assert key_release(project, out, key).exit_code == 0
    (out / "release.json").unlink()
    (out / "sbom.spdx.intoto.dsse.json").unlink()
    code, report = _verify(out, key)
    assert code == 1
    assert "sbom: sbom.spdx.json has no attestation (sbom.spdx.intoto.dsse.json)" in _failures(
        report
    )


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('formats = ["cyclonedx", "swid"]', "The SBOM format 'swid' in [sbom] formats"),
        ('formats = ["spdx"]\nspdx-version = "2.2"', "SPDX '2.2' is not supported"),
    ],
)
def test_bad_sbom_formats_are_refused_before_building(
    project: Path, key: Path, tmp_path: Path, setting: str, message: str
) -> None:
    configure(project, f"\n[tool.chainproof.sbom]\n{setting}\n")
    out = tmp_path / "out" / "rel"
    result = key_release(project, out, key)
    assert result.exit_code == 2
    assert message in result.output
    assert not out.parent.exists()
