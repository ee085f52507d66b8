"""Audit fixtures: the real PyPA snapshot is imported once per test session (per worker)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from chainproof.audit.db import AdvisoryDB, build_database
from chainproof.audit.inputs import AuditTarget, Requirement
from chainproof.formats.osv import iter_source
from chainproof.models import Component, DependencyGraph, Inventory

AUDIT_ASSETS = Path(__file__).parent.parent / "assets" / "audit"
SNAPSHOT = AUDIT_ASSETS / "pypa-advisory-database-2024-10-10.tar.gz"
EXTRA = AUDIT_ASSETS / "osv-extra"


@pytest.fixture(scope="session")
def snapshot_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full PyPA snapshot, imported once."""
    path = tmp_path_factory.mktemp("db") / "snapshot.sqlite3"
    build_database(iter_source(SNAPSHOT), path, "pypa snapshot")
    return path


@pytest.fixture(scope="session")
def combined_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The snapshot plus the hand-written records of osv-extra/."""
    path = tmp_path_factory.mktemp("db") / "combined.sqlite3"
    build_database(itertools.chain(iter_source(SNAPSHOT), iter_source(EXTRA)), path, "combined")
    return path


@pytest.fixture
def snapshot(snapshot_db: Path) -> Iterator[AdvisoryDB]:
    with AdvisoryDB(snapshot_db) as db:
        yield db


@pytest.fixture
def combined(combined_db: Path) -> Iterator[AdvisoryDB]:
    with AdvisoryDB(combined_db) as db:
        yield db


def make_target(
    pins: Iterable[tuple[str, str]],
    edges: Iterable[tuple[str, tuple[str, ...]]] = (),
    roots: Iterable[str] | None = None,
    requirements: tuple[Requirement, ...] | None = None,
) -> AuditTarget:
    """An AuditTarget over an Inventory built in the test (no input file)."""
    components = tuple(Component(name, version) for name, version in pins)
    edge_list = tuple(edges)
    depended = {child for _, children in edge_list for child in children}
    root_keys = (
        tuple(roots)
        if roots is not None
        else tuple(c.key for c in components if c.key not in depended)
    )
    graph = DependencyGraph(roots=root_keys, edges=edge_list)
    return AuditTarget(
        Inventory(None, components, graph), "test inventory", requirements=requirements
    )
