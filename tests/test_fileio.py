from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from chainproof.errors import InputError
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
