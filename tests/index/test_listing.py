"""ProjectListing and IndexFile: versions and the files of one version, PEP 440-normalised."""

from __future__ import annotations

from chainproof.index.listing import IndexFile, ProjectListing, same_version, sorted_versions


def _file(filename: str, version: str | None) -> IndexFile:
    return IndexFile(
        filename, f"http://127.0.0.1/{filename}", version, None, None, None, None, False
    )


LISTING = ProjectListing(
    "http://127.0.0.1/simple",
    "demo",
    (
        _file("demo-1.0.tar.gz", "1.0"),
        _file("demo-1.0.0-py3-none-any.whl", "1.0.0"),
        _file("demo-1.0+local-py3-none-any.whl", "1.0+local"),
        _file("demo-2.0rc1.tar.gz", "2.0rc1"),
        _file("demo-weird.zip", None),
    ),
    ("1.0", "1.0+local", "2.0rc1"),
)


def test_files_of_compares_pep_440_normalised() -> None:
    assert [f.filename for f in LISTING.files_of("1.0")] == [
        "demo-1.0.tar.gz",
        "demo-1.0.0-py3-none-any.whl",
    ]
    assert [f.filename for f in LISTING.files_of("v1.0.0")] == [
        "demo-1.0.tar.gz",
        "demo-1.0.0-py3-none-any.whl",
    ]
    assert [f.filename for f in LISTING.files_of("1.0+LOCAL")] == [
        "demo-1.0+local-py3-none-any.whl"
    ]
    assert [f.filename for f in LISTING.files_of("2.0.rc.1")] == ["demo-2.0rc1.tar.gz"]
    assert LISTING.files_of("3.0") == ()


def test_serves() -> None:
    assert LISTING.serves("2.0-rc1")
    assert not LISTING.serves("2.0")


def test_same_version() -> None:
    assert same_version("1.0", "1.0.0")
    assert not same_version("1.0", "1.0+local")
    assert same_version("Not-PEP440", "not-pep440")
    assert not same_version("not-pep440", "1.0")


def test_sorted_versions_are_distinct_and_in_pep_440_order() -> None:
    assert sorted_versions(["1.10", "1.9", "1.0.0", "1.0", "2.0rc1", "0.9", "unknown"]) == (
        "unknown",
        "0.9",
        "1.0.0",
        "1.9",
        "1.10",
        "2.0rc1",
    )
    assert sorted_versions([]) == ()
