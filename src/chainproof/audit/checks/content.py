"""``content`` (opt-in: ``--checks content``): what each locked file would run at install or
import time (``audit.content_rules``). Each file is downloaded, its sha256 checked against the
lock before anything reads it, and scanned once: results are cached by sha256
(``CHAINPROOF_CONTENT_CACHE``, else the user cache), so a lock audited again costs a file
read per locked file. Downloads run eight at a time."""

from __future__ import annotations

import json
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from chainproof.audit.checks.base import CheckContext, CheckOutcome, Rule
from chainproof.audit.checks.served import locked_files, package_listings
from chainproof.audit.content_rules import RULES_VERSION, ContentHit, scan_distribution
from chainproof.audit.locked import LockedPackage
from chainproof.config import setting
from chainproof.errors import InputError
from chainproof.fileio import atomic_write_text, canonical_json
from chainproof.redact import strip_credentials

__all__ = ["ContentCheck", "content_cache"]

_RULES = (
    Rule("content.pth-exec", "medium", "A .pth file with executable lines"),
    Rule("content.obfuscated-exec", "high", "Execution of decoded or obfuscated data"),
    Rule("content.build-network", "high", "A build script reaches the network"),
    Rule("content.build-process", "medium", "A build script starts processes"),
    Rule("content.build-write-outside", "high", "A build script writes outside the build"),
    Rule("content.build-decode-exec", "high", "A build script decodes and executes data"),
    Rule("content.console-shadow", "high", "A console script shadows a common command"),
    Rule("content.native-binary", "high", "Native code in a pure-Python wheel"),
    Rule("content.windows-executable", "medium", "A Windows executable in a pure-Python wheel"),
    Rule("content.record-mismatch", "high", "The wheel's RECORD does not match its members"),
    Rule("content.too-large", "high", "A member expands past the limit"),
    Rule("content.download-mismatch", "critical", "The downloaded file is not the locked file"),
)
_BY_ID = {r.id: r for r in _RULES}
_WORKERS = 8


def content_cache() -> Path:
    found = setting("content-cache", None, env="CONTENT_CACHE")
    if found is not None:
        return Path(found.value)
    return Path(platformdirs.user_cache_dir("chainproof")) / "content"


@dataclass(frozen=True)
class _File:
    filename: str
    url: str
    sha256: str


@dataclass(frozen=True)
class _Fetched:
    hits: list[ContentHit] | None = None  # None: corrupt (or not the locked file)
    got: str | None = None  # the sha256 downloaded, when it is not the lock's


def _cached(cache: Path, sha256: str) -> list[ContentHit] | None:
    path = cache / sha256[:2] / f"{sha256}.json"
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("version") != RULES_VERSION:
        return None
    return [ContentHit.from_json(h) for h in data["hits"]]


class ContentCheck:
    id = "content"
    rules: tuple[Rule, ...] = _RULES

    def __init__(self, cache: Path | None = None) -> None:
        self.cache = cache or content_cache()

    def run(self, context: CheckContext) -> CheckOutcome:
        outcome = CheckOutcome()
        pinned = [p for p in context.evidence.packages if p.version is not None]
        wanted = {p: self._files(p) for p in pinned}
        bare = [p for p, files in wanted.items() if not files]
        if bare and context.index is not None:  # a requirements file: hashes without URLs
            for package, listings in package_listings(context, bare).items():
                wanted[package] = [
                    _File(f.filename, f.url, f.sha256)
                    for f in locked_files(package, listings)
                    if f.sha256
                ]
        jobs = [(package, file) for package, files in wanted.items() for file in files]
        for package, files in wanted.items():
            if not files:
                outcome.skip(self.id, package, "no locked file with a URL and a sha256")
        known = {file.sha256: _cached(self.cache, file.sha256) for _, file in jobs}
        fetched: dict[str, _Fetched] = {}
        missing = list({f.sha256: f for _, f in jobs if known[f.sha256] is None}.values())
        if missing and context.index is not None:  # downloads overlap; the scans take turns
            with ThreadPoolExecutor(min(_WORKERS, len(missing)), "chainproof-content") as pool:
                results = pool.map(lambda f: self._fetch(context, f), missing)
                fetched = {f.sha256: r for f, r in zip(missing, results, strict=True)}
        for package, file in jobs:
            self._judge(context, outcome, package, file, known[file.sha256], fetched)
        return outcome

    @staticmethod
    def _files(package: LockedPackage) -> list[_File]:
        return [_File(f.filename, f.url, f.sha256) for f in package.files if f.url and f.sha256]

    def _judge(
        self,
        context: CheckContext,
        outcome: CheckOutcome,
        package: LockedPackage,
        file: _File,
        hits: list[ContentHit] | None,
        fetched: dict[str, _Fetched],
    ) -> None:
        if hits is None:
            result = fetched.get(file.sha256)
            if result is None:
                outcome.skip(self.id, package, f"{file.filename} not downloaded (offline)")
                return
            if result.got is not None:
                outcome.add(
                    context,
                    _BY_ID["content.download-mismatch"],
                    package,
                    f"{package.name} {package.version}: {file.filename} from "
                    f"{strip_credentials(file.url)} is not the locked file (sha256 differs).",
                    (("file", file.filename), ("lock sha256", file.sha256), ("sha256", result.got)),
                    "Do not install it: find out what the index serves, then re-lock.",
                )
                return
            if result.hits is None:
                outcome.skip(self.id, package, f"{file.filename} is corrupt or truncated")
                return
            hits = result.hits
        for hit in hits:
            rule = _BY_ID[f"content.{hit.rule}"]
            where = f"{hit.member}:{hit.line}" if hit.line else hit.member
            outcome.add(
                context,
                rule,
                package,
                f"{package.name} {package.version}: {rule.title.lower()} in {file.filename} "
                f"({where}: {hit.pattern}).",
                (
                    ("file", file.filename),
                    ("member", hit.member),
                    ("line", str(hit.line) if hit.line else ""),
                    ("pattern", hit.pattern),
                    ("excerpt", hit.excerpt),
                ),
                "Read the code it names before installing; add an exception with a reason "
                "when it is expected.",
            )

    def _fetch(self, context: CheckContext, file: _File) -> _Fetched:
        """Download, check the sha256 (a file that is not the locked one is never read),
        scan, and cache the result."""
        assert context.index is not None
        with tempfile.TemporaryDirectory(prefix="chainproof-content-") as scratch:
            path = Path(scratch) / file.filename
            with path.open("wb") as out:
                got = context.index.download(file.url, out.write)
            if got != file.sha256:
                return _Fetched(got=got)
            try:
                hits = scan_distribution(path, file.filename)
            except InputError:
                return _Fetched()  # corrupt or truncated: not cached
        record = {"version": RULES_VERSION, "hits": [h.to_json() for h in hits]}
        target = self.cache / file.sha256[:2] / f"{file.sha256}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(target, canonical_json(record))
        return _Fetched(hits=hits)
