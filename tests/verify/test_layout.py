"""`chainproof verify --layout --layout-key --links` on a real two-functionary pipeline (tester,
builder; tests/verify/layout_pipeline.py): it passes, and each way the chain can break fails
(exit 1) naming the step or rule; bad input exits 2 with one sentence."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from tests.build.helpers import commit_all
from tests.verify.layout_pipeline import (
    MODULE,
    WHEEL,
    cli,
    make_pipeline,
    pipeline_env,
    record_build,
    record_test_step,
)

# in-toto matches paths with pathspec's deprecated gitwildmatch patterns.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:pathspec")

LAYOUT = ("--layout", "root.layout", "--layout-key", "owner.pub", "--links", "links")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_pipeline(tmp_path_factory.mktemp("pipeline") / "p")


@pytest.fixture
def chain(template: Path, tmp_path: Path) -> Iterator[Path]:
    """A fresh copy of the pipeline, as the working directory."""
    base = Path(shutil.copytree(template, tmp_path / "p", symlinks=True))
    with pipeline_env(base):
        yield base


def verify(*extra: str, target: str = "release") -> Result:
    return cli("verify", target, *LAYOUT, *extra)


def reason(result: Result) -> str:
    """The one error sentence of a failed run."""
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Error: ")]
    assert line.endswith(".")
    assert not line.endswith("..")
    return line


def key_id8(name: str) -> str:
    from chainproof.formats.keys import load_public_key

    return str(load_public_key(Path(f"{name}.pub")).keyid)[:8]


def test_pipeline_verifies(chain: Path) -> None:
    result = verify("--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["trust"] == "in-toto layout:root.layout"
    assert {a["name"]: a["passed_checks"] for a in report["artifacts"]} == {
        WHEEL: ["layout"],
        "demo-1.0.tar.gz": ["layout"],
    }
    assert sorted(p.name for p in (chain / "release").iterdir()) == [
        "build-record.json",
        WHEEL,
        "demo-1.0.tar.gz",
    ], "the inspection ran elsewhere"
    one = verify(target=f"release/{WHEEL}")
    assert one.exit_code == 0, one.output


def test_links_are_dsse(chain: Path) -> None:
    for link in (chain / "links").iterdir():
        envelope = json.loads(link.read_text())
        assert envelope["payloadType"] == "application/vnd.in-toto+json"
        assert len(envelope["signatures"]) == 1


def test_in_toto_verify_accepts_the_same_files(chain: Path) -> None:
    """in-toto's own CLI, in a directory holding only the artifacts (its inspection writes
    there); a swapped wheel makes it fail, so the check can fail."""
    tool = Path(sys.executable).with_name("in-toto-verify")
    deploy = chain / "deploy"
    deploy.mkdir()
    for name in (WHEEL, "demo-1.0.tar.gz"):
        shutil.copyfile(chain / "release" / name, deploy / name)
    args = [str(tool), "--layout", str(chain / "root.layout"), "--link-dir", str(chain / "links")]
    args += ["--verification-keys", str(chain / "owner.pub")]
    done = subprocess.run(args, cwd=deploy, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    _swap_wheel(deploy / WHEEL)
    shutil.rmtree(deploy / "unpacked")
    done = subprocess.run(args, cwd=deploy, capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "'DISALLOW *' matched the following artifacts: ['demo-1.0-py3-none-any.whl']" in (
        done.stderr
    )


def test_link_signed_by_an_unauthorised_key_fails(chain: Path) -> None:
    (chain / "links" / f"build.{key_id8('builder')}.link").unlink()
    record_build(chain, key="intruder", output="release2")
    shutil.copytree(chain / "release2", chain / "release", dirs_exist_ok=True)
    result = verify()
    assert result.exit_code == 1
    assert (
        "in-toto verification failed: step 'build': no link signed by a key the layout "
        f"authorises for it (build.{key_id8('intruder')}.link in links is signed by a key the "
        "layout does not authorise for this step)." in reason(result)
    )


def test_tester_key_cannot_sign_the_build(chain: Path) -> None:
    """An authorised functionary of another step is unauthorised here."""
    (chain / "links" / f"build.{key_id8('builder')}.link").unlink()
    record_build(chain, key="tester", output="release2")
    result = verify()
    assert result.exit_code == 1
    assert "step 'build': no link signed by a key the layout authorises" in reason(result)


def _swap_wheel(path: Path) -> None:
    with zipfile.ZipFile(path) as whl:
        members = {i: whl.read(i) for i in whl.infolist()}
    with zipfile.ZipFile(path, "w") as whl:
        for info, data in members.items():
            whl.writestr(info, b"VALUE = 666\n" if info.filename == "demo.py" else data)


def test_wheel_swapped_after_the_build_fails(chain: Path) -> None:
    _swap_wheel(chain / "release" / WHEEL)
    result = verify("--json")
    assert result.exit_code == 1
    failures = json.loads(result.stdout)["failures"]
    assert {f["check"] for f in failures} == {"layout"}
    assert (
        "in-toto verification failed: inspection 'unpack-wheel': expected_materials rule "
        f"'DISALLOW *' matched ['{WHEEL}'], which no earlier rule accepted "
        "('MATCH * WITH PRODUCTS FROM build')." in reason(result)
    )


def test_source_changed_between_test_and_build_fails(chain: Path) -> None:
    (chain / "project" / "pyproject.toml").write_text(
        (chain / "project" / "pyproject.toml").read_text() + "# changed after the tests\n"
    )
    commit_all(chain / "project")
    record_build(chain, output="release2")
    result = verify(target="release2")
    assert result.exit_code == 1
    assert (
        "in-toto verification failed: step 'build': expected_materials rule 'DISALLOW *' "
        "matched ['pyproject.toml'], which no earlier rule accepted "
        "('MATCH * WITH MATERIALS FROM test')." in reason(result)
    )


@pytest.mark.parametrize(
    ("change", "refused"),
    [(("demo.py", "VALUE = 2\n"), "demo.py"), (("RANDOM", "1\n"), "demo_noise.bin")],
    ids=["module-not-tested", "file-never-tested"],
)
def test_wheel_file_that_is_not_a_tested_file_fails(
    chain: Path, change: tuple[str, str], refused: str
) -> None:
    """Tested and built the same tree, but the wheel holds a file that is no tested file: the
    demo backend writes its own demo.py, or (RANDOM) adds random bytes, where a *.pth start-up
    hook would be the attack. The inspection refuses it although the builder's key signed it."""
    name, text = change
    (chain / "project" / name).write_text(text)
    commit_all(chain / "project")
    record_test_step(chain)
    record_build(chain, output="release2")
    result = verify(target="release2")
    assert result.exit_code == 1
    assert (
        "inspection 'unpack-wheel': expected_products rule 'DISALLOW unpacked/*' matched "
        f"['unpacked/{refused}'], which no earlier rule accepted "
        "('MATCH * IN unpacked WITH MATERIALS FROM test', 'ALLOW unpacked/*.dist-info/*')."
        in reason(result)
    )


def test_source_dir_prefix(chain: Path) -> None:
    """--source-dir src: the wheel's demo.py is matched with the tested src/demo.py."""
    (chain / "project" / "demo.py").unlink()
    (chain / "project" / "src").mkdir()
    (chain / "project" / "src" / "demo.py").write_text(MODULE)
    commit_all(chain / "project")
    record_test_step(chain)
    record_build(chain, output="release2")
    assert verify(target="release2").exit_code == 1, "no demo.py at the top level any more"
    args = ["--functionary", "test=tester.pub", "--functionary", "build=builder.pub"]
    assert cli("layout", "init", "--force", "--source-dir", "src", *args).exit_code == 0
    assert cli("layout", "sign", "root.layout", "--key", "owner.key").exit_code == 0
    result = verify(target="release2")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("step", ["test", "build"])
def test_required_link_missing_fails(chain: Path, step: str) -> None:
    for link in (chain / "links").glob(f"{step}.*.link"):
        link.unlink()
    result = verify()
    assert result.exit_code == 1
    assert (
        f"in-toto verification failed: step '{step}': no link in links "
        f"(expected {step}.KEYID8.link)." in reason(result)
    )


def test_expired_layout_fails(chain: Path) -> None:
    _resign(chain, lambda layout: layout.update(expires="2020-01-01T00:00:00Z"))
    result = verify()
    assert result.exit_code == 1
    assert (
        "in-toto verification failed: the layout expired on 2020-01-01T00:00:00Z "
        "(rule: layout expiry)." in reason(result)
    )


def test_layout_signed_by_another_key_fails(chain: Path) -> None:
    result = cli("verify", "release", *LAYOUT[:2], "--layout-key", "tester.pub")
    assert result.exit_code == 1
    assert "the layout is not signed by the layout key (rule: layout signature)" in reason(result)


def _resign(chain: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    """Edit the layout's payload, then sign it again with the owner's key."""
    layout = json.loads((chain / "root.layout").read_text())
    edit(layout["signed"])
    layout["signatures"] = []
    (chain / "root.layout").write_text(json.dumps(layout))
    assert cli("layout", "sign", "root.layout", "--key", "owner.key").exit_code == 0


def test_artifact_not_built_fails(chain: Path) -> None:
    """A file the chain never produced: the inspection refuses it; with a layout that has no
    inspection, the binding to the build's products still does."""
    (chain / "other.tar.gz").write_bytes(b"not built here")
    result = verify(target="other.tar.gz")
    assert result.exit_code == 1
    assert Path.cwd() == chain, "the inspection's directory was left"
    assert "inspection 'unpack-wheel': expected_materials rule 'DISALLOW *' matched" in (
        reason(result)
    )
    _resign(chain, lambda layout: layout.update(inspect=[]))
    result = verify("--json", target="other.tar.gz")
    assert result.exit_code == 1, result.output
    assert {f["check"] for f in json.loads(result.stdout)["failures"]} == {"layout-subject"}
    assert verify().exit_code == 0


def test_failing_inspection_fails(chain: Path) -> None:
    def edit(layout: dict[str, Any]) -> None:
        layout["inspect"][0]["run"] = ["python", "-c", "raise SystemExit(3)"]

    _resign(chain, edit)
    result = verify()
    assert result.exit_code == 1
    assert (
        "in-toto verification failed: inspection 'unpack-wheel': its command exited with 3."
        in reason(result)
    )


def test_inspection_command_not_installed_exits_3(chain: Path) -> None:
    _resign(chain, lambda layout: layout["inspect"][0].update(run=["no-such-unpacker-xyz"]))
    result = verify()
    assert result.exit_code == 3, result.output
    assert "could not run an inspection: 'no-such-unpacker-xyz' was not found." in (reason(result))


def _unsigned(chain: Path) -> tuple[str, ...]:
    cli("layout", "init", "-o", "unsigned.layout", "--functionary", "builder.pub")
    return ("--layout", "unsigned.layout", "--layout-key", "owner.pub")


def _malformed_link(chain: Path) -> tuple[str, ...]:
    (chain / "links" / f"build.{key_id8('builder')}.link").write_text('{"payload": ')
    return LAYOUT


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_unsigned, "The layout unsigned.layout is not signed."),
        (_malformed_link, "is not in-toto link metadata"),
        (lambda c: (*LAYOUT[:2], "--layout-key", "absent.pub"), "absent.pub does not exist"),
        (lambda c: ("--layout", "root.layout"), "needs --layout-key"),
        (lambda c: ("--layout-key", "owner.pub"), "belong to --layout"),
        (lambda c: (*LAYOUT[:4], "--require", "provenance"), "names no signer"),
        (lambda c: ("--layout", "missing.layout", "--layout-key", "owner.pub"), "does not exist"),
        (lambda c: (*LAYOUT[:4], "--links", "owner.pub"), "is a file, not a directory"),
        (lambda c: (*LAYOUT[:4], "--links", "none"), "The links directory none does not exist"),
    ],
    ids=[
        "unsigned",
        "malformed-link",
        "missing-key",
        "no-key",
        "no-layout",
        "require",
        "missing-layout",
        "links-file",
        "links-missing",
    ],
)
def test_bad_input_exits_2_with_one_sentence(chain: Path, make: object, words: str) -> None:
    assert callable(make)
    result = cli("verify", "release", *make(chain))
    assert result.exit_code == 2, result.output
    assert words in reason(result)


def test_release_directory_with_a_layout_alone(chain: Path) -> None:
    """Signed statements beside the artifacts name a signer the layout-only policy does not
    have: the layout decides, and the statements are neither trusted nor a crash."""
    for name in ("provenance.sigstore.json", "sbom.intoto.sigstore.json", "provenance.dsse.json"):
        (chain / "release" / name).write_text("{}")
    result = verify("--json")
    assert result.exit_code == 0, result.output
    names = sorted(a["name"] for a in json.loads(result.stdout)["artifacts"])
    assert names == [WHEEL, "demo-1.0.tar.gz"]
