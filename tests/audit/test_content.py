"""The ``content`` check: the inert samples of tests/assets/content, packed into a wheel and an
sdist, are all found (member, line, pattern); a real index on 127.0.0.1 serves them to
``audit --checks content``, which checks the hash first and caches by sha256."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from chainproof.audit.content_rules import scan_distribution
from chainproof.cli.app import app
from tests.indexes import IndexServer

ASSETS = Path(__file__).parent.parent / "assets" / "content"


def _asset(name: str) -> bytes:
    return (ASSETS / f"{name}.txt").read_bytes()


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def evil_wheel(directory: Path, tamper: bool = True) -> Path:
    """evilpkg 1.0, py3-none-any, with every wheel pattern; ``tamper``: one member differs
    from RECORD."""
    info = "evilpkg-1.0.dist-info"
    members = {
        "evil.pth": _asset("evil.pth"),
        "evilpkg/__init__.py": b"",
        "evilpkg/loader.py": _asset("loader.py"),
        "evilpkg/_native.so": b"\x7fELF" + b"\0" * 60,
        "evilpkg/helper.exe": b"MZ" + b"\0" * 62,
        f"{info}/METADATA": b"Metadata-Version: 2.1\nName: evilpkg\nVersion: 1.0\n",
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/entry_points.txt": _asset("entry_points.txt"),
    }
    record = "".join(f"{n},sha256={_digest(d)},{len(d)}\n" for n, d in members.items())
    members[f"{info}/RECORD"] = f"{record}{info}/RECORD,,\n".encode()
    if tamper:
        members["evilpkg/__init__.py"] = b"VALUE = 1\n"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "evilpkg-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def evil_sdist(directory: Path) -> Path:
    path = directory / "evilpkg-1.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        for name, data in {"setup.py": _asset("setup.py"), "PKG-INFO": b""}.items():
            info = tarfile.TarInfo(f"evilpkg-1.0/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def test_every_inert_sample_is_found(tmp_path: Path) -> None:
    wheel = {(h.rule, h.member, h.line) for h in scan_distribution(evil_wheel(tmp_path))}
    assert wheel == {
        ("pth-exec", "evil.pth", 2),
        ("obfuscated-exec", "evilpkg/loader.py", 6),
        ("obfuscated-exec", "evilpkg/loader.py", 7),
        ("obfuscated-exec", "evilpkg/loader.py", 8),
        ("native-binary", "evilpkg/_native.so", None),
        ("windows-executable", "evilpkg/helper.exe", None),
        ("console-shadow", "evilpkg-1.0.dist-info/entry_points.txt", None),
        ("record-mismatch", "evilpkg/__init__.py", None),
    }
    shadows = [h.pattern for h in scan_distribution(evil_wheel(tmp_path)) if "shadows" in h.pattern]
    assert sorted(shadows) == [
        "console script 'pip' shadows pip",
        "console script 'sudo' shadows sudo",
    ]
    sdist = {(h.rule, h.line, h.pattern) for h in scan_distribution(evil_sdist(tmp_path))}
    assert sdist == {
        ("build-network", 4, "network access"),  # import urllib.request
        ("build-network", 8, "network access"),
        ("build-process", 9, "a new process"),
        ("build-write-outside", 10, "a write outside the build"),
        ("build-decode-exec", 11, "decode then execute"),
    }


def test_a_pure_untampered_wheel_has_no_record_finding(tmp_path: Path) -> None:
    hits = scan_distribution(evil_wheel(tmp_path, tamper=False))
    assert not [h for h in hits if h.rule == "record-mismatch"]


def _pylock(tmp_path: Path, index: IndexServer, wheel: Path, sha256: str | None = None) -> Path:
    sha = sha256 or hashlib.sha256(wheel.read_bytes()).hexdigest()
    url = index.file_url(wheel.name)
    path = tmp_path / "pylock.toml"
    path.write_text(
        'lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "evilpkg"\n'
        f'version = "1.0"\nwheels = [{{ name = "{wheel.name}", url = "{url}", '
        f'hashes = {{ sha256 = "{sha}" }} }}]\n'
    )
    return path


def _audit(*args: str) -> tuple[int, dict[str, Any]]:
    result = CliRunner().invoke(app, ["audit", "--format", "json", "--fail-on", "high", *args])
    return result.exit_code, json.loads(result.stdout) if result.stdout.strip() else {}


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CHAINPROOF_CONTENT_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_audit_content_downloads_checks_and_caches(tmp_path: Path, cache: Path) -> None:
    wheel = evil_wheel(tmp_path / "files")
    index = IndexServer([wheel]).start()
    try:
        lock = _pylock(tmp_path, index, wheel)
        code, report = _audit("--pylock", str(lock), "--checks", "content", "--online")
        assert code == 1
        found = {(f["id"], f["evidence"]["member"]) for f in report["findings"]}
        assert ("content.obfuscated-exec", "evilpkg/loader.py") in found
        assert ("content.console-shadow", "evilpkg-1.0.dist-info/entry_points.txt") in found
        first = next(f for f in report["findings"] if f["id"] == "content.pth-exec")
        assert first["evidence"]["line"] == "2"
        assert first["evidence"]["file"] == wheel.name
        assert len(list(cache.rglob("*.json"))) == 1
        downloads = len(index.requests)
    finally:
        index.stop()
    # cached by sha256: offline, the index stopped, the same findings
    code, again = _audit("--pylock", str(lock), "--checks", "content", "--offline")
    assert code == 1
    assert [f["id"] for f in again["findings"]] == [f["id"] for f in report["findings"]]
    assert downloads >= 1


def test_a_file_that_is_not_the_locked_one_is_not_scanned(tmp_path: Path, cache: Path) -> None:
    wheel = evil_wheel(tmp_path / "files")
    index = IndexServer([wheel]).start()
    try:
        lock = _pylock(tmp_path, index, wheel, sha256="0" * 64)
        code, report = _audit("--pylock", str(lock), "--checks", "content", "--online")
    finally:
        index.stop()
    assert code == 1
    assert [f["id"] for f in report["findings"]] == ["content.download-mismatch"]
    assert not cache.exists() or not list(cache.rglob("*.json"))


def test_content_is_not_in_the_default_checks(tmp_path: Path, cache: Path) -> None:
    wheel = evil_wheel(tmp_path / "files")
    lock = tmp_path / "pylock.toml"
    sha = hashlib.sha256(wheel.read_bytes()).hexdigest()
    lock.write_text(
        'lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "evilpkg"\n'
        f'version = "1.0"\nwheels = [{{ name = "{wheel.name}", url = "http://127.0.0.1:9/x", '
        f'hashes = {{ sha256 = "{sha}" }} }}]\n'
    )
    result = CliRunner().invoke(
        app, ["audit", "--format", "json", "--pylock", str(lock), "--checks", "pins,hashes"]
    )
    ids = [c["id"] for c in json.loads(result.stdout)["checks"]]
    assert "content" not in ids


def test_a_corrupt_locked_file_is_not_checked_never_passed(tmp_path: Path, cache: Path) -> None:
    wheel = evil_wheel(tmp_path / "files")
    index = IndexServer([wheel]).start()
    try:
        truncated = wheel.read_bytes()[:200]
        index.serve_bytes(wheel.name, truncated)
        lock = _pylock(tmp_path, index, wheel, hashlib.sha256(truncated).hexdigest())
        _, report = _audit("--pylock", str(lock), "--checks", "content", "--online")
    finally:
        index.stop()
    assert report["findings"] == []
    (unchecked,) = report["unchecked"]
    assert unchecked["reason"] == f"{wheel.name} is corrupt or truncated"
    assert {c["id"]: c["status"] for c in report["checks"]}["content"] == "partly checked"
