"""The decision fails closed: a required check that never ran is a failure, not a pass."""

from __future__ import annotations

from chainproof.formats.deploy_policy import Policy
from chainproof.verify.report import ArtifactResult, Failure, Report

POLICY = Policy(github="o/r", issuer="https://token.actions.githubusercontent.com")


def result(passed: tuple[str, ...], failures: tuple[Failure, ...] = ()) -> ArtifactResult:
    return ArtifactResult(
        "a.whl", "0" * 64, None, ("signature", "identity", "provenance"), passed, failures
    )


def test_required_check_not_run_fails() -> None:
    artifact = result(("identity", "signature"))
    assert not artifact.passed
    assert artifact.result == "not-run:provenance"
    report = Report(POLICY, "t", (artifact,), ())
    assert not report.passed
    assert [f.check for f in report.all_failures] == ["not-run:provenance"]


def test_all_checks_pass() -> None:
    assert Report(POLICY, "t", (result(("identity", "provenance", "signature")),), ()).passed


def test_nothing_verified_is_not_a_pass() -> None:
    assert not Report(POLICY, "t", (), ()).passed


def test_release_level_failure_fails_the_run() -> None:
    ok = result(("identity", "provenance", "signature"))
    assert not Report(POLICY, "t", (ok,), (Failure("x.whl", "manifest", "unlisted"),)).passed
