from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from chainproof.build.compare import compare_archives, compare_builds

Members = list[tuple[str, bytes, tuple[int, int, int, int, int, int]]]
STAMP = (2020, 1, 1, 0, 0, 0)


def _zip(path: Path, members: Members) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data, stamp in members:
            archive.writestr(zipfile.ZipInfo(name, stamp), data)
    return path


def _tar(path: Path, members: list[tuple[str, bytes, int]], gzip_mtime: int = 0) -> Path:
    import gzip

    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as archive:
        for name, data, mtime in members:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), mtime
            archive.addfile(info, io.BytesIO(data))
    with path.open("wb") as out, gzip.GzipFile(fileobj=out, mode="wb", mtime=gzip_mtime) as gz:
        gz.write(raw.getvalue())
    return path


@pytest.mark.parametrize(
    ("second", "member", "detail"),
    [
        ([("a", b"1", STAMP), ("b", b"X", STAMP)], "b", "content differs"),
        ([("a", b"1", STAMP), ("b", b"2", (2021, 1, 1, 0, 0, 0))], "b", "metadata"),
        ([("a", b"1", STAMP)], "b", "missing from the second build"),
        ([("a", b"1", STAMP), ("b", b"2", STAMP), ("c", b"3", STAMP)], "c", "only in the second"),
        ([("b", b"2", STAMP), ("a", b"1", STAMP)], "a", "order"),
    ],
)
def test_zip_first_differing_member(
    tmp_path: Path, second: Members, member: str, detail: str
) -> None:
    first = _zip(tmp_path / "1.whl", [("a", b"1", STAMP), ("b", b"2", STAMP)])
    other = _zip(tmp_path / "2.whl", second)
    difference = compare_archives("demo.whl", first, other)
    assert difference.member == member
    assert detail in difference.detail
    assert f"first at member {member}" in difference.sentence()


def test_tar_gz_member_content_and_mtime(tmp_path: Path) -> None:
    first = _tar(tmp_path / "1.tar.gz", [("d/a", b"1", 5), ("d/b", b"2", 5)])
    content = _tar(tmp_path / "2.tar.gz", [("d/a", b"1", 5), ("d/b", b"3", 5)])
    mtime = _tar(tmp_path / "3.tar.gz", [("d/a", b"1", 6), ("d/b", b"2", 5)])
    assert compare_archives("d.tar.gz", first, content).member == "d/b"
    diff = compare_archives("d.tar.gz", first, mtime)
    assert (diff.member, "metadata" in diff.detail) == ("d/a", True)


def test_same_members_different_framing(tmp_path: Path) -> None:
    members = [("d/a", b"1", 5)]
    first = _tar(tmp_path / "1.tar.gz", members, gzip_mtime=1)
    second = _tar(tmp_path / "2.tar.gz", members, gzip_mtime=2)
    difference = compare_archives("d.tar.gz", first, second)
    assert difference.member is None
    assert "framing" in difference.detail


def test_unreadable_and_unknown_archives(tmp_path: Path) -> None:
    (tmp_path / "1").write_bytes(b"one")
    (tmp_path / "2").write_bytes(b"two")
    assert compare_archives("x.bin", tmp_path / "1", tmp_path / "2").member is None
    broken = compare_archives("x.whl", tmp_path / "1", tmp_path / "2")
    assert "cannot be read" in broken.detail


def test_compare_builds(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    same_a = _zip(tmp_path / "a" / "s.whl", [("m", b"1", STAMP)])
    same_b = _zip(tmp_path / "b" / "s.whl", [("m", b"1", STAMP)])
    diff_a = _zip(tmp_path / "a" / "d.whl", [("m", b"1", STAMP)])
    diff_b = _zip(tmp_path / "b" / "d.whl", [("m", b"2", STAMP)])
    only = tmp_path / "a" / "o.tar.gz"
    only.write_bytes(b"x")
    differences = compare_builds(
        {"s.whl": same_a, "d.whl": diff_a, "o.tar.gz": only}, {"s.whl": same_b, "d.whl": diff_b}
    )
    assert [(d.artifact, d.member) for d in differences] == [("d.whl", "m"), ("o.tar.gz", None)]
    assert "only the first build" in differences[1].detail
    assert compare_builds({"s.whl": same_a}, {"s.whl": same_b}) == ()
