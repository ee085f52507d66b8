"""verify-env on a real virtual environment installed (offline, with uv) from local wheels."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from chainproof.verify.env_drift import verify_environment_against_sbom

UV = Path(sys.executable).with_name("uv")


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def make_wheel(directory: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    """A minimal, valid pure-Python wheel with one module."""
    module = name.replace("-", "_")
    dist_info = f"{module}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": f"VERSION = {version!r}\n".encode(),
        f"{dist_info}/METADATA": (
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
            + "".join(f"Requires-Dist: {r}\n" for r in requires)
        ).encode(),
        f"{dist_info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
        b"Tag: py3-none-any\n",
    }
    record = "".join(f"{p},{_record_hash(d)},{len(d)}\n" for p, d in files.items())
    record += f"{dist_info}/RECORD,,\n"
    path = directory / f"{module}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for member, data in {**files, f"{dist_info}/RECORD": record.encode()}.items():
            archive.writestr(member, data)
    return path


def write_sbom(path: Path, wheels: dict[str, tuple[str, Path]]) -> Path:
    """A CycloneDX 1.6 SBOM of the given (name -> (version, wheel)) runtime components."""
    components = [
        {
            "type": "library",
            "bom-ref": f"pkg:pypi/{name}@{version}",
            "name": name,
            "version": version,
            "purl": f"pkg:pypi/{name}@{version}",
            "hashes": [
                {"alg": "SHA-256", "content": hashlib.sha256(wheel.read_bytes()).hexdigest()}
            ],
        }
        for name, (version, wheel) in sorted(wheels.items())
    ]
    components.append(
        {
            "type": "library",
            "bom-ref": "pkg:pypi/hatchling@1.25.0",
            "name": "hatchling",
            "version": "1.25.0",
            "scope": "excluded",
            "purl": "pkg:pypi/hatchling@1.25.0",
        }
    )
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": {
            "component": {"type": "application", "bom-ref": "app", "name": "app", "version": "1.0"}
        },
        "components": components,
        "dependencies": [{"ref": "app", "dependsOn": [c["bom-ref"] for c in components[:-1]]}],
    }
    path.write_text(json.dumps(sbom), encoding="utf-8")
    return path


@pytest.fixture
def environment(tmp_path: Path) -> tuple[Path, Path, Path]:
    """(python of a fresh venv, wheel dir, SBOM) with alpha 1.0 and beta 2.0 installed."""
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    alpha = make_wheel(wheels, "alpha", "1.0", ("beta",))
    beta = make_wheel(wheels, "beta", "2.0")
    make_wheel(wheels, "beta", "3.0")
    make_wheel(wheels, "gamma", "0.1")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install(python, wheels, "alpha==1.0", "beta==2.0")
    sbom = write_sbom(tmp_path / "sbom.cdx.json", {"alpha": ("1.0", alpha), "beta": ("2.0", beta)})
    return python, wheels, sbom


def install(python: Path, wheels: Path, *requirements: str) -> None:
    subprocess.run(
        [
            str(UV),
            "pip",
            "install",
            "--quiet",
            "--offline",
            "--no-index",
            "--find-links",
            str(wheels),
            "--python",
            str(python),
            *requirements,
        ],
        check=True,
        capture_output=True,
    )


def kinds(report: object) -> set[tuple[str, str]]:
    return {(d.kind, d.name) for d in report.drift}  # type: ignore[attr-defined]


def test_matching_environment_passes(environment: tuple[Path, Path, Path]) -> None:
    python, _, sbom = environment
    report = verify_environment_against_sbom(sbom, str(python))
    assert report.passed, report.drift
    assert report.installed == 2
    assert report.expected == 2  # the build-only component is not expected
    assert report.files_checked >= 6


def test_added_package_is_listed(environment: tuple[Path, Path, Path]) -> None:
    python, wheels, sbom = environment
    install(python, wheels, "gamma==0.1")
    report = verify_environment_against_sbom(sbom, str(python))
    assert kinds(report) == {("added", "gamma")}
    assert verify_environment_against_sbom(sbom, str(python), frozenset({"Gamma"})).passed


def _with_subject(sbom: Path, name: str, version: str) -> None:
    data = json.loads(sbom.read_text(encoding="utf-8"))
    data["metadata"]["component"].update(
        name=name, version=version, purl=f"pkg:pypi/{name}@{version}"
    )
    sbom.write_text(json.dumps(data), encoding="utf-8")


def test_the_release_the_sbom_describes_is_expected(environment: tuple[Path, Path, Path]) -> None:
    """A deploy installs the release itself (the SBOM's metadata.component) with its
    dependencies: it is not "added", but it must be at the SBOM's version."""
    python, wheels, sbom = environment
    install(python, wheels, "gamma==0.1")
    _with_subject(sbom, "Gamma", "0.1")
    assert verify_environment_against_sbom(sbom, str(python)).passed
    _with_subject(sbom, "gamma", "0.2")
    assert kinds(verify_environment_against_sbom(sbom, str(python))) == {("version", "gamma")}


def test_changed_version_is_listed(environment: tuple[Path, Path, Path]) -> None:
    python, wheels, sbom = environment
    install(python, wheels, "beta==3.0")
    report = verify_environment_against_sbom(sbom, str(python))
    assert kinds(report) == {("version", "beta")}
    assert "beta is 3.0, the SBOM says 2.0" in str(report.drift[0])


def test_modified_file_is_listed(environment: tuple[Path, Path, Path]) -> None:
    python, _, sbom = environment
    site = next((python.parent.parent / "lib").glob("python3*/site-packages"))
    (site / "alpha" / "__init__.py").write_text("VERSION = 'evil'\n")
    report = verify_environment_against_sbom(sbom, str(python))
    assert kinds(report) == {("modified", "alpha")}
    assert report.drift[0].path == "alpha/__init__.py"


def test_missing_package_and_deleted_file_are_listed(
    environment: tuple[Path, Path, Path],
) -> None:
    python, _, sbom = environment
    site = next((python.parent.parent / "lib").glob("python3*/site-packages"))
    (site / "beta" / "__init__.py").unlink()
    subprocess.run(
        [str(UV), "pip", "uninstall", "--quiet", "--python", str(python), "alpha"],
        check=True,
        capture_output=True,
    )
    report = verify_environment_against_sbom(sbom, str(python))
    assert kinds(report) == {("missing", "alpha"), ("file-missing", "beta")}


def test_names_compare_normalised_versions_by_pep_440(
    environment: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """`ALPHA` in the SBOM is the installed `alpha`, and 2.0.0 is 2.0 (PEP 440); a local
    version (2.0+evil) is another version, and a look-alike name is another package."""
    python, wheels, _ = environment
    alpha, beta = (next(wheels.glob(f"{n}-*.whl")) for n in ("alpha", "beta-2.0"))
    sbom = write_sbom(
        tmp_path / "names.cdx.json", {"ALPHA": ("1.0", alpha), "Beta": ("2.0.0", beta)}
    )
    assert verify_environment_against_sbom(sbom, str(python)).passed
    make_wheel(wheels, "beta", "2.0+evil")
    make_wheel(wheels, "alpha-x", "1.0")
    install(python, wheels, "beta==2.0+evil", "alpha-x==1.0")
    report = verify_environment_against_sbom(sbom, str(python))
    assert kinds(report) == {("version", "beta"), ("added", "alpha-x")}


def test_unrecorded_startup_hooks_are_listed(environment: tuple[Path, Path, Path]) -> None:
    """A .pth file or sitecustomize.py runs in every interpreter: one that no RECORD lists is
    drift; virtualenv's and uv's own _virtualenv.pth is not."""
    python, _, sbom = environment
    site = next((python.parent.parent / "lib").glob("python3*/site-packages"))
    (site / "_virtualenv.py").write_text("")
    (site / "_virtualenv.pth").write_text("import _virtualenv\n")
    assert verify_environment_against_sbom(sbom, str(python)).passed
    (site / "zz-evil.pth").write_text("import os\n")
    (site / "sitecustomize.py").write_text("import os\n")
    report = verify_environment_against_sbom(sbom, str(python))
    assert kinds(report) == {("unrecorded", "zz-evil.pth"), ("unrecorded", "sitecustomize.py")}
    assert "runs at interpreter start-up and no RECORD lists it" in str(report.drift[0])
    (site / "_virtualenv.pth").write_text("import _virtualenv; import os\n")
    assert ("unrecorded", "_virtualenv.pth") in kinds(
        verify_environment_against_sbom(sbom, str(python))
    )
