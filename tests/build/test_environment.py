from __future__ import annotations

import subprocess
import sys
from collections.abc import Collection, Sequence
from pathlib import Path

import pytest

from chainproof.build.installers import (
    Installer,
    PinnedFile,
    PipInstaller,
    UvInstaller,
    choose_installer,
)
from chainproof.build.isolated_env import IsolatedEnvironment
from chainproof.build.lock import LockedPin
from chainproof.errors import InfrastructureError, InputError
from chainproof.fileio import sha256_file
from tests.build.helpers import make_wheel

INSTALLERS = ["uv", "pip"]


@pytest.mark.parametrize("name", INSTALLERS)
def test_installs_exactly_the_pinned_files(local_index: Path, tmp_path: Path, name: str) -> None:
    installer = choose_installer(name, tmp_path)
    assert installer.name == name
    with IsolatedEnvironment(installer, tmp_path) as env:
        env.install({"cptest-helper"})
        got = {(p.name, p.version, p.filename, p.sha256) for p in env.installed}
        assert got == {
            (
                "cptest-helper",
                "1.0",
                "cptest_helper-1.0-py3-none-any.whl",
                sha256_file(local_index / "cptest_helper-1.0-py3-none-any.whl"),
            ),
            (
                "cptest-dep",
                "2.0",
                "cptest_dep-2.0-py3-none-any.whl",
                sha256_file(local_index / "cptest_dep-2.0-py3-none-any.whl"),
            ),
        }
        env.install({"cptest-extra"})
        assert {p.name for p in env.installed} == {"cptest-helper", "cptest-dep", "cptest-extra"}
        listed = subprocess.run(
            [
                env.python_executable,
                "-c",
                "import importlib.metadata as m, cptest_helper, cptest_extra;"
                "print(sorted(d.metadata['Name'] for d in m.distributions()))",
            ],
            capture_output=True,
            text=True,
            check=True,
            env=env.make_extra_environ(),
        )
        assert listed.stdout.strip() == "['cptest-dep', 'cptest-extra', 'cptest-helper']"
        python = Path(env.python_executable)
    assert not python.exists(), "the environment is removed afterwards"


@pytest.mark.parametrize("name", INSTALLERS)
def test_missing_requirement_is_a_registry_failure(
    local_index: Path, tmp_path: Path, name: str
) -> None:
    installer = choose_installer(name, tmp_path)
    with (
        IsolatedEnvironment(installer, tmp_path) as env,
        pytest.raises(InfrastructureError) as caught,
    ):
        env.install({"cptest-absent"})
    assert caught.value.exit_code == 3
    assert caught.value.hint is not None
    assert "cptest-absent" in caught.value.hint


@pytest.mark.parametrize("name", INSTALLERS)
def test_invalid_requirement_is_bad_input(local_index: Path, tmp_path: Path, name: str) -> None:
    installer = choose_installer(name, tmp_path)
    with IsolatedEnvironment(installer, tmp_path) as env, pytest.raises(InputError, match="valid"):
        env.install({"not a requirement!"})


def test_uv_picks_the_most_specific_wheel(local_index: Path, tmp_path: Path) -> None:
    generic = make_wheel(tmp_path / "w", "cptest-tagged", "1.0")
    tag = f"cp{sys.version_info.major}{sys.version_info.minor}-none-any"
    specific = local_index / generic.name.replace("py3-none-any", tag)
    generic.rename(local_index / generic.name)
    specific.write_bytes((local_index / generic.name).read_bytes())
    installer = choose_installer("uv", tmp_path)
    assert isinstance(installer, UvInstaller)
    with IsolatedEnvironment(installer, tmp_path) as env:
        (pinned,) = installer.resolve({"cptest-tagged"}, env.python_executable)
    assert pinned.filename == specific.name
    assert pinned.url is None, "local files have no published URL"


def test_choose_installer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(choose_installer("pip", tmp_path), PipInstaller)
    assert isinstance(choose_installer("auto", tmp_path), UvInstaller)
    with pytest.raises(InputError, match="Unknown installer"):
        choose_installer("conda", tmp_path)
    monkeypatch.setitem(sys.modules, "uv", None)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("UV", raising=False)
    assert isinstance(choose_installer("auto", tmp_path), PipInstaller)
    with pytest.raises(InfrastructureError, match="no uv binary"):
        choose_installer("uv", tmp_path)


class _LyingInstaller:
    """Says it installed a file but installs nothing: the environment must notice."""

    name = "liar"

    def version(self) -> str:
        return "0"

    def resolve(self, requirements: Collection[str], python: str) -> tuple[PinnedFile, ...]:
        return (
            PinnedFile(
                "cptest-helper", "1.0", "cptest_helper-1.0-py3-none-any.whl", "0" * 64, "/nowhere"
            ),
        )

    def install(self, files: Sequence[PinnedFile], python: str) -> None:
        pass

    def fetch(self, pins: Sequence[LockedPin], python: str) -> tuple[PinnedFile, ...]:
        return self.resolve([p.name for p in pins], python)


def test_environment_fails_closed_when_the_installer_lies(tmp_path: Path) -> None:
    installer: Installer = _LyingInstaller()
    lie = pytest.raises(InfrastructureError, match=r"missing: cptest-helper 1\.0")
    with IsolatedEnvironment(installer, tmp_path) as env, lie:
        env.install({"cptest-helper"})


@pytest.mark.parametrize("name", INSTALLERS)
def test_a_file_changed_after_resolution_is_refused(
    local_index: Path, tmp_path: Path, name: str
) -> None:
    installer = choose_installer(name, tmp_path)
    with IsolatedEnvironment(installer, tmp_path) as env:
        pinned = installer.resolve({"cptest-dep"}, env.python_executable)
        (only,) = pinned
        tampered = Path(only.location.removeprefix("file://"))
        make_wheel(tmp_path / "evil", "cptest-dep", "2.0", requires=("cptest-extra",))
        tampered.write_bytes((tmp_path / "evil" / tampered.name).read_bytes())
        with pytest.raises(InfrastructureError, match="Installing the build environment failed"):
            installer.install(pinned, env.python_executable)
