"""A two-functionary in-toto pipeline, built for real and offline, for layout tests.

``make_pipeline(base)`` leaves in ``base``: keys owner/tester/builder/intruder (.key, .pub), a
git project ``project`` (the offline demo project of tests/build, with its module demo.py),
``links`` holding ``test.*.link`` (``chainproof step test --git-materials``, tester key) and
``build.*.link`` (``chainproof build --link``, builder key), the release directory
``release`` and the signed starter layout ``root.layout``.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from typer.testing import CliRunner, Result

from chainproof.cli.app import app
from tests.build.helpers import commit_all, make_project

__all__ = [
    "MODULE",
    "WHEEL",
    "cli",
    "make_pipeline",
    "pipeline_env",
    "record_build",
    "record_test_step",
]

WHEEL = "demo-1.0-py3-none-any.whl"
MODULE = "VALUE = 1\n"  # what the demo backend puts into the wheel's demo.py


def cli(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def ok(*args: str) -> str:
    result = cli(*args)
    assert result.exit_code == 0, result.output
    return result.output


@contextlib.contextmanager
def pipeline_env(cwd: Path) -> Iterator[None]:
    """cwd, no outer key password or build settings, and this Python first on PATH (the
    layout's inspection runs ``python``)."""
    saved = {k: os.environ.get(k) for k in ("CHAINPROOF_KEY_PASSWORD", "SOURCE_DATE_EPOCH")}
    saved |= {k: os.environ.get(k) for k in ("CHAINPROOF_INSTALLER", "PATH")}
    old = Path.cwd()
    for name in ("CHAINPROOF_KEY_PASSWORD", "SOURCE_DATE_EPOCH", "CHAINPROOF_INSTALLER"):
        os.environ.pop(name, None)
    os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), saved["PATH"] or ""])
    os.chdir(cwd)
    try:
        yield
    finally:
        os.chdir(old)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def record_test_step(base: Path, key: str = "tester") -> str:
    """``chainproof step test --git-materials`` in the project; returns its output."""
    os.chdir(base / "project")
    try:
        return ok(
            "step", "test", "--git-materials", "--key", f"../{key}.key", "--links", "../links",
            "--", sys.executable, "-c", "pass",
        )  # fmt: skip
    finally:
        os.chdir(base)


def record_build(base: Path, key: str = "builder", output: str = "release") -> str:
    """``chainproof build project -o OUTPUT --link --key KEY.key --links links``."""
    return ok("build", "project", "-o", output, "--link", "--key", f"{key}.key", "--links", "links")


def make_pipeline(base: Path) -> Path:
    base.mkdir(parents=True, exist_ok=True)
    with pipeline_env(base):
        for name in ("owner", "tester", "builder", "intruder"):
            ok("keygen", "-o", name)
        project = make_project(base / "project")
        (project / "demo.py").write_text(MODULE, encoding="utf-8")
        commit_all(project)
        record_test_step(base)
        record_build(base)
        ok(
            "layout", "init", "--functionary", "test=tester.pub",
            "--functionary", "build=builder.pub",
        )  # fmt: skip
        ok("layout", "sign", "root.layout", "--key", "owner.key")
    return base
