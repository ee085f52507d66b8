"""The dependency checks online, against real package indexes on 127.0.0.1 (tests/indexes.py):
an internal index and a public one, and acme-app locked from them by uv and pip. Every lock of
the clean project passes every check; each seeded fault is found by asking the index."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from chainproof.formats.audit_policy import CHECKS, OPT_IN_CHECKS
from tests.cli.helpers import single_error_line
from tests.indexes import IndexFactory, SampleUniverse, write_wheel

runner = CliRunner()


@pytest.fixture(autouse=True)
def no_pip_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip's settings on this machine stay out of it: the sources check reads them."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.delenv("PIP_EXTRA_INDEX_URL", raising=False)


def run(*args: str) -> tuple[int, dict[str, Any], str]:
    result = runner.invoke(app, ["audit", "--online", "--format", "json", *args])
    data = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, data, result.stderr


def _policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "chainproof.toml"
    path.write_text(text, encoding="utf-8")
    return path


LOCKS = {
    "uv-lock": "uv_lock",
    "pylock": "pylock",  # pip lock: no index field, the files' URLs only
    "pylock-uv": "pylock_uv",  # uv export: an index per package
    "requirements": "requirements",
}


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_the_clean_project_passes_every_check(
    sample_universe: SampleUniverse, snapshot_db: Path, tmp_path: Path, lock: str
) -> None:
    path: Path = getattr(sample_universe, LOCKS[lock])
    kind = "pylock" if lock.startswith("pylock") else lock
    trust = '[audit]\nmin-release-age = "7d"\n[audit.licenses]\nallow = ["MIT"]\n'
    policy = _policy(tmp_path, trust + sample_universe.sources_policy())
    code, report, err = run(
        f"--{kind}", str(path), "--policy", str(policy), "--db", str(snapshot_db),
        "--ignore-stale",
    )  # fmt: skip
    assert code == 0, err
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    assert statuses == {c: "passed" for c in CHECKS if c not in OPT_IN_CHECKS}
    assert report["unchecked"] == []
    # internal names nobody holds on the public index: a note (severity none), not a failure
    unclaimed = {f["package"] for f in report["findings"] if f["id"] == "sources.unclaimed"}
    assert unclaimed == {n for n in sample_universe.internal_names if n in _locked_names(path)}
    assert all(f["severity"]["level"] == "none" for f in report["findings"])
    assert len(_locked_names(path)) >= 25


def _locked_names(path: Path) -> set[str]:
    text = path.read_text(encoding="utf-8")
    found = re.findall(r'^name = "([^"]+)"', text, re.MULTILINE)
    found += re.findall(r"^([a-z0-9][a-z0-9._-]*)==", text, re.MULTILINE)
    return {n for n in found if n != "acme-app"}


def _tampered_uv_lock(universe: SampleUniverse, tmp_path: Path) -> tuple[Path, str, str]:
    """A copy of the uv.lock with one wheel's sha256 changed: (lock, file name, index sha)."""
    text = universe.uv_lock.read_text(encoding="utf-8")
    match = re.search(r'url = "[^"]*/files/(beta[^"]*\.whl)", hash = "sha256:([0-9a-f]{64})"', text)
    assert match is not None
    lock = tmp_path / "uv.lock"
    lock.write_text(text.replace(match[2], "0" * 64), encoding="utf-8")
    return lock, match[1], match[2]


def test_a_hash_that_differs_from_the_index_is_critical_and_named(
    sample_universe: SampleUniverse, tmp_path: Path
) -> None:
    lock, filename, published = _tampered_uv_lock(sample_universe, tmp_path)
    code, report, err = run("--uv-lock", str(lock), "--checks", "hashes")
    assert code == 1
    (finding,) = report["findings"]
    assert finding["id"] == "hashes.mismatch"
    assert finding["severity"]["level"] == "critical"
    assert finding["evidence"] == {
        "file": filename,
        "lock sha256": "0" * 64,
        "index sha256": published,
    }
    assert "1 finding at or above low" in single_error_line(err)


def test_offline_the_same_lock_is_not_checked_never_passed(
    sample_universe: SampleUniverse, tmp_path: Path
) -> None:
    lock, _, _ = _tampered_uv_lock(sample_universe, tmp_path)
    args = ["audit", "--offline", "--format", "json", "--uv-lock", str(lock), "--checks", "hashes"]
    result = runner.invoke(app, args)
    report = json.loads(result.stdout)
    assert result.exit_code == 0
    assert report["findings"] == []
    assert {c["id"]: c["status"] for c in report["checks"]}["hashes"] == "partly checked"


def _moved(path: Path, old: str, new: str, tmp_path: Path) -> Path:
    """A copy of a lock with one server's address replaced by another's."""
    moved = tmp_path / path.name
    moved.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return moved


@pytest.mark.parametrize("mode", ["html", "json"])
def test_the_index_is_read_in_html_and_json(
    sample_universe: SampleUniverse, make_index: IndexFactory, tmp_path: Path, mode: str
) -> None:
    server = make_index.public(mode=mode)
    _, filename, _ = _tampered_uv_lock(sample_universe, tmp_path)
    server.publish_hash(filename, "1" * 64)
    lock = _moved(
        sample_universe.uv_lock, sample_universe.public.base_url, server.base_url, tmp_path
    )
    code, report, _ = run("--uv-lock", str(lock), "--checks", "hashes")
    assert code == 1
    assert {f["id"] for f in report["findings"]} == {"hashes.mismatch"}
    assert report["findings"][0]["evidence"]["index sha256"] == "1" * 64
    accepted = {accept for _, path, accept in server.requests if path.startswith("/simple/")}
    assert any("application/vnd.pypi.simple.v1+json" in (a or "") for a in accepted)


def test_verify_files_downloads_what_the_index_does_not_hash(
    sample_universe: SampleUniverse, make_index: IndexFactory, tmp_path: Path
) -> None:
    server = make_index.internal(publish_hashes=False)
    lock = _moved(sample_universe.requirements, sample_universe.internal.url, server.url, tmp_path)
    code, report, _ = run("--requirements", str(lock), "--checks", "hashes")
    assert code == 0
    assert report["unchecked"]
    assert all("--verify-files" in u["reason"] for u in report["unchecked"])
    assert {c["id"]: c["status"] for c in report["checks"]}["hashes"] == "partly checked"
    code, report, _ = run("--requirements", str(lock), "--checks", "hashes", "--verify-files")
    assert code == 0, report
    assert report["unchecked"] == []
    assert any(path.startswith("/files/") for _, path, _ in server.requests)


def test_dependency_confusion_a_public_internal_name_with_a_higher_version(
    sample_universe: SampleUniverse, make_index: IndexFactory, tmp_path: Path
) -> None:
    public = make_index.public(write_wheel(tmp_path, "acme-utils", "99.0.0"))
    policy = sample_universe.sources_policy().replace(
        f'public = "{sample_universe.public.url}"', f'public = "{public.url}"'
    )
    code, report, err = run(
        "--uv-lock", str(sample_universe.uv_lock), "--policy", str(_policy(tmp_path, policy)),
        "--checks", "sources",
    )  # fmt: skip
    assert code == 1
    confusion = [f for f in report["findings"] if f["id"].startswith("sources.confusion")]
    assert [(f["id"], f["package"]) for f in confusion] == [
        ("sources.confusion-higher", "acme-utils")
    ]
    assert confusion[0]["severity"]["level"] == "critical"
    assert confusion[0]["evidence"]["public versions"] == "99.0.0"
    assert "1 finding at or above low" in single_error_line(err)


def test_an_unreachable_index_is_exit_3_named_without_credentials(
    sample_universe: SampleUniverse, tmp_path: Path
) -> None:
    closed = "http://alice:s3cret@127.0.0.1:9"
    lock = _moved(sample_universe.uv_lock, sample_universe.public.base_url, closed, tmp_path)
    code, _, err = run("--uv-lock", str(lock), "--checks", "hashes")
    assert code == 3
    message = single_error_line(err)
    assert "127.0.0.1:9" in message
    assert "s3cret" not in err
    assert "alice" not in err


def test_pips_own_extra_index_url_reaching_internal_names_is_flagged(
    sample_universe: SampleUniverse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", sample_universe.public.url)
    policy = _policy(tmp_path, sample_universe.sources_policy())
    code, report, _ = run(
        "--requirements", str(sample_universe.requirements), "--policy", str(policy),
        "--checks", "sources",
    )  # fmt: skip
    assert code == 1
    flagged = {f["package"] for f in report["findings"] if f["id"] == "sources.extra-index-url"}
    assert flagged == set(sample_universe.internal_names) & _locked_names(
        sample_universe.requirements
    )
    evidence = next(f for f in report["findings"] if f["id"] == "sources.extra-index-url")
    assert "PIP_EXTRA_INDEX_URL" in evidence["evidence"]["extra index"]


def test_the_index_is_asked_with_the_users_pip_credentials(
    sample_universe: SampleUniverse,
    make_index: IndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = make_index.internal(username="ci", password="t0psecret")
    lock = _moved(sample_universe.requirements, sample_universe.internal.url, server.url, tmp_path)
    code, _, err = run("--requirements", str(lock), "--checks", "hashes")
    assert code == 3  # refused without credentials: named, never a pass
    assert f"127.0.0.1:{server.port}" in single_error_line(err)
    monkeypatch.setenv("PIP_INDEX_URL", server.url.replace("http://", "http://ci:t0psecret@"))
    code, report, err = run("--requirements", str(lock), "--checks", "hashes")
    assert code == 0, err
    assert {c["id"]: c["status"] for c in report["checks"]} == {"hashes": "passed"}
    assert "t0psecret" not in json.dumps(report) + err
