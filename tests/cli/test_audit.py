"""`chainproof audit` end to end, offline: exit codes, messages, formats, policy flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.audit.db import build_database
from chainproof.cli.app import app
from chainproof.formats.osv import iter_source
from tests.cli.helpers import single_error_line

ASSETS = Path(__file__).parent.parent / "assets" / "audit"
SBOM = ASSETS / "app.cdx.json"
runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auditdb") / "adv.sqlite3"
    build_database(
        iter_source(ASSETS / "pypa-advisory-database-2024-10-10.tar.gz"), path, "pypa snapshot"
    )
    return path


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["audit", *args], env={"SOURCE_DATE_EPOCH": "1767225600"})
    return result.exit_code, result.stdout, result.stderr


def test_findings_over_the_threshold_exit_1(db: Path) -> None:
    code, out, err = run("--sbom", str(SBOM), "--db", str(db), "--ignore-stale")
    assert code == 1
    assert "PYSEC-2021-108" in out
    assert "requests → urllib3" in out
    assert "Not checked: left-pad: not a PyPI package" in out
    assert "Warning: The advisory database is" in out
    # 10 vulnerabilities, and the hashes check: this SBOM gives no hash for 2 packages
    assert "Jinja2 2.10 has no sha256, so nothing proves which file installs." in out
    assert (
        "Checks: vulnerabilities failed; malicious passed; pins not checked (does not apply "
        "to an SBOM)"
    ) in out
    assert single_error_line(err).startswith("Error: The audit failed: 12 findings at or above low")


def test_threshold_flag_can_pass_the_run(db: Path) -> None:
    code, out, _ = run(
        "--sbom", str(SBOM), "--db", str(db), "--db-max-age", "100000", "--fail-on", "critical"
    )
    assert code == 0
    assert "12 open finding(s)" in out
    assert "Warning" not in out


def test_stale_database_is_an_error_by_default(db: Path) -> None:
    code, out, err = run("--sbom", str(SBOM), "--db", str(db))
    assert code == 2
    assert out == ""
    message = single_error_line(err)
    assert "older than the maximum of 30 days" in message
    assert "--ignore-stale" in err


def test_policy_sets_age_threshold_and_exceptions(db: Path, tmp_path: Path) -> None:
    policy = tmp_path / "chainproof.toml"
    policy.write_text(
        '[audit]\nfail-on = "high"\nmax-db-age-days = 100000\n\n'
        '[[audit.exceptions]]\nid = "CVE-2021-33503"\npackage = "urllib3"\n'
        'reason = "No untrusted URLs reach urllib3."\napprover = "alice@example.com"\n'
        "expires = 2020-01-01\n"
    )
    code, out, err = run(
        "--sbom", str(SBOM), "--db", str(db), "--policy", str(policy), "--format", "json"
    )
    assert code == 1
    report = json.loads(out)
    finding = next(f for f in report["findings"] if f["id"] == "PYSEC-2021-108")
    assert finding["suppressed"] is False
    assert finding["expired_exception"]["expires"] == "2020-01-01"
    assert (
        "expired exception: CVE-2021-33503 (PYSEC-2021-108) for urllib3 (expired 2020-01-01)"
        in (single_error_line(err))
    )


def test_outputs_to_files(db: Path, tmp_path: Path) -> None:
    for fmt in ("sarif", "cyclonedx", "markdown", "json", "table"):
        out_file = tmp_path / f"report.{fmt}"
        code, out, err = run(
            "--sbom",
            str(SBOM),
            "--db",
            str(db),
            "--ignore-stale",
            "--format",
            fmt,
            "-o",
            str(out_file),
        )
        assert code == 1
        assert out == ""
        assert f"Wrote {fmt} report to {out_file}." in err
        assert out_file.stat().st_size > 0
    sarif = json.loads((tmp_path / "report.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    vex = json.loads((tmp_path / "report.cyclonedx").read_text())
    assert len(vex["vulnerabilities"]) == 10


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give exactly one of --sbom, --pylock, --uv-lock, --requirements or --env."),
        (("--sbom", "a.json", "--pylock", "b.toml"), "Give exactly one of"),
        (("--sbom", "missing.json"), "The SBOM missing.json does not exist."),
        (("--sbom", str(SBOM), "--format", "html"), "--format must be one of"),
        (("--sbom", str(SBOM), "--fail-on", "severe"), "--fail-on must be one of"),
        (("--sbom", str(SBOM), "--policy", "nope.toml"), "does not exist"),
    ],
)
def test_bad_usage_and_input_exit_2(db: Path, args: tuple[str, ...], message: str) -> None:
    code, _, err = run(*args, "--db", str(db), "--ignore-stale")
    assert code == 2
    assert message in single_error_line(err)


def test_unreadable_inputs_exit_2(db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "sbom.json"
    bad.write_text("{")
    code, _, err = run("--sbom", str(bad), "--db", str(db), "--ignore-stale")
    assert code == 2
    assert "is not valid JSON" in single_error_line(err)
    req = tmp_path / "requirements.txt"
    req.write_bytes(b"\xff\xfe\x00garbage")
    code, _, err = run("--requirements", str(req), "--db", str(db), "--ignore-stale")
    assert code == 2
    single_error_line(err)


def test_missing_database(tmp_path: Path) -> None:
    code, _, err = run("--sbom", str(SBOM), "--db", str(tmp_path / "none.sqlite3"))
    assert code == 2
    assert "There is no advisory database" in single_error_line(err)


def test_no_vulnerabilities(db: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("idna==3.10 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    code, out, _ = run("--requirements", str(req), "--db", str(db), "--ignore-stale")
    assert code == 0
    assert "No known vulnerabilities in the packages checked." in out
    assert "1 package(s) checked against 2,661 advisories" in out


def test_fail_on_from_the_environment(db: Path) -> None:
    result = runner.invoke(
        app,
        ["audit", "--sbom", str(SBOM), "--db", str(db), "--ignore-stale"],
        env={"CHAINPROOF_FAIL_ON": "critical"},
    )
    assert result.exit_code == 0


def test_unwritable_output(db: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, _, err = run(
        "--sbom", str(SBOM), "--db", str(db), "--ignore-stale", "-o", str(blocker / "report.json")
    )
    assert code == 2
    assert "Cannot write" in single_error_line(err)


def test_requirements_it_cannot_pin_are_findings_not_skipped(db: Path, tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("-e ./libs/vendored\nidna==3.10 --hash=sha256:" + "0" * 64 + "\n")
    code, out, _ = run("--requirements", str(req), "--db", str(db), "--ignore-stale")
    assert code == 1
    assert "editable requirement ./libs/vendored" in " ".join(out.split())
    # the vulnerabilities check alone cannot judge the line: it says so, and passes nothing
    _, out, _ = run(
        "--requirements", str(req), "--db", str(db), "--ignore-stale", "--checks", "vulnerabilities"
    )
    assert "Not checked: ./libs/vendored: it is not pinned to one version." in out


def test_nothing_checked_never_reads_as_clean(db: Path, tmp_path: Path) -> None:
    sbom = tmp_path / "sbom.json"
    component = {"type": "library", "name": "left-pad", "purl": "pkg:npm/left-pad@1.3.0"}
    sbom.write_text(
        json.dumps({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": [component]})
    )
    code, out, _ = run("--sbom", str(sbom), "--db", str(db), "--ignore-stale")
    assert code == 0
    assert "No known vulnerabilities" not in out
    assert "No package could be checked" in out
    assert "Not checked: left-pad" in out
    code, out, _ = run(
        "--sbom", str(sbom), "--db", str(db), "--ignore-stale", "--format", "markdown"
    )
    assert "no package could be checked" in out
