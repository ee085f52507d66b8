"""Shared fixtures. Tests run with the network off, except those marked ``registry``."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import jsonschema  # type: ignore[import-untyped]
import pytest

# chainproof.formats.cyclonedx.schema imports jsonschema without rfc3987-syntax (too slow to
# import) when it is the first to load it, which leaves jsonschema's global format checker
# without IRI checks. Importing it here first keeps cyclonedx-python-lib's JsonStrictValidator,
# which the tests use as the independent judge of our SBOMs, at full strength in every test
# process.
assert "iri-reference" in jsonschema.FormatChecker.checkers

if TYPE_CHECKING:
    from tests.indexes import IndexFactory, SampleDists, SampleUniverse
    from tests.sigstore_local import LocalSigstore

ASSETS = Path(__file__).parent / "assets"


@pytest.fixture
def assets() -> Path:
    return ASSETS


@pytest.fixture(scope="session")
def local_sigstore() -> Iterator[LocalSigstore]:
    """A Fulcio + Rekor stand-in on 127.0.0.1 for the whole session (tests/sigstore_local)."""
    from tests.sigstore_local import LocalSigstore

    with LocalSigstore() as instance:
        yield instance


@pytest.fixture(scope="session")
def sample_dists(tmp_path_factory: pytest.TempPathFactory) -> SampleDists:
    """The wheels and sdists of the sample universe (tests/indexes.py), written once; read-only."""
    from tests.indexes import write_sample_dists

    return write_sample_dists(tmp_path_factory.mktemp("sample-dists"))


@pytest.fixture(scope="session")
def sample_universe(
    tmp_path_factory: pytest.TempPathFactory, sample_dists: SampleDists
) -> Iterator[SampleUniverse]:
    """An internal and a public package index on 127.0.0.1 for the whole session, and the
    project acme-app locked from them by uv and pip (tests/indexes.py); read-only."""
    from tests.indexes import open_sample_universe

    with open_sample_universe(tmp_path_factory.mktemp("sample-universe"), sample_dists) as universe:
        yield universe


@pytest.fixture
def make_index(sample_dists: SampleDists) -> Iterator[IndexFactory]:
    """Starts package indexes preloaded with sample files, for seeding faults; each is stopped
    after the test (tests/indexes.IndexFactory)."""
    from tests.indexes import IndexFactory

    factory = IndexFactory(sample_dists)
    try:
        yield factory
    finally:
        factory.close()


@pytest.fixture(scope="session")
def demo_release_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real sdist + wheel (python -m build), build-record.json and sbom.cdx.json; read-only."""
    from tests.signing.demo import build_demo_release

    return build_demo_release(tmp_path_factory.mktemp("demo") / "dist")


@pytest.fixture
def demo_release(demo_release_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the demo release directory for one test."""
    import shutil

    return Path(shutil.copytree(demo_release_template, tmp_path / "dist"))


@pytest.fixture
def local_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A find-links directory of test wheels that pip and uv use instead of the package index
    (tests/build/helpers.use_local_index)."""
    from tests.build.helpers import use_local_index

    return use_local_index(tmp_path, monkeypatch)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    """A test marked ``registry`` (and the fixtures it sets up) resolves against the committed
    constraints (tests/registry.py), from setup to teardown."""
    if item.get_closest_marker("registry") is not None:
        from tests.registry import CONSTRAINT_VARIABLES, pins_file

        for name in CONSTRAINT_VARIABLES:
            os.environ[name] = str(pins_file())
    return (yield)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    try:
        return (yield)
    finally:
        if item.get_closest_marker("registry") is not None:
            from tests.registry import CONSTRAINT_VARIABLES

            for name in CONSTRAINT_VARIABLES:
                os.environ.pop(name, None)


# The dependency checks ask the package indexes a lock names unless told otherwise; the tests
# run offline, and those that exercise the online checks start their own indexes on 127.0.0.1
# and pass offline=False (--online).
os.environ["CHAINPROOF_OFFLINE"] = "1"

# The index client's cache (chainproof.index.cache) lives in a directory of the test run's own,
# never in the user's cache: each run starts cold.
os.environ["CHAINPROOF_INDEX_CACHE"] = tempfile.mkdtemp(prefix="chainproof-index-cache-")
