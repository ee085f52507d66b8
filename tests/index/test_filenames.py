"""The versions chainproof reads from file names agree with pypi-simple's parser, on the
shapes real indexes serve (and a real large page, in the registry test)."""

from __future__ import annotations

import pytest
from pypi_simple.filenames import parse_filename

from chainproof.index.filenames import file_version

NAMES = [
    ("pydantic_core-2.18.4-cp311-cp311-manylinux_2_17_x86_64.whl", "pydantic-core"),
    ("pydantic_core-2.18.4.tar.gz", "pydantic-core"),
    ("pydantic-core-0.1.tar.gz", "pydantic-core"),
    ("foo_bar-1.0-1-py3-none-any.whl", "foo-bar"),
    ("zope.interface-5.0.tar.gz", "zope-interface"),
    ("Django-1.0.zip", "django"),
    ("jinja2-3.1.4.post1.dev2+local.tar.bz2", "jinja2"),
    ("numpy-1.0rc1.tar.gz", "numpy"),
    ("setuptools-0.6c11-py2.7.egg", "setuptools"),
    ("pywin32-214.win32-py2.6.exe", "pywin32"),
    ("foo-1.0.linux-x86_64.tar.gz", "foo"),  # a dumb bdist: the old grammar decides
    ("foo-1.0.linux_x86_64.tar.gz", "foo"),
    ("foo-1.0.macosx-10.9-x86_64.zip", "foo"),
    ("other-1.0.tar.gz", "foo"),  # another project's name: pypi-simple decides
]  # fmt: skip


@pytest.mark.parametrize(("filename", "project"), NAMES)
def test_the_same_version_as_pypi_simple(filename: str, project: str) -> None:
    try:
        expected: str | None = parse_filename(filename, project)[1]
    except Exception:  # pypi-simple cannot read it: neither can we
        expected = None
    assert file_version(filename, project) == expected


def test_a_wheel_name_with_too_few_parts_has_no_version() -> None:
    assert file_version("broken-py3-none-any.whl", "broken") is None


@pytest.mark.registry
@pytest.mark.parametrize("project", ["pydantic-core", "setuptools", "numpy"])
def test_every_file_of_a_large_real_page(project: str) -> None:
    """Every file the registry lists for a project with thousands of files (setuptools with
    its eggs and wininst installers) gets the version pypi-simple reads."""
    from chainproof.index.client import IndexClient, default_index_url

    with IndexClient() as client:
        listing = client.listing(default_index_url(), project)
    assert listing is not None
    assert len(listing.files) > 500
    for file in listing.files:
        try:
            expected: str | None = parse_filename(file.filename, project)[1]
        except Exception:  # pypi-simple cannot read it: neither can we
            expected = None
        assert file.version == expected, file.filename
