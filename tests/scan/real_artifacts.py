"""Real wheels and sdists from the package registry, pinned, for the registry-marked tests
and bench/bench_scan.py. The wheel comes from ``pip download --no-deps``; the sdist from the
index's own page (pip would build it to read its metadata). No URL is written anywhere: the
files keep their own names only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.registry import unconstrained_env

__all__ = ["CONTENT_WHEELS", "MOST_DOWNLOADED", "download"]

# The 20 most-downloaded projects (public download statistics, late 2024), pinned.
MOST_DOWNLOADED = (
    ("boto3", "1.35.99"),
    ("botocore", "1.35.99"),
    ("urllib3", "2.3.0"),
    ("requests", "2.32.3"),
    ("setuptools", "75.8.0"),
    ("certifi", "2024.12.14"),
    ("idna", "3.10"),
    ("charset-normalizer", "3.4.1"),
    ("typing-extensions", "4.12.2"),
    ("python-dateutil", "2.9.0.post0"),
    ("packaging", "24.2"),
    ("s3transfer", "0.10.4"),
    ("six", "1.17.0"),
    ("numpy", "2.2.1"),
    ("pyyaml", "6.0.2"),
    ("pip", "24.3.1"),
    ("cryptography", "44.0.0"),
    ("fsspec", "2024.12.0"),
    ("attrs", "24.3.0"),
    ("pydantic", "2.10.4"),
)
# The wheels the content check must pass without a high finding.
CONTENT_WHEELS = tuple(
    (n, v)
    for n, v in MOST_DOWNLOADED
    if n in {"requests", "urllib3", "certifi", "idna", "charset-normalizer", "setuptools", "pip"}
)


def _wheel(name: str, version: str, into: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary",
         ":all:", "--python-version", "3.11", "-d", str(into), f"{name}=={version}"],
        check=True, env=unconstrained_env(), capture_output=True,
    )  # fmt: skip


def _sdist(name: str, version: str, into: Path) -> None:
    from chainproof.index.client import IndexClient, default_index_url

    with IndexClient() as client:
        listing = client.listing(default_index_url(), name)
        assert listing is not None, name
        (chosen,) = [f for f in listing.files_of(version) if f.filename.endswith(".tar.gz")]
        with (into / chosen.filename).open("wb") as out:
            client.download(chosen.url, out.write)


def download(name: str, version: str, into: Path, sdist: bool = True) -> list[Path]:
    """The wheel (for CPython 3.11 on this machine) and, with ``sdist``, the sdist."""
    into.mkdir(parents=True, exist_ok=True)
    before = set(into.iterdir())
    _wheel(name, version, into)
    if sdist:
        _sdist(name, version, into)
    return sorted(set(into.iterdir()) - before)
