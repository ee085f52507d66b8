"""in-toto: keygen keys, `chainproof step` links, `layout init`/`layout sign`, and in-toto's
own verification (verify_layout) of the build → sbom → sign chain."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from chainproof.errors import InputError, VerificationFailed
from chainproof.signing.intoto import verify_layout
from tests.signing.steps import step_args

PY = sys.executable
# in-toto matches paths with pathspec's deprecated gitwildmatch patterns.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pathspec")


def _ok(*args: str) -> str:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _step(name: str, materials: str, product: str, text: str) -> None:
    """``chainproof step NAME`` with dev.key, recording MATERIALS and dist/ into links/."""
    _ok(*step_args(name, materials, product, text))


@pytest.fixture
def chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keys, a signed layout and links for the three steps, in tmp_path (the cwd)."""
    monkeypatch.delenv("CHAINPROOF_KEY_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)
    _ok("keygen", "-o", "owner")
    _ok("keygen", "-o", "dev", "--type", "ecdsa")
    _ok("layout", "init", "-o", "root.layout", "--functionary", "dev.pub")
    assert "Signed root.layout" in _ok("layout", "sign", "root.layout", "--key", "owner.key")
    Path("src.py").write_text("print('source')\n")
    _step("build", "src.py", "dist/demo-1.0.tar.gz", "sdist")
    _step("sbom", "dist", "dist/sbom.cdx.json", "{}")
    _step("sign", "dist", "dist/release.json", "{}")
    return tmp_path


def test_chain_verifies(chain: Path) -> None:
    links = sorted(p.name for p in (chain / "links").iterdir())
    assert [n.split(".")[0] for n in links] == ["build", "sbom", "sign"]
    verify_layout(chain / "root.layout", [chain / "owner.pub"], chain / "links")


def test_wrong_layout_key_fails(chain: Path) -> None:
    with pytest.raises(VerificationFailed, match="in-toto verification failed"):
        verify_layout(chain / "root.layout", [chain / "dev.pub"], chain / "links")


def test_tampered_link_fails(chain: Path) -> None:
    link = next((chain / "links").glob("sbom.*.link"))
    data = json.loads(link.read_text())
    data["signed"]["products"]["dist/sbom.cdx.json"]["sha256"] = "0" * 64
    link.write_text(json.dumps(data))
    with pytest.raises(VerificationFailed):
        verify_layout(chain / "root.layout", [chain / "owner.pub"], chain / "links")


def test_artifact_changed_between_steps_fails(chain: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Re-run sign on a dist whose sdist was swapped after the build step.
    monkeypatch.chdir(chain)
    Path("dist/demo-1.0.tar.gz").write_text("swapped")
    for link in (chain / "links").glob("sign.*.link"):
        link.unlink()
    _step("sign", "dist", "dist/release.json", "{}")
    with pytest.raises(VerificationFailed, match="RuleVerificationError"):
        verify_layout(chain / "root.layout", [chain / "owner.pub"], chain / "links")


def test_unsigned_layout_fails(chain: Path) -> None:
    _ok(
        "layout",
        "init",
        "-o",
        str(chain / "unsigned.layout"),
        "--functionary",
        str(chain / "dev.pub"),
    )
    with pytest.raises(VerificationFailed):
        verify_layout(chain / "unsigned.layout", [chain / "owner.pub"], chain / "links")


def test_step_failures_write_no_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CHAINPROOF_KEY_PASSWORD", raising=False)
    monkeypatch.chdir(tmp_path)
    _ok("keygen", "-o", "dev")
    runner = CliRunner()
    cases = [
        (["--", PY, "-c", "raise SystemExit(3)"], "exited with 3; no link was written"),
        (["--", "no-such-command-xyz"], "command not found"),
        ([], "Give the step's command after --"),
        (["--materials", "absent", "--", PY, "-c", "pass"], "The material absent does not"),
    ]
    for args, message in cases:
        result = runner.invoke(
            app, ["step", "build", "--key", "dev.key", "--links", "links", *args]
        )
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert not list((tmp_path / "links").glob("*.link"))


def test_layout_bad_inputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _ok("layout", "init")
    result = CliRunner().invoke(app, ["layout", "init"])
    assert (result.exit_code, "already exists" in result.output) == (2, True)
    _ok("keygen", "-o", "k")
    Path("x.json").write_text("{}")
    result = CliRunner().invoke(app, ["layout", "sign", "x.json", "--key", "k.key"])
    assert (result.exit_code, "is not an in-toto layout" in result.output) == (2, True)
    with pytest.raises(InputError, match="does not exist"):
        verify_layout(tmp_path / "none.layout", [tmp_path / "k.pub"], tmp_path)


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
def test_dsse_envelope_as_layout_is_bad_input(chain: Path, payload: bytes, words: str) -> None:
    """A DSSE envelope in-toto can load, holding no layout: exit 2, never a failed check."""
    from securesystemslib.dsse import Envelope

    envelope = Envelope(payload, "application/vnd.in-toto+json", {})
    (chain / "envelope.layout").write_text(json.dumps(envelope.to_dict()))
    with pytest.raises(InputError, match=words):
        verify_layout(chain / "envelope.layout", [chain / "owner.pub"], chain / "links")
