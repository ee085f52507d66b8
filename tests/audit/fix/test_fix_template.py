"""The template's chainproof-fix job, run as GitLab runs a scheduled pipeline (template_job,
run_job) with this checkout's chainproof on PATH, against a package index on 127.0.0.1: the
fix is committed alone to a branch, pushed with merge-request push options to the remote
CHAINPROOF_PUSH_URL names (a bare repository here), and recorded in the report's cache."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.audit.fix.universe import advisories, fix_world
from tests.docs_helpers import checkout_chainproof, run_job, template_job

POLICY = '[audit]\nmax-db-age-days = 36500\nchecks = ["vulnerabilities"]\n'


def _git(cwd: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args]
    return subprocess.run(command, cwd=cwd, check=True, capture_output=True, text=True).stdout


def test_the_scheduled_fix_job_pushes_a_branch_with_the_lock_change_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fix_world(tmp_path, monkeypatch) as world:
        repo = world.project
        (repo / "chainproof.toml").write_text(POLICY)
        _git(repo, "init", "-q", "-b", "main")
        _git(repo, "add", ".")
        _git(repo, "commit", "-qm", "Lock")
        remote = tmp_path / "remote.git"
        _git(tmp_path, "init", "-q", "--bare", str(remote))
        _git(remote, "config", "receive.advertisePushOptions", "true")
        bin_dir = checkout_chainproof(tmp_path / "bin")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CHAINPROOF_", "CI_"))}
        env |= {
            "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}",
            "CHAINPROOF_DB": str(advisories(tmp_path)),
            "CHAINPROOF_PUSH_URL": str(remote),
            "CI_PIPELINE_SOURCE": "schedule",
            "CI_PIPELINE_ID": "77",
            "CI_DEFAULT_BRANCH": "main",
        }
        inputs = {"pip-install": "chainproof", "db-update": "false"}
        inputs |= {"fix-lock": "uv.lock", "fix-test-command": "python check_api.py"}
        done = run_job(template_job("chainproof-fix", inputs), repo, env)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "## Remediation of uv.lock: fixed" in done.stdout
        pushed = _git(remote, "rev-parse", "refs/heads/chainproof/fix-77").strip()
        assert _git(repo, "diff", "--name-only", "HEAD", pushed).split() == ["uv.lock"]
        (record,) = [
            json.loads(line)
            for line in (repo / ".chainproof-report" / "remediation.jsonl").read_text().splitlines()
        ]
        assert record["branch"] == {"name": "chainproof/fix-77", "commit": pushed}
        assert record["test"]["passed"]


def test_without_a_lock_named_the_fix_job_does_nothing(tmp_path: Path) -> None:
    job = template_job("chainproof-fix", {"pip-install": "chainproof"})
    done = run_job(job, tmp_path, {**os.environ, "CI_PIPELINE_SOURCE": "schedule"})
    assert done.returncode == 0, done.stderr
    assert "chainproof-fix has no lock to fix" in done.stdout
