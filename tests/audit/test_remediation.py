from __future__ import annotations

from chainproof.audit.db import AdvisoryDB
from chainproof.audit.engine import run_audit
from chainproof.audit.inputs import Requirement
from chainproof.audit.remediation import Proposal, propose
from chainproof.formats.audit_policy import AuditPolicy
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
