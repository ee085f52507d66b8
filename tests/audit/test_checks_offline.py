"""The dependency checks that need no index (pins, the presence of hashes, sources against the
policy), through ``chainproof audit --offline``: each seeded fault is found, named and exits 1;
exceptions apply as they do to advisories; what needs an index is "not checked"."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chainproof.cli.app import app
from tests.cli.helpers import single_error_line

runner = CliRunner()
SHA = "a" * 64
INTERNAL = "https://pypi.acme.example/simple"
PUBLIC = "https://public.example.invalid/simple"
FILES = "https://files.example.invalid"

POLICY = f"""
[audit.sources]
indexes = ["{INTERNAL}", "{PUBLIC}"]
public = "{PUBLIC}"
hosts = ["files.example.invalid"]
[audit.sources.packages]
"acme-*" = "{INTERNAL}"
"""


def run(*args: str) -> tuple[int, dict[str, Any], str]:
    result = runner.invoke(app, ["audit", "--offline", "--format", "json", *args])
    data = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, data, result.stderr


def ids(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["id"], f["package"]) for f in report["findings"] if not f["suppressed"]}


def _wheel(name: str, version: str, sha: str | None = SHA, host: str = FILES) -> str:
    url = f"{host}/{name.replace('-', '_')}-{version}-py3-none-any.whl"
    hashed = f', hash = "sha256:{sha}"' if sha else ""
    return f'wheels = [{{ url = "{url}"{hashed}, size = 1 }}]'


def _uv_lock(tmp_path: Path, packages: list[str], deps: list[str]) -> Path:
    root = (
        '[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
        f"dependencies = [{', '.join(f'{{ name = {d!r} }}' for d in deps)}]\n"
    )
    text = 'version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n' + root
    for package in packages:
        text += "\n" + package
    lock = tmp_path / "uv.lock"
    lock.write_text(text.replace("'", '"'), encoding="utf-8")
    return lock


def _package(name: str, version: str, index: str = PUBLIC, **files: Any) -> str:
    return (
        f'[[package]]\nname = "{name}"\nversion = "{version}"\n'
        f'source = {{ registry = "{index}" }}\n' + _wheel(name, version, **files) + "\n"
    )


def _pyproject(tmp_path: Path, deps: list[str]) -> None:
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "app"\nversion = "0.1.0"\ndependencies = {json.dumps(deps)}\n'
        f"[tool.chainproof]\n{POLICY.replace('[audit', '[tool.chainproof.audit')}",
        encoding="utf-8",
    )


@pytest.fixture
def clean(tmp_path: Path) -> Path:
    _pyproject(tmp_path, ["acme-core>=1", "beta-json"])
    return _uv_lock(
        tmp_path,
        [
            _package("acme-core", "1.2.0", INTERNAL),
            _package("beta-json", "2.0.0"),
            _package("gamma-util", "0.3.0"),
        ],
        ["acme-core", "beta-json"],
    )


def test_a_clean_lock_passes_offline_and_says_what_it_could_not_check(clean: Path) -> None:
    code, report, err = run("--uv-lock", str(clean), "--checks", "pins,hashes,sources")
    assert code == 0, err
    assert report["findings"] == []
    statuses = {c["id"]: c["status"] for c in report["checks"]}
    # offline: the index comparison and the public-index lookup did not run
    assert statuses == {"pins": "passed", "hashes": "partly checked", "sources": "partly checked"}
    reasons = {(u["check"], u["package"], u["reason"]) for u in report["unchecked"]}
    assert ("hashes", "beta-json", "hashes not compared with the index (offline)") in reasons
    assert ("sources", "acme-core", "not looked up on the public index (offline)") in reasons
    assert report["passed"] is True


def test_offline_unchecked_fails_when_the_policy_says_so(clean: Path) -> None:
    pyproject = clean.parent / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "[tool.chainproof.audit.sources]",
            '[tool.chainproof.audit]\nunchecked = "fail"\n[tool.chainproof.audit.sources]',
        )
    )
    code, report, err = run("--uv-lock", str(clean), "--checks", "pins,hashes,sources")
    assert code == 1
    assert "could not be checked" in single_error_line(err)
    assert report["passed"] is False


def test_seeded_faults_in_a_uv_lock_are_each_named(tmp_path: Path) -> None:
    _pyproject(tmp_path, ["acme-core", "beta-json", "tool"])
    lock = _uv_lock(
        tmp_path,
        [
            _package("acme-core", "1.2.0", PUBLIC),  # an internal name from the public index
            _package("beta-json", "2.0.0", sha=None),  # no hash
            _package("delta-io", "1.0.0", host="https://evil.example.invalid"),  # host
            _package("eps", "1.0.0", "https://mirror.example.invalid/simple"),  # index
            '[[package]]\nname = "tool"\nversion = "0.1.0"\n'
            'source = { git = "https://git.example.invalid/tool?rev=main#0123abcd" }\n',
        ],
        ["acme-core", "beta-json", "tool"],
    )
    code, report, err = run("--uv-lock", str(lock), "--checks", "pins,hashes,sources")
    assert code == 1
    assert ids(report) >= {
        ("sources.wrong-index", "acme-core"),
        ("hashes.missing", "beta-json"),
        ("sources.host-not-allowed", "delta-io"),
        ("sources.index-not-allowed", "eps"),
        ("pins.vcs", "tool"),
    }
    by_id = {f["id"]: f for f in report["findings"]}
    assert by_id["sources.wrong-index"]["severity"]["level"] == "critical"
    assert by_id["sources.wrong-index"]["evidence"]["required index"] == INTERNAL
    assert "evil.example.invalid" in by_id["sources.host-not-allowed"]["summary"]
    assert "The audit failed" in single_error_line(err)


def test_requirements_faults_unpinned_missing_hash_vcs_and_extra_index(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(
        f"--index-url {INTERNAL}\n"
        f"--extra-index-url {PUBLIC}\n"
        f"acme-core==1.2.0 --hash=sha256:{SHA}\n"
        "beta-json==2.0.0\n"  # no hash
        "gamma-util>=0.3\n"  # unpinned (a transitive dependency)
        "tool @ git+https://git.example.invalid/tool@0123abcd\n",
        encoding="utf-8",
    )
    (tmp_path / "chainproof.toml").write_text(POLICY, encoding="utf-8")
    code, report, _ = run(
        "--requirements", str(req), "--policy", str(tmp_path / "chainproof.toml"),
        "--checks", "pins,hashes,sources",
    )  # fmt: skip
    assert code == 1
    assert ids(report) >= {
        ("pins.unpinned", "gamma-util"),
        ("hashes.missing", "beta-json"),
        ("pins.vcs", "tool"),
        ("sources.extra-index-url", "acme-core"),
    }
    unpinned = next(f for f in report["findings"] if f["id"] == "pins.unpinned")
    assert "asks for >=0.3" in unpinned["summary"]
    assert unpinned["evidence"]["where"].endswith("requirements.txt, line 5")


def test_multiple_versions_for_one_target_and_a_lock_out_of_step(tmp_path: Path) -> None:
    _pyproject(tmp_path, ["beta-json>=3", "gamma-util"])
    lock = _uv_lock(
        tmp_path,
        [
            _package("beta-json", "2.0.0"),  # pyproject asks for >=3
            _package("gamma-util", "0.3.0"),
            _package("gamma-util", "0.4.0"),  # both for every target
            _package("old-dep", "1.0.0"),  # a direct dependency pyproject dropped
        ],
        ["beta-json", "gamma-util", "old-dep"],
    )
    code, report, _ = run("--uv-lock", str(lock), "--checks", "pins")
    assert code == 1
    assert ids(report) == {
        ("pins.lock-outdated", "beta-json"),
        ("pins.multiple-versions", "gamma-util"),
        ("pins.lock-extra", "old-dep"),
    }


def test_pylock_direct_url_and_allowed_direct_names(tmp_path: Path) -> None:
    lock = tmp_path / "pylock.toml"
    lock.write_text(
        'lock-version = "1.0"\ncreated-by = "test"\n\n'
        '[[packages]]\nname = "vendored"\nversion = "1.0"\n'
        f'archive = {{ url = "{FILES}/vendored-1.0.tar.gz", hashes = {{ sha256 = "{SHA}" }} }}\n',
        encoding="utf-8",
    )
    code, report, _ = run("--pylock", str(lock), "--checks", "pins")
    assert code == 1
    assert ids(report) == {("pins.direct", "vendored")}
    (tmp_path / "chainproof.toml").write_text('[audit.pins]\nallow-direct = ["vend*"]\n')
    code, report, _ = run(
        "--pylock", str(lock), "--checks", "pins", "--policy", str(tmp_path / "chainproof.toml")
    )
    assert code == 0
    assert report["findings"] == []


def test_exceptions_apply_to_check_findings_and_an_expired_one_fails(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("beta-json==2.0.0\n", encoding="utf-8")
    policy = tmp_path / "chainproof.toml"
    exception = (
        '[[audit.exceptions]]\nid = "hashes.missing"\npackage = "Beta_JSON"\n'
        'reason = "Vendored by the platform team."\napprover = "alice@example.com"\n'
    )
    policy.write_text(exception + "expires = 2999-01-01\n")
    code, report, _ = run("--requirements", str(req), "--policy", str(policy), "--checks", "hashes")
    assert code == 0
    (finding,) = report["findings"]
    assert finding["suppressed"] is True
    assert finding["exception"]["approver"] == "alice@example.com"
    policy.write_text(exception + "expires = 2020-01-01\n")
    code, report, err = run(
        "--requirements", str(req), "--policy", str(policy), "--checks", "hashes"
    )
    assert code == 1
    assert "expired exception" in single_error_line(err)
    assert "hashes.missing" in single_error_line(err)


def test_severity_from_the_policy_and_the_threshold(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("beta-json==2.0.0\n", encoding="utf-8")
    policy = tmp_path / "chainproof.toml"
    policy.write_text('[audit]\nfail-on = "high"\n[audit.severity]\nhashes = "medium"\n')
    code, report, _ = run("--requirements", str(req), "--policy", str(policy), "--checks", "hashes")
    assert code == 0
    assert report["findings"][0]["severity"]["level"] == "medium"
    policy.write_text(
        '[audit]\nfail-on = "high"\n[audit.severity]\n"hashes.missing" = "critical"\n'
    )
    code, report, _ = run("--requirements", str(req), "--policy", str(policy), "--checks", "hashes")
    assert code == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--checks", "pins,typo"], "unknown checks typo"),
        (["--checks", "sources"], "no [audit.sources] in the policy"),
        (["--verify-files"], "--verify-files downloads files, which --offline forbids"),
    ],
)
def test_bad_check_options_are_one_sentence_and_exit_2(
    tmp_path: Path, args: list[str], message: str
) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(f"beta-json==2.0.0 --hash=sha256:{SHA}\n", encoding="utf-8")
    code, _, err = run("--requirements", str(req), *args)
    assert code == 2
    assert message in single_error_line(err)


@pytest.mark.parametrize(
    "policy",
    [
        '[audit.sources]\nindexes = "not a list"\n',
        '[audit.sources]\nindexes = ["ftp://x"]\n',
        '[audit.sources]\nindexes = ["https://a.example/simple"]\n'
        '[audit.sources.packages]\n"acme-*" = "https://b.example/simple"\n',
        '[audit.severity]\nhashes = "severe"\n',
        '[audit.pins]\npython = "3.12"\n',
    ],
)
def test_a_malformed_policy_is_exit_2(tmp_path: Path, policy: str) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(f"beta-json==2.0.0 --hash=sha256:{SHA}\n", encoding="utf-8")
    (tmp_path / "chainproof.toml").write_text(policy)
    code, _, err = run(
        "--requirements",
        str(req),
        "--policy",
        str(tmp_path / "chainproof.toml"),
        "--checks",
        "pins",
    )
    assert code == 2
    assert single_error_line(err).startswith("Error: ")


def test_a_malformed_lock_is_exit_2(tmp_path: Path) -> None:
    lock = tmp_path / "uv.lock"
    lock.write_text("version = 1\n[[package]]\nversion = 3\n")
    code, _, err = run("--uv-lock", str(lock), "--checks", "pins")
    assert code == 2
    assert str(lock) in single_error_line(err)


@pytest.mark.parametrize("output", ["table", "json", "markdown", "sarif"])
def test_credentials_in_lock_urls_never_appear(tmp_path: Path, output: str) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text(
        f"--index-url https://bob:pa55word@pypi.acme.example/simple\n"
        f"--extra-index-url https://carol:t0ken@public.example.invalid/simple\n"
        f"acme-core==1.2.0 --hash=sha256:{SHA}\n"
        "tool @ git+https://alice:s3cret@git.example.invalid/tool@0123abcd\n"
        "vendored @ https://dave:k3y@files.example.invalid/vendored-1.0.tar.gz\n",
        encoding="utf-8",
    )
    (tmp_path / "chainproof.toml").write_text(POLICY, encoding="utf-8")
    result = runner.invoke(
        app,
        ["audit", "--offline", "--format", output, "--requirements", str(req),
         "--policy", str(tmp_path / "chainproof.toml"), "--checks", "pins,hashes,sources"],
    )  # fmt: skip
    assert result.exit_code == 1
    shown = result.stdout + result.stderr
    assert "git.example.invalid/tool" in shown
    for secret in ("pa55word", "t0ken", "s3cret", "k3y", "bob", "carol", "alice", "dave"):
        assert secret not in shown


def test_every_finding_id_is_in_the_docs_table() -> None:
    from chainproof.audit.checks.age import AgeCheck
    from chainproof.audit.checks.content import ContentCheck
    from chainproof.audit.checks.hashes import HashesCheck
    from chainproof.audit.checks.licenses import LicensesCheck
    from chainproof.audit.checks.pins import PinsCheck
    from chainproof.audit.checks.sources import SourcesCheck
    from chainproof.audit.checks.status import StatusCheck
    from chainproof.audit.checks.typosquats import TyposquatsCheck

    docs = (Path(__file__).parents[2] / "docs" / "audit.md").read_text(encoding="utf-8")
    checks = (
        PinsCheck, HashesCheck, SourcesCheck, TyposquatsCheck, StatusCheck, AgeCheck,
        LicensesCheck, ContentCheck,
    )  # fmt: skip
    ids = [rule.id for check in checks for rule in check.rules]
    assert len(ids) == 37
    assert [i for i in ids if f"| `{i}` |" not in docs] == []


def test_the_policys_checks_that_do_not_apply_to_the_input_are_not_checked(
    tmp_path: Path,
) -> None:
    """The policy's list serves every input: age (with its setting) does not read an
    environment, and that is "not checked", not an error; age without its setting is."""
    python = Path(sys.executable)
    policy = tmp_path / "chainproof.toml"
    policy.write_text('[audit]\nchecks = ["age"]\nmin-release-age = "1d"\n', encoding="utf-8")
    code, report, _ = run("--env", str(python), "--policy", str(policy))
    assert code == 0
    assert [(c["id"], c["status"]) for c in report["checks"]] == [("age", "not checked")]
    policy.write_text('[audit]\nchecks = ["age"]\n', encoding="utf-8")
    code, _, err = run("--env", str(python), "--policy", str(policy))
    assert code == 2
    assert "min-release-age" in err
