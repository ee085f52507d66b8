"""Reading docs and CI files: fenced Markdown blocks, shell lines and the ``chainproof``
invocations in them (checked against the real Typer application); GitLab CI's documented
keywords; a GitLab template's jobs created and run as GitLab would."""

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
import yaml

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "assets" / "audit" / "pypa-advisory-database-2024-10-10.tar.gz"
CANARY = "chainproof-docs-canary"  # fictitious
TEMPLATE = ROOT / "templates" / "chainproof.gitlab-ci.yml"
INPUT_REFERENCE = re.compile(r"\$\[\[\s*inputs\.([\w-]+)\s*(?:\|[^\]]*)?\]\]")
Template = tuple[dict[str, Any], str, dict[str, Any]]  # header, text after ---, configuration
Completed = subprocess.CompletedProcess[str]

__all__ = [
    "DEFAULT_STAGES",
    "GLOBAL_KEYWORDS",
    "HEADER_KEYWORDS",
    "INPUT_KEYWORDS",
    "INPUT_REFERENCE",
    "INPUT_TYPES",
    "ROOT",
    "SNAPSHOT",
    "SPEC_KEYWORDS",
    "TEMPLATE",
    "Block",
    "Template",
    "chainproof_invocations",
    "check_invocation",
    "checkout_chainproof",
    "copy_tracked",
    "fresh_advisory_db",
    "keyword_problems",
    "load_template",
    "markdown_blocks",
    "run_job",
    "script_strings",
    "shell_commands",
    "template_job",
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


# The keywords below are those of GitLab's CI/CD YAML syntax reference,
# https://docs.gitlab.com/ci/yaml/ ("Global keywords", "Header keywords", "Job keywords" and
# each keyword's sub-keys), and of https://docs.gitlab.com/ci/inputs/ for spec:inputs.
# Only keywords that are documented belong here; a typo or an invented key fails the test.
GLOBAL_KEYWORDS = {"default", "include", "stages", "variables", "workflow"}
HEADER_KEYWORDS = {"spec"}
SPEC_KEYWORDS = {"inputs", "component", "include"}
INPUT_KEYWORDS = {"default", "description", "options", "regex", "type", "rules"}
INPUT_TYPES = {"string", "number", "boolean", "array"}
JOB_KEYWORDS = {
    "after_script", "allow_failure", "artifacts", "before_script", "cache", "coverage",
    "dast_configuration", "dependencies", "environment", "extends", "hooks", "identity",
    "id_tokens", "image", "inherit", "interruptible", "manual_confirmation", "needs", "pages",
    "parallel", "release", "resource_group", "retry", "rules", "run", "script", "secrets",
    "services", "stage", "tags", "timeout", "trigger", "variables", "when",
}  # fmt: skip
DEFAULT_KEYWORDS = {
    "after_script", "artifacts", "before_script", "cache", "hooks", "id_tokens", "image",
    "interruptible", "retry", "services", "tags", "timeout",
}  # fmt: skip
ARTIFACTS_KEYWORDS = {
    "paths", "exclude", "expire_in", "expose_as", "name", "public", "access", "reports",
    "untracked", "when",
}  # fmt: skip
REPORTS_KEYWORDS = {
    "accessibility", "annotations", "api_fuzzing", "browser_performance", "coverage_report",
    "codequality", "container_scanning", "coverage_fuzzing", "cyclonedx", "dast",
    "dependency_scanning", "dotenv", "junit", "load_performance", "metrics", "requirements",
    "repository_xray", "sast", "secret_detection", "terraform",
}  # fmt: skip
RULES_KEYWORDS = {
    "if", "changes", "exists", "allow_failure", "needs", "variables", "when", "interruptible",
}  # fmt: skip
ID_TOKEN_KEYWORDS = {"aud"}
INCLUDE_KEYWORDS = {
    "local", "project", "ref", "file", "remote", "template", "component", "inputs", "rules",
    "integrity",
}  # fmt: skip
NEEDS_KEYWORDS = {"job", "artifacts", "optional", "pipeline", "project", "ref", "parallel"}
WORKFLOW_KEYWORDS = {"name", "rules", "auto_cancel"}
IMAGE_KEYWORDS = {"name", "entrypoint", "docker", "pull_policy"}
WHEN_VALUES = {"on_success", "on_failure", "always", "manual", "delayed", "never"}
DEFAULT_STAGES = {".pre", "build", "test", "deploy", ".post"}


def keyword_problems(config: dict[str, Any], where: str) -> list[str]:
    """Every key in a pipeline configuration that GitLab does not document where it is used."""
    problems: list[str] = []

    def unknown(mapping: object, allowed: set[str], at: str) -> None:
        if not isinstance(mapping, dict):
            problems.append(f"{where}: {at} must be a mapping")
            return
        problems.extend(f"{where}: {at}:{key} is not a GitLab CI keyword" for key in
                        sorted(set(mapping) - allowed))  # fmt: skip

    def job_like(job: dict[str, Any], allowed: set[str], at: str) -> None:
        unknown(job, allowed, at)
        if isinstance(job.get("artifacts"), dict):
            unknown(job["artifacts"], ARTIFACTS_KEYWORDS, f"{at}:artifacts")
            if "reports" in job["artifacts"]:
                unknown(job["artifacts"]["reports"], REPORTS_KEYWORDS, f"{at}:artifacts:reports")
        for rule in job.get("rules") or []:
            unknown(rule, RULES_KEYWORDS, f"{at}:rules")
            if isinstance(rule, dict) and rule.get("when", "on_success") not in WHEN_VALUES:
                problems.append(f"{where}: {at}:rules:when {rule['when']!r} is not a value")
        for name, token in (job.get("id_tokens") or {}).items():
            unknown(token, ID_TOKEN_KEYWORDS, f"{at}:id_tokens:{name}")
        for need in job.get("needs") or []:
            if not isinstance(need, str):
                unknown(need, NEEDS_KEYWORDS, f"{at}:needs")
        if isinstance(job.get("image"), dict):
            unknown(job["image"], IMAGE_KEYWORDS, f"{at}:image")
        if job.get("when", "on_success") not in WHEN_VALUES:
            problems.append(f"{where}: {at}:when {job['when']!r} is not a value")

    for key, value in config.items():
        if key == "default":
            job_like(value, DEFAULT_KEYWORDS, "default")
        elif key == "include":
            for item in value if isinstance(value, list) else [value]:
                if not isinstance(item, str):
                    unknown(item, INCLUDE_KEYWORDS, "include")
        elif key == "workflow":
            unknown(value, WORKFLOW_KEYWORDS, "workflow")
        elif key in ("stages", "variables"):
            continue
        elif not isinstance(value, dict):
            problems.append(f"{where}: {key!r} is neither a global keyword nor a job")
        else:
            job_like(value, JOB_KEYWORDS, key)
            if not key.startswith(".") and not {"script", "trigger", "extends"} & set(value):
                problems.append(f"{where}: job {key!r} has no script, trigger or extends")
    return problems


# GitLab CI templates: loaded, and jobs created and run as GitLab would (inputs interpolated,
# `extends` merged, job variables expanded, the script lines in one shell).


def load_template(path: Path = TEMPLATE) -> Template:
    text = path.read_text(encoding="utf-8")
    _, separator, body = text.partition("\n---\n")
    assert separator, f"{path} has no header: spec, then ---"
    documents = list(yaml.safe_load_all(text))
    assert len(documents) == 2, "the template is a header and a configuration"
    return documents[0], body, documents[1]


def _merged(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """GitLab's `extends`: mappings merge key by key, anything else the child replaces."""
    merged = dict(parent)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merged(merged[key], value)
        else:
            merged[key] = value
    return merged


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)


def _input_text(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def template_job(name: str, given: dict[str, str], template: Path = TEMPLATE) -> dict[str, Any]:
    """One job of the template as GitLab would create it with the inputs ``given``."""
    header, body, _ = load_template(template)
    inputs = header["spec"]["inputs"]
    values = {k: given.get(k, (spec or {}).get("default")) for k, spec in inputs.items()}
    missing = [k for k, v in values.items() if v is None]
    assert not missing, f"mandatory inputs not given: {missing}"
    text = INPUT_REFERENCE.sub(lambda m: _input_text(values[m.group(1)]), body)
    config: dict[str, dict[str, Any]] = yaml.safe_load(text)
    job = config[name]
    extends = job.get("extends")
    for parent in [extends] if isinstance(extends, str) else extends or []:
        job = _merged(config[parent], {k: v for k, v in job.items() if k != "extends"})
    return job


def run_job(job: dict[str, Any], cwd: Path, env: dict[str, str]) -> Completed:
    variables = job.get("variables") or {}
    for name, value in variables.items():  # GitLab takes strings (and numbers), not null
        assert isinstance(value, str | int | float), f"{name}: {value!r} is not a string"
        assert not isinstance(value, bool), f"{name}: {value!r} is not a string"
    variables = {k: _expand(str(v), env) for k, v in variables.items()}
    return subprocess.run(
        ["bash", "-e", "-c", "\n".join(job["script"])],
        cwd=cwd,
        env={**env, **variables},
        capture_output=True,
        text=True,
        check=False,
    )


def checkout_chainproof(directory: Path) -> Path:
    """A ``chainproof`` script in ``directory`` (made) that runs this checkout's code with this
    interpreter, for a job's PATH; returns the directory."""
    import chainproof

    directory.mkdir(parents=True, exist_ok=True)
    wrapper = directory / "chainproof"
    source = Path(chainproof.__file__).resolve().parent.parent
    wrapper.write_text(
        f'#!/bin/sh\nPYTHONPATH="{source}" exec "{sys.executable}" -m chainproof "$@"\n'
    )
    wrapper.chmod(0o755)
    return directory
