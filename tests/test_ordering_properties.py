"""Property tests: any inventory, including one package both at runtime and build-only with
optional fields that differ (None against a str), renders in every SBOM and audit format, and
the bytes depend on the inventory's content, not on the order of its components."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainproof.audit.db import AdvisoryDB, build_database
from chainproof.audit.engine import run_audit
from chainproof.audit.formats import FORMATS, get_format
from chainproof.audit.inputs import AuditTarget
from chainproof.audit.run import AuditRun
from chainproof.formats.audit_policy import AuditPolicy
from chainproof.formats.cyclonedx.writer import SPEC_VERSIONS, RenderOptions, render
from chainproof.models import Component, DependencyGraph, Digest, Inventory, SourceResult

# Names that normalise alike ("Foo-Bar", "foo_bar") and versions the advisories below affect.
NAMES = ("packaging", "Jinja2", "zope.interface", "Foo-Bar", "foo_bar")
VERSIONS = ("1.0", "2.0", "26.3")
LICENCE = "Apache-2.0 OR BSD-2-Clause"
ADVISORIES = {  # id: (package, affected versions)
    "PYSEC-2099-1": ("packaging", ["26.3"]),
    "GHSA-2099-jinj-a000": ("jinja2", ["1.0", "2.0"]),
    "PYSEC-2099-2": ("foo-bar", ["1.0"]),
}
SETTINGS = settings(max_examples=25, deadline=None)

text = st.text("abcxyz019._-", min_size=1, max_size=8)
digests = st.sampled_from([("sha256", 64), ("sha512", 128)]).flatmap(
    lambda a: st.from_regex(rf"[0-9a-f]{{{a[1]}}}", fullmatch=True).map(lambda v: Digest(a[0], v))
)


@st.composite
def components(
    draw: st.DrawFn, name: st.SearchStrategy[str], version: st.SearchStrategy[str]
) -> Component:
    return Component(
        name=draw(name),
        version=draw(version),
        hashes=tuple(draw(st.lists(digests, max_size=2))),
        filename=draw(st.none() | text.map(lambda t: f"{t}.whl")),
        url=draw(st.none() | text.map(lambda t: f"https://example.invalid/{t}")),
        license_expression=draw(st.sampled_from([None, "MIT", LICENCE])),
        license_names=tuple(draw(st.lists(st.sampled_from(["Custom", "Other"]), max_size=2))),
        build_only=draw(st.booleans()),
        direct=draw(st.booleans()),
    )


@st.composite
def inventories(draw: st.DrawFn) -> Inventory:
    """Random components plus packaging 26.3 at runtime and build-only, alike but for the
    licence (one None), and a second build-only copy that differs in its file or URL too."""
    runtime = draw(components(st.just("packaging"), st.just("26.3")))
    runtime = replace(
        runtime, build_only=False, license_expression=draw(st.sampled_from([None, LICENCE]))
    )
    build = replace(
        runtime,
        build_only=True,
        license_expression=None if runtime.license_expression else LICENCE,
    )
    twin = draw(
        st.sampled_from(
            [
                replace(build, filename=None if build.filename else "other.whl"),
                replace(build, url=None if build.url else "https://example.invalid/other"),
            ]
        )
    )
    others = draw(
        st.lists(components(st.sampled_from(NAMES), st.sampled_from(VERSIONS)), max_size=6)
    )
    found = [runtime, build, twin, *others]
    roots = tuple(sorted({c.key for c in found if c.direct and not c.build_only}))
    root = draw(st.none() | st.just(Component("release", "1.0", license_expression="MIT")))
    return Inventory(root, tuple(draw(st.permutations(found))), DependencyGraph(roots, ()))


def shuffled(inventory: Inventory, data: st.DataObject) -> Inventory:
    return replace(inventory, components=tuple(data.draw(st.permutations(inventory.components))))


@pytest.fixture(scope="module")
def advisories(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AdvisoryDB]:
    """A database with one advisory for each of three packages; reports dated by
    SOURCE_DATE_EPOCH, so two runs give the same bytes."""
    path = tmp_path_factory.mktemp("advisories") / "db.sqlite3"
    documents = [
        (
            f"{vuln_id}.json",
            {
                "id": vuln_id,
                "modified": "2024-01-01T00:00:00Z",
                "summary": f"A flaw in {package}",
                "affected": [{"package": {"name": package, "ecosystem": "PyPI"}, "versions": v}],
            },
        )
        for vuln_id, (package, v) in ADVISORIES.items()
    ]
    build_database(documents, path, "test")
    with pytest.MonkeyPatch.context() as patch, AdvisoryDB(path) as db:
        patch.setenv("SOURCE_DATE_EPOCH", "1767225600")
        yield db


@SETTINGS
@given(inventory=inventories(), data=st.data())
def test_every_sbom_renders_the_same_bytes_for_any_component_order(
    inventory: Inventory, data: st.DataObject
) -> None:
    other = shuffled(inventory, data)
    for spec in SPEC_VERSIONS:
        for fmt in ("json", "xml"):
            options = RenderOptions(spec, fmt, allow_missing_hashes=True, timestamp=0)
            first = render(SourceResult(inventory), options).text
            assert render(SourceResult(inventory), options).text == first
            assert render(SourceResult(other), options).text == first, (spec, fmt)


@SETTINGS
@given(inventory=inventories(), data=st.data())
def test_every_audit_format_renders_the_same_bytes_for_any_component_order(
    advisories: AdvisoryDB, inventory: Inventory, data: st.DataObject
) -> None:
    def rendered(inventory: Inventory) -> dict[str, str]:
        target = AuditTarget(inventory, "test inventory")
        report = run_audit(target, advisories, AuditPolicy(), today=date(2026, 1, 1))
        assert {f.component.build_only for f in report.findings if f.id == "PYSEC-2099-1"} == {
            False,
            True,
        }
        return {name: get_format(name).render(AuditRun(report, target)) for name in FORMATS}

    first = rendered(inventory)
    assert rendered(inventory) == first
    assert rendered(shuffled(inventory, data)) == first
