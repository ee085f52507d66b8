"""`chainproof verify` on odd inputs: one sentence and exit 2, never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from chainproof.cli.app import app
from tests.verify.conftest import copy_vectors

WHEEL = "bundle_v3_github.whl"
GITHUB = ["--github", "trailofbits/rfc8785.py", "--ref", "refs/tags/v0.1.2", "--offline"]


def verify(*args: str) -> Result:
    result = CliRunner().invoke(app, ["verify", *args])
    assert "Traceback" not in result.output
    return result


def error_line(result: Result) -> str:
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Error: ")]
    return line


def test_bundle_that_is_a_directory(tmp_path: Path) -> None:
    vectors = copy_vectors(tmp_path)
    result = verify(str(vectors / WHEEL), "--bundle", str(vectors), *GITHUB)
    assert result.exit_code == 2, result.output
    assert "is a directory, not a file" in error_line(result)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("[]", "the top level: Input should be an object"),
        ('"x"', "the top level: Input should be an object"),
        ("{}", "mediaType: Field required"),
        ("nope", "not valid JSON"),
    ],
)
@pytest.mark.parametrize("flag", ["--trusted-root", "--trust-config"])
def test_wrong_shaped_trust_file_is_one_sentence(
    tmp_path: Path, flag: str, content: str, problem: str
) -> None:
    vectors = copy_vectors(tmp_path)
    root = tmp_path / "root.json"
    root.write_text(content)
    args = ["--github", "trailofbits/rfc8785.py", "--ref", "refs/tags/v0.1.2"]
    result = verify(str(vectors / WHEEL), *args, flag, str(root))
    assert result.exit_code == 2, result.output
    line = error_line(result)
    assert str(root) in line, line
    assert problem in line, line
    assert "validation error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the sentence and maybe a hint


@pytest.mark.parametrize("where", ["", ".", "vsa-dir"])
def test_vsa_that_is_a_directory_is_refused_before_verifying(
    tmp_path: Path, where: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    vectors = copy_vectors(tmp_path)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "vsa-dir").mkdir()
    result = verify(str(vectors / WHEEL), *GITHUB, "--vsa", where)
    assert result.exit_code == 2, result.output
    assert "is a directory; give the summary's file name" in error_line(result)
    assert result.stdout == ""  # refused before any report
