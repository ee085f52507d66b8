"""build-record.json read back: every wrong or missing field is one InputError naming it."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from chainproof.errors import InputError
from chainproof.formats import build_record
from chainproof.models import (
    Artifact,
    BuildRecord,
    EnvironmentPackage,
    SourceInfo,
    ToolVersions,
)

RECORD = BuildRecord(
    project_name="demo",
    project_version="1.0",
    source=SourceInfo(uri=None, commit="a" * 40, ref="refs/heads/main", dirty=False),
    source_date_epoch=1_700_000_000,
    started="2026-11-22T05:00:00Z",
    finished="2026-11-22T05:00:03Z",
    tools=ToolVersions("0.1.0", "3.11.7", "Linux", "uv", "0.9.0", "1.3.0"),
    build_backend="hatchling.build",
    build_requires=("hatchling",),
    artifacts=(Artifact("demo-1.0.tar.gz", "sdist", "b" * 64, 10),),
    build_environment=(EnvironmentPackage("hatchling", "1.0", "h.whl", "c" * 64, None),),
    options={"installer": "auto"},
)


def test_round_trip() -> None:
    assert build_record.from_json(build_record.to_json(RECORD)) == RECORD


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], Any]:
    def change(data: dict[str, Any]) -> dict[str, Any]:
        *parents, last = path.split("/")
        target: Any = data
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        if value is _DROP:
            del target[last]
        else:
            target[last] = value
        return data

    return change


_DROP = object()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: [], "the record must be an object"),
        (_set("artifacts", "x"), "artifacts must be a list"),
        (_set("artifacts/0/sha256", _DROP), "artifacts[0].sha256 must be a string"),
        (_set("artifacts/0/sha256", 5), "artifacts[0].sha256 must be a string"),
        (_set("artifacts/0/sha256", "XYZ"), "artifacts[0].sha256 must be 64 lower-case hex"),
        (_set("artifacts/0/size", True), "artifacts[0].size must be a whole number"),
        (_set("build_environment", ["a"]), "build_environment[0] must be an object"),
        (_set("source_date_epoch", "1"), "source_date_epoch must be a whole number"),
        (_set("source_date_epoch", -1), "source_date_epoch must be a whole number, not negative"),
        (_set("source", None), "source must be an object"),
        (_set("source/dirty", "no"), "source.dirty must be true or false"),
        (_set("tools/installer", "uv"), "tools.installer must be an object"),
        (_set("project/name", 5), "project.name must be a string"),
        (_set("backend/requires", [1]), "backend.requires must be a list of strings"),
        (_set("options", []), "options must be an object"),
    ],
)
def test_bad_field_is_named(change: Callable[[dict[str, Any]], Any], message: str) -> None:
    data = change(copy.deepcopy(build_record.to_json(RECORD)))
    with pytest.raises(InputError) as raised:
        build_record.from_json(data, "dist/build-record.json")
    prefix = "dist/build-record.json is not a valid build record: "
    assert raised.value.message.startswith(prefix + message)


def test_unknown_schema() -> None:
    data = build_record.to_json(RECORD) | {"schema": "https://example.invalid/v9"}
    with pytest.raises(InputError, match="unknown schema"):
        build_record.from_json(data)
