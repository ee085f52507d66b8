"""`chainproof sbom` end to end (offline): outputs, determinism, bad input → exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator
from typer.testing import CliRunner

from chainproof.cli.app import app
from chainproof.fileio import sha256_file
from chainproof.formats import build_record
from chainproof.models import Artifact
from tests.cli.helpers import one_sentence_error
from tests.sbom.fixtures import app_wheel, wheelhouse
from tests.sbom.helpers import LockRoot, Pin, make_dist, make_env, write_uv_lock

__all__ = ["app_wheel", "wheelhouse"]  # fixtures used below

ASSETS = Path(__file__).parent.parent / "assets" / "sbom"
EPOCH = {"SOURCE_DATE_EPOCH": "1700000000"}
runner = CliRunner()


def _written(args: tuple[str, ...]) -> Path | None:
    """The file a successful run wrote (None for stdout)."""
    if "-o" in args:
        name = args[args.index("-o") + 1]
        return None if name == "-" else Path(name)
    suffix = "xml" if "xml" in args else "json"
    base = Path(args[args.index("--dist") + 1]) if "--dist" in args else Path(".")
    return base / f"sbom.cdx.{suffix}"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `chainproof sbom`; every SBOM written is checked with cyclonedx-python-lib's strict
    validator and must come out byte-identical from a second run."""
    result = runner.invoke(app, ["sbom", *args], env={**EPOCH, **(env or {})})
    written = _written(args) if result.exit_code == 0 else None
    timestamped = (env or {}).get("SOURCE_DATE_EPOCH") != "" or "--dist" in args
    if written is not None and timestamped:
        text = written.read_text()
        spec = args[args.index("--spec-version") + 1] if "--spec-version" in args else None
        version = SchemaVersion.from_version(
            spec or json.loads(text)["specVersion"] if written.suffix == ".json" else spec or "1.6"
        )
        validator = (
            JsonStrictValidator(version) if written.suffix == ".json" else XmlValidator(version)
        )
        assert validator.validate_str(text) is None
        again = runner.invoke(app, ["sbom", *args], env={**EPOCH, **(env or {})})
        assert again.exit_code == 0
        assert written.read_text() == text
    return result.exit_code, result.stdout, result.stderr


def test_uv_lock_json_is_valid_and_byte_identical(tmp_path: Path) -> None:
    out1, out2 = tmp_path / "a.json", tmp_path / "b.json"
    assert run("--uv-lock", str(ASSETS / "proj1-uv.lock"), "-o", str(out1))[0] == 0
    assert run("--uv-lock", str(ASSETS / "proj1-uv.lock"), "-o", str(out2))[0] == 0
    assert out1.read_bytes() == out2.read_bytes()
    text = out1.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    doc = json.loads(text)
    assert doc["metadata"]["timestamp"] == "2023-11-14T22:13:20+00:00"
    assert len(doc["components"]) == 17


@pytest.mark.parametrize("spec", ["1.5", "1.6", "1.7"])
def test_xml_output(tmp_path: Path, spec: str) -> None:
    out, second = tmp_path / "sbom.xml", tmp_path / "again.xml"
    args = ("--pylock", str(ASSETS / "proj1-pylock.toml"), "--offline", "--format", "xml")
    code, _, _ = run(*args, "--spec-version", spec, "-o", str(out))
    assert code == 0
    text = out.read_text()
    assert XmlValidator(SchemaVersion.from_version(spec)).validate_str(text) is None
    run(*args, "--spec-version", spec, "-o", str(second))
    assert second.read_bytes() == out.read_bytes()


def test_stdout_and_json_summary(tmp_path: Path) -> None:
    code, stdout, _ = run("--uv-lock", str(ASSETS / "proj1-uv.lock"), "-o", "-")
    assert code == 0
    assert json.loads(stdout)["bomFormat"] == "CycloneDX"
    code, stdout, _ = run(
        "--uv-lock",
        str(ASSETS / "proj1-uv.lock"),
        "--python-version",
        "3.12",
        "--platform",
        "win_amd64",
        "-o",
        str(tmp_path / "w.json"),
        "--json",
    )
    summary = json.loads(stdout)
    assert code == 0
    assert summary["components"] == 14
    assert summary["spec_version"] == "1.6"


def test_requirements_offline_keeps_candidates_and_via_graph(tmp_path: Path) -> None:
    out = tmp_path / "req.json"
    code, _, _ = run(
        "--requirements", str(ASSETS / "proj1-requirements.txt"), "--offline", "-o", str(out)
    )
    assert code == 0
    doc = json.loads(out.read_text())
    charset = next(c for c in doc["components"] if c["name"] == "charset-normalizer")
    assert len(charset["hashes"]) > 1
    # told apart from one file's hash: no file is named, and a property says what they are
    assert "externalReferences" not in charset
    properties = {p["name"]: p["value"] for p in charset["properties"]}
    assert properties["chainproof:hash:candidates"] == str(len(charset["hashes"]))
    deps = {d["ref"]: d.get("dependsOn", []) for d in doc["dependencies"]}
    assert "pkg:pypi/idna@3.20" in deps["pkg:pypi/requests@2.34.2"]


def test_missing_hash_fails_or_is_allowed(tmp_path: Path) -> None:
    req = tmp_path / "requirements.txt"
    req.write_text("six==1.17.0\n")
    out = tmp_path / "out.json"
    code, _, stderr = run("--requirements", str(req), "--offline", "-o", str(out))
    assert code == 2
    assert "have no sha256: six 1.17.0" in one_sentence_error(stderr)
    assert not out.exists()
    code, _, stderr = run(
        "--requirements", str(req), "--offline", "--allow-missing-hashes", "-o", str(out)
    )
    assert code == 0
    assert "Warning" in stderr
    assert out.exists()


@pytest.mark.parametrize(
    ("flag", "name", "text", "message"),
    [
        ("--pylock", "pylock.toml", "lock-version = ", "is not valid TOML"),
        (
            "--pylock",
            "pylock.toml",
            'lock-version = "9"\ncreated-by = "x"\npackages = []\n',
            "lock-version '9'",
        ),
        ("--uv-lock", "uv.lock", "version = 7\n", "lock version 7"),
        ("--uv-lock", "uv.lock", "[[package]\n", "not valid TOML"),
        ("--requirements", "r.txt", "requests\n", "not pinned"),
        ("--requirements", "r.txt", "-e ./libs/other\n", "editable requirement"),
        ("--requirements", "r.txt", "pkg @ https://example.invalid/p.whl\n", "has no --hash"),
        ("--requirements", "r.txt", "https://example.invalid/p-1.0.tar.gz\n", "names no package"),
    ],
)
def test_bad_lock_files_exit_2(
    tmp_path: Path, flag: str, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    out = tmp_path / "out.json"
    code, _, stderr = run(flag, str(path), "-o", str(out))
    assert code == 2
    assert message in one_sentence_error(stderr)
    assert not out.exists()


def test_missing_interpreter_exit_2(tmp_path: Path) -> None:
    code, _, stderr = run("--env", str(tmp_path / "no-python"), "-o", str(tmp_path / "o.json"))
    assert code == 2
    assert "does not exist" in one_sentence_error(stderr)


def test_wheel_that_is_not_a_zip_exit_2(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    wheel = dist / "bad-1.0-py3-none-any.whl"
    wheel.write_bytes(b"not a zip at all")
    record = build_record.from_json(
        {
            "schema": "https://chainproof.dev/build-record/v1",
            "project": {"name": "bad", "version": "1.0"},
            "source": {"uri": None, "commit": "0" * 40, "ref": None, "dirty": False},
            "source_date_epoch": 0,
            "started": "",
            "finished": "",
            "tools": {
                "chainproof": "0",
                "python": "3",
                "platform": "x",
                "installer": {"name": "pip", "version": "1"},
                "build": "1",
            },
            "backend": {"build-backend": "x", "requires": []},
            "artifacts": [],
            "build_environment": [],
        }
    )
    data = build_record.to_json(record)
    data["artifacts"] = [Artifact(wheel.name, "wheel", sha256_file(wheel), 16).to_json()]
    (dist / "build-record.json").write_text(json.dumps(data))
    code, _, stderr = run("--dist", str(dist))
    assert code == 2
    assert "not a zip archive" in one_sentence_error(stderr)
    assert not (dist / "sbom.cdx.json").exists()


def test_usage_errors(tmp_path: Path) -> None:
    code, _, stderr = run("--uv-lock", "a", "--pylock", "b")
    assert code == 2
    assert "Give one input" in one_sentence_error(stderr)
    code, _, stderr = run(
        "--uv-lock",
        str(ASSETS / "proj1-uv.lock"),
        "-o",
        str(tmp_path / "x"),
        env={"SOURCE_DATE_EPOCH": "yesterday"},
    )
    assert code == 2
    assert "SOURCE_DATE_EPOCH" in one_sentence_error(stderr)
    code, _, stderr = run("--uv-lock", str(ASSETS / "proj1-uv.lock"), "--spec-version", "1.2")
    assert code == 2
    assert "not supported" in one_sentence_error(stderr)
    code, _, stderr = run("--uv-lock", str(ASSETS / "proj1-uv.lock"), "-o", "-", "--json")
    assert code == 2
    assert "both write to stdout" in one_sentence_error(stderr)
    code, _, stderr = run("--dist", str(tmp_path / "nothing"))
    assert code == 2
    assert "does not exist" in one_sentence_error(stderr)


def test_settings_from_environment_and_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "chainproof.toml").write_text(
        '[sbom]\nspec-version = "1.5"\nplatform = ["win_amd64"]\npython-version = "3.12"\n'
    )
    code, stdout, _ = run("--uv-lock", str(ASSETS / "proj1-uv.lock"), "--json")
    summary = json.loads(stdout)
    assert code == 0
    assert (summary["spec_version"], summary["components"]) == ("1.5", 14)  # Windows set
    code, stdout, _ = run(
        "--uv-lock",
        str(ASSETS / "proj1-uv.lock"),
        "--json",
        env={
            "CHAINPROOF_SBOM_SPEC_VERSION": "1.7",
            "CHAINPROOF_SBOM_PLATFORM": "manylinux_2_28_x86_64",
        },
    )
    summary = json.loads(stdout)
    assert (summary["spec_version"], summary["components"]) == ("1.7", 17)
    code, stdout, _ = run(
        "--uv-lock",
        str(ASSETS / "proj1-uv.lock"),
        "--json",
        "--spec-version",
        "1.6",
        env={"CHAINPROOF_SBOM_SPEC_VERSION": "1.7"},
    )
    assert json.loads(stdout)["spec_version"] == "1.6"
    (tmp_path / "chainproof.toml").write_text("[sbom]\nformat = 3\n")
    code, _, stderr = run("--uv-lock", str(ASSETS / "proj1-uv.lock"))
    assert code == 2
    assert "format in [sbom]" in one_sentence_error(stderr)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--env", "python", "--python-version", "3.12"), "--python-version/--platform cannot"),
        (("--requirements", "r.txt", "--extra", "x"), "--extra cannot be used with --requirements"),
        (("--uv-lock", "uv.lock", "--offline"), "--offline cannot be used with --uv-lock"),
        (("--pylock", "p.toml", "--allow-modified"), "--allow-modified cannot be used with"),
        (("--env", "python", "--find-links", "."), "index options cannot be used with --env"),
        (("--env", "python", "--with-metadata"), "--with-metadata cannot be used with --env"),
        (("--uv-lock", "u", "--find-links", "."), "index options cannot be used with --uv-lock"),
        (("--pylock", "p", "--with-metadata", "--offline"), "needs the package index"),
    ],
)
def test_ignored_options_are_refused(args: tuple[str, ...], message: str) -> None:
    code, _, stderr = run(*args)
    assert code == 2
    assert message in one_sentence_error(stderr)


def test_dist_offline_with_find_links(tmp_path: Path, app_wheel: Path, wheelhouse: Path) -> None:
    dist = make_dist(tmp_path / "dist", app_wheel, "app", "0.1")
    code, _, stderr = run(
        "--dist",
        str(dist),
        "--no-index",
        "--find-links",
        str(wheelhouse),
        env={"SOURCE_DATE_EPOCH": ""},
    )
    assert code == 0, stderr
    doc = json.loads((dist / "sbom.cdx.json").read_text())
    # Without SOURCE_DATE_EPOCH the build record's epoch is used.
    assert doc["metadata"]["timestamp"] == "2023-11-14T22:13:20+00:00"
    assert {c["name"] for c in doc["components"]} == {"liba", "libc"}
    refs = {r["url"]: r["type"] for r in doc["metadata"]["component"]["externalReferences"]}
    assert refs == {
        app_wheel.name: "distribution",
        f"{app_wheel.name}#app-0.1.dist-info/sboms/bom.cdx.json": "bom",
    }


def test_env_modified_file_fails_unless_allowed(tmp_path: Path, wheelhouse: Path) -> None:
    python = make_env(tmp_path / "venv", wheelhouse, "libb")
    module = next((tmp_path / "venv").glob("lib/python*/site-packages/libb/__init__.py"))
    module.write_text("changed = True\n")
    out = tmp_path / "env.json"
    code, _, stderr = run("--env", str(python), "-o", str(out))
    assert code == 1
    assert "libb/__init__.py: modified" in one_sentence_error(stderr)
    assert not out.exists()
    code, _, stderr = run("--env", str(tmp_path / "venv"), "--allow-modified", "-o", str(out))
    assert code == 0
    assert "do not match RECORD" in stderr
    doc = json.loads(out.read_text())
    (libb,) = [c for c in doc["components"] if c["name"] == "libb"]
    assert any(p["name"] == "chainproof:record:problem" for p in libb["properties"])


def test_dist_xml(tmp_path: Path, app_wheel: Path, wheelhouse: Path) -> None:
    dist = make_dist(tmp_path / "dist", app_wheel, "app", "0.1")
    args = ("--dist", str(dist), "--no-index", "--find-links", str(wheelhouse))
    code, _, stderr = run(*args, "--format", "xml", "--spec-version", "1.5")
    assert code == 0, stderr
    text = (dist / "sbom.cdx.xml").read_text()
    assert "<bom " in text
    assert "pkg:pypi/liba@1.2" in text


def test_a_committed_lock_file_dates_the_sbom_by_its_commit(tmp_path: Path) -> None:
    """Without SOURCE_DATE_EPOCH the timestamp is the lock file's last commit (as the build
    dates a release by its commit), so the same lock gives the same bytes; an uncommitted
    change makes it the current time."""
    from tests.build.helpers import git

    lock = tmp_path / "repo" / "uv.lock"
    lock.parent.mkdir()
    lock.write_bytes((ASSETS / "proj1-uv.lock").read_bytes())
    stamp = "2024-05-06T07:08:09+00:00"
    for args in (["init", "-q"], ["add", "uv.lock"], ["commit", "-q", "-m", "lock"]):
        git(lock.parent, *args, epoch=1714979289)
    out = tmp_path / "sbom.json"
    code, _, stderr = run("--uv-lock", str(lock), "-o", str(out), env={"SOURCE_DATE_EPOCH": ""})
    assert code == 0, stderr
    first = out.read_bytes()
    assert json.loads(first)["metadata"]["timestamp"] == stamp
    assert run("--uv-lock", str(lock), "-o", str(out), env={"SOURCE_DATE_EPOCH": ""})[0] == 0
    assert out.read_bytes() == first
    lock.write_text(lock.read_text() + "\n")
    assert run("--uv-lock", str(lock), "-o", str(out), env={"SOURCE_DATE_EPOCH": ""})[0] == 0
    assert json.loads(out.read_text())["metadata"]["timestamp"] != stamp


def _project_with_lock(tmp_path: Path, app_wheel: Path, wheelhouse: Path) -> Path:
    """A project directory (pyproject.toml, dist/ with the built app) and its uv.lock."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "app"\nversion = "0.1"\n')
    make_dist(project / "dist", app_wheel, "app", "0.1")
    wheels = {n: next(wheelhouse.glob(f"{n}-*.whl")) for n in ("liba", "libc")}
    root = LockRoot("app", "0.1", (("liba", None, ("fast",)),))
    write_uv_lock(
        project / "uv.lock",
        root,
        [Pin(wheels["liba"], optional={"fast": ("libc",)}), Pin(wheels["libc"], local=True)],
    )
    return project


def test_dist_takes_the_closure_from_the_projects_lock(
    tmp_path: Path, app_wheel: Path, wheelhouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project_with_lock(tmp_path, app_wheel, wheelhouse)
    monkeypatch.chdir(project)

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("pip must not run for a closure from a lock")

    with monkeypatch.context() as patched:
        patched.setattr("chainproof.sbom.resolve._run_pip", refused)
        code, _, stderr = run("--dist", "dist")
        assert code == 0, stderr
        assert "from the release in dist, runtime closure from the lock uv.lock (" in stderr
        code, stdout, _ = run("--dist", "dist", "--json", "-o", "s.json")
        assert json.loads(stdout)["closure"] == "lock:uv.lock"
    doc = json.loads((project / "dist" / "sbom.cdx.json").read_text())
    properties = {p["name"]: p["value"] for p in doc["metadata"]["properties"]}
    assert properties == {
        "chainproof:closure": "lock:uv.lock",
        "chainproof:closure:sha256": sha256_file(project / "uv.lock"),
    }
    assert {c["name"] for c in doc["components"]} == {"liba", "libc"}
    # both default locks: uv.lock wins, and a warning says so
    (project / "pylock.toml").write_text('lock-version = "1.0"\ncreated-by = "x"\npackages = []\n')
    code, _, stderr = run("--dist", "dist", "-o", "both.json")
    assert code == 0, stderr
    assert (
        "Warning: Both uv.lock and pylock.toml are beside the project's pyproject.toml; " in stderr
    )
    assert "runtime closure from the lock uv.lock" in stderr
    # --no-lock: pip resolves, as before
    args = ("--dist", "dist", "--no-lock", "--no-index", "--find-links", str(wheelhouse))
    code, _, stderr = run(*args, "-o", "resolved.json")
    assert code == 0, stderr
    assert "runtime closure resolved by pip" in stderr
    resolved = json.loads((project / "resolved.json").read_text())
    assert resolved["metadata"]["properties"] == [
        {"name": "chainproof:closure", "value": "resolved"}
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("--lock", "missing.lock"),
            "Error: The lock file missing.lock (from --lock) does not exist.",
        ),
        (("--lock", "uv.lock", "--no-lock"), "--lock and --no-lock contradict each other"),
        (
            ("--find-links", "."),
            "index options cannot be used with a runtime closure from the lock",
        ),
        (("--no-lock", "--with-metadata"), "--with-metadata cannot be used with --dist"),
    ],
    ids=["missing", "both", "index-options", "with-metadata-resolved"],
)
def test_dist_lock_errors_exit_2(
    tmp_path: Path,
    app_wheel: Path,
    wheelhouse: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
    message: str,
) -> None:
    monkeypatch.chdir(_project_with_lock(tmp_path, app_wheel, wheelhouse))
    code, _, stderr = run("--dist", "dist", *args)
    assert code == 2
    assert message in one_sentence_error(stderr)
    assert not Path("dist/sbom.cdx.json").exists()


def test_lock_belongs_to_dist() -> None:
    code, _, stderr = run("--uv-lock", str(ASSETS / "proj1-uv.lock"), "--lock", "uv.lock")
    assert code == 2
    assert "--lock/--no-lock cannot be used with --uv-lock" in one_sentence_error(stderr)
