"""Reading commands out of docs and CI files: fenced Markdown blocks, shell lines, and the
``chainproof`` invocations in them, checked against the real Typer application."""

from __future__ import annotations

import datetime
import json
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "assets" / "audit" / "pypa-advisory-database-2024-10-10.tar.gz"
CANARY = "chainproof-docs-canary"  # fictitious

__all__ = [
    "ROOT",
    "SNAPSHOT",
    "Block",
    "chainproof_invocations",
    "check_invocation",
    "copy_tracked",
    "fresh_advisory_db",
    "markdown_blocks",
    "script_strings",
    "shell_commands",
]

# `<!-- tested -->` before a fenced block marks it for tests/test_docs.py: a shell block runs
# (`<!-- tested: exit N -->` when it must end with status N); `<!-- tested: file PATH -->`
# before any block writes the block to PATH.
_MARKER = re.compile(r"<!--\s*tested(?::\s*(.*?))?\s*-->")
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
# Words after which a new simple command starts in a shell line.
_COMMAND_STARTS = {";", "&&", "||", "|", "(", ")", "then", "do", "else", "!", "{"}
_MODULE = ["-m", "chainproof"]
_OPTIONAL_PREFIX = re.compile(r"^\$\{\w+:\+")  # ${VAR:+--flag "$VAR"} passes --flag when set


@dataclass(frozen=True)
class Block:
    """One fenced block of a Markdown file. ``marker`` is None for a block no test runs, else
    the marker's argument ("" when it has none)."""

    path: Path
    lang: str
    body: str
    line: int
    marker: str | None


def markdown_blocks(path: Path) -> list[Block]:
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = _MARKER.fullmatch(before.strip())
        line = text.count("\n", 0, match.start()) + 1
        argument = None if marker is None else (marker.group(1) or "")
        blocks.append(Block(path, match.group(1), match.group(2), line, argument))
    return blocks


def shell_commands(body: str, prompt: bool = False) -> list[str]:
    """The logical lines of a shell snippet: continuations joined, comments and blank lines
    dropped; with ``prompt``, only lines starting ``$ `` (a console transcript), unprefixed."""
    lines: list[str] = []
    pending = ""
    for raw in body.splitlines():
        line = raw.rstrip()
        if not pending:
            if prompt:
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def _words(line: str) -> list[str]:
    lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def chainproof_invocations(line: str) -> Iterator[list[str]]:
    """Each ``chainproof ...`` (or ``path/to/chainproof``, ``python -m chainproof``) command
    in a shell line, as its words after the program name, up to the end of the command."""
    words = _words(line)
    start = True
    index = 0
    while index < len(words):
        word = words[index]
        if start and re.fullmatch(r"\w+=\S*", word):  # FOO=bar chainproof ...
            index += 1
            continue
        program = None
        if start and word.rsplit("/", 1)[-1] == "chainproof":
            program = index + 1
        elif (
            start and re.search(r"python[\d.]*$", word) and words[index + 1 : index + 3] == _MODULE
        ):
            program = index + 3
        if program is not None:
            end = program
            while end < len(words) and words[end] not in _COMMAND_STARTS:
                end += 1
            yield words[program:end]
            index = end
            continue
        start = word in _COMMAND_STARTS
        index += 1


def _options(command: Any) -> set[str]:
    names = {"--help", "-h"}
    for param in command.params:
        if param.param_type_name == "option":
            names.update(param.opts)
            names.update(param.secondary_opts)
    return names


def check_invocation(app: typer.Typer, args: list[str]) -> list[str]:
    """Problems with one invocation: an unknown command, or an option the command lacks.
    (Typer builds on a click it vendors privately, so groups are told by their ``commands``.)"""
    command: Any = typer.main.get_command(app)
    rest = list(args)
    path = ["chainproof"]
    while hasattr(command, "commands"):
        if not rest or rest[0].startswith("-"):
            if rest[:1] in (["--help"], ["-h"], ["--version"]):
                return []
            return [f"{' '.join(path)} needs a command: {shlex.join(args)}"]
        name = rest.pop(0)
        sub = command.commands.get(name)
        if sub is None:
            return [f"{' '.join(path)} has no command {name!r}: {shlex.join(args)}"]
        path.append(name)
        command = sub
    known = _options(command)
    problems = []
    for word in rest:
        if word == "--":  # `chainproof step ... -- COMMAND`: the rest is another program's
            break
        flag = _OPTIONAL_PREFIX.sub("", word).split("=", 1)[0]
        if flag.startswith("-") and flag != "-" and flag not in known:
            problems.append(f"{' '.join(path)} has no option {flag}: {shlex.join(args)}")
    return problems


def script_strings(node: object, keys: frozenset[str]) -> Iterator[str]:
    """Every string under one of ``keys`` anywhere in a parsed YAML document (a job's
    script, before_script, after_script; a GitHub Actions step's run)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys:
                items = value if isinstance(value, list) else [value]
                yield from (item for item in items if isinstance(item, str))
            else:
                yield from script_strings(value, keys)
    elif isinstance(node, list):
        for item in node:
            yield from script_strings(item, keys)


def fresh_advisory_db(tmp: Path, env: dict[str, str]) -> Path:
    """The PyPA snapshot plus one fictitious advisory dated now, so that the database is not
    stale and the audit gate of a release runs as it does against `chainproof db update`."""
    records = tmp / "osv"
    with tarfile.open(SNAPSHOT) as archive:
        archive.extractall(records, filter="data")
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    canary = {
        "schema_version": "1.6.0",
        "id": "CHAINPROOF-DOCS-0001",
        "modified": now,
        "published": now,
        "summary": "Fictitious: dates the test database today.",
        "affected": [{"package": {"ecosystem": "PyPI", "name": CANARY}, "versions": ["0.0.1"]}],
    }
    (records / "CHAINPROOF-DOCS-0001.json").write_text(json.dumps(canary))
    db = tmp / "advisories.sqlite3"
    subprocess.run(
        [sys.executable, "-m", "chainproof", "db", "import", str(records), "--db", str(db)],
        env=env,
        check=True,
        capture_output=True,
    )
    return db


def copy_tracked(source: Path, destination: Path) -> None:
    """The files git tracks under ``source``, copied as a clone would have them (no local
    keys, builds or releases)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "."], cwd=source, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    for name in filter(None, listed):
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source / name, destination / name)
