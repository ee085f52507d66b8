"""The status, age and licenses checks against real package indexes on 127.0.0.1
(tests/indexes.py), over the sample project's locks; the licences of an SBOM offline."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.audit.test_checks_online import _moved, _policy, run
from tests.cli.helpers import single_error_line
from tests.indexes import IndexFactory, IndexServer, SampleUniverse, write_wheel


def _public_lock(
    universe: SampleUniverse, tmp_path: Path, server: IndexServer, lock: str = "uv_lock"
) -> Path:
    """A copy of the universe's uv.lock whose public packages come from ``server``."""
    path: Path = getattr(universe, lock)
    return _moved(path, universe.public.base_url, server.base_url, tmp_path)


def _ids(report: dict[str, object]) -> list[tuple[str, str]]:
    findings = report["findings"]
    assert isinstance(findings, list)
    return sorted((f["id"], f["package"]) for f in findings)


# status: PEP 792 project status and PEP 592 yanked files


@pytest.mark.parametrize("mode", ["html", "json"])
def test_project_status_and_yanked_files_are_found_in_html_and_json(
    sample_universe: SampleUniverse, make_index: IndexFactory, tmp_path: Path, mode: str
) -> None:
    server = make_index.public(mode=mode, project_status="active")
    server.set_status("delta-url", "quarantined", "under review for malware")
    server.set_status("theta-idna", "archived")
    server.set_status("epsilon-codec", "deprecated", "use zeta-codec")
    server.yank("beta_json-2.1.0-py3-none-any.whl", "broken on 3.12")
    lock = _public_lock(sample_universe, tmp_path, server)
    code, report, err = run("--uv-lock", str(lock), "--checks", "status")
    assert code == 1
    assert _ids(report) == [
        ("status.archived", "theta-idna"),
        ("status.deprecated", "epsilon-codec"),
        ("status.quarantined", "delta-url"),
        ("status.yanked", "beta-json"),
    ]
    levels = {f["id"]: f["severity"]["level"] for f in report["findings"]}
    assert levels == {
        "status.archived": "low",
        "status.deprecated": "medium",
        "status.quarantined": "high",
        "status.yanked": "high",
    }
    quarantined = next(f for f in report["findings"] if f["id"] == "status.quarantined")
    assert quarantined["evidence"]["reason"] == "under review for malware"
    yanked = next(f for f in report["findings"] if f["id"] == "status.yanked")
    assert yanked["evidence"] == {
        "file": "beta_json-2.1.0-py3-none-any.whl",
        "yanked reason": "broken on 3.12",
    }
    assert "4 findings at or above low" in single_error_line(err)
    # the index's page said so, in the format asked for
    kinds = {kind for path, _, kind in server.responses if path.startswith("/simple/")}
    assert kinds == {
        "application/vnd.pypi.simple.v1+json" if mode == "json" else "text/html; charset=utf-8"
    }


def test_status_findings_fail_at_the_policys_severity(
    sample_universe: SampleUniverse, make_index: IndexFactory, tmp_path: Path
) -> None:
    server = make_index.public(project_status="active")
    server.set_status("theta-idna", "archived")
    lock = _public_lock(sample_universe, tmp_path, server)
    code, report, _ = run("--uv-lock", str(lock), "--checks", "status", "--fail-on", "medium")
    assert code == 0  # archived is low by default
    assert _ids(report) == [("status.archived", "theta-idna")]
    policy = _policy(
        tmp_path, '[audit]\nfail-on = "medium"\n[audit.severity]\n"status.archived" = "high"\n'
    )
    code, report, err = run("--uv-lock", str(lock), "--checks", "status", "--policy", str(policy))
    assert code == 1
    assert report["findings"][0]["severity"]["level"] == "high"
    assert "1 finding at or above medium" in single_error_line(err)


def test_an_index_that_serves_no_status_leaves_it_not_checked(
    sample_universe: SampleUniverse, make_index: IndexFactory, tmp_path: Path
) -> None:
    server = make_index.public()  # no project-status field, as a proxy that strips it
    lock = _public_lock(sample_universe, tmp_path, server)
    code, report, _ = run("--uv-lock", str(lock), "--checks", "status")
    assert code == 0
    assert report["findings"] == []
    status = {c["id"]: c["status"] for c in report["checks"]}["status"]
    assert status == "partly checked"  # the internal index says "active"; never "passed"
    reasons = {u["package"]: u["reason"] for u in report["unchecked"]}
    assert reasons["delta-url"] == "the index serves no project status (PEP 792)"
    assert not any(name.startswith("acme-") for name in reasons)
    policy = _policy(tmp_path, '[audit]\nunchecked = "fail"\n')
    code, _, err = run("--uv-lock", str(lock), "--checks", "status", "--policy", str(policy))
    assert code == 1
    assert "could not be checked" in single_error_line(err)


def test_a_status_chainproof_does_not_know_is_not_checked(
    sample_universe: SampleUniverse, make_index: IndexFactory, tmp_path: Path
) -> None:
    server = make_index.public(mode="json", project_status="active")
    server.set_status("delta-url", "frozen")
    lock = _public_lock(sample_universe, tmp_path, server)
    code, report, _ = run("--uv-lock", str(lock), "--checks", "status")
    assert code == 0
    assert report["findings"] == []
    assert {u["package"]: u["reason"] for u in report["unchecked"]} == {
        "delta-url": "the index says 'frozen', unknown"
    }


def test_offline_status_is_not_checked(sample_universe: SampleUniverse) -> None:
    from typer.testing import CliRunner

    from chainproof.cli.app import app

    args = ["audit", "--offline", "--format", "json", "--uv-lock", str(sample_universe.uv_lock)]
    result = CliRunner().invoke(app, [*args, "--checks", "status"])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert {c["id"]: c["status"] for c in report["checks"]} == {"status": "not checked"}
    assert report["unchecked"]


# age: min-release-age


def _recent(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def test_a_file_younger_than_min_release_age_in_the_uv_lock_is_found_offline(
    sample_universe: SampleUniverse, tmp_path: Path
) -> None:
    text = sample_universe.uv_lock.read_text(encoding="utf-8")
    assert "upload-time" in text  # uv records each file's upload time
    lock = tmp_path / "uv.lock"
    lock.write_text(text, encoding="utf-8")
    locked_at = datetime.fromtimestamp(lock.stat().st_mtime, UTC)  # not in git: its mtime
    fresh = _recent(locked_at - timedelta(hours=20))
    pattern = (
        r'(/files/theta_idna-3\.6\.0-py3-none-any\.whl", hash = "sha256:[0-9a-f]+", '
        r'size = \d+, upload-time = ")[^"]+'
    )
    changed = re.sub(pattern, lambda m: m[1] + fresh, text)
    assert changed != text
    lock.write_text(changed, encoding="utf-8")
    os.utime(lock, (locked_at.timestamp(), locked_at.timestamp()))
    policy = _policy(tmp_path, '[audit]\nmin-release-age = "7d"\n')
    code, report, err = run(
        "--offline", "--uv-lock", str(lock), "--checks", "age", "--policy", str(policy)
    )
    assert code == 1, err
    (finding,) = report["findings"]
    assert (finding["id"], finding["package"]) == ("age.too-new", "theta-idna")
    assert finding["evidence"]["file"] == "theta_idna-3.6.0-py3-none-any.whl"
    assert finding["evidence"]["min-release-age"] == "7d"
    assert "20h before the lock was made" in finding["summary"]
    assert {c["id"]: c["status"] for c in report["checks"]} == {"age": "failed"}


def test_age_comes_from_the_index_when_the_lock_has_no_upload_times(
    sample_universe: SampleUniverse, make_index: IndexFactory, tmp_path: Path
) -> None:
    server = make_index.internal()
    wheel = sample_universe.dists.file("delta_url-2.0.1-py3-none-any.whl")
    server.add(wheel, upload_time=datetime.now(UTC) - timedelta(hours=2))
    lock = _moved(sample_universe.requirements, sample_universe.internal.url, server.url, tmp_path)
    policy = _policy(tmp_path, '[audit]\nmin-release-age = "3d"\n')
    code, report, _ = run("--requirements", str(lock), "--checks", "age", "--policy", str(policy))
    assert code == 1
    assert _ids(report) == [("age.too-new", "delta-url")]
    offline, report, _ = run(
        "--offline", "--requirements", str(lock), "--checks", "age", "--policy", str(policy)
    )
    assert offline == 0
    assert {c["id"]: c["status"] for c in report["checks"]} == {"age": "partly checked"}


def test_the_age_check_needs_min_release_age(sample_universe: SampleUniverse) -> None:
    code, _, err = run("--uv-lock", str(sample_universe.uv_lock), "--checks", "age")
    assert code == 2
    assert "min-release-age" in single_error_line(err)


# licenses


def test_licences_of_a_lock_come_from_the_indexs_core_metadata(
    sample_universe: SampleUniverse, make_index: IndexFactory, tmp_path: Path
) -> None:
    extra = tmp_path / "extra"
    server = make_index.public(
        write_wheel(extra, "theta-idna", "3.6.0", license="GPL-3.0-only"),
        write_wheel(extra, "delta-url", "2.0.1", ("theta-idna",), license="LGPL-2.1-only OR MIT"),
        write_wheel(extra, "epsilon-codec", "0.5.0", license="MPL-2.0"),
        write_wheel(extra, "iota-ffi", "1.16.0", ("kappa-parser",), license=None),
    )
    lock = _public_lock(sample_universe, tmp_path, server)
    policy = _policy(
        tmp_path,
        '[audit.licenses]\nallow = ["MIT", "BSD-3-Clause"]\ndeny = ["GPL-3.0-only"]\n'
        'unknown = "low"\n',
    )
    code, report, err = run("--uv-lock", str(lock), "--checks", "licenses", "--policy", str(policy))
    assert code == 1, err
    found = {f["package"]: (f["id"], f["severity"]["level"]) for f in report["findings"]}
    assert found == {
        "theta-idna": ("licenses.denied", "high"),
        "epsilon-codec": ("licenses.not-allowed", "medium"),
        "iota-ffi": ("licenses.unknown", "low"),
    }  # delta-url may be taken under MIT
    assert any(path.endswith(".whl.metadata") for _, path, _ in server.requests)


def test_licences_of_an_sbom_offline(tmp_path: Path) -> None:
    sbom = tmp_path / "sbom.cdx.json"
    components = [
        ("good", [{"expression": "MIT OR Apache-2.0"}]),
        ("copyleft", [{"license": {"id": "AGPL-3.0-only"}}]),
        ("vague", [{"license": {"name": "BSD-like"}}]),
    ]
    sbom.write_text(
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.6",
                "version": 1,
                "components": [
                    {
                        "type": "library",
                        "name": name,
                        "version": "1.0",
                        "purl": f"pkg:pypi/{name}@1.0",
                        "bom-ref": name,
                        "licenses": licences,
                    }
                    for name, licences in components
                ],
            }
        ),
        encoding="utf-8",
    )
    policy = _policy(tmp_path, '[audit.licenses]\ndeny = ["AGPL-3.0-only"]\n')
    code, report, _ = run(
        "--offline", "--sbom", str(sbom), "--checks", "licenses", "--policy", str(policy)
    )
    assert code == 1
    assert _ids(report) == [("licenses.denied", "copyleft"), ("licenses.unknown", "vague")]


def test_a_malformed_licence_policy_is_exit_2(
    tmp_path: Path, sample_universe: SampleUniverse
) -> None:
    policy = _policy(tmp_path, '[audit.licenses]\nallow = ["Not-A-Licence"]\n')
    code, _, err = run("--uv-lock", str(sample_universe.uv_lock), "--policy", str(policy))
    assert code == 2
    assert "Not-A-Licence" in single_error_line(err)


def test_licences_of_an_environment_from_its_installed_metadata(tmp_path: Path) -> None:
    from tests.sbom.helpers import make_env

    wheels = tmp_path / "wheels"
    write_wheel(wheels, "good-lib", "1.0", license="MIT")
    write_wheel(wheels, "bad-lib", "1.0", license="AGPL-3.0-only")
    python = make_env(tmp_path / "venv", wheels, "good-lib", "bad-lib")
    policy = _policy(tmp_path, '[audit.licenses]\ndeny = ["AGPL-3.0-only"]\n')
    code, report, _ = run(
        "--offline", "--env", str(python), "--checks", "licenses", "--policy", str(policy)
    )
    assert code == 1
    assert _ids(report) == [("licenses.denied", "bad-lib")]


def test_without_pep_658_files_licences_come_from_the_hash_checked_wheels(
    sample_universe: SampleUniverse, make_index: IndexFactory, tmp_path: Path
) -> None:
    extra = tmp_path / "extra"
    wheel = write_wheel(extra, "theta-idna", "3.6.0", license="GPL-3.0-only")
    server = make_index.public(wheel, serve_metadata=False)
    text = _public_lock(sample_universe, tmp_path, server).read_text(encoding="utf-8")
    real = server.file(wheel.name).sha256
    old = re.search(r"theta_idna-3\.6\.0-py3-none-any\.whl\", hash = \"sha256:([0-9a-f]{64})", text)
    assert old is not None
    lock = tmp_path / "uv.lock"
    lock.write_text(text.replace(old[1], real), encoding="utf-8")  # the lock names this wheel
    policy = _policy(tmp_path, '[audit.licenses]\ndeny = ["GPL-3.0-only"]\n')
    code, report, _ = run("--uv-lock", str(lock), "--checks", "licenses", "--policy", str(policy))
    assert code == 1
    assert _ids(report) == [("licenses.denied", "theta-idna")]
    assert report["unchecked"] == []
    assert any(path == f"/files/{wheel.name}" for _, path, _ in server.requests)
