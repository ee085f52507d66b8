"""Reading signed statements: an SBOM predicate of any JSON shape never crashes the reader."""

from __future__ import annotations

from typing import Any

import pytest

from chainproof.formats.cyclonedx.reader import bom_artifact_hashes

HEX = "ab" * 32


@pytest.mark.parametrize("hashes", [1, 1.5, True, None, "x", {}, [1, None, {"alg": 1}]])
def test_bom_artifact_hashes_of_any_shape(hashes: Any) -> None:
    bom = {"metadata": {"component": {"hashes": hashes}}}
    assert bom_artifact_hashes(bom) == frozenset()


def test_bom_artifact_hashes_reads_nested_components() -> None:
    entry = {"alg": "SHA-256", "content": HEX.upper()}
    bom = {"metadata": {"component": {"components": [{"hashes": [entry]}, 3]}}}
    assert bom_artifact_hashes(bom) == frozenset({HEX})


@pytest.mark.parametrize("metadata", [[], "x", 1, None, {"component": []}])
def test_an_sbom_with_malformed_metadata_lists_no_hash(metadata: Any) -> None:
    assert bom_artifact_hashes({"metadata": metadata}) == frozenset()
