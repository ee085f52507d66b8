"""`chainproof db import|update|status` end to end, offline (a local HTTP server for update)."""

from __future__ import annotations

import json
import socket
import threading
import zipfile
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.cli.helpers import one_sentence_error

ASSETS = Path(__file__).parent.parent / "assets" / "audit"
SNAPSHOT = ASSETS / "pypa-advisory-database-2024-10-10.tar.gz"
runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["db", *args])
    return result.exit_code, result.stdout, result.stderr


def test_import_the_snapshot_and_show_status(tmp_path: Path) -> None:
    db = tmp_path / "adv.sqlite3"
    code, out, _ = run("import", str(SNAPSHOT), "--db", str(db))
    assert code == 0
    assert "advisories: 2,661 for 664 packages (10 withdrawn" in out
    code, out, _ = run("status", "--db", str(db))
    assert code == 0
    assert "snapshot:   2024-10-10T17:22:00.587279Z" in out
    assert "advisories: 2,661 for 664 packages" in out
    code, out, _ = run("status", "--db", str(db), "--json")
    status = json.loads(out)
    assert (status["advisories"], status["packages"], status["withdrawn"]) == (2661, 664, 10)
    assert status["skipped"] == []
    assert status["source"] == str(SNAPSHOT.resolve())


def test_import_a_directory_with_the_env_location(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAINPROOF_DB", str(tmp_path / "env.sqlite3"))
    code, out, _ = run("import", str(ASSETS / "osv-extra"))
    assert code == 0
    assert "advisories: 4 for 3 packages" in out
    assert "skipped:    1 document(s)" in out
    assert "it affects no PyPI package" in out
    assert (tmp_path / "env.sqlite3").is_file()


def test_missing_database(tmp_path: Path) -> None:
    code, _, err = run("status", "--db", str(tmp_path / "none.sqlite3"))
    assert code == 2
    assert one_sentence_error(err) == (
        f"Error: There is no advisory database at {tmp_path / 'none.sqlite3'}."
    )
    assert "db import" in err


def test_corrupt_osv_file_leaves_nothing(tmp_path: Path) -> None:
    source = tmp_path / "osv"
    source.mkdir()
    (source / "GHSA-1.json").write_text('{"id": "GHSA-1", "modified": ')
    db = tmp_path / "db" / "adv.sqlite3"
    code, _, err = run("import", str(source), "--db", str(db))
    assert code == 2
    assert "GHSA-1.json is not valid JSON" in one_sentence_error(err)
    assert not db.parent.exists() or list(db.parent.iterdir()) == []


def test_unreadable_source(tmp_path: Path) -> None:
    code, _, err = run("import", str(tmp_path / "nope.zip"), "--db", str(tmp_path / "d"))
    assert code == 2
    assert "does not exist" in one_sentence_error(err)
    bogus = tmp_path / "all.zip"
    bogus.write_bytes(b"not an archive at all")
    code, _, err = run("import", str(bogus), "--db", str(tmp_path / "d"))
    assert code == 2
    assert "neither a directory nor a readable zip or tar archive" in one_sentence_error(err)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(_QuietHandler, directory=str(root))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_update_from_a_mirror(tmp_path: Path, server: tuple[str, Path]) -> None:
    base, root = server
    with zipfile.ZipFile(root / "all.zip", "w") as archive:
        for path in sorted((ASSETS / "osv-extra").glob("*.json")):
            archive.write(path, path.name)
    db = tmp_path / "adv.sqlite3"
    code, out, _ = run("update", "--url", f"{base}/all.zip", "--db", str(db), "--json")
    assert code == 0
    status = json.loads(out)
    assert status["source"] == f"{base}/all.zip"
    assert status["advisories"] == 3
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "www") == ["adv.sqlite3"]


def test_update_failures(tmp_path: Path, server: tuple[str, Path]) -> None:
    base, root = server
    db = tmp_path / "adv.sqlite3"
    code, _, err = run("update", "--url", f"{base}/missing.zip", "--db", str(db))
    assert code == 3
    assert "Downloading the advisory export from" in one_sentence_error(err)
    (root / "page.html").write_text("<html>maintenance</html>")
    code, _, err = run("update", "--url", f"{base}/page.html", "--db", str(db))
    assert code == 2
    assert "is not a zip archive of OSV records" in one_sentence_error(err)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, _, err = run("update", "--url", f"http://127.0.0.1:{port}/all.zip", "--db", str(db))
    assert code == 3
    assert "Connection refused" in one_sentence_error(err)
    assert not db.exists()
    assert list(tmp_path.glob(".osv-*")) == []


def test_import_a_single_record_and_an_unwritable_location(tmp_path: Path) -> None:
    record = ASSETS / "osv-extra" / "PYSEC-0000-demo.yaml"
    code, out, _ = run("import", str(record), "--db", str(tmp_path / "one.sqlite3"))
    assert code == 0
    assert "advisories: 1 for 1 packages" in out
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code, _, err = run("import", str(record), "--db", str(blocker / "adv.sqlite3"))
    assert code == 2
    assert "Cannot write the advisory database" in one_sentence_error(err)
