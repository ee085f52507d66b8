"""What ``audit --fix`` refuses and how it fails: the lock is left byte for byte as it was,
with one sentence and the usual exit code; a kill at any moment leaves the old or the new lock;
``--dry-run`` changes nothing; ``--branch`` commits the lock change and nothing else."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.audit.fix.universe import advisories, fix_world, run_fix
from tests.cli.helpers import single_error_line

runner = CliRunner()


def fix(lock: Path, db: Path, *args: str, flag: str = "--uv-lock") -> tuple[int, str, str]:
    return run_fix(flag, lock, db, *args)


def test_a_resolver_failure_leaves_the_lock_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        pyproject = world.project / "pyproject.toml"
        pyproject.write_text(pyproject.read_text().replace('"vulnlib>=1.0"', '"vulnlib<1.1"'))
        before = world.lock.read_bytes()
        code, _, err = fix(world.lock, advisories(tmp_path))
        assert code == 1
        assert "the resolver found no solution" in single_error_line(err)
        assert world.lock.read_bytes() == before
        assert not (world.project / "remediation.jsonl").exists()


def test_an_unreachable_index_is_exit_3_and_leaves_the_lock_untouched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        before = world.lock.read_bytes()
        world.index.stop()
        code, _, err = fix(world.lock, advisories(tmp_path))
        assert code == 3
        assert "uv lock failed" in single_error_line(err)
        assert world.lock.read_bytes() == before


def test_a_test_command_that_is_not_found_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        before = world.lock.read_bytes()
        code, _, err = fix(world.lock, advisories(tmp_path), "--test-command", "no-such-tool -q")
        assert code == 2
        assert "The test command 'no-such-tool -q' was not found" in single_error_line(err)
        assert world.lock.read_bytes() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--sbom", "x.json", "--fix"), "--fix rewrites a lock"),
        (("--uv-lock", "uv.lock", "--fix", "--offline"), "cannot run --offline"),
        (("--uv-lock", "uv.lock", "--dry-run"), "go with --fix"),
        (("--uv-lock", "uv.lock", "--test-command", "pytest"), "go with --fix"),
        (("--uv-lock", "uv.lock", "--fix", "--format", "sarif"), "table, json or markdown"),
        (("--uv-lock", "uv.lock", "--fix", "--dry-run", "--branch", "b"), "--dry-run does not"),
    ],
)
def test_bad_usage_is_one_sentence_and_exit_2(args: tuple[str, ...], message: str) -> None:
    result = runner.invoke(app, ["audit", *args])
    assert result.exit_code == 2
    assert message in single_error_line(result.stderr)


def test_a_dry_run_shows_the_plan_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        before = world.lock.read_bytes()
        code, out, _ = fix(world.lock, advisories(tmp_path), "--dry-run")
        assert code == 0
        assert "planned (dry run)" in out
        assert '-version = "1.0"\n+version = "1.1"' in out
        assert world.lock.read_bytes() == before
        assert not (world.project / "remediation.jsonl").exists()


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_the_branch_commit_holds_exactly_the_lock_change(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        repo = world.project
        _git(repo, "init", "-q", "-b", "main")
        _git(repo, "add", ".")
        _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
        (repo / "notes.txt").write_text("work in progress\n")  # untracked: must stay out
        (repo / "check_api.py").write_text("# edited\n" + (repo / "check_api.py").read_text())
        code, out, err = fix(world.lock, advisories(tmp_path), "--branch", "fix/advisories",
                             "--format", "json")  # fmt: skip
        assert code == 0, err
        record = json.loads(out)
        commit = record["branch"]["commit"]
        assert _git(repo, "rev-parse", "fix/advisories") == commit
        assert _git(repo, "diff", "--name-only", "main", commit) == "uv.lock"
        assert _git(repo, "show", f"{commit}:uv.lock") == world.lock.read_text().rstrip("\n")
        message = _git(repo, "log", "-1", "--format=%B", commit)
        assert message.startswith("Fix 2 advisories: otherlib 1.0 -> 1.1, vulnlib 1.0 -> 1.1")
        assert "GHSA-fix0-vuln-0001" in message
        assert _git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"
        # the working tree: the user's edits and files as they were, the lock fixed in place
        status = {line.strip() for line in _git(repo, "status", "--porcelain").splitlines()}
        assert status == {"M check_api.py", "M uv.lock", "?? notes.txt", "?? remediation.jsonl"}


def test_a_branch_needs_a_clean_lock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        repo = world.project
        _git(repo, "init", "-q", "-b", "main")
        _git(repo, "add", ".")
        _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-qm", "x")
        world.lock.write_text(world.lock.read_text() + "\n")
        code, _, err = fix(world.lock, advisories(tmp_path), "--branch", "fix/x")
        assert code == 2
        assert "has changes that are not committed" in single_error_line(err)


def test_a_kill_at_any_moment_leaves_the_old_or_the_new_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGKILL at growing delays (a tenth of an undisturbed run apart), through the relock,
    the hash check, the tests and the write, until a run ends before its kill: each time the
    lock is byte for byte the old one or the new one. The delays grow until then, however
    slow a loaded machine makes the runs."""
    with fix_world(tmp_path, monkeypatch) as world:
        db = advisories(tmp_path)
        old = world.lock.read_bytes()
        command = [sys.executable, "-m", "chainproof", "audit", "--uv-lock", str(world.lock),
                   "--db", str(db), "--ignore-stale", "--online", "--checks", "vulnerabilities",
                   "--fix", "--test-command", "python check_api.py"]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[3] / "src")}
        started = time.monotonic()
        subprocess.run(command, env=env, check=True, capture_output=True)
        step = (time.monotonic() - started) / 10
        new = world.lock.read_bytes()
        assert new != old
        kills = 0
        for n in range(60):
            world.lock.write_bytes(old)
            process = subprocess.Popen(
                command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(step * n)
            finished = process.poll() is not None
            process.send_signal(signal.SIGKILL)
            process.wait()
            now = world.lock.read_bytes()
            assert now in (old, new), f"killed after {step * n:.2f} s: a third lock"
            if finished:
                assert now == new
                break
            kills += 1
        else:
            pytest.fail("no run ended within 60 steps")
        assert kills >= 5  # the kills spread over the whole run


def test_a_published_hash_that_is_not_the_files_fails_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uv writes the hash the index publishes; the fix downloads the file and finds it is
    not that file's: exit 1, the file named, the lock untouched."""
    with fix_world(tmp_path, monkeypatch) as world:
        world.index.publish_hash("vulnlib-1.1-py3-none-any.whl", "ab" * 32)
        before = world.lock.read_bytes()
        code, _, err = fix(world.lock, advisories(tmp_path))
        line = single_error_line(err)
        assert code == 1
        assert "vulnlib-1.1-py3-none-any.whl" in line
        assert "abab" in line  # the hash the lock would have carried
        assert world.lock.read_bytes() == before
        assert not (world.project / "remediation.jsonl").exists()
