"""Known-malicious packages (OSV MAL- records of ossf/malicious-packages, imported by
``db import``) and look-alike names, end to end through the CLI, offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.cli.helpers import single_error_line

ASSETS = Path(__file__).parent.parent / "assets" / "audit"
runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def audit(*args: str) -> tuple[int, dict[str, Any], str]:
    code, out, err = cli("audit", "--offline", "--format", "json", "--ignore-stale", *args)
    return code, json.loads(out) if out.strip() else {}, err


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The two real MAL- records and the hand-written advisories of osv-extra."""
    source = tmp_path / "osv"
    source.mkdir()
    for record in [*(ASSETS / "malicious").glob("*.json"), *(ASSETS / "osv-extra").glob("*")]:
        (source / record.name).write_bytes(record.read_bytes())
    path = tmp_path / "adv.sqlite3"
    code, _, err = cli("db", "import", str(source), "--db", str(path))
    assert code == 0, err
    return path


@pytest.fixture
def requirements(tmp_path: Path) -> Path:
    path = tmp_path / "requirements.txt"
    path.write_text(
        f"3web==1.0.0 --hash=sha256:{'a' * 64}\n"
        "0requests==0.0.1 "
        "--hash=sha256:c8784cf0aa8fa13a43614fbd6d51902feeecafdc06fc4db2695fd2572db66db8\n"
        f"requests==2.31.0 --hash=sha256:{'b' * 64}\n",
        encoding="utf-8",
    )
    return path


def test_db_import_reads_mal_records_and_status_counts_them(db: Path) -> None:
    code, out, _ = cli("db", "status", "--db", str(db))
    assert code == 0
    assert "malicious:  2 record(s) of malicious packages (MAL-)" in out
    assert "popular:    15,000 names (bundled: " in out
    code, out, _ = cli("db", "status", "--db", str(db), "--json")
    status = json.loads(out)
    assert status["malicious"] == 2
    assert status["popular_names"]["count"] == 15000
    assert status["popular_names"]["licence"].startswith("Apache-2.0")


def test_a_malicious_package_is_critical_whatever_the_threshold(
    db: Path, requirements: Path, tmp_path: Path
) -> None:
    policy = tmp_path / "chainproof.toml"
    policy.write_text('[audit.severity]\nmalicious = "low"\n', encoding="utf-8")
    code, report, err = audit(
        "--requirements", str(requirements), "--db", str(db), "--checks", "malicious",
        "--fail-on", "critical", "--policy", str(policy),
    )  # fmt: skip
    assert code == 1
    found = {
        (f["id"], f["package"], f["check"], f["severity"]["level"]) for f in report["findings"]
    }
    assert found == {
        ("MAL-2024-9933", "3web", "malicious", "critical"),
        ("MAL-2026-15859", "0requests", "malicious", "critical"),
    }
    assert all(f["proposal"] is None for f in report["findings"])
    assert "2 findings at or above critical" in single_error_line(err)
    assert {c["id"]: c["status"] for c in report["checks"]} == {"malicious": "failed"}


def test_only_an_exception_lets_a_malicious_package_through(
    db: Path, requirements: Path, tmp_path: Path
) -> None:
    expires = (datetime.now(UTC).date() + timedelta(days=7)).isoformat()
    policy = tmp_path / "chainproof.toml"
    policy.write_text(
        "".join(
            f'[[audit.exceptions]]\nid = "{i}"\npackage = "{p}"\nreason = "a sandboxed '
            f'analysis job"\napprover = "sec@example.invalid"\nexpires = {expires}\n'
            for i, p in (("MAL-2024-9933", "3web"), ("MAL-2026-15859", "0requests"))
        ),
        encoding="utf-8",
    )
    code, report, _ = audit(
        "--requirements", str(requirements), "--db", str(db), "--checks", "malicious",
        "--policy", str(policy),
    )  # fmt: skip
    assert code == 0
    assert all(f["suppressed"] for f in report["findings"])


def test_the_vulnerabilities_check_does_not_report_malicious_records(
    db: Path, requirements: Path
) -> None:
    code, report, _ = audit(
        "--requirements", str(requirements), "--db", str(db), "--checks", "vulnerabilities"
    )
    assert code == 0
    assert report["findings"] == []


def test_a_look_alike_name_names_the_popular_package(requirements: Path) -> None:
    code, report, err = audit("--requirements", str(requirements), "--checks", "typosquats")
    assert code == 1
    (finding,) = report["findings"]
    assert (finding["id"], finding["package"]) == ("typosquats.lookalike", "0requests")
    assert finding["evidence"]["resembles"] == "requests"
    assert finding["severity"]["level"] == "high"
    assert "1 finding at or above low" in single_error_line(err)


def test_an_organisations_own_names_are_guarded_and_the_policy_allows(
    requirements: Path, tmp_path: Path
) -> None:
    ours = tmp_path / "ours.txt"
    ours.write_text("# our internal packages\n3webb\n", encoding="utf-8")
    code, report, _ = audit(
        "--requirements", str(requirements), "--checks", "typosquats",
        "--extra-popular-names", str(ours),
    )  # fmt: skip
    assert code == 1
    assert {(f["package"], f["evidence"]["resembles"]) for f in report["findings"]} == {
        ("0requests", "requests"),
        ("3web", "3webb"),
    }
    policy = tmp_path / "chainproof.toml"
    policy.write_text(
        '[audit]\nextra-popular-names = "ours.txt"\n'
        '[audit.typosquats]\nallow = ["0requests", "3web"]\n',
        encoding="utf-8",
    )
    code, report, _ = audit(
        "--requirements", str(requirements), "--checks", "typosquats", "--policy", str(policy)
    )
    assert code == 0
    assert report["findings"] == []


def test_popular_names_replaces_the_bundled_list(requirements: Path, tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("numpy\n", encoding="utf-8")
    code, report, _ = audit(
        "--requirements", str(requirements), "--checks", "typosquats",
        "--popular-names", str(names),
    )  # fmt: skip
    assert code == 0  # requests is not on this list, so 0requests resembles nothing
    assert report["findings"] == []


def test_db_import_names_replaces_the_bundled_list_until_named_otherwise(
    db: Path, requirements: Path, tmp_path: Path
) -> None:
    names = tmp_path / "newer.txt"
    names.write_text("# source: a newer list\n# date: 2026-12-01\nrequests\n0requests\n")
    code, out, err = cli("db", "import-names", str(names), "--db", str(db))
    assert code == 0, err
    assert "Imported 2 popular names" in out
    code, out, _ = cli("db", "status", "--db", str(db), "--json")
    assert json.loads(out)["popular_names"]["count"] == 2
    code, report, _ = audit(
        "--requirements", str(requirements), "--checks", "typosquats", "--db", str(db)
    )
    assert code == 0  # 0requests is itself on the imported list
    assert report["findings"] == []


def test_a_malformed_names_file_is_exit_2(requirements: Path, tmp_path: Path) -> None:
    names = tmp_path / "names.txt"
    names.write_text("requests\nnot a name!\n", encoding="utf-8")
    code, _, err = audit(
        "--requirements", str(requirements), "--checks", "typosquats",
        "--popular-names", str(names),
    )  # fmt: skip
    assert code == 2
    assert str(names) in single_error_line(err)
