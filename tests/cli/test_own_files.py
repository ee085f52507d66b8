"""chainproof's own files, malformed, through the CLI: build-record.json, release.json and the
policy file each give one sentence naming the file, the key and what was expected (exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from chainproof.formats import build_record
from chainproof.formats.release_manifest import RELEASE_SCHEMA
from tests.build.test_record import RECORD
from tests.cli.helpers import one_sentence_error

runner = CliRunner()
HEX = "e" * 64


def _error(args: list[str]) -> str:
    result = runner.invoke(app, args, env={"SOURCE_DATE_EPOCH": None})
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    return one_sentence_error(result.stderr).removeprefix("Error: ")


@pytest.mark.parametrize(
    ("key", "value", "detail"),
    [
        ("source_date_epoch", "soon", 'source_date_epoch must be a whole number, not "soon"'),
        ("artifacts", [{"name": "a.whl"}], "artifacts[0].kind must be a string; it is missing"),
        ("schema", "https://chainproof.dev/build-record/v0", "has an unknown schema"),
    ],
)
def test_bad_build_record(tmp_path: Path, key: str, value: object, detail: str) -> None:
    """`sbom --dist` reads the record for its epoch when SOURCE_DATE_EPOCH is not set."""
    record = tmp_path / "dist" / "build-record.json"
    record.parent.mkdir()
    record.write_text(json.dumps(build_record.to_json(RECORD) | {key: value}))
    message = _error(["sbom", "--dist", str(record.parent)])
    assert message.startswith(str(record))
    assert detail in message


@pytest.mark.parametrize(
    ("manifest", "detail"),
    [
        ({"files": []}, 'schema must be "https://chainproof.dev/release/v1"; it is missing'),
        (
            {
                "schema": RELEASE_SCHEMA,
                "files": [{"name": "../x.whl", "role": "artifact", "sha256": HEX}],
            },
            'files[0].name must be a plain file name (no / or \\, not . or ..), not "../x.whl"',
        ),
        (
            {"schema": RELEASE_SCHEMA, "files": [{"name": "x.whl", "role": "a", "sha256": HEX}]},
            'files[0].role must be one of "artifact", ',
        ),
    ],
)
def test_bad_release_manifest(tmp_path: Path, manifest: object, detail: str) -> None:
    (tmp_path / "release.json").write_text(json.dumps(manifest))
    message = _error(["verify", "--offline", str(tmp_path), "--github", "o/r"])
    assert message.startswith(f"{tmp_path / 'release.json'} is not a valid release manifest: ")
    assert detail in message


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ('staging = "yes"', 'staging must be true or false, not "yes"'),
        ("require = [1]", "require must be a list of strings or a string, not [1]"),
        ('key = "  "', 'key must be a non-empty file path, not "  "'),
    ],
)
def test_bad_policy_file(tmp_path: Path, body: str, detail: str) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(f'[tool.chainproof.verify]\ngithub = "o/r"\n{body}\n')
    message = _error(["verify", "--offline", str(tmp_path), "--policy", str(policy)])
    assert message == f"[verify] of {policy} is not a valid deploy policy: {detail}."


def test_unknown_policy_key_hints_the_valid_ones(tmp_path: Path) -> None:
    policy = tmp_path / "chainproof.toml"
    policy.write_text('[verify]\ngithub = "o/r"\nsigner = "me"\n')
    result = runner.invoke(app, ["verify", "--offline", str(tmp_path), "--policy", str(policy)])
    assert result.exit_code == 2
    message = one_sentence_error(result.stderr)
    assert message == f"Error: Unknown key 'signer' in [verify] of {policy}."
    assert "Hint: Valid keys: identity, identity-regex, issuer, gitlab, github," in result.stderr
