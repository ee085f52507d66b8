"""Audit inputs read through chainproof.sbom's inventory readers: requirements, pylock.toml
and an installed environment (a real venv with hand-written dist-info, no registry)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from chainproof.audit.db import AdvisoryDB
from chainproof.audit.engine import run_audit
from chainproof.audit.inputs import Requirement, read_target
from chainproof.formats.audit_policy import AuditPolicy

H1 = "0" * 63 + "1"
H2 = "0" * 63 + "2"


def make_env(
    root: Path, dists: list[tuple[str, str, list[str]]], extras: dict[str, list[str]] | None = None
) -> Path:
    """A venv holding ``dists`` (name, version, Requires-Dist lines); returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    python = root / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    for name, version, requires in dists:
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir(parents=True)
        lines = [
            "Metadata-Version: 2.1",
            f"Name: {name}",
            f"Version: {version}",
            *(f"Provides-Extra: {e}" for e in (extras or {}).get(name, [])),
            *(f"Requires-Dist: {r}" for r in requires),
        ]
        (info / "METADATA").write_text("\n".join(lines) + "\n")
        (info / "INSTALLER").write_text("pip\n")
        (info / "RECORD").write_text(f"{info.name}/METADATA,,\n{info.name}/RECORD,,\n")
    return python


def test_requirements_file(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    path = tmp_path / "requirements.txt"
    path.write_text(
        f"requests==2.2.1 \\\n    --hash=sha256:{H1}\n"
        f"urllib3==1.26.4 \\\n    --hash=sha256:{H2}\n    # via requests\n"
    )
    target = read_target("requirements", path)
    assert target.requirements is None
    report = run_audit(target, snapshot, AuditPolicy())
    paths = {f.component.key: f.path for f in report.findings}
    assert paths["urllib3"] == ("requests", "urllib3")
    assert {f.component.key for f in report.findings} == {"requests", "urllib3"}


def test_pylock(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    path = tmp_path / "pylock.toml"
    path.write_text(
        'lock-version = "1.0"\ncreated-by = "test"\n\n'
        '[[packages]]\nname = "jinja2"\nversion = "2.10"\n'
        'dependencies = [{name = "markupsafe"}]\n'
        f'[[packages.wheels]]\nname = "Jinja2-2.10-py2.py3-none-any.whl"\n'
        f'url = "https://example.invalid/Jinja2-2.10-py2.py3-none-any.whl"\n'
        f'hashes = {{sha256 = "{H1}"}}\n\n'
        '[[packages]]\nname = "markupsafe"\nversion = "2.1.5"\n'
        f'[[packages.wheels]]\nname = "MarkupSafe-2.1.5-py3-none-any.whl"\n'
        f'url = "https://example.invalid/MarkupSafe-2.1.5-py3-none-any.whl"\n'
        f'hashes = {{sha256 = "{H2}"}}\n'
    )
    report = run_audit(read_target("pylock", path), snapshot, AuditPolicy())
    assert {f.id for f in report.findings} == {"PYSEC-2019-217", "PYSEC-2021-66"}
    assert report.checked == 2


def test_environment_requirements_shape_the_proposal(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    python = make_env(
        tmp_path / "venv",
        [
            (
                "requests",
                "2.25.1",
                [
                    "urllib3<1.27,>=1.21.1",
                    "idna<3,>=2.5",
                    'PySocks!=1.5.7,>=1.5.6; extra == "socks"',
                ],
            ),
            ("urllib3", "1.26.4", []),
            ("idna", "2.10", []),
            ("flask", "1.0.2", ["Jinja2<2.11,>=2.10", 'colorama; sys_platform == "win32"']),
            ("jinja2", "2.10", []),
        ],
    )
    target = read_target("env", str(python))
    assert target.requirements is not None
    assert Requirement("urllib3", "<1.27,>=1.21.1", "requests 2.25.1") in target.requirements
    assert not any(r.package in ("pysocks", "colorama") for r in target.requirements)
    report = run_audit(target, snapshot, AuditPolicy())
    proposals = {f.component.key: f.proposal for f in report.findings if f.proposal}
    assert proposals["urllib3"].version == "1.26.18"
    assert proposals["urllib3"].constraints_checked
    assert proposals["jinja2"].version is None
    assert "flask 1.0.2 requires jinja2<2.11,>=2.10" in proposals["jinja2"].explanation


def test_environment_given_as_its_venv_directory(tmp_path: Path) -> None:
    """As with ``chainproof sbom --env``, the venv directory names its interpreter."""
    make_env(tmp_path / "venv", [("urllib3", "1.26.4", [])])
    target = read_target("env", str(tmp_path / "venv"))
    assert {(c.key, c.version) for c in target.inventory.components} == {("urllib3", "1.26.4")}


def test_environment_that_is_not_there(tmp_path: Path) -> None:
    from chainproof.errors import InputError

    with pytest.raises(InputError):
        read_target("env", str(tmp_path / "no-python"))


def test_uv_lock(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    path = tmp_path / "uv.lock"
    path.write_text(
        'version = 1\nrevision = 1\nrequires-python = ">=3.11"\n\n'
        '[[package]]\nname = "demo"\nversion = "1.0"\nsource = { editable = "." }\n'
        'dependencies = [{ name = "jinja2" }]\n\n'
        '[[package]]\nname = "jinja2"\nversion = "2.10"\n'
        'source = { registry = "https://example.invalid/simple" }\n'
        'wheels = [{ url = "https://example.invalid/Jinja2-2.10-py2.py3-none-any.whl", '
        f'hash = "sha256:{H1}", size = 1 }}]\n'
    )
    report = run_audit(read_target("uv-lock", path), snapshot, AuditPolicy())
    assert {f.id for f in report.findings} == {"PYSEC-2019-217", "PYSEC-2021-66"}
    # the project itself is not part of the path: jinja2 is its direct requirement
    assert {f.path for f in report.findings} == {("jinja2",)}


def test_requirements_of_an_extra_nobody_asks_for_do_not_count(tmp_path: Path) -> None:
    python = make_env(
        tmp_path / "venv",
        [
            ("legacy-client", "1.0", ['urllib3<1.26.18; extra == "old"', 'idna; extra == "old"']),
            ("urllib3", "1.26.4", []),
        ],
        extras={"legacy-client": ["old"]},
    )
    assert read_target("env", str(python)).requirements == ()


def test_requirements_of_an_extra_another_package_asks_for_count(
    tmp_path: Path, snapshot: AdvisoryDB
) -> None:
    """``app`` requires ``middle[fast]``, whose ``fast`` extra requires ``legacy-client[Old]``
    (extra names compare normalised), whose ``old`` extra pins urllib3 below the fix: the
    extras are active through two hops, so the pin counts. ``middle``'s ``slow`` extra is
    asked for only under a marker that does not hold, so its requirement does not."""
    python = make_env(
        tmp_path / "venv",
        [
            ("app", "1.0", ["middle[fast]>=1", 'middle[slow]; sys_platform == "no-such"']),
            (
                "middle",
                "2.0",
                ['legacy-client[Old]; extra == "fast"', 'urllib3>=1.26.5; extra == "slow"'],
            ),
            ("legacy-client", "1.0", ['urllib3<1.26.18; extra == "old"', 'idna; extra == "old"']),
            ("urllib3", "1.26.4", []),
        ],
        extras={"legacy-client": ["old"], "middle": ["fast", "slow"]},
    )
    target = read_target("env", str(python))
    assert target.requirements == (
        Requirement("middle", ">=1", "app 1.0"),
        Requirement("urllib3", "<1.26.18", "legacy-client 1.0"),
    )
    report = run_audit(target, snapshot, AuditPolicy())
    proposal = next(f.proposal for f in report.findings if f.component.key == "urllib3")
    assert proposal is not None
    assert proposal.version is None
    assert "legacy-client 1.0 requires urllib3<1.26.18" in proposal.explanation


def test_an_sbom_written_by_chainproof_sbom(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    """The SBOM stage's CycloneDX 1.6 output, read back: same findings and paths."""
    from chainproof.formats.cyclonedx.writer import RenderOptions, render
    from chainproof.models import Component, DependencyGraph, Digest, Inventory, SourceResult

    inventory = Inventory(
        root=Component("demo-app", "1.0", direct=True),
        components=(
            Component("requests", "2.2.1", hashes=(Digest.sha256(H1),), direct=True),
            Component("urllib3", "1.26.4", hashes=(Digest.sha256(H2),)),
            Component("setuptools", "65.5.0", hashes=(Digest.sha256(H2),), build_only=True),
        ),
        graph=DependencyGraph(roots=("requests",), edges=(("requests", ("urllib3",)),)),
    )
    sbom = tmp_path / "sbom.cdx.json"
    sbom.write_text(render(SourceResult(inventory), RenderOptions(timestamp=0)).text)
    target = read_target("sbom", sbom)
    report = run_audit(target, snapshot, AuditPolicy())
    by_key = {f.component.key: f for f in report.findings}
    assert set(by_key) == {"requests", "urllib3", "setuptools"}
    assert by_key["urllib3"].path == ("requests", "urllib3")
    assert by_key["setuptools"].component.build_only
    assert report.unchecked == ()


def test_an_environment_is_probed_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inventory and the other packages' requirements come from one run of the probe."""
    from chainproof.audit import inputs
    from chainproof.sbom import env_source as envsource
    from chainproof.sbom import installed as environment

    python = make_env(tmp_path / "venv", [("requests", "2.25.1", ["urllib3<1.27"])])
    calls: list[str] = []
    real = environment.inspect_environment

    def counting(target: str | Path) -> environment.InstalledEnvironment:
        calls.append(str(target))
        return real(target)

    monkeypatch.setattr(inputs, "inspect_environment", counting)
    monkeypatch.setattr(envsource, "inspect_environment", counting)
    target = read_target("env", str(python))
    assert calls == [str(python)]
    assert [c.key for c in target.inventory.components] == ["requests"]
    assert target.requirements == (Requirement("urllib3", "<1.27", "requests 2.25.1"),)


def test_every_locked_package_is_audited_whatever_the_platform(
    tmp_path: Path, snapshot: AdvisoryDB
) -> None:
    """A lock is audited for every package it pins, not only those the auditing machine
    would install: a Windows-only or Python-3.8-only pin ships somewhere."""
    never = 'sys_platform == "no-such-platform"'
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(
        f"idna==3.10 --hash=sha256:{H1}\njinja2==2.10 --hash=sha256:{H2} ; {never}\n"
    )

    def pylock_wheel(name: str, sha: str) -> str:
        url = f"https://example.invalid/{name}"
        return f'wheels = [{{ name = "{name}", url = "{url}", hashes = {{ sha256 = "{sha}" }} }}]\n'

    def uv_wheel(name: str, sha: str) -> str:
        url = f"https://example.invalid/{name}"
        return f'wheels = [{{ url = "{url}", hash = "sha256:{sha}", size = 1 }}]\n'

    pylock = tmp_path / "pylock.toml"
    pylock.write_text(
        'lock-version = "1.0"\ncreated-by = "test"\n\n'
        '[[packages]]\nname = "idna"\nversion = "3.10"\n'
        + pylock_wheel("idna-3.10-py3-none-any.whl", H1)
        + f'\n[[packages]]\nname = "jinja2"\nversion = "2.10"\nmarker = \'{never}\'\n'
        + pylock_wheel("Jinja2-2.10-py2.py3-none-any.whl", H2)
    )
    registry = 'source = { registry = "https://example.invalid/simple" }\n'
    uv_lock = tmp_path / "uv.lock"
    uv_lock.write_text(
        'version = 1\nrevision = 1\nrequires-python = ">=3.8"\n\n'
        '[[package]]\nname = "demo"\nversion = "1.0"\nsource = { editable = "." }\n'
        f'dependencies = [{{ name = "idna" }}, {{ name = "jinja2", marker = \'{never}\' }}]\n\n'
        '[[package]]\nname = "idna"\nversion = "3.10"\n'
        + registry
        + uv_wheel("idna-3.10-py3-none-any.whl", H1)
        + '\n[[package]]\nname = "jinja2"\nversion = "2.10"\n'
        + registry
        + uv_wheel("Jinja2-2.10-py2.py3-none-any.whl", H2)
    )
    for kind, path in (("requirements", requirements), ("pylock", pylock), ("uv-lock", uv_lock)):
        target = read_target(kind, path)
        assert {c.key for c in target.inventory.components} == {"idna", "jinja2"}, kind
        report = run_audit(target, snapshot, AuditPolicy())
        assert {f.component.key for f in report.findings} == {"jinja2"}, kind


def test_an_unreadable_installed_distribution_is_not_checked(tmp_path: Path) -> None:
    """A dist-info whose METADATA has no version cannot be matched: reported, never skipped."""
    python = make_env(tmp_path / "venv", [("requests", "2.25.1", [])])
    site = next((tmp_path / "venv").glob("lib/python*/site-packages"))
    broken = site / "mystery-1.0.dist-info"
    broken.mkdir()
    (broken / "METADATA").write_text("Metadata-Version: 2.1\nName: mystery\n")
    target = read_target("env", str(python))
    assert [c.key for c in target.inventory.components] == ["requests"]
    assert len(target.unchecked) == 1
    label, reason = target.unchecked[0]
    assert label.endswith("mystery-1.0.dist-info")
    assert reason == "its metadata has no readable name or version"


# The shape of a real jupyterlab environment's metadata (trimmed): setuptools 65.5.0's
# testing extra requires pip, which nobody installs setuptools[testing] for; ipython requires
# a setuptools newer than setuptools' only fix in the snapshot (65.5.1).
JUPYTERLAB_ENV = [
    (
        "setuptools",
        "65.5.0",
        [
            'sphinx>=3.5; extra == "docs"',
            'pytest>=6; extra == "testing"',
            'pip>=19.1; extra == "testing"',
            'virtualenv>=13.0.0; extra == "testing"',
            'wheel; extra == "testing"',
        ],
    ),
    ("pip", "22.3.1", []),
    ("ipython", "9.4.0", ["setuptools>=80.0", 'pytest; extra == "test"']),
    ("jupyterlab", "4.2.5", ["ipython>=8", "setuptools>=40.1.0", 'pytest>=7.0; extra == "test"']),
]
JUPYTERLAB_EXTRAS = {"setuptools": ["docs", "testing"], "ipython": ["test"], "jupyterlab": ["test"]}


def test_the_jupyterlab_case(tmp_path: Path, snapshot: AdvisoryDB) -> None:
    python = make_env(tmp_path / "venv", JUPYTERLAB_ENV, JUPYTERLAB_EXTRAS)
    target = read_target("env", str(python))
    assert target.requirements is not None
    assert not any(r.package == "pip" for r in target.requirements)
    report = run_audit(target, snapshot, AuditPolicy())
    proposals = {f.component.key: f.proposal for f in report.findings if f.proposal}
    setuptools, pip = proposals["setuptools"], proposals["pip"]
    assert setuptools.version is None
    assert setuptools.specifier == ">=80.0"
    assert "ipython 9.4.0 requires setuptools>=80.0" in setuptools.explanation
    assert "No fix" not in setuptools.explanation
    # pip's proposal is shaped by its advisories alone (PYSEC-2023-228 is fixed in 23.3)
    assert (pip.version, pip.specifier) == ("23.3", "==23.3")
    assert "no other package constrains pip" in pip.explanation
    assert "setuptools" not in pip.explanation


def test_an_environment_keeps_its_pins_for_the_resolver_check(tmp_path: Path) -> None:
    """Distributions from an index are pinned; one installed from a directory (an editable
    project: direct_url.json) stands in with the requirements that apply to it."""
    python = make_env(
        tmp_path / "venv",
        [
            ("my-app", "0.1", ["requests[socks]>=2.25", 'pytest; extra == "dev"']),
            ("requests", "2.25.1", []),
        ],
        extras={"my-app": ["dev"]},
    )
    info = next((tmp_path / "venv").glob("lib/python*/site-packages/my_app-0.1.dist-info"))
    (info / "direct_url.json").write_text('{"url": "file:///src/my-app", "dir_info": {}}')
    installed = read_target("env", str(python)).installed
    assert installed is not None
    assert installed.python.startswith(str(tmp_path / "venv"))
    assert installed.pins == (("requests", "2.25.1"),)
    assert installed.local == ("requests[socks]>=2.25",)
    assert installed.python_version.count(".") == 2
