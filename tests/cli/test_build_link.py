"""`chainproof build --link --key [--links]`: the build step's in-toto link (offline builds)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from chainproof.cli.app import app
from tests.build.helpers import git, make_project

# in-toto matches paths with pathspec's deprecated gitwildmatch patterns.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pathspec")


@pytest.fixture(autouse=True)
def _keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SOURCE_DATE_EPOCH", "CHAINPROOF_INSTALLER", "CHAINPROOF_KEY_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["keygen", "-o", "builder"]).exit_code == 0


def build(*args: str) -> Result:
    result = CliRunner().invoke(app, ["build", "p", "-o", "out", *args])
    assert "Traceback" not in result.output
    return result


def payload(link: Path) -> dict[str, Any]:
    envelope = json.loads(link.read_text())
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    data: dict[str, Any] = json.loads(base64.b64decode(envelope["payload"]))
    return data


def test_link_in_the_output_directory(tmp_path: Path) -> None:
    project = make_project(tmp_path / "p")
    result = build("--link", "--key", "builder.key", "--json")
    assert result.exit_code == 0, result.output
    (link,) = (tmp_path / "out").glob("build.*.link")
    assert json.loads(result.stdout)["link"] == str(link.relative_to(tmp_path))
    data = payload(link)
    assert data["name"] == "build"
    assert sorted(data["materials"]) == sorted(git(project, "ls-files").split())
    wheel = tmp_path / "out" / "demo-1.0-py3-none-any.whl"
    assert data["products"] == {
        "demo-1.0-py3-none-any.whl": {"sha256": hashlib.sha256(wheel.read_bytes()).hexdigest()},
        "demo-1.0.tar.gz": data["products"]["demo-1.0.tar.gz"],
    }
    assert data["command"] == [
        "chainproof", "build", "p", "-o", "out", "--link", "--key", "builder.key",
        "--links", "out",
    ]  # fmt: skip
    assert data["byproducts"] == {}


def test_links_directory_and_text_output(tmp_path: Path) -> None:
    make_project(tmp_path / "p")
    result = build("--link", "--key", "builder.key", "--links", "links")
    assert result.exit_code == 0, result.output
    (link,) = (tmp_path / "links").glob("build.*.link")
    assert f"{Path('links') / link.name}  (in-toto link of the build step)" in result.output
    assert not list((tmp_path / "out").glob("*.link"))


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--link",), "--link and --key go together"),
        (("--key", "builder.key"), "--link and --key go together"),
        (("--links", "links"), "--links belongs to --link"),
        (("--link", "--key", "absent.key"), "absent.key does not exist"),
        (("--link", "--key", "builder.pub"), "Cannot load the private key builder.pub"),
    ],
)
def test_bad_link_usage_exits_2_before_building(
    tmp_path: Path, args: tuple[str, ...], words: str
) -> None:
    make_project(tmp_path / "p")
    result = build(*args)
    assert result.exit_code == 2, result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("Error: ")]
    assert words in line
    assert not (tmp_path / "out").exists(), "nothing built"


def test_failed_build_writes_no_link(tmp_path: Path) -> None:
    make_project(tmp_path / "p", markers={"FAIL": "1"})
    result = build("--link", "--key", "builder.key", "--links", "links")
    assert result.exit_code == 2, result.output
    assert not list(tmp_path.rglob("*.link"))


def test_unreproducible_build_writes_no_link(tmp_path: Path) -> None:
    make_project(tmp_path / "p", markers={"RANDOM": "1"})
    result = build("--check-reproducible", "--link", "--key", "builder.key")
    assert result.exit_code == 1, result.output
    assert not list(tmp_path.rglob("*.link"))
