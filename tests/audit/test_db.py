from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from chainproof.audit.db import AdvisoryDB, build_database, resolve_db_path
from chainproof.errors import InputError
from chainproof.formats.osv import iter_source
from tests.audit.conftest import EXTRA


def test_full_snapshot_counts(snapshot: AdvisoryDB) -> None:
    status = snapshot.status
    assert (status.advisories, status.packages) == (2661, 664)
    assert status.withdrawn == 10
    assert status.skipped == ()
    assert status.snapshot_date == "2024-10-10T17:22:00.587279Z"
    with closing(sqlite3.connect(snapshot.path)) as conn:
        assert conn.execute("SELECT COUNT(*) FROM advisory").fetchone() == (2661,)


def test_query_by_package(snapshot: AdvisoryDB) -> None:
    found = snapshot.advisories_for(["requests", "no-such-package"])
    assert set(found) == {"requests"}
    ids = {advisory.id for advisory, _ in found["requests"]}
    assert "PYSEC-2014-13" in ids
    advisory = next(a for a, _ in found["requests"] if a.id == "PYSEC-2014-13")
    assert advisory.aliases == ("CVE-2014-1829", "GHSA-cfj3-7x9c-4p3h")


def test_skipped_documents_are_explained(combined: AdvisoryDB) -> None:
    assert combined.status.advisories == 2661 + 4
    assert [reason for _, reason in combined.status.skipped] == ["it affects no PyPI package"]
    assert combined.status.skipped[0][0].endswith("GHSA-demo-npm0-0003.json")


def test_missing_database_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="There is no advisory database") as info:
        AdvisoryDB(tmp_path / "none.sqlite3")
    assert info.value.hint is not None
    assert "db import" in info.value.hint


def test_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.sqlite3"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(InputError, match="is not a chainproof advisory database"):
        AdvisoryDB(bogus)
    other = tmp_path / "other.sqlite3"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(InputError, match="is not a chainproof advisory database"):
        AdvisoryDB(other)


def test_failed_import_leaves_the_old_database(tmp_path: Path) -> None:
    path = tmp_path / "adv.sqlite3"
    build_database(iter_source(EXTRA), path, "extra")
    before = path.read_bytes()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "ok.json").write_text((EXTRA / "GHSA-demo-v4v4-0001.json").read_text())
    (bad / "zz.json").write_text("{broken")
    with pytest.raises(InputError, match=r"zz\.json is not valid JSON"):
        build_database(iter_source(bad), path, "bad")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adv.sqlite3", "bad"]


def test_duplicate_ids_keep_the_newest(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    text = (EXTRA / "GHSA-demo-mod0-0002.json").read_text()
    (src / "a.json").write_text(
        text.replace("2024-09-29", "2024-01-01").replace("rated by the database only", "old text")
    )
    (src / "b.json").write_text(text)
    status = build_database(iter_source(src), tmp_path / "d.sqlite3", "dups")
    assert status.advisories == 1
    assert "duplicate of GHSA-demo-mod0-0002" in status.skipped[0][1]
    with AdvisoryDB(tmp_path / "d.sqlite3") as db:
        advisory = db.advisories_for(["demo-pkg"])["demo-pkg"][0][0]
    assert "rated by the database only" in advisory.summary


def test_location_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CHAINPROOF_DB", str(tmp_path / "env.sqlite3"))
    assert resolve_db_path(tmp_path / "flag.sqlite3") == tmp_path / "flag.sqlite3"
    assert resolve_db_path() == tmp_path / "env.sqlite3"
    monkeypatch.delenv("CHAINPROOF_DB")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert resolve_db_path().name == "advisories.sqlite3"
    assert "chainproof" in resolve_db_path().parts
