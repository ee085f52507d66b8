"""`chainproof verify --layout --layout-key --links`: the in-toto chain, bound to the artifact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from chainproof.cli.app import app
from tests.signing.steps import step_args

SDIST = "dist/demo-1.0.tar.gz"
# in-toto matches paths with pathspec's deprecated gitwildmatch patterns.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pathspec")


def run(*args: str) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert "Traceback" not in result.output
    return result


def _step(name: str, materials: str, path: str, text: str) -> None:
    result = run(*step_args(name, materials, path, text))
    assert result.exit_code == 0, result.output


@pytest.fixture
def chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A signed starter layout and the links of its build, sbom and sign steps (cwd)."""
    monkeypatch.delenv("CHAINPROOF_KEY_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)
    for args in (
        ("keygen", "-o", "owner"),
        ("keygen", "-o", "dev"),
        ("layout", "init", "-o", "root.layout", "--functionary", "dev.pub"),
        ("layout", "sign", "root.layout", "--key", "owner.key"),
    ):
        assert run(*args).exit_code == 0
    Path("src.py").write_text("print('source')\n")
    _step("build", "src.py", SDIST, "sdist")
    _step("sbom", "dist", "dist/sbom.cdx.json", "{}")
    _step("sign", "dist", "dist/release.json", "{}")
    return tmp_path


def verify(*extra: str) -> Result:
    return run(
        "verify",
        SDIST,
        "--layout",
        "root.layout",
        "--layout-key",
        "owner.pub",
        "--links",
        "links",
        "--json",
        *extra,
    )


def checks(result: Result) -> set[str]:
    return {f["check"] for f in json.loads(result.stdout)["failures"]}


def test_chain_verifies_the_artifact(chain: Path) -> None:
    result = verify()
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["artifacts"][0]["passed_checks"] == ["layout"]
    assert report["trust"] == "in-toto layout:root.layout"


def test_artifact_changed_after_the_chain_fails(chain: Path) -> None:
    (chain / SDIST).write_text("evil")
    result = verify()
    assert result.exit_code == 1
    assert checks(result) == {"layout-subject"}


def test_wrong_layout_key_fails(chain: Path) -> None:
    result = run("verify", SDIST, "--layout", "root.layout", "--layout-key", "dev.pub", "--json")
    assert result.exit_code == 1
    assert checks(result) == {"layout"}


def test_tampered_link_fails(chain: Path) -> None:
    link = next((chain / "links").glob("build.*.link"))
    data = json.loads(link.read_text())
    data["signed"]["products"][SDIST]["sha256"] = "0" * 64
    link.write_text(json.dumps(data))
    result = verify()
    assert result.exit_code == 1
    assert checks(result) == {"layout"}


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--layout", "root.layout"), "needs --layout-key"),
        (("--layout-key", "owner.pub"), "belong to --layout"),
        (
            ("--layout", "root.layout", "--layout-key", "owner.pub", "--require", "provenance"),
            "names no signer",
        ),
        (("--layout", "missing.layout", "--layout-key", "owner.pub"), "does not exist"),
        (
            ("--layout", "root.layout", "--layout-key", "owner.pub", "--links", "src.py"),
            "is a file, not a directory",
        ),
    ],
)
def test_bad_layout_usage_exits_2(chain: Path, args: tuple[str, ...], words: str) -> None:
    result = run("verify", SDIST, *args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr


def test_release_directory_with_a_layout_alone(chain: Path) -> None:
    """Signed statements beside the artifacts name a signer the layout-only policy does not
    have: the layout decides, and the statements are neither trusted nor a crash."""
    for name in ("provenance.sigstore.json", "sbom.intoto.sigstore.json", "provenance.dsse.json"):
        (chain / "dist" / name).write_text("{}")
    (chain / "dist" / "release.json").unlink()  # the fixture's is no manifest: read by name
    args = ["verify", "dist", "--layout", "root.layout", "--layout-key", "owner.pub"]
    result = run(*args, "--links", "links", "--json")
    assert result.exit_code == 0, result.output
    (artifact,) = json.loads(result.stdout)["artifacts"]
    assert (artifact["name"], artifact["passed_checks"]) == ("demo-1.0.tar.gz", ["layout"])
    (chain / SDIST).write_text("evil")
    assert checks(run(*args, "--links", "links", "--json")) == {"layout-subject"}


def test_in_toto_failure_is_one_sentence(chain: Path) -> None:
    (chain / "none").mkdir()
    args = ["--layout", "root.layout", "--layout-key", "owner.pub", "--links", "none"]
    result = run("verify", SDIST, *args)
    assert result.exit_code == 1
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Error: ")]
    assert line.endswith(".")
    assert not line.endswith("..")
