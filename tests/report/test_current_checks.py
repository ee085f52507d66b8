"""The report's "dependency checks now": a lock that cannot be audited keeps every check
from reading "passed"."""

from __future__ import annotations

from pathlib import Path

from chainproof.report.audited import current_checks


def test_a_lock_that_cannot_be_audited_leaves_nothing_passed(tmp_path: Path) -> None:
    good = tmp_path / "requirements.txt"
    good.write_text(f"idna==3.6 --hash=sha256:{'a' * 64}\n", encoding="utf-8")
    broken = tmp_path / "uv.lock"
    broken.write_text("this is [not toml\n", encoding="utf-8")
    policy = tmp_path / "chainproof.toml"
    policy.write_text('[audit]\nchecks = ["pins"]\n', encoding="utf-8")
    statuses, problems = current_checks([good], None, policy, tmp_path)
    assert [(s.id, said) for s, said in statuses] == [("pins", "passed")]
    assert problems == []
    statuses, problems = current_checks([good, broken], None, policy, tmp_path)
    assert [(s.id, said) for s, said in statuses] == [("pins", "partly checked")]
    assert len(problems) == 1
    assert "uv.lock could not be audited" in problems[0]
