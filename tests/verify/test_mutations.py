"""Mutation test over a signed release: every mutation is refused, as a failed check (exit 1)
unless the file no longer parses as what it is (exit 2), never accepted, never an internal
error. A fixed seed: the same mutations every run.

Each mutation flips a bit in a base64 or hex field (decoded, flipped, encoded again, so the
field still decodes), changes a number or a string, deletes a key or a list item, removes or
swaps bundles, or flips a byte of an artifact. Base64 inside base64 (a DSSE payload is JSON
in base64) is reached by flipping the decoded bytes.
"""

# ruff: noqa: S311 - random picks reproducible mutations here, not secrets

from __future__ import annotations

import base64
import binascii
import json
import random
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from chainproof.errors import InputError
from chainproof.formats.schema import validate
from tests.sigstore_local import LocalSigstore
from tests.verify.keyless import verify
from tests.verify.release_helpers import SDIST, WHEEL

SEED = 16
COUNT = 520
_HEX = re.compile(r"[0-9a-fA-F]{16,}")
Path_ = tuple[str | int, ...]


def _leaves(node: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))


def _get(node: Any, path: Path_) -> Any:
    for part in path:
        node = node[part]
    return node


def _set(node: Any, path: Path_, value: Any) -> None:
    _get(node, path[:-1])[path[-1]] = value


def _b64(text: str) -> bytes | None:
    if len(text) < 8 or _HEX.fullmatch(text):
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _mutate_json(data: Any, rng: random.Random) -> str:
    """Change ``data`` in place, once; return what was done."""
    path, value = rng.choice([(p, v) for p, v in _leaves(data) if p])
    where = "/".join(map(str, path))
    if rng.random() < 0.15:
        del _get(data, path[:-1])[path[-1]]
        return f"delete {where}"
    if isinstance(value, bool):
        _set(data, path, not value)
        return f"negate {where}"
    if isinstance(value, int | float):
        _set(data, path, rng.choice([value + 1, value - 1, 0, -1, 2**63]))
        return f"number {where}"
    if isinstance(value, str):
        decoded = _b64(value)
        if decoded:
            flipped = bytearray(decoded)
            flipped[rng.randrange(len(flipped))] ^= 1 << rng.randrange(8)
            _set(data, path, base64.b64encode(bytes(flipped)).decode())
            return f"flip base64 bit {where}"
        if _HEX.fullmatch(value):
            i = rng.randrange(len(value))
            _set(data, path, value[:i] + format(int(value[i], 16) ^ 1, "x") + value[i + 1 :])
            return f"flip hex digit {where}"
        if value.isdigit():
            _set(data, path, str(int(value) + rng.choice([1, -1])))
            return f"number string {where}"
        _set(data, path, rng.choice([value + "x", value[:-1], "", value.upper()]))
        return f"string {where}"
    if isinstance(value, list) and value:
        value.pop(rng.randrange(len(value)))
        return f"drop item of {where}"
    if isinstance(value, dict) and value:
        del value[rng.choice(sorted(value))]
        return f"drop key of {where}"
    _set(data, path, None)
    return f"null {where}"


def _parses(path: Path) -> bool:
    """Does ``path`` still parse as what it is (its format, not its signatures)?"""
    if not path.exists():
        return True
    try:
        data = json.loads(path.read_bytes())
    except ValueError:
        return False
    if path.name == "release.json":
        try:
            validate(data, "release", str(path))
        except InputError:
            return False
        return True
    if path.name == "sbom.cdx.json":
        return True
    if path.name.endswith(".publish.attestation"):
        from pydantic import ValidationError
        from pypi_attestations import Attestation

        try:
            Attestation.model_validate_json(path.read_bytes())
        except ValidationError:
            return False
        return True
    from sigstore_models.bundle.v1 import Bundle

    try:
        Bundle.from_json(path.read_bytes())
    except ValueError:
        return False
    return isinstance(data, dict) and str(data.get("mediaType", "")).startswith(
        "application/vnd.dev.sigstore.bundle"
    )


def _mutations(directory: Path, rng: random.Random) -> list[tuple[str, Callable[[Path], Path]]]:
    """``COUNT`` mutations, each a description and a function that applies it to a copy of
    the release and returns the file it changed."""
    names = sorted(p.name for p in directory.iterdir())
    documents = [n for n in names if n.endswith((".json", ".attestation"))]
    bundles = [n for n in names if n.endswith((".sigstore.json", ".attestation"))]

    def json_edit(name: str, seed: int) -> Callable[[Path], Path]:
        def apply(root: Path) -> Path:
            path = root / name
            data = json.loads(path.read_bytes())
            _mutate_json(data, random.Random(seed))
            path.write_text(json.dumps(data))
            return path

        return apply

    def remove(name: str) -> Callable[[Path], Path]:
        def apply(root: Path) -> Path:
            (root / name).unlink()
            return root / name

        return apply

    def swap(a: str, b: str) -> Callable[[Path], Path]:
        def apply(root: Path) -> Path:
            (root / a).rename(root / "swap.tmp")
            (root / b).rename(root / a)
            (root / "swap.tmp").rename(root / b)
            return root / a

        return apply

    def flip(name: str, seed: int) -> Callable[[Path], Path]:
        def apply(root: Path) -> Path:
            data = bytearray((root / name).read_bytes())
            local = random.Random(seed)
            data[local.randrange(len(data))] ^= 1 << local.randrange(8)
            (root / name).write_bytes(bytes(data))
            return root / name

        return apply

    mutations: list[tuple[str, Callable[[Path], Path]]] = []
    mutations += [(f"remove {n}", remove(n)) for n in bundles]
    mutations += [
        (f"swap {a} {b}", swap(a, b)) for i, a in enumerate(bundles) for b in bundles[i + 1 :]
    ]
    while len(mutations) < COUNT:
        seed = rng.randrange(2**32)
        if rng.random() < 0.06:
            name = rng.choice([WHEEL, SDIST])
            mutations.append((f"flip a byte of {name} ({seed})", flip(name, seed)))
        else:
            name = rng.choice(documents)
            data = json.loads((directory / name).read_bytes())
            what = _mutate_json(data, random.Random(seed))
            mutations.append((f"{name}: {what}", json_edit(name, seed)))
    return mutations[:COUNT]


def test_every_mutation_is_refused(
    local_sigstore: LocalSigstore, keyless_release: Path, tmp_path: Path
) -> None:
    mutations = _mutations(keyless_release, random.Random(SEED))
    assert len(mutations) >= 500
    accepted, crashed, wrong_code = [], [], []
    work = tmp_path / "release"
    for description, apply in mutations:
        shutil.rmtree(work, ignore_errors=True)
        shutil.copytree(keyless_release, work)
        changed = apply(work)
        result = verify(local_sigstore, work)
        if result.exit_code == 0:
            accepted.append(description)
        elif result.exit_code not in (1, 2) or "Traceback" in result.output:
            crashed.append(f"{description}: exit {result.exit_code} {result.output[-300:]}")
        elif result.exit_code == 2 and _parses(changed):
            wrong_code.append(f"{description}: {result.stderr.strip()[:300]}")
    assert (accepted, crashed, wrong_code) == ([], [], [])


@pytest.mark.parametrize("text", ["QUJD", "0123456789abcdef0123", "plain"])
def test_mutating_a_string_changes_it(text: str) -> None:
    data = {"field": text}
    _mutate_json(data, random.Random(1))
    assert data.get("field") != text
