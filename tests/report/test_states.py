"""The history's fast TOML path reads what the full readers read."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from chainproof.audit.inputs import read_target
from chainproof.report.states import lock_kind, read_locks
from tests.docs_helpers import ROOT

LOCKS = [
    ROOT / "tests" / "assets" / "sbom" / "proj1-uv.lock",
    ROOT / "tests" / "assets" / "sbom" / "proj1-pylock.toml",
]


@pytest.mark.parametrize("lock", LOCKS, ids=lambda p: p.name)
def test_the_fast_path_pins_what_the_reader_reads(lock: Path, tmp_path: Path) -> None:
    name = "uv.lock" if lock.suffix == ".lock" else "pylock.toml"
    kind = lock_kind(name)
    assert kind is not None
    (tmp_path / name).write_bytes(lock.read_bytes())
    read = read_target(kind, tmp_path / name).inventory.components
    expected = frozenset((c.key, c.version) for c in read if c.version)
    pins, skipped = read_locks([(name, "b1", "c1")], {"b1": lock.read_bytes()})
    assert skipped == []
    assert pins["b1"] == expected
    assert expected


def test_a_lock_the_fast_path_refuses_goes_to_the_reader() -> None:
    broken = b'version = 1\n[[package]]\nname = "a"\nversion = "1"\n[[package]\n'
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(broken.decode())
    pins, skipped = read_locks([("sub/uv.lock", "b1", "c1")], {"b1": broken})
    assert pins == {}
    assert [(s.path, s.commit) for s in skipped] == [("sub/uv.lock", "c1")]
    assert "not valid TOML" in skipped[0].reason
    assert "chainproof-report-" not in skipped[0].reason  # the temporary path is not shown
