"""The how-tos' commands run. The blocks marked ``<!-- tested -->`` in docs/release-engineer.md
and docs/deploy.md run in order in a fresh git copy of examples/hello (signed with a key: no
OIDC in tests); those of docs/consumer.md run beside real published signatures, offline. The
README's quickstart (the release engineer's main command) is run by its own test."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs_helpers import (
    ROOT,
    SNAPSHOT,
    Block,
    copy_tracked,
    fresh_advisory_db,
    markdown_blocks,
)

DOCS = ROOT / "docs"
HELLO = ROOT / "examples" / "hello"
ASSETS = ROOT / "tests" / "assets"
PROJECT_PAGES = (DOCS / "release-engineer.md", DOCS / "deploy.md")
CONSUMER_PAGES = (DOCS / "consumer.md",)
_EXIT = re.compile(r"exit (\d+)")


def _environment(tmp: Path, db: Path | None = None) -> dict[str, str]:
    """The user's shell: chainproof and the upstream tools of our venv on PATH, a cache of its
    own, a git identity, and nothing from a CI job or a chainproof setting of the caller."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CHAINPROOF_", "SIGSTORE_", "GITLAB", "GITHUB_", "CI_"))
        and k not in ("CI", "SOURCE_DATE_EPOCH", "VIRTUAL_ENV")
    }
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["XDG_CACHE_HOME"] = str(tmp / "cache")
    env["CHAINPROOF_OFFLINE"] = "1"  # the network is off: no index is asked
    for role in ("AUTHOR", "COMMITTER"):
        env[f"GIT_{role}_NAME"] = "Release Engineer"
        env[f"GIT_{role}_EMAIL"] = "release@example.com"
    if db is not None:
        env["CHAINPROOF_DB"] = str(db)
    return env


def run_block(block: Block, cwd: Path, env: dict[str, str]) -> None:
    """Run one marked block: write it (``file PATH``) or run it with bash -e, expecting exit
    status 0 or the marker's ``exit N``."""
    where = f"{block.path.name}:{block.line}"
    marker = block.marker or ""
    if marker.startswith("file "):
        (cwd / marker.removeprefix("file ").strip()).write_text(block.body, encoding="utf-8")
        return
    expected = _EXIT.fullmatch(marker)
    assert marker == "" or expected, f"{where}: unknown marker {marker!r}"
    assert block.lang == "sh", f"{where}: only sh blocks run"
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", block.body],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    status = int(expected.group(1)) if expected else 0
    assert result.returncode == status, (
        f"{where} exited {result.returncode}, expected {status}:\n"
        f"{block.body}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )


def run_pages(pages: tuple[Path, ...], cwd: Path, env: dict[str, str]) -> int:
    """Run every marked block of ``pages`` in order; the number run."""
    blocks = [b for page in pages for b in markdown_blocks(page) if b.marker is not None]
    for block in blocks:
        run_block(block, cwd, env)
    return len(blocks)


@pytest.mark.registry
def test_release_engineer_and_deploy_how_tos_run(tmp_path: Path) -> None:
    """A key-signed release of examples/hello with its policy and audit gate, then the deploy
    job's verify, install, verify-env and audit, as the two pages say."""
    project = tmp_path / "hello"
    copy_tracked(HELLO, project)
    env = _environment(tmp_path)
    env["CHAINPROOF_DB"] = str(fresh_advisory_db(tmp_path, env))
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "hello"]):
        subprocess.run(["git", *command], cwd=project, env=env, check=True)
    assert run_pages(PROJECT_PAGES, project, env) >= 5
    manifest = json.loads((project / "release" / "release.json").read_text())
    roles = {entry["role"] for entry in manifest["files"]}
    assert {"artifact", "build-record", "sbom", "provenance", "sbom-attestation"} <= roles
    assert (project / "vsa.json").is_file()


def test_consumer_how_to_runs(tmp_path: Path) -> None:
    """Real published files: a PEP 740 attestation from GitLab CI, a Sigstore bundle from
    GitHub Actions, verified offline with chainproof and the upstream tools; an SBOM audited."""
    work = tmp_path / "downloads"
    shutil.copytree(ASSETS / "vectors", work)
    for name in (SNAPSHOT.name, "app.cdx.json"):
        shutil.copy(ASSETS / "audit" / name, work)
    assert run_pages(CONSUMER_PAGES, work, _environment(tmp_path)) >= 4


def test_every_how_to_has_commands_a_test_runs() -> None:
    for page in (*PROJECT_PAGES, *CONSUMER_PAGES):
        runnable = [b for b in markdown_blocks(page) if b.marker is not None and b.lang == "sh"]
        assert runnable, f"{page.name} has no tested sh block"


BAD_PAGE = """# a page
<!-- tested -->
```sh
true
```

<!-- tested: file policy.toml -->
```toml
[verify]
```

{block}
"""


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ("<!-- tested -->\n```sh\necho half && false\necho never\n```", "exited 1, expected 0"),
        ("<!-- tested: exit 1 -->\n```sh\ntrue\n```", "exited 0, expected 1"),
        ("<!-- tested: exit 2 -->\n```sh\nexit 1\n```", "exited 1, expected 2"),
        ("<!-- tested: maybe -->\n```sh\ntrue\n```", "unknown marker 'maybe'"),
        ("<!-- tested -->\n```yaml\nscript: [true]\n```", "only sh blocks run"),
    ],
)
def test_a_failing_block_fails_the_test(tmp_path: Path, block: str, message: str) -> None:
    page = tmp_path / "page.md"
    page.write_text(BAD_PAGE.format(block=block))
    with pytest.raises(AssertionError, match=re.escape(message)):
        run_pages((page,), tmp_path, _environment(tmp_path))
    assert (tmp_path / "policy.toml").read_text() == "[verify]\n"


def test_unmarked_blocks_do_not_run(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```sh\nfalse\n```\n\n<!-- tested: exit 3 -->\n```sh\nexit 3\n```\n")
    assert run_pages((page,), tmp_path, _environment(tmp_path)) == 1


_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchor(heading: str) -> str:
    """GitHub's id for a Markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def broken_links(page: Path) -> list[str]:
    """Relative links of ``page`` whose file or heading does not exist."""
    broken = []
    for target in _LINK.findall(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+:", target):
            continue  # an absolute URL: not ours to check offline
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{page.name}: {target}: no such file")
        elif anchor and linked.suffix == ".md":
            headings = re.findall(r"^#+ (.*)$", linked.read_text(encoding="utf-8"), re.M)
            if anchor not in {_anchor(h) for h in headings}:
                broken.append(f"{page.name}: {target}: no such heading")
    return broken


def test_links_between_docs_resolve() -> None:
    pages = [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]
    assert [problem for page in pages for problem in broken_links(page)] == []


def test_a_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other page\n## The `[verify]` table: keys\n")
    page = tmp_path / "page.md"
    page.write_text(
        "[ok](other.md) [ok](other.md#the-verify-table-keys) [ok](#here) [web](https://x.test/y)"
        "\n# Here\n[gone](missing.md) [bad anchor](other.md#nothing)\n"
    )
    assert broken_links(page) == [
        "page.md: missing.md: no such file",
        "page.md: other.md#nothing: no such heading",
    ]


def test_policy_reference_names_every_verify_key() -> None:
    from chainproof.formats.deploy_policy import POLICY_KEYS

    text = (DOCS / "policy.md").read_text(encoding="utf-8")
    assert [key for key in POLICY_KEYS if f"`{key}`" not in text] == []
