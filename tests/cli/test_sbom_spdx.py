"""`chainproof sbom --format spdx-json` end to end: SPDX 2.3 (the default) and 3.0.1, valid,
byte-identical on a second run; bad options exit 2 and write nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.cli.helpers import one_sentence_error
from tests.sbom.fixtures import app_wheel, wheelhouse
from tests.sbom.helpers import make_dist
from tests.sbom.test_spdx import valid_spdx2, valid_spdx3

__all__ = ["app_wheel", "wheelhouse"]  # fixtures used below

ASSETS = Path(__file__).parent.parent / "assets" / "sbom"
EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}
runner = CliRunner()


@pytest.mark.parametrize("spec", [None, "2.3", "3.0.1"])
def test_uv_lock_as_spdx(tmp_path: Path, spec: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["sbom", "--uv-lock", str(ASSETS / "proj1-uv.lock"), "--format", "spdx-json"]
    args += ["--spec-version", spec] if spec else []
    result = runner.invoke(app, args, env=EPOCH)
    assert result.exit_code == 0, result.stderr
    assert f"(SPDX {spec or '2.3'} JSON)" in result.stderr
    text = (tmp_path / "sbom.spdx.json").read_text()
    (valid_spdx3 if spec == "3.0.1" else valid_spdx2)(text)
    assert runner.invoke(app, args, env=EPOCH).exit_code == 0
    assert (tmp_path / "sbom.spdx.json").read_text() == text


def test_dist_as_spdx_describes_the_release(
    tmp_path: Path, app_wheel: Path, wheelhouse: Path
) -> None:
    dist = make_dist(tmp_path / "dist", app_wheel, "app", "0.1")
    args = ["sbom", "--dist", str(dist), "--no-index", "--find-links", str(wheelhouse)]
    result = runner.invoke(app, [*args, "--format", "spdx-json", "--json"], env=EPOCH)
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert (summary["format"], summary["spec_version"]) == ("spdx-json", "2.3")
    doc = json.loads((dist / "sbom.spdx.json").read_text())
    valid_spdx2(json.dumps(doc))
    assert doc["name"] == "app-0.1"
    assert doc["creationInfo"]["created"] == "2023-11-14T22:13:20Z"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--spec-version", "1.6"), "SPDX 1.6 is not supported; use 2.3, 3.0.1."),
        (("--spec-version", "4"), "SPDX 4 is not supported"),
    ],
)
def test_bad_spdx_options_exit_2_and_write_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(
        app, ["sbom", "--uv-lock", str(ASSETS / "proj1-uv.lock"), "--format", "spdx-json", *args]
    )
    assert result.exit_code == 2
    assert message in one_sentence_error(result.stderr)
    assert list(tmp_path.iterdir()) == []
