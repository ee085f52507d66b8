"""pylock.toml, uv.lock and requirements of the same project give the same inventory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from chainproof.errors import InputError, UsageError
from chainproof.models import Component, Inventory
from chainproof.progress import NullReporter, Reporter
from chainproof.sbom.inputs import read_pylock, read_requirements, read_uv_lock
from chainproof.sbom.metadata import PackageMetadata
from chainproof.sbom.pylock import PylockSource
from chainproof.sbom.target import TargetPlatform
from chainproof.sbom.uvlock import UvLockSource

ASSETS = Path(__file__).parent.parent / "assets" / "sbom"
LINUX = TargetPlatform.for_python("3.12", ["manylinux_2_28_x86_64"])
WINDOWS = TargetPlatform.for_python("3.12", ["win_amd64"])
MAC = TargetPlatform.for_python("3.11", ["macosx_11_0_arm64"])
LINUX_SET = {
    "anyio",
    "certifi",
    "charset-normalizer",
    "h11",
    "h2",
    "hpack",
    "httpcore",
    "httpx",
    "hyperframe",
    "idna",
    "markdown-it-py",
    "mdurl",
    "pygments",
    "requests",
    "rich",
    "typing-extensions",
    "urllib3",
}
WINDOWS_SET = LINUX_SET - {"markdown-it-py", "mdurl", "pygments", "rich"} | {"colorama"}


def hashes(inventory: Inventory) -> dict[str, set[str]]:
    return {c.key: {d.value for d in c.hashes} for c in inventory.components}


@pytest.mark.parametrize(
    ("target", "expected"), [(LINUX, LINUX_SET), (WINDOWS, WINDOWS_SET), (MAC, LINUX_SET)]
)
def test_three_lock_formats_agree(target: TargetPlatform, expected: set[str]) -> None:
    uv = read_uv_lock(ASSETS / "proj1-uv.lock", target)
    pylock = read_pylock(ASSETS / "proj1-pylock.toml", target)
    requirements = read_requirements(ASSETS / "proj1-requirements.txt", target)
    for inventory in (uv, pylock, requirements):
        assert {c.key for c in inventory.components} == expected
    assert hashes(uv) == hashes(pylock)
    assert all(len(h) == 1 for h in hashes(uv).values())
    # A requirements file has no file names: its candidates include the picked file's hash.
    for key, found in hashes(uv).items():
        assert found <= hashes(requirements)[key]


def test_wheel_is_picked_for_the_target() -> None:
    files = {
        t.description: {
            c.key: c.filename for c in read_uv_lock(ASSETS / "proj1-uv.lock", t).components
        }["charset-normalizer"]
        for t in (LINUX, WINDOWS, MAC)
    }
    assert files == {
        LINUX.description: "charset_normalizer-3.5.2-cp312-cp312-manylinux2014_x86_64."
        "manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl",
        WINDOWS.description: "charset_normalizer-3.5.2-cp312-cp312-win_amd64.whl",
        MAC.description: "charset_normalizer-3.5.2-cp311-cp311-macosx_10_9_universal2.whl",
    }


def test_uv_lock_graph_and_root() -> None:
    inventory = read_uv_lock(ASSETS / "proj1-uv.lock", LINUX)
    assert inventory.root is not None
    assert inventory.root.name == "proj1"
    edges = dict(inventory.graph.edges)
    assert edges["proj1"] == ("httpx", "requests", "rich")
    assert "h2" in edges["httpx"]  # httpx[http2] activates the optional dependency
    assert edges["h2"] == ("hpack", "hyperframe")
    assert {c.key for c in inventory.components if c.direct} == {"httpx", "requests", "rich"}
    url = next(c.url for c in inventory.components if c.key == "idna")
    assert url is not None
    assert url.startswith("https://example.invalid/")


def test_requirements_graph_from_via_annotations() -> None:
    inventory = read_requirements(ASSETS / "proj1-requirements.txt", LINUX)
    edges = dict(inventory.graph.edges)
    assert edges["requests"] == ("certifi", "charset-normalizer", "idna", "urllib3")
    assert edges["httpx"] == ("anyio", "certifi", "h2", "httpcore", "idna")
    assert set(inventory.graph.roots) == {"httpx", "requests", "rich"}


def test_pylock_without_dependencies_has_no_edges_and_warns() -> None:
    result = PylockSource(ASSETS / "proj1-pylock.toml").read(LINUX, NullReporter())
    assert result.inventory.graph.edges == ()
    assert result.warnings
    assert "records no dependencies" in result.warnings[0]
    assert result.inventory.root is not None
    assert result.inventory.root.name == "proj1"


PYLOCK_WITH_DEPS = """\
lock-version = "1.0"
created-by = "hand"

[[packages]]
name = "a"
version = "1.0"
dependencies = [{{name = "b"}}]

[[packages.wheels]]
name = "a-1.0-py3-none-any.whl"
url = "https://example.invalid/a-1.0-py3-none-any.whl"
hashes = {{sha256 = "{}"}}

[[packages]]
name = "b"
version = "2.0"
marker = "sys_platform != 'win32'"
dependencies = []
[packages.sdist]
name = "b-2.0.tar.gz"
url = "https://example.invalid/b-2.0.tar.gz"
hashes = {{sha256 = "{}"}}
""".format("a" * 64, "b" * 64)


def test_pylock_dependencies_give_the_graph(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    lock.write_text(PYLOCK_WITH_DEPS)
    inventory = read_pylock(lock, LINUX)
    assert dict(inventory.graph.edges) == {"a": ("b",)}
    assert inventory.graph.roots == ("a",)
    b = next(c for c in inventory.components if c.key == "b")
    assert b.filename == "b-2.0.tar.gz"
    assert b.hashes[0].value == "b" * 64
    assert {c.key for c in read_pylock(lock, WINDOWS).components} == {"a"}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pylock.toml", "lock-version = [", "not valid TOML"),
        (
            "pylock.toml",
            'lock-version = "2.0"\ncreated-by = "x"\npackages = []\n',
            "lock-version '2.0'",
        ),
        ("pylock.toml", 'lock-version = "1.0"\npackages = []\n', "not a valid pylock file"),
        ("uv.lock", "version = 2\n", "lock version 2"),
        ("uv.lock", "version = 1\npackage = 3\n", "not a valid uv lock file"),
        ("uv.lock", 'version = 1\n[[package]]\nname = "x"\n', "no project package"),
        ("requirements.txt", "requests>=2\n", "not pinned"),
        ("requirements.txt", "requests==2 --hash=sha256:zz\n", "bad hash"),
        ("requirements.txt", "requests=2\n", "not a valid requirement"),
        (
            "requirements.txt",
            f"https://example.invalid/pkg-1.0.tar.gz --hash=sha256:{'1' * 64}\n",
            "names no package",
        ),
        ("requirements.txt", "pkg @ https://example.invalid/pkg-1.0.tar.gz\n", "has no --hash"),
        (
            "requirements.txt",
            "-e git+https://example.invalid/repo.git#egg=pkg\n",
            "editable requirement",
        ),
        ("requirements.txt", "-e ./libs/other\n", "editable requirement"),
        ("requirements.txt", "./vendor/pkg-1.0-py3-none-any.whl\n", "local path"),
    ],
)
def test_bad_lock_files_are_one_clear_error(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    reader = {
        "pylock.toml": read_pylock,
        "uv.lock": read_uv_lock,
        "requirements.txt": read_requirements,
    }[name]
    with pytest.raises(InputError, match=message) as info:
        reader(path, LINUX)
    assert "\n" not in info.value.message.split(": ", 1)[0]


def test_missing_lock_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_uv_lock(tmp_path / "uv.lock")
    with pytest.raises(InputError, match="does not exist"):
        read_requirements(tmp_path / "requirements.txt")


class FakeMetadata:
    """A MetadataProvider (our plug point) answering from a table instead of the index."""

    def __init__(self, table: dict[str, PackageMetadata]) -> None:
        self.table = table
        self.asked: list[str] = []

    def fetch(
        self, components: Sequence[Component], target: TargetPlatform, reporter: Reporter
    ) -> Mapping[str, PackageMetadata]:
        self.asked += [c.key for c in components]
        return {c.key: self.table[c.key] for c in components if c.key in self.table}


METADATA = {
    "requests": PackageMetadata(
        "requests", "2.34.2", ("idna", "urllib3; extra == 'socks'"), license_expression="Apache-2.0"
    ),
    "idna": PackageMetadata(
        "idna", "3.20", classifiers=("License :: OSI Approved :: BSD License",)
    ),
}


def test_metadata_provider_fills_licences_and_graph_of_pylock() -> None:
    fake = FakeMetadata(METADATA)
    source = PylockSource(ASSETS / "proj1-pylock.toml", metadata=fake)
    result = source.read(LINUX, NullReporter())
    assert len(fake.asked) == len(LINUX_SET)
    assert dict(result.inventory.graph.edges) == {"requests": ("idna",)}  # no socks extra
    licences = {c.key: c.license_expression for c in result.inventory.components}
    assert (licences["requests"], licences["idna"], licences["rich"]) == (
        "Apache-2.0",
        "BSD-3-Clause",
        None,
    )
    assert not result.warnings


def test_metadata_provider_for_uv_lock_only_adds_licences() -> None:
    fake = FakeMetadata(METADATA)
    plain = UvLockSource(ASSETS / "proj1-uv.lock").read(LINUX, NullReporter())
    with_meta = UvLockSource(ASSETS / "proj1-uv.lock", metadata=fake).read(LINUX, NullReporter())
    assert with_meta.inventory.graph == plain.inventory.graph
    licences = {c.key: c.license_expression for c in with_meta.inventory.components}
    assert licences["requests"] == "Apache-2.0"
    assert all(c.license_expression is None for c in plain.inventory.components)


def test_requirements_includes_direct_references_and_constraints(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text(f"idna==3.20 --hash=sha256:{'1' * 64}\n")
    (tmp_path / "constraints.txt").write_text("urllib3==1.0\n")
    req = tmp_path / "requirements.txt"
    req.write_text(
        "--requirement=base.txt\n-c constraints.txt\n-e .\n"
        "pkg @ https://example.invalid/pkg-2.1-py3-none-any.whl "
        f"--hash=sha256:{'2' * 64}\n"
    )
    inventory = read_requirements(req, LINUX)
    found = {
        c.key: (c.version, c.filename, [d.value for d in c.hashes]) for c in inventory.components
    }
    assert found == {
        "idna": ("3.20", None, ["1" * 64]),
        "pkg": ("2.1", "pkg-2.1-py3-none-any.whl", ["2" * 64]),
    }


def test_unknown_extra_or_group_is_refused() -> None:
    with pytest.raises(UsageError, match="no extra nope"):
        UvLockSource(ASSETS / "proj1-uv.lock", extras=("nope",)).read(LINUX, NullReporter())
    with pytest.raises(UsageError, match="no dependency group lint"):
        UvLockSource(ASSETS / "proj1-uv.lock", groups=("lint",)).read(LINUX, NullReporter())
    with pytest.raises(UsageError, match="no extra or dependency group nope"):
        PylockSource(ASSETS / "proj1-pylock.toml", extras=("nope",)).read(LINUX, NullReporter())


def test_a_resolved_requirement_keeps_only_the_hash_of_the_file_picked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pip names the file it picked: the SBOM claims that file's hash and no other candidate;
    a pick without a hash leaves the component without one (never the other files' hashes)."""
    from chainproof.sbom import requirements as requirements_module
    from chainproof.sbom.requirements import RequirementsSource
    from chainproof.sbom.resolve import ResolvedPackage

    wheel, sdist = "1" * 64, "2" * 64
    req = tmp_path / "requirements.txt"
    req.write_text(
        f"idna==3.7 --hash=sha256:{wheel} --hash=sha256:{sdist}\n"
        f"six==1.16.0 --hash=sha256:{'3' * 64} --hash=sha256:{'4' * 64}\n"
    )

    def picked(name: str, version: str, filename: str, sha256: str | None) -> ResolvedPackage:
        return ResolvedPackage(
            PackageMetadata(name, version),
            filename,
            f"https://example.invalid/{filename}",
            sha256,
            False,
            True,
            (),
        )

    def fake_resolve(*args: object, **kwargs: object) -> list[ResolvedPackage]:
        return [
            picked("idna", "3.7", "idna-3.7-py3-none-any.whl", wheel),
            picked("six", "1.16.0", "six-1.16.0-py2.py3-none-any.whl", None),
        ]

    monkeypatch.setattr(requirements_module, "resolve", fake_resolve)
    result = RequirementsSource(req, resolve=True).read(LINUX, NullReporter())
    found = {c.key: (c.filename, [d.value for d in c.hashes]) for c in result.inventory.components}
    assert found == {
        "idna": ("idna-3.7-py3-none-any.whl", [wheel]),
        "six": ("six-1.16.0-py2.py3-none-any.whl", []),
    }


def test_a_pick_whose_hash_the_file_does_not_list_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chainproof.sbom import requirements as requirements_module
    from chainproof.sbom.requirements import RequirementsSource
    from chainproof.sbom.resolve import ResolvedPackage

    req = tmp_path / "requirements.txt"
    req.write_text(f"idna==3.7 --hash=sha256:{'1' * 64}\n")
    stranger = ResolvedPackage(
        PackageMetadata("idna", "3.7"), "idna-3.7.tar.gz", "https://example.invalid/x", "9" * 64,
        False, True, (),
    )  # fmt: skip
    monkeypatch.setattr(requirements_module, "resolve", lambda *a, **k: [stranger])
    with pytest.raises(InputError, match="none of the hashes"):
        RequirementsSource(req, resolve=True).read(LINUX, NullReporter())


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "pylock.toml",
            'lock-version = "1.0"\ncreated-by = "x"\n'
            '[[packages]]\nname = "a"\nmarker = "bad marker("\n',
        ),
        (
            "uv.lock",
            'version = 1\n[[package]]\nname = "d"\nversion = "1"\nsource = { editable = "." }\n'
            'dependencies = [{ name = "x", marker = "((" }]\n'
            '[[package]]\nname = "x"\nversion = "1"\n',
        ),
        ("requirements.txt", f"a==1 --hash=sha256:{'a' * 64} ; bad marker (\n"),
        ("requirements.txt", "a[==1\n"),
        ("requirements.txt", "-r\n"),
    ],
)  # fmt: skip
def test_bad_markers_and_requirements_are_one_line(tmp_path: Path, name: str, text: str) -> None:
    """packaging's parser errors draw a caret under the text on extra lines: only the first
    line is kept, so the error stays one sentence."""
    path = tmp_path / name
    path.write_text(text)
    reader = {
        "pylock.toml": read_pylock,
        "uv.lock": read_uv_lock,
        "requirements.txt": read_requirements,
    }[name]
    with pytest.raises(InputError) as info:
        reader(path, LINUX)
    assert "\n" not in info.value.message
