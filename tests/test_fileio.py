from __future__ import annotations

import errno
import hashlib
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from chainproof import fileio
from chainproof.errors import InfrastructureError, InputError
from chainproof.fileio import StagedFiles, load_json, sha256_file


def test_staged_files_change_nothing_when_one_cannot_be_written(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("old\n")
    (tmp_path / "zz").write_text("a file where a directory is needed\n")
    staged = StagedFiles()
    staged.add(tmp_path / "a.json", "new\n")
    staged.add(tmp_path / "b.json", "new\n")
    staged.add(tmp_path / "zz" / "c.json", "new\n")
    with pytest.raises(InputError, match="Cannot write"):
        staged.commit()
    assert (tmp_path / "a.json").read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "zz"]


def test_staged_files_all_written(tmp_path: Path) -> None:
    staged = StagedFiles()
    staged.add(tmp_path / "b.json", "b\n")
    staged.add(tmp_path / "sub" / "a.json", b"a\n", mode=0o600)
    assert staged.commit() == [tmp_path / "b.json", tmp_path / "sub" / "a.json"]
    assert (tmp_path / "b.json").read_text() == "b\n"
    assert (tmp_path / "sub" / "a.json").stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.json", "sub"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a": ', r"not valid JSON \(line 1, column 7"),
        (b"\xff\xfe", "Cannot read"),
    ],
)
def test_load_json_bad_input_is_one_input_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(data)
    with pytest.raises(InputError, match=message):
        load_json(path)


def test_load_json_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_json(tmp_path / "missing.json", "release manifest")
    (tmp_path / "ok.json").write_text(json.dumps({"a": 1}))
    assert load_json(tmp_path / "ok.json") == {"a": 1}


def test_sha256_streams_any_size(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * (3 * 1024 * 1024 + 1))
    assert sha256_file(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def test_atomic_writes_get_the_umask_permissions(tmp_path: Path) -> None:
    # A fresh interpreter: the umask is read once per process.
    code = (
        "import os, sys; from pathlib import Path; os.umask(0o027); "
        "from chainproof.fileio import atomic_write_text as w; d = Path(sys.argv[1]); "
        "w(d / 'a.json', '{}'); w(d / 'b.key', 'secret', mode=0o600)"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "b.key").stat().st_mode) == 0o600


def test_atomic_write_onto_a_directory_is_input_error(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    with pytest.raises(InputError, match=r"Cannot write .*out: Is a directory\."):
        fileio.atomic_write_text(tmp_path / "out", "x")
    assert [p.name for p in tmp_path.iterdir()] == ["out"], "no temporary file left"


def test_atomic_write_under_a_file_is_input_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", "utf-8")
    with pytest.raises(InputError, match="Cannot write"):
        fileio.atomic_write_text(tmp_path / "file" / "x.json", "x")


def test_atomic_write_on_a_full_disk_is_infrastructure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("chainproof.fileio.os.replace", full)
    with pytest.raises(InfrastructureError, match="No space left"):
        fileio.atomic_write_text(tmp_path / "x.json", "x")
    assert list(tmp_path.iterdir()) == []


def test_read_bytes_names_what_it_reads(tmp_path: Path) -> None:
    from chainproof.fileio import read_bytes, read_text

    with pytest.raises(InputError, match=r"The bundle .* is a directory, not a file\."):
        read_bytes(tmp_path, "bundle")
    with pytest.raises(InputError, match=r"The private key .* does not exist\."):
        read_bytes(tmp_path / "k.key", "private key")
    (tmp_path / "latin1.json").write_bytes(b"\xe9t\xe9")
    with pytest.raises(InputError, match="not UTF-8 text"):
        read_text(tmp_path / "latin1.json", "trust config")
