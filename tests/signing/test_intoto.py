"""in-toto through chainproof.signing: `chainproof step` links (DSSE, --git-materials), the
build link API (source_materials, write_build_link), the starter layout and its functionaries,
`layout sign`, and verify_layout's inputs. The full pipeline is in tests/verify/test_layout.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from chainproof.errors import InputError, UsageError
from chainproof.formats.intoto_layout import functionary_keys, starter_layout
from chainproof.formats.keys import load_signer
from chainproof.signing.links import source_materials, write_build_link
from chainproof.verify.layout_check import verify_layout
from tests.build.helpers import commit_all, git, make_project

PY = sys.executable
# in-toto matches paths with pathspec's deprecated gitwildmatch patterns.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pathspec")


def _ok(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _payload(link: Path) -> dict[str, Any]:
    envelope = json.loads(link.read_text())
    assert envelope["payloadType"] == "application/vnd.in-toto+json"
    payload: dict[str, Any] = json.loads(base64.b64decode(envelope["payload"]))
    return payload


@pytest.fixture
def keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CHAINPROOF_KEY_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)
    for name in ("owner", "tester", "builder"):
        _ok("keygen", "-o", name)
    return tmp_path


def test_step_link_is_dsse_with_git_materials(keys: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = make_project(keys / "p")
    (project / "sub").mkdir()
    (project / "sub" / "m.py").write_text("x = 1\n")
    commit_all(project)
    (project / "untracked.txt").write_text("not in git\n")
    monkeypatch.chdir(project / "sub")  # only what git tracks under the working directory
    out = _ok(
        "step", "test", "--git-materials", "--materials", "../pyproject.toml",
        "--key", "../../tester.key", "--links", "../../links", "--", PY, "-c", "pass",
    )  # fmt: skip
    (link,) = (keys / "links").glob("test.*.link")
    assert f"Recorded step test: ../../links/{link.name}" in out
    payload = _payload(link)
    assert payload["_type"] == "link"
    assert sorted(payload["materials"]) == ["../pyproject.toml", "m.py"]
    assert payload["command"] == [PY, "-c", "pass"]
    assert payload["byproducts"]["return-value"] == 0


def test_build_link_api_records_what_step_records(
    keys: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """source_materials is git ls-files; a step with --git-materials in the same tree records
    exactly the same materials; products are named by file name alone."""
    project = make_project(keys / "p")
    materials = source_materials(project)
    assert sorted(materials) == sorted(git(project, "ls-files").split())
    assert all(set(d) == {"sha256"} for d in materials.values())
    dist = keys / "dist"
    dist.mkdir()
    (dist / "demo-1.0.tar.gz").write_bytes(b"sdist")
    signer = load_signer(keys / "builder.key", None)
    path = write_build_link(
        materials, [dist / "demo-1.0.tar.gz"], signer, keys / "links", ["chainproof", "build"]
    )
    assert path.name == f"build.{signer.public_key.keyid[:8]}.link"
    build = _payload(path)
    sdist_sha = hashlib.sha256(b"sdist").hexdigest()
    assert build["products"] == {"demo-1.0.tar.gz": {"sha256": sdist_sha}}
    assert build["command"] == ["chainproof", "build"]
    monkeypatch.chdir(project)
    _ok("step", "test", "--git-materials", "--key", "../tester.key", "--links", "../links",
        "--", PY, "-c", "pass")  # fmt: skip
    (test,) = (keys / "links").glob("test.*.link")
    assert _payload(test)["materials"] == build["materials"]


def test_build_link_refuses_duplicate_or_missing_artifacts(keys: Path) -> None:
    signer = load_signer(keys / "builder.key", None)
    for sub in ("a", "b"):
        (keys / sub).mkdir()
        (keys / sub / "x.whl").write_bytes(sub.encode())
    with pytest.raises(InputError, match=r"Two artifacts are named x\.whl"):
        write_build_link({}, [keys / "a/x.whl", keys / "b/x.whl"], signer, keys, ["c"])
    with pytest.raises(InputError, match="does not exist"):
        write_build_link({}, [keys / "absent.whl"], signer, keys, ["c"])
    assert not list(keys.glob("*.link"))


def test_source_materials_outside_git(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="Cannot list the git-tracked files"):
        source_materials(tmp_path)


def test_starter_layout(keys: Path) -> None:
    layout = starter_layout(
        functionary_keys(["test=tester.pub", "build=builder.pub"]), 30, source_dir="src"
    )["signed"]
    steps = {s["name"]: s for s in layout["steps"]}
    assert list(steps) == ["test", "build"]
    assert steps["build"]["expected_materials"] == [
        ["MATCH", "*", "WITH", "MATERIALS", "FROM", "test"],
        ["DISALLOW", "*"],
    ]
    assert steps["build"]["expected_products"] == [
        ["CREATE", "*.whl"],
        ["CREATE", "*.tar.gz"],
        ["DISALLOW", "*"],
    ]
    (inspection,) = layout["inspect"]
    assert inspection["name"] == "unpack-wheel"
    assert inspection["run"][0] == "python"
    assert inspection["expected_products"] == [
        ["MATCH", "*", "IN", "unpacked", "WITH", "MATERIALS", "IN", "src", "FROM", "test"],
        ["ALLOW", "unpacked/*.dist-info/*"],
        ["DISALLOW", "unpacked/*"],
        ["ALLOW", "*"],
    ]
    assert len(steps["test"]["pubkeys"]) == len(steps["build"]["pubkeys"]) == 1
    assert steps["test"]["pubkeys"] != steps["build"]["pubkeys"]
    assert set(layout["keys"]) == {*steps["test"]["pubkeys"], *steps["build"]["pubkeys"]}


def test_functionary_for_every_step(keys: Path) -> None:
    assert functionary_keys(["builder.pub"]) == {
        "test": [Path("builder.pub")],
        "build": [Path("builder.pub")],
    }
    with pytest.raises(UsageError, match=r"Unknown step 'deploy'.*steps are test, build"):
        functionary_keys(["deploy=builder.pub"])
    Path("odd=name.pub").write_bytes(Path("builder.pub").read_bytes())
    assert functionary_keys(["odd=name.pub"])["test"] == [Path("odd=name.pub")]


def test_layout_init_cli(keys: Path) -> None:
    (keys / "src").mkdir()
    out = _ok("layout", "init", "--functionary", "test=tester.pub")
    assert "Wrote root.layout: steps test, build; inspection unpack-wheel" in out
    assert "(no functionary key for build: add --functionary)" in out
    layout = json.loads((keys / "root.layout").read_text())["signed"]
    assert "IN src FROM test" in " ".join(layout["inspect"][0]["expected_products"][0])
    _ok("layout", "init", "--force", "--source-dir", "", "--functionary", "builder.pub")
    layout = json.loads((keys / "root.layout").read_text())["signed"]
    assert layout["inspect"][0]["expected_products"][0][-3:] == ["MATERIALS", "FROM", "test"]
    for args, words in (
        (["--functionary", "deploy=x.pub"], "Unknown step 'deploy'"),
        (["--functionary", "absent.pub"], "absent.pub does not exist"),
        (["--source-dir", "../up"], "must be a plain relative path"),
    ):
        result = CliRunner().invoke(app, ["layout", "init", "--force", "-o", "new.layout", *args])
        assert result.exit_code == 2, result.output
        assert words in result.output
        assert not (keys / "new.layout").exists()


def test_step_failures_write_no_link(keys: Path) -> None:
    runner = CliRunner()
    cases = [
        (["--", PY, "-c", "raise SystemExit(3)"], "exited with 3; no link was written"),
        (["--", "no-such-command-xyz"], "command not found"),
        ([], "Give the step's command after --"),
        (["--materials", "absent", "--", PY, "-c", "pass"], "The material absent does not"),
        (["--git-materials", "--", PY, "-c", "pass"], "Cannot list the git-tracked files"),
    ]
    for args, message in cases:
        result = runner.invoke(
            app, ["step", "build", "--key", "builder.key", "--links", "links", *args]
        )
        assert result.exit_code == 2, result.output
        assert message in result.output
    result = runner.invoke(app, ["step", "test", "--key", "absent.key", "--", PY, "-c", "pass"])
    assert (result.exit_code, "absent.key does not exist" in result.output) == (2, True)
    assert not list(keys.rglob("*.link"))


def test_layout_bad_inputs(keys: Path) -> None:
    _ok("layout", "init")
    result = CliRunner().invoke(app, ["layout", "init"])
    assert (result.exit_code, "already exists" in result.output) == (2, True)
    Path("x.json").write_text("{}")
    result = CliRunner().invoke(app, ["layout", "sign", "x.json", "--key", "owner.key"])
    assert (result.exit_code, "is not an in-toto layout" in result.output) == (2, True)
    result = CliRunner().invoke(app, ["layout", "sign", "root.layout", "--key", "absent.key"])
    assert (result.exit_code, "absent.key does not exist" in result.output) == (2, True)
    (keys / "links").mkdir()
    with pytest.raises(InputError, match="does not exist"):
        verify_layout(keys / "none.layout", [keys / "owner.pub"], keys / "links")
    with pytest.raises(InputError, match="is not signed"):
        verify_layout(keys / "root.layout", [keys / "owner.pub"], keys / "links")


@pytest.mark.parametrize("days", ["0", "-1", "10000000"])
def test_layout_expiry_out_of_range(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, days: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["layout", "init", "--expires-days", days])
    assert result.exit_code == 2, result.output
    assert "--expires-days must be" in result.output
    assert not (tmp_path / "root.layout").exists()


@pytest.mark.parametrize(
    ("payload", "words"),
    [(b'{"_type": "link"}', "holds an in-toto link, not a layout"), (b"[]", "not an in-toto")],
)
def test_dsse_envelope_as_layout_is_bad_input(keys: Path, payload: bytes, words: str) -> None:
    """A DSSE envelope in-toto can load, holding no layout: exit 2, never a failed check."""
    from securesystemslib.dsse import Envelope

    envelope = Envelope(payload, "application/vnd.in-toto+json", {})
    (keys / "envelope.layout").write_text(json.dumps(envelope.to_dict()))
    with pytest.raises(InputError, match=words):
        verify_layout(keys / "envelope.layout", [keys / "owner.pub"], keys)
