from __future__ import annotations

from chainproof.audit.db import AdvisoryDB
from chainproof.audit.engine import run_audit
from chainproof.audit.inputs import Requirement
from chainproof.audit.remediation import Proposal, propose
from chainproof.formats.audit_policy import AuditPolicy
from chainproof.formats.osv import Advisory, AffectedPackage, RangeEvent
from tests.audit.conftest import make_target


def _proposal(
    db: AdvisoryDB,
    pins: list[tuple[str, str]],
    package: str,
    requirements: tuple[Requirement, ...] | None,
) -> Proposal:
    report = run_audit(make_target(pins, requirements=requirements), db, AuditPolicy())
    proposal = next(f.proposal for f in report.findings if f.component.key == package)
    assert proposal is not None
    return proposal


def test_smallest_version_fixing_every_advisory(snapshot: AdvisoryDB) -> None:
    # jinja2 2.10: PYSEC-2019-217 is fixed in 2.10.1 (the naive fix), PYSEC-2021-66 only in
    # 2.11.3, so 2.11.3 is the smallest version that fixes both.
    proposal = _proposal(snapshot, [("jinja2", "2.10")], "jinja2", ())
    assert proposal.version == "2.11.3"
    assert proposal.constraints_checked
    assert "no other package constrains jinja2" in proposal.explanation


def test_a_constraint_that_allows_the_fix(snapshot: AdvisoryDB) -> None:
    requirements = (Requirement("urllib3", "<1.27,>=1.21.1", "requests 2.25.1"),)
    proposal = _proposal(
        snapshot, [("requests", "2.25.1"), ("urllib3", "1.26.4")], "urllib3", requirements
    )
    assert proposal.version == "1.26.18"
    assert "requests 2.25.1 requires urllib3<1.27,>=1.21.1" in proposal.explanation


def test_naive_fix_breaks_another_pin_so_a_later_one_is_proposed(snapshot: AdvisoryDB) -> None:
    # django 4.2.14: the smallest fix is 4.2.16, but another package requires django>=5.0;
    # 5.0.9 is the smallest version that fixes every django advisory and satisfies it.
    requirements = (Requirement("django", ">=5.0", "some-django-app 3.0"),)
    proposal = _proposal(
        snapshot, [("django", "4.2.14"), ("some-django-app", "3.0")], "django", requirements
    )
    naive = _proposal(snapshot, [("django", "4.2.14")], "django", ())
    assert naive.version == "4.2.16"
    assert proposal.version == "5.0.9"
    assert "some-django-app 3.0 requires django>=5.0" in proposal.explanation


def test_no_fix_when_every_fixing_version_conflicts(snapshot: AdvisoryDB) -> None:
    requirements = (
        Requirement("jinja2", "<2.11,>=2.10", "flask 1.0.2"),
        Requirement("jinja2", ">=2.0", "sphinx 1.8.0"),
    )
    proposal = _proposal(
        snapshot,
        [("flask", "1.0.2"), ("jinja2", "2.10"), ("sphinx", "1.8.0")],
        "jinja2",
        requirements,
    )
    assert proposal.version is None
    assert proposal.explanation.startswith("No fix can be proposed for jinja2 2.10:")
    assert "flask 1.0.2 requires jinja2<2.11,>=2.10" in proposal.explanation
    assert "sphinx" not in proposal.explanation  # it allows the fix, so it is not blamed


def test_no_fix_when_no_release_fixes_it(snapshot: AdvisoryDB) -> None:
    proposal = _proposal(snapshot, [("gratient", "0.5")], "gratient", ())
    assert proposal.version is None
    assert proposal.explanation == (
        "No fix exists for gratient 0.5: the advisories name no fixed version (PYSEC-2024-1)."
    )


def test_constraints_unknown_are_said_plainly(snapshot: AdvisoryDB) -> None:
    proposal = _proposal(snapshot, [("urllib3", "1.26.4")], "urllib3", None)
    assert proposal.version == "1.26.18"
    assert not proposal.constraints_checked
    assert "were not checked" in proposal.explanation


def test_pre_releases_only_for_pre_releases(snapshot: AdvisoryDB) -> None:
    entries = snapshot.advisories_for(["invenio-previewer"])["invenio-previewer"]
    # PYSEC-2019-26 is fixed in 1.0.0a12, a pre-release: proposed to a pre-release only
    assert propose("invenio-previewer", "1.0.0a11", entries, ()).version == "1.0.0a12"
    assert propose("invenio-previewer", "0.1.0", entries, ()).version != "1.0.0a12"


def test_a_limit_is_not_a_release(combined: AdvisoryDB) -> None:
    entries = combined.advisories_for(["demo-pkg"])["demo-pkg"]
    # GHSA-demo-mod0-0002 affects [0.5, limit 3.0) and names no fix: 2.1 is not enough
    proposal = propose("demo-pkg", "1.4", entries, ())
    assert proposal.version is None
    assert "still affected by another" in proposal.explanation


def test_version_that_is_not_pep440() -> None:
    proposal = propose("x", "1.0-custom", [], ())
    assert proposal.version is None
    assert "not a PEP 440 version" in proposal.explanation


def _advisory(
    id: str, package: str, *windows: tuple[str, str | None]
) -> tuple[Advisory, AffectedPackage]:
    """An advisory on ``package`` with one ECOSYSTEM range per (introduced, fixed) window."""
    ranges = tuple(
        (RangeEvent("introduced", start), *((RangeEvent("fixed", end),) if end else ()))
        for start, end in windows
    )
    affected = AffectedPackage(package, ranges, ())
    advisory = Advisory(
        id, (), "", "", "2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", None, (), None, (),
        (affected,),
    )  # fmt: skip
    return advisory, affected


def test_offline_a_requirement_bound_is_a_range(snapshot: AdvisoryDB) -> None:
    """The jupyterlab case, offline: setuptools 65.5.0's only fix (65.5.1) is refused by
    ipython's setuptools>=80.0, yet any setuptools from 80.0 on clears every advisory."""
    requirements = (Requirement("setuptools", ">=80.0", "ipython 9.4.0"),)
    proposal = _proposal(
        snapshot, [("ipython", "9.4.0"), ("setuptools", "65.5.0")], "setuptools", requirements
    )
    assert proposal.version is None
    assert proposal.specifier == ">=80.0"
    assert proposal.constraints_checked
    assert "ipython 9.4.0 requires setuptools>=80.0" in proposal.explanation
    assert "exact version is left to the resolver" in proposal.explanation


def test_a_bound_that_an_advisory_affects_is_no_candidate(snapshot: AdvisoryDB) -> None:
    # django 5.0 is affected by advisories fixed in 5.0.x: the bound is skipped, 5.0.9 wins
    requirements = (Requirement("django", ">=5.0", "some-django-app 3.0"),)
    proposal = _proposal(
        snapshot, [("django", "4.2.14"), ("some-django-app", "3.0")], "django", requirements
    )
    assert (proposal.version, proposal.specifier) == ("5.0.9", "==5.0.9")


def test_a_range_stops_where_a_later_advisory_starts() -> None:
    entries = [
        _advisory("OLD-1", "demo", ("0", "1.1")),
        _advisory("LATER-2", "demo", ("3.2", "3.4")),
    ]
    requirements = (Requirement("demo", ">=2.0", "app 1.0"),)
    proposal = propose("demo", "1.0", entries, requirements)
    # 1.1 fixes OLD-1 but app refuses it; 2.0 is clear, and safe only below 3.2
    assert proposal.version is None
    assert proposal.specifier == ">=2.0,<3.2"
    assert "only below 3.2, where LATER-2 starts affecting demo again" in proposal.explanation


def test_online_every_release_is_a_candidate() -> None:
    entries = [_advisory("OLD-1", "demo", ("0", "1.1")), _advisory("MID-2", "demo", ("1.5", "2.0"))]
    requirements = (Requirement("demo", ">=1.2", "app 1.0"),)
    releases = ["0.9", "1.0", "1.1", "1.2", "1.3", "1.5", "2.0", "2.1"]
    proposal = propose("demo", "1.0", entries, requirements, releases=releases)
    # 1.1 is refused by app; 1.2 is a release no advisory affects, named by no advisory
    assert (proposal.version, proposal.specifier) == ("1.2", "==1.2")
    assert "smallest release on the index" in proposal.explanation
    none = propose("demo", "1.0", entries, (Requirement("demo", ">=1.5,<2", "app 1.0"),),
                   releases=releases)  # fmt: skip
    assert none.version is None  # 1.5 is affected, every safe release refused
    assert "(1.1, 1.2, 1.3, 2.0, 2.1) conflicts with" in none.explanation
    assert "app 1.0 requires demo>=1.5,<2" in none.explanation
    unfixed = propose("demo", "1.0", entries, (), releases=["1.0", "1.6"])
    assert unfixed.explanation == (
        "No fix exists for demo 1.0: no release on the index newer than 1.0 is unaffected by "
        "all of them (MID-2, OLD-1)."
    )


def test_online_pre_releases_only_for_a_pre_release() -> None:
    entries = [_advisory("OLD-1", "demo", ("0", "2.0"))]
    releases = ["2.0rc1", "2.0", "2.1"]
    assert propose("demo", "1.0", entries, (), releases=releases).version == "2.0"
    assert propose("demo", "2.0b1", entries, (), releases=releases[:1]).version is None
    entries = [_advisory("OLD-1", "demo", ("0", "2.0rc1"))]
    assert propose("demo", "2.0b1", entries, (), releases=releases).version == "2.0rc1"


def test_to_json_keeps_its_keys() -> None:
    proposal = propose("demo", "1.0", [_advisory("OLD-1", "demo", ("0", "1.1"))], ())
    assert proposal.to_json() == {
        "package": "demo",
        "current": "1.0",
        "version": "1.1",
        "specifier": "==1.1",
        "explanation": proposal.explanation,
        "constraints_checked": True,
        "resolver": None,
    }
