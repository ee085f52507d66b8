"""``chainproof verify``'s table: printed without rich for a log or a pipe, exactly as rich
prints it (verify.formats), over the keyless release under passing and failing policies."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chainproof.formats.deploy_policy import load_policy
from chainproof.verify.formats import VerifyTable, _plain_table
from chainproof.verify.report import Report
from chainproof.verify.run import verify_release
from tests.sigstore_local import LocalSigstore
from tests.verify.keyless import PROJECT, REF

POLICIES: list[dict[str, object]] = [
    {"gitlab": PROJECT, "ref": REF},
    {"gitlab": PROJECT, "ref": "refs/heads/other", "require": "provenance"},
    {"identity": "https://example.com/someone", "issuer": "https://gitlab.com"},
]


def _report(release: Path, sigstore: LocalSigstore, flags: dict[str, object]) -> Report:
    policy = load_policy({**flags, "trust-config": sigstore.trust_config}, search_dir=release)
    return verify_release([str(release)], None, policy).report


@pytest.mark.parametrize("flags", POLICIES)
def test_the_plain_table_is_riches(
    release: Path, local_sigstore: LocalSigstore, flags: dict[str, object]
) -> None:
    bundle = release / "cp_demo-1.2.0.tar.gz.sigstore.json"
    data = json.loads(bundle.read_text())
    data["messageSignature"]["signature"] = "AAAA"  # one artifact fails its signature
    bundle.write_text(json.dumps(data))
    report = _report(release, local_sigstore, flags)
    table = VerifyTable()
    lines, rows = table.content(report)
    assert table.render(report) == table.rich(lines, rows)


def test_rich_prints_what_the_plain_table_does_not_take(
    release: Path, local_sigstore: LocalSigstore
) -> None:
    lines, rows = VerifyTable.content(_report(release, local_sigstore, POLICIES[1]))
    assert any(row[-1].startswith("FAIL") for row in rows)
    assert _plain_table(lines, rows) is not None
    for extra in ("  [bold]markup[/]", "  " + "x" * 401, "  caf\u00e9", "  a\ttab"):
        assert _plain_table([*lines, extra], rows) is None, extra
    wide = [rows[0], *[(row[0] * 20, *row[1:]) for row in rows[1:]]]  # rich folds it
    assert _plain_table(lines, wide) is None
