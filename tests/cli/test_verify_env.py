"""``chainproof verify-env``: exit codes and the drift listing."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.verify.test_environment import environment, install  # noqa: F401

runner = CliRunner()


def test_clean_environment_exits_0(environment: tuple[Path, Path, Path]) -> None:  # noqa: F811
    python, _, sbom = environment
    result = runner.invoke(app, ["verify-env", "--sbom", str(sbom), "--python", str(python)])
    assert result.exit_code == 0, result.output
    assert "2 distributions installed, 2 in the SBOM" in result.stdout


def test_drift_exits_1_and_lists_it(environment: tuple[Path, Path, Path]) -> None:  # noqa: F811
    python, wheels, sbom = environment
    install(python, wheels, "gamma==0.1", "beta==3.0")
    result = runner.invoke(
        app, ["verify-env", "--sbom", str(sbom), "--python", str(python), "--json"]
    )
    assert result.exit_code == 1
    drift = {(d["kind"], d["name"]) for d in json.loads(result.stdout)["drift"]}
    assert drift == {("added", "gamma"), ("version", "beta")}
    assert "has drifted" in result.stderr
    allowed = runner.invoke(
        app,
        ["verify-env", "--sbom", str(sbom), "--python", str(python), "--allow-extra", "gamma"],
    )
    assert allowed.exit_code == 1
    assert "beta is 3.0, the SBOM says 2.0" in allowed.stdout


def test_bad_input_exits_2(tmp_path: Path) -> None:
    missing = runner.invoke(app, ["verify-env", "--sbom", str(tmp_path / "none.json")])
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr
    sbom = tmp_path / "sbom.json"
    sbom.write_text('{"bomFormat": "CycloneDX", "components": []}')
    python = runner.invoke(
        app, ["verify-env", "--sbom", str(sbom), "--python", str(tmp_path / "no-python")]
    )
    assert python.exit_code == 2
    assert "Traceback" not in python.output


def test_an_spdx_sbom_is_verified_as_its_cyclonedx(
    environment: tuple[Path, Path, Path],  # noqa: F811
    tmp_path: Path,
) -> None:
    python, wheels, _ = environment
    reports = {}
    for fmt, name in (("json", "env.cdx.json"), ("spdx-json", "env.spdx.json")):
        sbom = tmp_path / name
        made = runner.invoke(app, ["sbom", "--env", str(python), "--format", fmt, "-o", str(sbom)])
        assert made.exit_code == 0, made.stderr
        clean = runner.invoke(app, ["verify-env", "--sbom", str(sbom), "--python", str(python)])
        assert clean.exit_code == 0, clean.output
        assert "2 distributions installed, 2 in the SBOM" in clean.stdout
        reports[fmt] = sbom
    install(python, wheels, "gamma==0.1", "beta==3.0")
    drift = []
    for sbom in reports.values():
        result = runner.invoke(
            app, ["verify-env", "--sbom", str(sbom), "--python", str(python), "--json"]
        )
        assert result.exit_code == 1
        drift.append(json.loads(result.stdout)["drift"])
    assert drift[0] == drift[1]
    assert {(d["kind"], d["name"]) for d in drift[0]} == {("added", "gamma"), ("version", "beta")}
