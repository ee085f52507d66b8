from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest

from chainproof.build.project import BuildOptions, _wheel_metadata, build_project
from chainproof.errors import BuildFailed
from chainproof.fileio import sha256_file
from chainproof.formats import build_record
from chainproof.models import BUILD_RECORD_NAME as RECORD_NAME
from tests.build.helpers import COMMIT_EPOCH, make_project


class _Recorder:
    def __init__(self) -> None:
        self.steps: list[str] = []
        self.logs: list[str] = []

    def step(self, description: str, total: int | None = None) -> None:
        self.steps.append(description)

    def advance(self, amount: int = 1) -> None:
        pass

    def log(self, message: str) -> None:
        self.logs.append(message)


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_record_lists_what_was_really_installed(
    local_index: Path, tmp_path: Path, installer: str
) -> None:
    project = make_project(
        tmp_path / "p",
        requires=("cptest-helper",),
        markers={"EXTRA": "cptest-extra\n"},
        remote="https://ci:token@git.example/demo.git",
    )
    reporter = _Recorder()
    outcome = build_project(BuildOptions(project, tmp_path / "out", installer=installer), reporter)

    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == [
        RECORD_NAME,
        "demo-1.0-py3-none-any.whl",
        "demo-1.0.tar.gz",
    ]
    data = json.loads((out / RECORD_NAME).read_text("utf-8"))
    record = build_record.from_json(data)
    assert record == outcome.record
    assert (record.project_name, record.project_version) == ("demo", "1.0")
    assert record.source.uri == "https://git.example/demo.git"
    assert record.source.dirty is False
    assert record.source_date_epoch == COMMIT_EPOCH
    assert record.tools.installer == installer
    assert record.build_backend == "demo_backend"
    assert record.build_requires == ("cptest-helper",)
    assert record.options["requires_for_build"] == {
        "sdist": ["cptest-extra"],
        "wheel": ["cptest-extra"],
    }
    for artifact in record.artifacts:
        assert artifact.sha256 == sha256_file(out / artifact.name)
        assert artifact.size == (out / artifact.name).stat().st_size
    # The backend wrote what its own environment held into the wheel: it must be the record.
    with zipfile.ZipFile(out / "demo-1.0-py3-none-any.whl") as wheel:
        seen = wheel.read("demo-1.0.dist-info/build-env.txt").decode().split()
        stamp = wheel.getinfo("demo.py").date_time
    assert sorted(seen) == sorted(f"{p.name}=={p.version}" for p in record.build_environment)
    for package in record.build_environment:
        assert package.sha256 == sha256_file(local_index / package.filename)
    assert stamp == time.gmtime(COMMIT_EPOCH)[:6], "SOURCE_DATE_EPOCH reached the backend"
    assert outcome.reproducible is None
    assert reporter.steps
    assert any("installing" in line for line in reporter.logs)


def test_environment_epoch_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
    outcome = build_project(BuildOptions(make_project(tmp_path / "p"), tmp_path / "out"))
    assert outcome.record.source_date_epoch == 1_000_000_000
    with zipfile.ZipFile(tmp_path / "out" / "demo-1.0-py3-none-any.whl") as wheel:
        assert wheel.getinfo("demo.py").date_time == time.gmtime(1_000_000_000)[:6]


def test_reproducible_build_passes(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    outcome = build_project(BuildOptions(project, tmp_path / "out", check_reproducible=True))
    assert outcome.reproducible is True
    assert outcome.differences == ()
    assert outcome.record.options["check_reproducible"] is True
    assert (tmp_path / "out" / RECORD_NAME).is_file()


def test_non_reproducible_build_names_artifact_and_member(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", markers={"RANDOM": "1"})
    outcome = build_project(BuildOptions(project, tmp_path / "out", check_reproducible=True))
    assert outcome.reproducible is False
    (difference,) = outcome.differences
    assert difference.artifact == "demo-1.0-py3-none-any.whl"
    assert difference.member == "demo_noise.bin"
    assert difference.detail == "content differs"
    assert not (tmp_path / "out").exists(), "nothing is written for an unreproducible build"


def test_failing_backend_keeps_its_output_and_writes_nothing(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p", markers={"FAIL": "1"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "older.txt").write_text("kept", "utf-8")
    with pytest.raises(BuildFailed) as caught:
        build_project(BuildOptions(project, out))
    assert "failed to build the wheel" in caught.value.message
    assert "the widget configuration is missing" in caught.value.output
    assert caught.value.exit_code == 2
    assert sorted(p.name for p in out.iterdir()) == ["older.txt"]


def test_allow_dirty_is_recorded(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    (project / "scratch.txt").write_text("local change", "utf-8")
    outcome = build_project(BuildOptions(project, tmp_path / "out", allow_dirty=True))
    assert outcome.record.source.dirty is True
    assert outcome.record.options["allow_dirty"] is True


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ("Metadata-Version: 2.4\nName: demo\nVersion: 1.0\n\nDescription\n", ("demo", "1.0")),
        ("Name: first\nName: second\nVersion: 1\nVersion: 2\n", ("first", "1")),
        ("Name: été\nVersion: 1\n", ("été", "1")),
    ],
)
def test_name_and_version_of_the_built_wheel(
    tmp_path: Path, metadata: str, expected: tuple[str, str]
) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", metadata.encode())
    assert _wheel_metadata(wheel) == expected


def test_built_wheel_metadata_that_is_not_utf8(tmp_path: Path) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", b"Name: d\xe9mo\nVersion: 1\n")
    with pytest.raises(BuildFailed, match="unreadable wheel"):
        _wheel_metadata(wheel)


@pytest.mark.parametrize(
    ("metadata", "missing"),
    [
        ("Metadata-Version: 2.4\nVersion: 1.0\n", "no Name in"),
        ("Metadata-Version: 2.4\nName: demo\n", "no Version in"),
        ("Metadata-Version: 2.4\n", "no Name or Version in"),
    ],
)
def test_a_built_wheel_without_name_or_version_fails_the_build(
    tmp_path: Path, metadata: str, missing: str
) -> None:
    wheel = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("demo-1.0.dist-info/METADATA", metadata.encode())
    with pytest.raises(BuildFailed, match=missing):
        _wheel_metadata(wheel)
