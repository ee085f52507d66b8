"""Our .gitlab-ci.yml and the users' template: valid YAML, only documented GitLab CI keywords,
inputs declared and used, and every ``chainproof`` command line naming a real command and
real options (also in the YAML and shell blocks of README.md and docs/)."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from chainproof.cli.app import app
from tests.docs_helpers import (
    DEFAULT_STAGES,
    GLOBAL_KEYWORDS,
    HEADER_KEYWORDS,
    INPUT_KEYWORDS,
    INPUT_REFERENCE,
    INPUT_TYPES,
    ROOT,
    SPEC_KEYWORDS,
    Template,
    chainproof_invocations,
    check_invocation,
    checkout_chainproof,
    copy_tracked,
    fresh_advisory_db,
    keyword_problems,
    load_template,
    markdown_blocks,
    run_job,
    script_strings,
    shell_commands,
    template_job,
)
from tests.report.repo import SBOM, Change, advisory, day, write_advisories, write_repository

if TYPE_CHECKING:
    from tests.sigstore_local import LocalSigstore

PIPELINE = ROOT / ".gitlab-ci.yml"
MARKDOWN = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])

SCRIPT_KEYS = frozenset({"script", "before_script", "after_script", "run"})


def _jobs(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in config.items() if k not in GLOBAL_KEYWORDS and isinstance(v, dict)}


def _structure_problems(config: dict[str, Any], where: str, stages: set[str] | None) -> list[str]:
    """Jobs that extend, need or are staged in something the file does not define."""
    jobs = _jobs(config)
    problems = []
    for name, job in jobs.items():
        extends = job.get("extends") or []
        for parent in [extends] if isinstance(extends, str) else extends:
            if parent not in jobs:
                problems.append(f"{where}: {name} extends unknown {parent!r}")
        for need in job.get("needs") or []:
            needed = need if isinstance(need, str) else need.get("job")
            if needed not in jobs or str(needed).startswith("."):
                problems.append(f"{where}: {name} needs unknown job {needed!r}")
        stage = job.get("stage")
        if stages is not None and stage is not None and stage not in stages:
            problems.append(f"{where}: {name} is in undeclared stage {stage!r}")
    return problems


def _header_problems(header: dict[str, Any], body: str, where: str) -> list[str]:
    """spec:inputs uses documented keys; every ``$[[ inputs.x ]]`` is declared; every
    declared input is used (an input accepted and ignored is a defect)."""
    problems = [f"{where}: {k} is not a header keyword" for k in set(header) - HEADER_KEYWORDS]
    spec = header.get("spec") or {}
    problems += [f"{where}: spec:{k} is not a keyword" for k in set(spec) - SPEC_KEYWORDS]
    inputs: dict[str, Any] = spec.get("inputs") or {}
    for name, definition in inputs.items():
        definition = definition or {}
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            problems.append(f"{where}: input name {name!r} is not allowed")
        problems += [
            f"{where}: spec:inputs:{name}:{k} is not a keyword"
            for k in sorted(set(definition) - INPUT_KEYWORDS)
        ]
        if definition.get("type", "string") not in INPUT_TYPES:
            problems.append(f"{where}: input {name} has an unknown type")
        options = definition.get("options")
        if options is not None and "default" in definition and definition["default"] not in options:
            problems.append(f"{where}: input {name}'s default is not one of its options")
        if not definition.get("description"):
            problems.append(f"{where}: input {name} is not documented (description)")
    used = set(INPUT_REFERENCE.findall(body))
    problems += [f"{where}: $[[ inputs.{n} ]] is not declared" for n in sorted(used - set(inputs))]
    problems += [
        f"{where}: input {n} is declared but never used" for n in sorted(set(inputs) - used)
    ]
    return problems


def _command_problems(config: object, where: str) -> list[str]:
    problems: list[str] = []
    for script in script_strings(config, SCRIPT_KEYS):
        for line in shell_commands(INPUT_REFERENCE.sub("INPUT", script)):
            for args in chainproof_invocations(line):
                problems += [f"{where}: {p}" for p in check_invocation(app, args)]
    return problems


def _check_all(pipeline: dict[str, Any], template: Template) -> list[str]:
    header, body, config = template
    stages = set(pipeline.get("stages") or DEFAULT_STAGES)
    return [
        *keyword_problems(pipeline, ".gitlab-ci.yml"),
        *_structure_problems(pipeline, ".gitlab-ci.yml", stages),
        *_command_problems(pipeline, ".gitlab-ci.yml"),
        *_header_problems(header, body, "template"),
        *keyword_problems(config, "template"),
        *_structure_problems(config, "template", None),  # stages are the includer's
        *_command_problems(config, "template"),
    ]


def test_pipeline_and_template_use_documented_keywords_and_real_commands() -> None:
    pipeline = yaml.safe_load(PIPELINE.read_text(encoding="utf-8"))
    assert _check_all(pipeline, load_template()) == []


def test_pipeline_dogfoods_a_keyless_release() -> None:
    jobs = _jobs(yaml.safe_load(PIPELINE.read_text(encoding="utf-8")))
    assert jobs["test"]["script"] == [".ci/run"]
    release, verify, publish = jobs["release"], jobs["verify"], jobs["publish"]
    tags = [{"if": "$CI_COMMIT_TAG"}]
    assert release["rules"] == tags
    assert release["id_tokens"] == {"SIGSTORE_ID_TOKEN": {"aud": "sigstore"}}
    assert release["artifacts"]["reports"]["cyclonedx"] == ["release/sbom.cdx.json"]
    assert any("chainproof release . -o release" in line for line in release["script"])
    assert "--signer" not in " ".join(release["script"])  # keyless: sigstore is the default
    # a hash-pinned pip first: the one a new venv ships mis-handles extras under --require-hashes
    assert release["script"][1:3] == [
        ".venv/bin/pip install -q --require-hashes -r requirements/bootstrap.txt",
        ".venv/bin/pip install -q --require-hashes -r requirements/main.txt",
    ]
    assert verify["needs"] == ["release"]
    assert any("--require provenance,sbom" in line for line in verify["script"])
    assert publish["rules"] == [{"if": "$CI_COMMIT_TAG", "when": "manual"}]
    assert any("--require-hashes -r requirements/publish.txt" in line for line in publish["script"])
    upload = next(line for line in publish["script"] if "twine upload" in line)
    # twine attaches only attestation files it is given, named <dist>.<kind>.attestation.
    assert "--attestations" in upload
    assert "release/*.publish.attestation" in upload


def test_template_jobs_release_keyless_and_verify() -> None:
    header, _, config = load_template()
    inputs = header["spec"]["inputs"]
    assert "default" not in inputs["pip-install"]  # mandatory: nothing unpinned by default
    release, verify = config["chainproof-release"], config["chainproof-verify"]
    assert release["id_tokens"] == {"SIGSTORE_ID_TOKEN": {"aud": "sigstore"}}
    assert release["artifacts"]["reports"]["cyclonedx"] == ["$[[ inputs.output ]]/sbom.cdx.json"]
    assert verify["needs"] == ["chainproof-release"]
    report = config["chainproof-report"]
    assert report["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "schedule"'}]
    assert report["variables"]["GIT_DEPTH"] == "0"  # the whole history
    assert report["cache"]["when"] == "always"  # a failing run still keeps its baseline
    assert report["artifacts"]["when"] == "always"


def test_docs_commands_exist_in_the_cli() -> None:
    problems: list[str] = []
    for path in MARKDOWN:
        for block in markdown_blocks(path):
            where = f"{path.relative_to(ROOT)}:{block.line}"
            if block.lang == "yaml":
                for document in yaml.safe_load_all(block.body):
                    problems += _command_problems(document, where)
            elif block.lang in ("sh", "console", "text", "shell", "bash", ""):
                prompt = block.lang != "sh"  # elsewhere only `$ ` lines are commands
                for line in shell_commands(block.body, prompt=prompt):
                    for args in chainproof_invocations(line):
                        problems += [f"{where}: {p}" for p in check_invocation(app, args)]
    assert problems == []


def test_docs_include_the_template_with_its_inputs() -> None:
    """Every `include:` of the template in docs passes only declared inputs and every
    mandatory one."""
    inputs = load_template()[0]["spec"]["inputs"]
    mandatory = {name for name, spec in inputs.items() if "default" not in (spec or {})}
    seen = 0
    for path in MARKDOWN:
        for block in markdown_blocks(path):
            if block.lang != "yaml" or "chainproof.gitlab-ci.yml" not in block.body:
                continue
            for item in yaml.safe_load(block.body).get("include", []):
                if isinstance(item, dict) and "chainproof.gitlab-ci.yml" in str(item):
                    seen += 1
                    given = set(item.get("inputs") or {})
                    assert given <= set(inputs), (path, given - set(inputs))
                    assert mandatory <= given, (path, mandatory - given)
    assert seen, "no doc shows how to include the template"


# Each check above must be able to fail: the same checks on bad snippets.

BAD_PIPELINE = """
stages: [test]
image_typo: python:3.11
defaults:
  image: python:3.11
test:
  stage: tests
  scirpt: [chainproof verify dist]
  artifacts:
    reports:
      sbom: [x.json]
    path: [dist/]
  rules:
    - if: $CI_COMMIT_TAG
      when: sometimes
  id_tokens:
    SIGSTORE_ID_TOKEN: {audience: sigstore}
  needs: [nowhere]
build:
  script:
    - chainproof verify dist --gitlab g/p --reff refs/tags/v1
    - chainproof publish dist
    - .venv/bin/chainproof db upgrade
    - cd x && chainproof release . ${POLICY:+--polcy "$POLICY"}
    - if true; then chainproof sign dist --keyless; fi
    - echo chainproof --not-a-command
"""

BAD_TEMPLATE = """spec:
  inputs:
    used:
      description: declared and used
    unused:
      description: declared, never used
    typed:
      description: wrong type
      type: text
      default: x
    picky:
      description: default outside its options
      options: [a, b]
      default: c
    undocumented:
      default: x
      mandatory: true
---
job:
  script:
    - chainproof build $[[ inputs.used ]] $[[ inputs.typed ]] $[[ inputs.picky ]]
    - chainproof build $[[ inputs.undocumented ]] $[[ inputs.missing ]] --bogus
"""


def test_the_checks_catch_bad_snippets(tmp_path: Path) -> None:
    template = tmp_path / "template.yml"
    template.write_text(BAD_TEMPLATE)
    problems = "\n".join(_check_all(yaml.safe_load(BAD_PIPELINE), load_template(template)))
    expected = [
        "'image_typo' is neither a global keyword nor a job",
        "job 'defaults' has no script",
        "test:scirpt is not a GitLab CI keyword",
        "test:artifacts:reports:sbom is not a GitLab CI keyword",
        "test:artifacts:path is not a GitLab CI keyword",
        "test:rules:when 'sometimes' is not a value",
        "test:id_tokens:SIGSTORE_ID_TOKEN:audience is not a GitLab CI keyword",
        "test needs unknown job 'nowhere'",
        "test is in undeclared stage 'tests'",
        "chainproof verify has no option --reff",
        "chainproof has no command 'publish'",
        "chainproof db has no command 'upgrade'",
        "chainproof release has no option --polcy",
        "chainproof sign has no option --keyless",
        "template: $[[ inputs.missing ]] is not declared",
        "template: input unused is declared but never used",
        "template: input typed has an unknown type",
        "template: input picky's default is not one of its options",
        "template: input undocumented is not documented",
        "template: spec:inputs:undocumented:mandatory is not a keyword",
        "template: chainproof build has no option --bogus",
    ]
    missing = [line for line in expected if line not in problems]
    assert missing == [], problems
    assert "--not-a-command" not in problems  # `echo chainproof` is not a chainproof command


def test_template_without_header_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "template.yml"
    template.write_text("job:\n  script: [chainproof build]\n")
    with pytest.raises(AssertionError, match="no header"):
        load_template(template)


# The template's jobs run: a tag pipeline simulated as GitLab runs it (docs_helpers.template_job
# and run_job), against the local Sigstore instance with a GitLab `id_tokens` token. The one
# change to the jobs: `chainproof` on PATH is a wrapper that adds `--trust-config` (the local
# instance) to release and verify, since the template signs with the public instance. The
# before_script (pip install) is not run: the jobs use the chainproof of this checkout.


@pytest.mark.registry
def test_template_jobs_run_like_a_gitlab_tag_pipeline(
    tmp_path: Path, local_sigstore: LocalSigstore
) -> None:
    project, tag = "group/hello", "v1.0.0"
    checkout = tmp_path / "hello"
    copy_tracked(ROOT / "examples" / "hello", checkout)
    (checkout / "chainproof.toml").write_text(
        '[verify]\ngitlab = "group/hello"\n'
        "identity-regex = 'https://gitlab\\.com/group/hello//\\.gitlab-ci\\.yml@refs/tags/v[0-9.]+'\n"
        'require = ["provenance", "sbom"]\n'
    )
    git = {"GIT_AUTHOR_NAME": "ci", "GIT_AUTHOR_EMAIL": "ci@example.com"}
    git |= {"GIT_COMMITTER_NAME": "ci", "GIT_COMMITTER_EMAIL": "ci@example.com"}
    for command in (
        ["init", "-q"],
        ["remote", "add", "origin", f"https://gitlab.com/{project}.git"],
        ["add", "-A"],
        ["commit", "-q", "-m", "hello"],
        ["tag", tag],
        ["checkout", "-q", "--detach", tag],  # as a runner checks out a tag pipeline
    ):
        subprocess.run(["git", *command], cwd=checkout, env={**os.environ, **git}, check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout.strip()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "chainproof"
    real = Path(sys.executable).parent / "chainproof"
    wrapper.write_text(
        f'#!/bin/sh\ncase "$1" in release|verify) exec "{real}" "$@" --trust-config '
        f'"{local_sigstore.trust_config}";; esac\nexec "{real}" "$@"\n'
    )
    wrapper.chmod(0o755)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CHAINPROOF_", "SIGSTORE_", "CI_", "GITLAB", "GITHUB_"))
    }
    env |= {
        "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}",
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "CI": "true",
        "GITLAB_CI": "true",
        "CI_SERVER_URL": "https://gitlab.com",
        "CI_PROJECT_PATH": project,
        "CI_COMMIT_TAG": tag,
        "CI_COMMIT_SHA": commit,
        "CI_RUNNER_ID": "5000",
        "CI_JOB_URL": f"https://gitlab.com/{project}/-/jobs/4000",
    }
    inputs = {"pip-install": "chainproof", "db-update": "false"}
    release = template_job("chainproof-release", inputs)
    token = local_sigstore.gitlab_token(project, f"refs/tags/{tag}", claims={"sha": commit})
    assert set(release["id_tokens"]) == {"SIGSTORE_ID_TOKEN"}
    done = run_job(release, checkout, {**env, "SIGSTORE_ID_TOKEN": token})
    assert done.returncode == 0, done.stdout + done.stderr
    names = {p.name for p in (checkout / "release").iterdir()}
    assert {"release.json", "provenance.sigstore.json", "sbom.intoto.sigstore.json"} <= names
    assert any(n.endswith(".whl.publish.attestation") for n in names)
    assert release["artifacts"]["reports"]["cyclonedx"] == ["release/sbom.cdx.json"]
    # The verify job has no token: it only reads the release job's artifacts.
    verify = template_job("chainproof-verify", inputs)
    checked = run_job(verify, checkout, env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"gitlab.com/{project}//.gitlab-ci.yml@refs/tags/{tag}" in checked.stdout
    # The same job for another tag than the one signed refuses the release.
    other = run_job(verify, checkout, {**env, "CI_COMMIT_TAG": "v9.9.9"})
    assert other.returncode == 1, other.stdout + other.stderr
    assert "expected 'refs/tags/v9.9.9'" in other.stdout

    # The optional inputs reach chainproof: a deploy policy file and the audit threshold.
    shutil.rmtree(checkout / "release")
    (tmp_path / "deploy.toml").write_text(
        f'[verify]\ngitlab = "{project}"\nref = "refs/tags/{tag}"\n'
    )
    inputs |= {"policy": str(tmp_path / "deploy.toml"), "fail-on": "critical", "output": "out"}
    env["CHAINPROOF_DB"] = str(fresh_advisory_db(tmp_path, env))
    release = template_job("chainproof-release", inputs)
    done = run_job(release, checkout, {**env, "SIGSTORE_ID_TOKEN": token})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Audit:" in done.stdout
    assert f"deploy policy in {tmp_path / 'deploy.toml'}" in done.stdout
    checked = run_job(template_job("chainproof-verify", inputs), checkout, env)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"policy: {tmp_path / 'deploy.toml'}" in checked.stdout


# The scheduled job runs as GitLab runs it (template_job, run_job), with this checkout's
# chainproof on PATH and the database given by CHAINPROOF_DB (db-update off: no network).


def test_template_scheduled_report_fails_on_what_is_new_and_keeps_its_baseline(
    tmp_path: Path,
) -> None:
    checkout = write_repository(
        tmp_path / "app",
        [Change(day(0), "lock", {"requirements.txt": "alpha==1.0\nbeta==2.0\n"})],
    )
    release = checkout / "releases" / "v0.9"
    release.mkdir(parents=True)
    (release / "sbom.cdx.json").write_text(json.dumps(SBOM))  # shipped alpha 0.9
    bin_dir = checkout_chainproof(tmp_path / "bin")
    db = tmp_path / "advisories.sqlite3"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHAINPROOF_", "CI_"))}
    env |= {
        "PATH": f"{bin_dir}{os.pathsep}{env['PATH']}",
        "CHAINPROOF_DB": str(db),
        "CHAINPROOF_OFFLINE": "1",
        "CI_PIPELINE_SOURCE": "schedule",
    }

    def imported(records: list[dict[str, Any]]) -> None:
        osv = write_advisories(tmp_path / f"osv{len(records)}", records)
        done = subprocess.run(
            [str(bin_dir / "chainproof"), "db", "import", str(osv)],
            env=env,
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr

    inputs = {"pip-install": "chainproof", "db-update": "false"}
    inputs |= {"report-sboms": "releases/*/sbom.cdx.json", "fail-on": "medium"}
    job = template_job("chainproof-report", inputs)
    known = [advisory("ADV-A", "alpha", "1.1", day(1))]
    imported(known)
    first = run_job(job, checkout, env)
    assert first.returncode == 0, first.stdout + first.stderr
    page = (checkout / "public" / "index.html").read_text()
    assert "Dependency report: app" in page
    assert "v0.9/sbom.cdx.json" in page  # the released version was re-audited
    baseline = checkout / ".chainproof-report" / "report.json"
    assert json.loads(baseline.read_text())["open"]["total"] == 1

    again = run_job(job, checkout, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Nothing new since the baseline." in again.stderr

    imported([*known, advisory("ADV-B", "beta", "3.0", day(2))])  # high
    alert = run_job(job, checkout, env)
    assert alert.returncode == 1, alert.stdout + alert.stderr
    assert "1 new advisory at or above medium: ADV-B in beta (high)" in alert.stderr
    assert (checkout / "public" / "report.json").read_bytes() == baseline.read_bytes()
    # the failing run became the baseline: the next run alerts on nothing
    after = run_job(job, checkout, env)
    assert after.returncode == 0, after.stdout + after.stderr


def test_every_test_directory_is_collected() -> None:
    """pytest skips directories that match norecursedirs (its default holds "build"): none of
    ours may match, or its tests never run."""
    tests = Path(__file__).parent
    settings = tomllib.loads((tests.parent / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = settings["tool"]["pytest"]["ini_options"]["norecursedirs"]
    ours = [p.name for p in tests.iterdir() if p.is_dir() and (p / "__init__.py").is_file()]
    assert [(d, p) for d in ours for p in patterns if fnmatch.fnmatch(d, p)] == []
    assert "build" in ours
