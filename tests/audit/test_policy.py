from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from chainproof.audit.db import AdvisoryDB
from chainproof.audit.engine import run_audit
from chainproof.audit.run import AuditRun
from chainproof.errors import InputError, UsageError
from chainproof.formats.audit_policy import AuditException, AuditPolicy, load_policy, threshold
from tests.audit.conftest import make_target

POLICY = """
[audit]
fail-on = "medium"
unrated = "critical"
max-db-age-days = 900
stale-db = "warn"

[[audit.exceptions]]
id = "CVE-2014-1829"          # an alias of PYSEC-2014-13
package = "Requests"
reason = "We never send credentials through redirects."
approver = "alice@example.com"
expires = 2030-01-31
ticket = "SEC-1"
justification = "code_not_reachable"

[[audit.exceptions]]
id = "PYSEC-2014-14"
package = "requests"
reason = "Accepted until the upgrade lands."
approver = "bob@example.com"
expires = "2020-06-30"

[[audit.exceptions]]
id = "GHSA-0000-0000-0000"
package = "requests"
reason = "Stale entry."
approver = "carol@example.com"
expires = 2031-01-01
"""


def _write(tmp_path: Path, text: str, name: str = "chainproof.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_policy_file_is_read(tmp_path: Path) -> None:
    policy = load_policy(_write(tmp_path, POLICY))
    assert (policy.fail_on, policy.unrated, policy.max_db_age_days, policy.stale_db) == (
        "medium",
        "critical",
        900,
        "warn",
    )
    first = policy.exceptions[0]
    assert (first.id, first.package, first.expires, first.ticket, first.justification) == (
        "CVE-2014-1829",
        "requests",
        date(2030, 1, 31),
        "SEC-1",
        "code_not_reachable",
    )
    assert policy.exceptions[1].expires == date(2020, 6, 30)


def test_pyproject_section_and_defaults(tmp_path: Path) -> None:
    _write(tmp_path, '[tool.chainproof.audit]\nfail-on = "high"\n', "pyproject.toml")
    assert load_policy(search_dir=tmp_path).fail_on == "high"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert load_policy(search_dir=empty) == AuditPolicy()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[audit]\nfail-on = "severe"\n', "fail-on .* must be one of low, medium, high, critical"),
        ("[audit]\nmax-db-age-days = -1\n", "whole number of days"),
        ('[audit]\nfail_on = "high"\n', "unknown keys: fail_on"),
        (
            '[[audit.exceptions]]\nid = "X"\npackage = "p"\nreason = "r"\napprover = "a"\n',
            "has no 'expires'",
        ),
        (
            '[[audit.exceptions]]\nid = "X"\npackage = "p"\nreason = "r"\napprover = "a"\n'
            'expires = "soon"\n',
            "must be a date",
        ),
        (
            '[[audit.exceptions]]\nid = "X"\npackage = "p"\nreason = "r"\napprover = "a"\n'
            'expires = 2030-01-01\njustification = "trust me"\n',
            "justification",
        ),
        ("[audit\n", "not valid TOML"),
    ],
)
def test_bad_policies_are_one_sentence(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_policy(_write(tmp_path, text))


def test_threshold_flag() -> None:
    assert threshold("HIGH") == "high"
    with pytest.raises(UsageError, match="--fail-on"):
        threshold("none")


def test_exceptions_suppress_expire_and_report_unused(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    policy = load_policy(_write(tmp_path, POLICY))
    report = run_audit(
        make_target([("requests", "2.2.1")]), snapshot, policy, today=date(2026, 1, 1)
    )
    by_id = {f.id: f for f in report.findings}
    # valid: suppressed, whatever id of the vulnerability the exception names
    assert by_id["PYSEC-2014-13"].suppressed
    assert by_id["PYSEC-2014-13"].exception == policy.exceptions[0]
    # expired: no longer suppresses, and the run fails saying so
    assert not by_id["PYSEC-2014-14"].suppressed
    assert by_id["PYSEC-2014-14"].expired_exception == policy.exceptions[1]
    # unused
    assert report.unused_exceptions == (policy.exceptions[2],)
    failure = report.failure()
    assert failure is not None
    assert "3 findings at or above medium" in failure
    assert "expired exception: PYSEC-2014-14 for requests (expired 2020-06-30)" in failure


def test_an_expired_exception_fails_even_below_the_threshold(
    tmp_path: Path, snapshot: AdvisoryDB
) -> None:
    policy = load_policy(
        _write(tmp_path, POLICY.replace('unrated = "critical"', 'unrated = "low"'))
    )
    report = run_audit(
        make_target([("requests", "2.2.1")]), snapshot, policy, today=date(2026, 1, 1)
    )
    assert report.over_threshold == ()
    assert report.failure() == (
        "The audit failed: expired exception: PYSEC-2014-14 for requests (expired 2020-06-30)."
    )


def test_exception_is_valid_through_its_expiry_day(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    policy = load_policy(_write(tmp_path, POLICY))
    on_the_day = run_audit(
        make_target([("requests", "2.2.1")]), snapshot, policy, today=date(2020, 6, 30)
    )
    assert {f.id for f in on_the_day.findings if f.suppressed} == {"PYSEC-2014-13", "PYSEC-2014-14"}


def test_exception_for_another_package_does_not_apply(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    text = POLICY.replace('package = "Requests"', 'package = "urllib3"')
    report = run_audit(
        make_target([("requests", "2.2.1")]),
        snapshot,
        load_policy(_write(tmp_path, text)),
        today=date(2026, 1, 1),
    )
    assert not any(f.suppressed for f in report.findings)
    assert report.unused_exceptions[0].package == "urllib3"


def _expiring(tmp_path: Path, expires: str) -> AuditException:
    """The one exception of a policy whose ``expires`` is written as given."""
    text = (
        '[[audit.exceptions]]\nid = "X-1"\npackage = "p"\nreason = "r"\napprover = "a"\n'
        f"expires = {expires}\n"
    )
    return load_policy(_write(tmp_path, text)).exceptions[0]


def test_a_toml_datetime_expiry_is_that_instant(tmp_path: Path) -> None:
    exception = _expiring(tmp_path, "2030-01-31T08:00:00+09:00")
    # 2030-01-30T23:00Z: never valid past the instant written, whatever its time zone
    assert not exception.expired(datetime(2030, 1, 30, 22, 59, tzinfo=UTC))
    assert exception.expired(datetime(2030, 1, 30, 23, 0, tzinfo=UTC))
    # by whole days (UTC), it has expired on the day of that instant
    assert exception.expired(date(2030, 1, 30))
    assert not exception.expired(date(2030, 1, 29))


def test_a_date_expiry_is_valid_through_that_day_in_utc(tmp_path: Path) -> None:
    exception = _expiring(tmp_path, "2030-01-31")
    assert not exception.expired(datetime(2030, 1, 31, 23, 59, tzinfo=UTC))
    assert exception.expired(datetime(2030, 2, 1, 0, 0, tzinfo=UTC))
    # an aware local time is converted: 2030-02-01T08:00+09:00 is still the 31st in UTC
    tokyo = timezone(timedelta(hours=9))
    assert not exception.expired(datetime(2030, 2, 1, 8, 0, tzinfo=tokyo))
    assert exception.expired(datetime(2030, 2, 1, 9, 0, tzinfo=tokyo))


def test_an_unused_exception_is_judged_expired_by_the_same_clock(
    snapshot: AdvisoryDB, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SOURCE_DATE_EPOCH (a commit's time, for reproducible output) must not make a lapsed
    exception look current in the notes."""
    from chainproof.audit.formats import get_format

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "946684800")  # 2000-01-01
    unused = AuditException("X-1", "idna", "r", "a", date(2020, 1, 1))
    target = make_target([("idna", "3.10")])
    report = run_audit(target, snapshot, AuditPolicy(exceptions=(unused,)), today=date(2026, 1, 1))
    assert "matched no finding (and has expired)" in get_format("table").render(
        AuditRun(report, target)
    )


def test_the_fix_table(tmp_path: Path) -> None:
    policy = tmp_path / "chainproof.toml"
    policy.write_text('[audit.fix]\ntest-command = "pytest -q"\nrecord = "sec/remediation.jsonl"\n')
    fix = load_policy(policy).fix
    assert fix.test_command == "pytest -q"
    assert fix.record == tmp_path / "sec" / "remediation.jsonl"
    policy.write_text('[audit.fix]\ntest-command = ""\n')
    with pytest.raises(InputError, match=r"test-command in \[audit\.fix\]"):
        load_policy(policy)
    policy.write_text('[audit.fix]\ntests = "pytest"\n')
    with pytest.raises(InputError, match="unknown keys: tests"):
        load_policy(policy)
