"""The JSON Schemas of chainproof's own files: valid schemas, agreeing with the writers and the
docs, accepting what chainproof writes and refusing the rest in one sentence."""

from __future__ import annotations

import copy
import dataclasses
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from chainproof.errors import InputError
from chainproof.formats import build_record
from chainproof.formats.deploy_policy import POLICY_KEYS, load_policy
from chainproof.formats.release_manifest import (
    RELEASE_SCHEMA,
    ROLES,
    ManifestEntry,
    release_manifest,
)
from chainproof.formats.schema import SCHEMAS, load_schema, validate
from chainproof.models import BUILD_RECORD_SCHEMA, BuildRecord, EnvironmentPackage, LockReference
from tests.build.test_record import RECORD
from tests.docs_helpers import ROOT, markdown_blocks
from tests.schema_docs import FORMATS_PAGE, rendered_page

HEX = "d" * 64


def _message(document: Any, name: str, origin: str = "f.json") -> str:
    with pytest.raises(InputError) as raised:
        validate(document, name, origin)
    return raised.value.message


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = load_schema(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("https://chainproof.dev/")
    assert schema["title"]
    assert schema["description"]


def _properties(node: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    for key, child in node.get("properties", {}).items():
        found.append((f"{path}{key}", child))
        found += _properties(child, f"{path}{key}.")
        if isinstance(child.get("items"), dict):
            found += _properties(child["items"], f"{path}{key}[].")
    return found


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_property_is_described(name: str) -> None:
    """The descriptions are the formats' reference documentation (docs/formats.md)."""
    properties = _properties(load_schema(name))
    assert properties
    assert [path for path, node in properties if not node.get("description")] == []


def test_the_schemas_agree_with_the_writers() -> None:
    record, release = load_schema("build-record"), load_schema("release")
    assert record["$id"] == record["properties"]["schema"]["const"] == BUILD_RECORD_SCHEMA
    assert release["$id"] == release["properties"]["schema"]["const"] == RELEASE_SCHEMA
    assert release["properties"]["files"]["items"]["properties"]["role"]["enum"] == list(ROLES)


def test_policy_keys_and_their_kinds_come_from_the_schema() -> None:
    assert list(POLICY_KEYS) == list(load_schema("policy")["properties"])
    assert POLICY_KEYS["staging"] == POLICY_KEYS["offline"] == "true or false"
    assert POLICY_KEYS["require"] == "a list of strings"
    assert POLICY_KEYS["key"] == POLICY_KEYS["trusted-root"] == "a file path"
    assert POLICY_KEYS["github"] == POLICY_KEYS["identity-regex"] == "a string"


# --- what chainproof writes is valid ------------------------------------------------------------


@pytest.mark.parametrize(
    "record",
    [
        RECORD,
        dataclasses.replace(
            RECORD,
            build_lock=LockReference("build-lock.txt", HEX),
            build_environment=(EnvironmentPackage("a", "1", "a.whl", HEX, "https://x/a"),),
            options={"requires_for_build": {"sdist": [], "wheel": ["x"]}},
        ),
    ],
    ids=["resolved", "locked"],
)
def test_build_records_chainproof_writes_are_valid(record: BuildRecord) -> None:
    data = json.loads(json.dumps(build_record.to_json(record)))
    validate(data, "build-record", "build-record.json")
    assert build_record.from_json(data) == record


def test_release_manifests_chainproof_writes_are_valid() -> None:
    entries = [
        ManifestEntry(f"file-{i}", HEX, i, role, "file-0" if role == "signature" else None)
        for i, role in enumerate(ROLES)
    ]
    validate(json.loads(release_manifest("demo", "1.0", entries)), "release", "release.json")


def _documented_verify_tables() -> list[dict[str, Any]]:
    """The ``[verify]`` tables of examples/hello and of the docs' TOML blocks."""
    texts = [(ROOT / "examples" / "hello" / "chainproof.toml").read_text(encoding="utf-8")]
    for page in sorted((ROOT / "docs").glob("*.md")):
        texts += [block.body for block in markdown_blocks(page) if block.lang == "toml"]
    tables = []
    for text in texts:
        data = tomllib.loads(text)
        table = data.get("verify", data.get("tool", {}).get("chainproof", {}).get("verify"))
        if table:
            tables.append(table)
    return tables


def test_documented_policies_are_valid() -> None:
    tables = _documented_verify_tables()
    assert len(tables) >= 4
    for table in tables:
        validate(table, "policy", "docs")


def test_a_loaded_policy_written_out_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "chainproof.toml"
    path.write_text('[verify]\ngithub = "o/r"\nrequire = "sbom"\ntrusted-root = "r.json"\n')
    validate(load_policy({"offline": True}, path).to_json(), "policy", "the policy")


# --- what is refused: one sentence naming the file, the path and what was expected -----------


def _release(**changes: Any) -> dict[str, Any]:
    entry = {"name": "a.whl", "role": "artifact", "sha256": HEX, "size": 3}
    return {"schema": RELEASE_SCHEMA, "files": [{**entry, **changes}]}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "f.json is not a valid release manifest: the manifest must be an object, not []."),
        (
            {"schema": "https://chainproof.dev/release/v0", "files": 3},
            'f.json has an unknown schema "https://chainproof.dev/release/v0"; a release '
            "manifest is https://chainproof.dev/release/v1.",
        ),
        (
            {"files": []},
            'f.json is not a valid release manifest: schema must be "https://chainproof.dev/'
            'release/v1"; it is missing.',
        ),
        (
            {"schema": RELEASE_SCHEMA, "files": {"a.whl": HEX}},
            'f.json is not a valid release manifest: files must be a list of objects, not {"a.whl"'
            f': "{HEX}"}}.',
        ),
        (
            _release(name="../a.whl"),
            "f.json is not a valid release manifest: files[0].name must be a plain file name (no "
            '/ or \\, not . or ..), not "../a.whl".',
        ),
        (
            _release(name=".."),
            "f.json is not a valid release manifest: files[0].name must be a plain file name (no "
            '/ or \\, not . or ..), not "..".',
        ),
        (
            _release(role="wheel"),
            'f.json is not a valid release manifest: files[0].role must be one of "artifact", '
            '"build-record", "sbom", "signature", "provenance", "sbom-attestation", '
            '"pep740-attestation", "in-toto-link", "spdx-sbom", "spdx-sbom-attestation", '
            'not "wheel".',
        ),
        (
            _release(sha256=HEX.upper()),
            "f.json is not a valid release manifest: files[0].sha256 must be 64 lower-case hex "
            f'digits, not "{HEX.upper()}".',
        ),
    ],
)
def test_bad_release_manifests(document: Any, message: str) -> None:
    assert _message(document, "release") == message


def test_release_manifest_keys_the_reader_ignores_stay_ignored() -> None:
    validate(_release(size="3", subject=5, extra=True) | {"project": None}, "release", "f.json")


def _record(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(build_record.to_json(RECORD))
    *parents, last = path.split("/")
    target: Any = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[last] = value
    return data


@pytest.mark.parametrize(
    ("data", "detail"),
    [
        # JSON Schema counts 1.0 as an integer; chainproof never did
        (_record("source_date_epoch", 1.0), "source_date_epoch must be a whole number, not 1.0"),
        (_record("artifacts/0/size", 1e3), "artifacts[0].size must be a whole number, not 1000.0"),
        # Python's $ matches before a final newline: the length keeps the digest exact
        (
            _record("artifacts/0/sha256", HEX + "\n"),
            f'artifacts[0].sha256 must be 64 lower-case hex digits, not "{HEX}\\n"',
        ),
        (_record("build_lock", {"path": "l.txt"}), "build_lock.sha256 must be a string; it is"),
        (_record("source/uri", 5), "source.uri must be a string or null, not 5"),
        (
            _record("backend/requires", ["a", None]),
            'backend.requires must be a list of strings, not ["a", null]',
        ),
    ],
)
def test_bad_build_records(data: dict[str, Any], detail: str) -> None:
    prefix = "r.json is not a valid build record: "
    assert _message(data, "build-record", "r.json").startswith(prefix + detail)


def test_unknown_schema_comes_before_other_errors() -> None:
    data = _record("schema", "https://chainproof.dev/build-record/v2")
    del data["project"]  # a shallower error than the schema's, which best_match alone prefers
    assert _message(data, "build-record").startswith("f.json has an unknown schema")


def test_build_record_keys_the_reader_ignores_stay_ignored() -> None:
    data = _record("source/extra", 1) | {"extra": [1]}
    del data["options"], data["build_lock"], data["source"]["uri"], data["source"]["ref"]
    assert build_record.from_json(data).options == {}


def test_a_wrong_value_is_shown_short() -> None:
    message = _message({"staging": "x" * 500}, "policy", "p") + _message(
        {"require": [[[["deep"]]], 2, 3, 4]}, "policy", "p"
    )
    assert "x" * 77 + '..."' in message
    assert "x" * 78 not in message
    assert "not [[[...]], 2, 3, ...]." in message


def test_unknown_policy_key_names_the_valid_ones() -> None:
    with pytest.raises(InputError) as raised:
        validate({"gitlab": "g/p", "identiy": "x"}, "policy", "[verify] of c.toml")
    assert raised.value.message == "Unknown key 'identiy' in [verify] of c.toml."
    assert raised.value.hint == f"Valid keys: {', '.join(POLICY_KEYS)}."


@pytest.mark.parametrize(
    ("table", "detail"),
    [
        ({"github": " "}, 'github must be a non-empty string, not " "'),
        ({"key": ""}, 'key must be a non-empty file path, not ""'),
        (
            {"require": ["sbom", 1]},
            'require must be a list of strings or a string, not ["sbom", 1]',
        ),
        ({"offline": 1}, "offline must be true or false, not 1"),
    ],
)
def test_bad_policy_tables(table: dict[str, Any], detail: str) -> None:
    message = _message(table, "policy", "[verify] of c.toml")
    assert message == f"[verify] of c.toml is not a valid deploy policy: {detail}."


def test_validating_does_not_import_the_slow_iri_grammar(tmp_path: Path) -> None:
    """jsonschema imports rfc3987-syntax (most of a second of lark grammars) unless told not
    to; these schemas check no formats."""
    record = tmp_path / "build-record.json"
    record.write_text(json.dumps(build_record.to_json(RECORD)))
    code = (
        "import json, sys; from chainproof.formats import build_record; "
        "build_record.from_json(json.loads(open(sys.argv[1]).read())); "
        "print('jsonschema' in sys.modules, 'rfc3987_syntax' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(record)], capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "False"]


# --- docs/formats.md --------------------------------------------------------------------------


def test_formats_page_matches_the_schemas() -> None:
    text = FORMATS_PAGE.read_text(encoding="utf-8")
    assert rendered_page(text) == text, "docs/formats.md is stale: run python -m tests.schema_docs"


def test_formats_page_error_example_is_what_chainproof_says() -> None:
    text = FORMATS_PAGE.read_text(encoding="utf-8")
    message = _message(
        _record("artifacts/0/sha256", "XYZ"), "build-record", "dist/build-record.json"
    )
    assert f"\nError: {message}\n" in text


def test_a_stale_formats_page_is_found() -> None:
    text = FORMATS_PAGE.read_text(encoding="utf-8")
    for old, new in (("| `source.commit` | a string |", "| `source.commit` | x |"), ("ed.", "")):
        stale = text.replace(old, new, 1)
        assert stale != text
        assert rendered_page(stale) == text
    with pytest.raises(AssertionError, match="no markers for schema release"):
        rendered_page(text.replace("<!-- end of schema release -->", ""))
