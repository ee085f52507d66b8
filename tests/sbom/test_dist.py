"""--dist: the release, its runtime closure resolved by pip for the target, the build env."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from chainproof.errors import InputError, UsageError, VerificationFailed
from chainproof.fileio import sha256_file
from chainproof.models import EnvironmentPackage, SourceResult
from chainproof.progress import NullReporter
from chainproof.sbom.dist import DistSource
from chainproof.sbom.metadata import read_wheel, resolve_license
from chainproof.sbom.target import TargetPlatform
from tests.sbom.helpers import build_wheel, make_dist, make_project

BUILD_ENV = (
    EnvironmentPackage(
        "hatchling",
        "1.27.0",
        "hatchling-1.27.0-py3-none-any.whl",
        "1" * 64,
        "https://example.invalid/hatchling-1.27.0-py3-none-any.whl",
    ),
)


def read(
    dist: Path, wheelhouse: Path, target: TargetPlatform | None = None, extras: tuple[str, ...] = ()
) -> SourceResult:
    source = DistSource(dist, extras, ("--no-index", "--find-links", str(wheelhouse)))
    return source.read(target or TargetPlatform.current(), NullReporter())


@pytest.fixture
def dist(tmp_path: Path, app_wheel: Path) -> Path:
    return make_dist(tmp_path / "dist", app_wheel, "app", "0.1", BUILD_ENV)


def test_closure_hashes_and_files_are_the_resolved_ones(dist: Path, wheelhouse: Path) -> None:
    result = read(dist, wheelhouse)
    runtime = {c.key: c for c in result.inventory.components if not c.build_only}
    assert set(runtime) == {"liba", "libc"}  # libb is Windows-only, libd Python 2 only
    for component in runtime.values():
        assert component.filename is not None
        assert component.url is not None
        wheel = wheelhouse / component.filename
        assert component.hashes[0].value == sha256_file(wheel)
        assert component.url == wheel.resolve().as_uri()
    assert dict(result.inventory.graph.edges) == {"app": ("liba",), "liba": ("libc",)}
    assert runtime["liba"].direct
    assert not runtime["libc"].direct


def test_root_is_the_release_with_artifact_hashes(
    dist: Path, wheelhouse: Path, app_wheel: Path
) -> None:
    result = read(dist, wheelhouse)
    root = result.inventory.root
    assert root is not None
    assert (root.name, root.version) == ("app", "0.1")
    assert root.license_expression == "MIT"
    assert result.artifacts == ((app_wheel.name, sha256_file(app_wheel)),)
    (sbom,) = result.details[root].embedded_sboms
    assert sbom.location == f"{app_wheel.name}#app-0.1.dist-info/sboms/bom.cdx.json"


def test_build_environment_is_build_only(dist: Path, wheelhouse: Path) -> None:
    result = read(dist, wheelhouse)
    (hatchling,) = [c for c in result.inventory.components if c.build_only]
    assert hatchling.key == "hatchling"
    assert hatchling.hashes[0].value == "1" * 64
    assert "hatchling" not in {k for k, _ in result.inventory.graph.edges}


def test_windows_target_adds_windows_dependency(dist: Path, wheelhouse: Path) -> None:
    result = read(dist, wheelhouse, TargetPlatform.for_python("3.12", ["win_amd64"]))
    assert {c.key for c in result.inventory.components if not c.build_only} == {
        "liba",
        "libb",
        "libc",
    }
    assert dict(result.inventory.graph.edges)["app"] == ("liba", "libb")


def test_tampered_artifact_fails(dist: Path, wheelhouse: Path, app_wheel: Path) -> None:
    (dist / app_wheel.name).write_bytes(b"PK\x03\x04 changed")
    with pytest.raises(VerificationFailed, match=r"does not match build-record\.json"):
        read(dist, wheelhouse)


def test_wheel_that_is_not_a_zip(tmp_path: Path) -> None:
    bad = tmp_path / "x-1.0-py3-none-any.whl"
    bad.write_bytes(b"this is not a zip")
    with pytest.raises(InputError, match="not a zip archive"):
        read_wheel(bad)


def _wheel_with_metadata(tmp_path: Path, metadata: bytes) -> Path:
    wheel = tmp_path / "x-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("x-1.0.dist-info/METADATA", metadata)
    return wheel


def test_wheel_metadata_is_utf8(tmp_path: Path) -> None:
    """A licence text beyond ASCII (email.parser alone gave a Header object, not text)."""
    metadata = "Metadata-Version: 2.1\nName: x\nVersion: 1.0\nLicense: © ACME\n\nÉté\n"
    meta = read_wheel(_wheel_with_metadata(tmp_path, metadata.encode())).metadata
    assert (meta.name, meta.version, meta.license) == ("x", "1.0", "© ACME")
    assert resolve_license(meta) == (None, ("© ACME",))


def test_wheel_metadata_without_a_version(tmp_path: Path) -> None:
    wheel = _wheel_with_metadata(tmp_path, b"Metadata-Version: 2.1\nName: x\n")
    with pytest.raises(InputError, match="has METADATA without 'version'"):
        read_wheel(wheel)


def test_missing_dir_and_record(tmp_path: Path, wheelhouse: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read(tmp_path / "nope", wheelhouse)
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match=r"no build-record\.json"):
        read(tmp_path / "empty", wheelhouse)
    (tmp_path / "empty" / "build-record.json").write_text(json.dumps({"schema": "x"}))
    with pytest.raises(InputError):
        read(tmp_path / "empty", wheelhouse)


def test_unresolvable_dependency_is_input_error(tmp_path: Path, app_wheel: Path) -> None:
    dist = make_dist(tmp_path / "dist", app_wheel, "app", "0.1")
    empty = tmp_path / "empty-wheelhouse"
    empty.mkdir()
    with pytest.raises(InputError, match="pip could not finish"):
        read(dist, empty)


def test_requirements_resolved_with_the_files_own_index_options(
    tmp_path: Path, wheelhouse: Path
) -> None:
    from chainproof.sbom.requirements import RequirementsSource

    local = tmp_path / "wheels"
    local.mkdir()
    lines = ["--no-index", "--find-links wheels"]
    for name in ("liba-1.2", "libc-3.0"):
        wheel = next(wheelhouse.glob(f"{name}-*.whl"))
        (local / wheel.name).write_bytes(wheel.read_bytes())
        pin = name.replace("-", "==")
        lines.append(f"{pin} --hash=sha256:{'0' * 64} --hash=sha256:{sha256_file(wheel)}")
    req = tmp_path / "requirements.txt"
    req.write_text("\n".join(lines) + "\n")
    result = RequirementsSource(req, resolve=True).read(TargetPlatform.current(), NullReporter())
    for component in result.inventory.components:
        assert component.filename is not None
        assert component.url == (local / component.filename).resolve().as_uri()
        assert [d.value for d in component.hashes] == [sha256_file(local / component.filename)]
    licences = {c.key: c.license_expression for c in result.inventory.components}
    assert licences == {"liba": "Apache-2.0 OR MIT", "libc": None}


def test_unknown_extra_is_refused(dist: Path, wheelhouse: Path) -> None:
    with pytest.raises(UsageError, match="has no extra nope"):
        read(dist, wheelhouse, extras=("nope",))


def test_a_package_both_at_runtime_and_in_the_build_environment(tmp_path: Path) -> None:
    """The same wheel (same file, hash and URL) at runtime, with its licence, and in the build
    environment, without one: sorting the inventory once compared None with the licence."""
    from chainproof.formats.cyclonedx.writer import RenderOptions, render

    projects, wheels = tmp_path / "projects", tmp_path / "wheels"
    licence = 'license = "Apache-2.0 OR BSD-2-Clause"'
    packaging = build_wheel(
        make_project(projects, "packaging", "26.3", license_line=licence), wheels
    )
    app = build_wheel(make_project(projects, "app", "0.1", ("packaging==26.3",)), wheels)
    build_env = (
        EnvironmentPackage(
            "packaging",
            "26.3",
            packaging.name,
            sha256_file(packaging),
            packaging.resolve().as_uri(),
        ),
    )
    result = read(make_dist(tmp_path / "dist", app, "app", "0.1", build_env), wheels)
    licences = {c.build_only: c.license_expression for c in result.inventory.components}
    assert licences == {False: "Apache-2.0 OR BSD-2-Clause", True: None}
    doc = json.loads(render(result, RenderOptions(timestamp=0)).text)
    assert sorted(c["bom-ref"] for c in doc["components"]) == [
        "build:pkg:pypi/packaging@26.3",
        "pkg:pypi/packaging@26.3",
    ]
