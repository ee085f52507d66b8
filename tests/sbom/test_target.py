from __future__ import annotations

import pytest
from packaging.markers import Marker

from chainproof.errors import UsageError
from chainproof.sbom.target import TargetPlatform


def test_current_target_matches_running_interpreter() -> None:
    target = TargetPlatform.current()
    assert target.evaluate(Marker("python_version >= '3.11'"))
    assert target.pip_args == ()
    assert target.wheel_rank("x-1-py3-none-any.whl") is not None


def test_windows_target_sets_markers_tags_and_pip_args() -> None:
    target = TargetPlatform.for_python("3.12", ["win_amd64"])
    assert target.environment["sys_platform"] == "win32"
    assert target.environment["platform_machine"] == "AMD64"
    assert target.environment["python_full_version"] == "3.12.0"
    assert target.evaluate(Marker("sys_platform == 'win32' and python_version == '3.12'"))
    assert target.wheel_rank("x-1-cp312-cp312-win_amd64.whl") is not None
    assert target.wheel_rank("x-1-cp312-cp312-manylinux_2_17_x86_64.whl") is None
    rank_native = target.wheel_rank("x-1-cp312-cp312-win_amd64.whl")
    rank_pure = target.wheel_rank("x-1-py3-none-any.whl")
    assert rank_native is not None
    assert rank_pure is not None
    assert rank_native < rank_pure
    assert target.pip_args[:2] == ("--python-version", "3.12.0")
    assert "--only-binary" in target.pip_args
    assert "win_amd64" in target.pip_args


def test_extras_are_evaluated() -> None:
    target = TargetPlatform.current()
    marker = Marker("extra == 'fast'")
    assert not target.evaluate(marker)
    assert target.evaluate(marker, ("", "fast"))


@pytest.mark.parametrize(("version", "platforms"), [("three", ()), (None, ("solaris_sparc",))])
def test_bad_target_is_usage_error(version: str | None, platforms: tuple[str, ...]) -> None:
    with pytest.raises(UsageError):
        TargetPlatform.for_python(version, platforms)
