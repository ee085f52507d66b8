"""A hash-pinned requirements file resolved from the index's pages (sbom.index_pick) against
the same file resolved by pip: the same components, files, hashes, licences and edges, on
the sample project locked by uv from real indexes on 127.0.0.1 (tests/indexes.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from chainproof.models import SourceResult
from chainproof.progress import NullReporter
from chainproof.sbom import resolve as pip_resolve
from chainproof.sbom.requirements import RequirementsSource
from chainproof.sbom.target import TargetPlatform
from tests.indexes import IndexServer, SampleUniverse


@pytest.fixture(autouse=True)
def only_the_files_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """pip's settings on this machine (find-links, extra indexes) stay out of both paths."""
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL", "PIP_INDEX_URL", "PIP_NO_INDEX"):
        monkeypatch.delenv(name, raising=False)


def _read(path: Path, fast: bool, target: TargetPlatform) -> SourceResult:
    return RequirementsSource(path, resolve=True, fast=fast).read(target, NullReporter())


def _pip_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    calls: list[object] = []
    real = pip_resolve._run_pip

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pip_resolve, "_run_pip", counted)
    return calls


@pytest.mark.parametrize(
    "target",
    [TargetPlatform.current(), TargetPlatform.for_python("3.12", ["win_amd64"])],
    ids=["this machine", "windows"],
)
def test_the_index_path_gives_what_pip_gives(
    sample_universe: SampleUniverse, monkeypatch: pytest.MonkeyPatch, target: TargetPlatform
) -> None:
    calls = _pip_calls(monkeypatch)
    fast = _read(sample_universe.requirements, True, target)
    assert calls == []  # every pin settled by the index's pages
    slow = _read(sample_universe.requirements, False, target)
    assert len(calls) == 1
    assert fast.inventory == slow.inventory
    assert fast.details == slow.details
    assert fast.warnings == slow.warnings
    components = fast.inventory.components
    assert len(components) >= 25
    assert all(len(c.hashes) == 1 and c.filename and c.url for c in components)
    assert all(c.license_expression == "MIT" for c in components)


def test_without_via_the_edges_come_from_the_metadata(
    sample_universe: SampleUniverse, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = sample_universe.requirements.read_text(encoding="utf-8")
    bare = tmp_path / "requirements.txt"
    bare.write_text(re.sub(r"(?m)^\s+#.*\n", "", text), encoding="utf-8")
    calls = _pip_calls(monkeypatch)
    fast = _read(bare, True, TargetPlatform.current())
    assert calls == []
    slow = _read(bare, False, TargetPlatform.current())
    assert fast.inventory == slow.inventory
    assert fast.inventory.graph.edges


def _moved(universe: SampleUniverse, server: IndexServer, tmp_path: Path) -> Path:
    text = universe.requirements.read_text(encoding="utf-8")
    moved = tmp_path / "requirements.txt"
    moved.write_text(text.replace(universe.internal.url, server.url), encoding="utf-8")
    return moved


def test_without_pep_658_files_the_wheels_are_read_after_their_hash_is_checked(
    sample_universe: SampleUniverse, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    dists = sample_universe.dists
    with IndexServer([*dists.internal, *dists.public], serve_metadata=False) as server:
        moved = _moved(sample_universe, server, tmp_path)
        calls = _pip_calls(monkeypatch)
        fast = _read(moved, True, TargetPlatform.current())
        assert calls == []
        assert any(path.endswith(".whl") for _, path, _ in server.requests)
        server.requests.clear()
        assert _read(moved, True, TargetPlatform.current()) == fast  # warm: from the cache
        assert server.requests == []  # the picks, the wheels' METADATA: all remembered
        assert fast.inventory == _read(moved, False, TargetPlatform.current()).inventory


def test_what_the_index_does_not_settle_goes_to_pip(
    sample_universe: SampleUniverse, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An index that publishes no hashes: which file is which, pip decides."""
    dists = sample_universe.dists
    with IndexServer([*dists.internal, *dists.public], publish_hashes=False) as server:
        moved = _moved(sample_universe, server, tmp_path)
        calls = _pip_calls(monkeypatch)
        fast = _read(moved, True, TargetPlatform.current())
        assert len(calls) == 1
        assert fast.inventory == _read(moved, False, TargetPlatform.current()).inventory


def test_a_wheel_whose_bytes_are_not_its_hash_is_refused(
    sample_universe: SampleUniverse, tmp_path: Path
) -> None:
    """The index lists (and the file pins) a sha256 that the wheel served is not."""
    from chainproof.errors import VerificationFailed

    dists = sample_universe.dists
    with IndexServer([*dists.internal, *dists.public], serve_metadata=False) as server:
        wheel = "theta_idna-3.6.0-py3-none-any.whl"
        real = server.file(wheel).sha256
        server.publish_hash(wheel, "f" * 64)
        moved = _moved(sample_universe, server, tmp_path)
        moved.write_text(moved.read_text(encoding="utf-8").replace(real, "f" * 64))
        with pytest.raises(VerificationFailed) as caught:
            _read(moved, True, TargetPlatform.current())
        assert wheel in str(caught.value)


@pytest.mark.registry
def test_on_a_real_lock_the_index_path_gives_what_pip_gives(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The registry tests' own hash-pinned constraints (123 pins, exact versions): the same
    components, files, hashes, licences and edges from the index's pages as from pip."""
    monkeypatch.setenv("CHAINPROOF_INDEX_CACHE", str(tmp_path / "cache"))
    lock = Path(__file__).parents[1] / "assets" / "constraints" / "registry.txt"
    target = TargetPlatform.for_python("3.11", ["manylinux_2_28_x86_64"])
    calls = _pip_calls(monkeypatch)
    fast = _read(lock, True, target)
    assert calls == []
    slow = _read(lock, False, target)
    assert len(calls) == 1
    assert fast.inventory == slow.inventory
    assert len(fast.inventory.components) >= 100
    assert fast.inventory.graph.edges
