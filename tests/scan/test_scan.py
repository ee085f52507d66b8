"""``chainproof scan`` over planted wheels and sdists: every detector and credential file is
found, nothing is shown unmasked in any format, bad archives are one sentence, exceptions go
by fingerprint, and stray files are judged against the build record's commit."""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

import chainproof.scan.run
from chainproof.cli.app import app
from chainproof.fileio import canonical_json
from chainproof.formats.build_record import to_json
from chainproof.models import BuildRecord, SourceInfo, ToolVersions
from chainproof.scan.secrets import DETECTORS
from tests.build.helpers import commit_all, git
from tests.scan.planted import CREDENTIAL_RULES, SECRETS, secret_lines, write_planted


def _run(*args: str) -> Result:
    result = CliRunner().invoke(app, ["scan", *args])
    assert "Traceback" not in result.output
    return result


def _assert_masked(text: str) -> None:
    for secret, _ in SECRETS.values():
        assert secret not in text
        assert secret[4:] not in text  # not even without its prefix


def test_every_detector_has_a_planted_secret() -> None:
    assert set(SECRETS) == {d.id for d in DETECTORS}


@pytest.mark.parametrize("output_format", ["table", "json", "sarif", "markdown"])
def test_planted_secrets_and_files_all_found_and_masked(tmp_path: Path, output_format: str) -> None:
    wheel, sdist = write_planted(tmp_path / "dist")
    result = _run(str(tmp_path / "dist"), "--format", output_format)
    assert result.exit_code == 1, result.output
    _assert_masked(result.output)
    if output_format != "json":
        return
    data = json.loads(result.stdout)
    for archive in (wheel.name, sdist.name):
        found = {(f["id"], f["member"].split("/", 1)[-1] if archive == sdist.name else f["member"])
                 for f in data["findings"] if f["archive"] == archive}  # fmt: skip
        ids = {i for i, _ in found}
        assert {f"secrets.{d}" for d in SECRETS} <= ids
        for member, rule in CREDENTIAL_RULES.items():
            assert (rule, member) in found, (archive, member)
        lines = {f["id"]: f["line"] for f in data["findings"] if f["archive"] == archive
                 and f["member"].endswith("settings.py")}  # fmt: skip
        assert lines["secrets.aws"] == 6  # "# private-key" is line 1


def test_output_file_is_masked_and_written_whole(tmp_path: Path) -> None:
    write_planted(tmp_path / "dist")
    out = tmp_path / "scan.sarif"
    result = _run(str(tmp_path / "dist"), "--format", "sarif", "-o", str(out))
    assert result.exit_code == 1
    _assert_masked(out.read_text())
    assert json.loads(out.read_text())["runs"][0]["results"]


def test_an_exception_by_fingerprint_suppresses_one_finding(tmp_path: Path) -> None:
    wheel, _ = write_planted(tmp_path / "dist")
    data = json.loads(_run(str(wheel), "--format", "json").stdout)
    aws = next(f for f in data["findings"] if f["id"] == "secrets.aws")
    policy = tmp_path / "chainproof.toml"
    policy.write_text(
        '[scan]\nfail-on = "critical"\n[[scan.exceptions]]\n'
        f'fingerprint = "{aws["fingerprint"]}"\nreason = "a test value"\n'
        'approver = "alice@example.com"\nexpires = 2999-01-01\n'
    )
    data = json.loads(_run(str(wheel), "--format", "json", "--policy", str(policy)).stdout)
    suppressed = [f for f in data["findings"] if f["suppressed"]]
    assert [f["id"] for f in suppressed] == ["secrets.aws"]
    assert suppressed[0]["exception"]["approver"] == "alice@example.com"


def test_a_scan_exception_needs_a_reason(tmp_path: Path) -> None:
    wheel, _ = write_planted(tmp_path / "dist")
    policy = tmp_path / "chainproof.toml"
    policy.write_text(
        '[[scan.exceptions]]\nfingerprint = "ab"\napprover = "a"\nexpires = 2999-01-01\n'
    )
    result = _run(str(wheel), "--policy", str(policy))
    assert result.exit_code == 2
    assert "has no 'reason'" in result.output


@pytest.mark.parametrize("damage", ["truncated", "garbage"])
def test_a_corrupt_archive_is_one_sentence_exit_2(tmp_path: Path, damage: str) -> None:
    wheel, sdist = write_planted(tmp_path / "dist")
    for path in (wheel, sdist):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if damage == "truncated" else b"PK\x03\x04junk")
        result = _run(str(path))
        assert result.exit_code == 2, result.output
        assert path.name in result.output
        assert "corrupt or truncated" in result.output
        assert len(result.output.strip().splitlines()) <= 2  # the sentence and its hint


def test_a_member_past_the_limit_is_a_named_finding(tmp_path: Path) -> None:
    """A zip bomb: 64 MiB of zeros compress to a few kB; with a 1 MiB limit it is refused."""
    bomb = tmp_path / "bomb-1.0-py3-none-any.whl"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bomb/zeros.bin", b"\0" * (64 << 20))
        archive.writestr("bomb/__init__.py", b"")
    policy = tmp_path / "chainproof.toml"
    policy.write_text("[scan]\nmax-member-size = 1048576\n")
    result = _run(str(bomb), "--format", "json", "--policy", str(policy))
    assert result.exit_code == 1
    (finding,) = json.loads(result.stdout)["findings"]
    assert (finding["id"], finding["member"]) == ("archive.too-large", "bomb/zeros.bin")


def test_not_an_archive_or_nothing_to_scan(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    assert _run(str(tmp_path / "notes.txt")).exit_code == 2
    assert "no wheel or sdist" in _run(str(tmp_path)).output


def test_stray_files_against_the_build_commit(tmp_path: Path) -> None:
    """Against the commit of build-record.json: an sdist member git does not track, and a
    wheel file no tracked source has, are stray; PKG-INFO and dist-info are generated."""
    project = tmp_path / "project"
    (project / "src" / "planted").mkdir(parents=True)
    (project / "src" / "planted" / "__init__.py").write_text("")
    git(project, "init", "-q", "-b", "main")
    commit = commit_all(project)
    dist = tmp_path / "dist"
    dist.mkdir()
    wheel = dist / "planted-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("planted/__init__.py", "")
        archive.writestr("planted/local_settings.py", "DEBUG = True\n")
        archive.writestr("planted-1.0.dist-info/METADATA", "Name: planted\n")
    with tarfile.open(dist / "planted-1.0.tar.gz", "w:gz") as tar:
        for name in ("PKG-INFO", "src/planted/__init__.py", "notes-to-self.txt"):
            info = tarfile.TarInfo(f"planted-1.0/{name}")
            tar.addfile(info, io.BytesIO(b""))
    _write_record(dist, commit)
    result = _run(str(dist), "--project", str(project), "--format", "json")
    assert result.exit_code == 0  # stray files are medium: under the default fail-on, high
    policy = tmp_path / "chainproof.toml"
    policy.write_text('[scan]\nfail-on = "medium"\n')
    result = _run(str(dist), "--project", str(project), "--format", "json", "--policy", str(policy))
    found = sorted((f["id"], f["member"]) for f in json.loads(result.stdout)["findings"])
    assert found == [
        ("stray.unsourced", "planted/local_settings.py"),
        ("stray.untracked", "planted-1.0/notes-to-self.txt"),
    ]
    assert result.exit_code == 1


def _write_record(dist: Path, commit: str) -> None:
    record = BuildRecord(
        "planted", "1.0", SourceInfo(None, commit, "main", False), 0,
        "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z",
        ToolVersions("0", "3.11", "linux", "pip", "24", "1.2"),
        "hatchling.build", (), (), (),
    )  # fmt: skip
    (dist / "build-record.json").write_text(canonical_json(to_json(record)))


def test_an_sdist_member_past_the_limit_is_skipped_and_the_rest_scanned(tmp_path: Path) -> None:
    sdist = tmp_path / "big-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tar:
        for name, data in (("zeros.bin", b"\0" * (4 << 20)), ("settings.py", secret_lines())):
            info = tarfile.TarInfo(f"big-1.0/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    policy = tmp_path / "chainproof.toml"
    policy.write_text("[scan]\nmax-member-size = 1048576\n")
    result = _run(str(sdist), "--format", "json", "--policy", str(policy))
    ids = {(f["id"], f["member"]) for f in json.loads(result.stdout)["findings"]}
    assert ("archive.too-large", "big-1.0/zeros.bin") in ids
    assert ("secrets.aws", "big-1.0/settings.py") in ids


def test_archives_scanned_in_parallel_give_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_planted(tmp_path / "dist")
    serial = _run(str(tmp_path / "dist"), "--format", "json").stdout
    monkeypatch.setattr(chainproof.scan.run, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert _run(str(tmp_path / "dist"), "--format", "json").stdout == serial


def test_an_expired_exception_no_longer_suppresses(tmp_path: Path) -> None:
    wheel, _ = write_planted(tmp_path / "dist")
    data = json.loads(_run(str(wheel), "--format", "json").stdout)
    aws = next(f for f in data["findings"] if f["id"] == "secrets.aws")
    policy = tmp_path / "chainproof.toml"
    policy.write_text(
        f'[[scan.exceptions]]\nfingerprint = "{aws["fingerprint"]}"\nreason = "r"\n'
        'approver = "alice@example.com"\nexpires = 2000-01-01\n'
    )
    result = _run(str(wheel), "--format", "json", "--policy", str(policy))
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert not [f for f in data["findings"] if f["suppressed"]]
    assert [e["id"] for e in data["expired_exceptions"]] == [aws["fingerprint"]]
    assert "Expired exception" in _run(str(wheel), "--policy", str(policy)).stdout
