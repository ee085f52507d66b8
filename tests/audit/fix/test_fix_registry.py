"""``audit --fix`` on a real project against the package registry: fixdemo
(tests/assets/fix/fixdemo) pins gitpython 3.1.40 and idna 3.6, which advisories of the
committed snapshot affect (PYSEC-2024-4, fixed in 3.1.41; PYSEC-2024-60, fixed in 3.7), in a
uv.lock, a pylock.toml (``uv export``) and a hash-pinned requirements file (``uv pip compile
--generate-hashes``). Its tests/test_messages.py expects idna 3.6's error message, which 3.7
changed: the upgrade that breaks it.

The committed locks name the registry by placeholders (example.invalid hosts); each test puts
the real index and file host back in a copy. The locks pin every version, so the newest
release of anything cannot change the result."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chainproof.audit.db import build_database
from chainproof.audit.locked import read_evidence
from chainproof.formats.osv import iter_source
from chainproof.formats.schema import validate
from chainproof.index.client import IndexClient
from tests.audit.conftest import SNAPSHOT
from tests.audit.fix.universe import run_fix
from tests.registry import real_locks, registry_locations

pytestmark = pytest.mark.registry

FIXDEMO = Path(__file__).parents[2] / "assets" / "fix" / "fixdemo"
LOCKS = {"uv.lock": ("--uv-lock", "uv-lock"), "pylock.toml": ("--pylock", "pylock"),
         "requirements.txt": ("--requirements", "requirements")}  # fmt: skip
BROKEN_TEST = "tests/test_messages.py::test_a_joiner_between_latin_letters_is_reported"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("db") / "snapshot.sqlite3"
    build_database(iter_source(SNAPSHOT), path, "pypa snapshot")
    return path


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """fixdemo with the real registry in its locks; the committed locks, not the suite's
    constraints, pin what it installs."""
    for name in ("UV_CONSTRAINT", "PIP_CONSTRAINT", "CHAINPROOF_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    copy = tmp_path / "fixdemo"
    shutil.copytree(FIXDEMO, copy)
    real_locks(copy)
    return copy


def fix(lock: Path, db: Path, *args: str) -> tuple[int, dict[str, object], str]:
    code, out, err = run_fix(LOCKS[lock.name][0], lock, db, "--format", "json", *args)
    return code, json.loads(out or "{}"), err


def pins(lock: Path) -> dict[str, str]:
    evidence = read_evidence(LOCKS[lock.name][1], lock)
    assert evidence is not None
    return {p.key: p.version or "" for p in evidence.packages if p.version}


def served_sha256(client: IndexClient, index: str, name: str, version: str) -> set[str]:
    """The sha256 of every file of ``name`` ``version``, downloaded and hashed here."""
    listing = client.listing(index, name)
    assert listing is not None
    return {client.sha256_of(f.url) for f in listing.files_of(version)}


@pytest.mark.parametrize("lock_name", sorted(LOCKS))
def test_passing_tests_keep_the_fix_and_every_hash_is_its_file(
    lock_name: str, project: Path, db: Path
) -> None:
    lock = project / lock_name
    before = pins(lock)
    assert (before["gitpython"], before["idna"]) == ("3.1.40", "3.6")
    code, record, err = fix(lock, db, "--test-command", "pytest -q tests/test_app.py")
    assert code == 0, err
    validate(record, "remediation", "the record")
    assert record["outcome"] == "fixed"
    assert record["test"]["passed"]  # type: ignore[index]
    after = pins(lock)
    assert (after["gitpython"], after["idna"]) == ("3.1.41", "3.7")
    assert {k: v for k, v in after.items() if k not in ("gitpython", "idna")} == {
        k: v for k, v in before.items() if k not in ("gitpython", "idna")
    }
    evidence = read_evidence(LOCKS[lock_name][1], lock)
    assert evidence is not None
    # every hash in the fixed lock is the sha256 of a file the registry serves for that pin
    with IndexClient() as client:
        for package in evidence.packages:
            if package.version is None:
                continue  # the project itself
            files = served_sha256(client, registry_locations()[0], package.key, package.version)
            assert package.sha256s
            assert set(package.sha256s) <= files, package.name


@pytest.mark.parametrize("lock_name", sorted(LOCKS))
def test_an_upgrade_that_breaks_a_test_is_rolled_back_and_named(
    lock_name: str, project: Path, db: Path
) -> None:
    lock = project / lock_name
    original = lock.read_bytes()
    code, record, _ = fix(lock, db, "--test-command", "pytest -q tests")
    assert code == 1
    assert lock.read_bytes() == original
    assert record["outcome"] == "rolled-back"
    culprit = record["culprit"]
    assert culprit["package"] == "idna"  # type: ignore[index]
    assert not culprit["baseline_failed"]  # type: ignore[index]
    assert BROKEN_TEST in culprit["failed_tests"]  # type: ignore[index]
