"""What a dependency file holds that runs at install or import time, read statically from the
archive (never executed): .pth files with executable lines, build scripts that reach the
network, start processes, write outside the build or decode and execute; obfuscated execution
anywhere; console scripts that shadow common commands; native code in a pure-Python wheel;
a RECORD that does not match the wheel's members.

Regular expressions over the source, not GuardDog's YARA and Semgrep rules: those take 1-15 s
per archive, and every hit here must name the member, the line and the pattern."""

from __future__ import annotations

import base64
import configparser
import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from chainproof.formats.dist_archive import (
    DEFAULT_MEMBER_LIMIT,
    MemberTooLarge,
    archive_kind,
    iter_members,
    line_blocks,
)

__all__ = ["RULES_VERSION", "ContentHit", "scan_distribution"]

RULES_VERSION = 1  # cached results of an older version are scanned again

_SOURCE = (".py", ".pth", ".pyw")
_DECODERS = (
    r"(?:b64decode|b32decode|b16decode|b85decode|a85decode|urlsafe_b64decode|unhexlify|fromhex"
    r"|decompress|marshal\.loads|codecs\.decode)"
)
# (pattern name, regex) for any module
_OBFUSCATION = (
    ("exec of decoded data", rf"\b(?:exec|eval|compile)\s*\(\s*(?:[\w.]+\.)?{_DECODERS}\s*\("),
    (
        "decoder chain",
        r"\b(?:marshal|zlib|base64|lzma|bz2|binascii)\.\w+\(\s*"
        r"(?:marshal|zlib|base64|lzma|bz2|binascii)\.\w+\(",
    ),
    ("__import__ of a decoder", r"__import__\(\s*['\"](?:base64|zlib|marshal|codecs)['\"]\s*\)"),
)
# for the build scripts of an sdist (setup.py, and the in-tree backends beside it)
_BUILD = (
    (
        "build-network",
        "network access",
        r"\b(?:urllib\.request|urlopen|urlretrieve|requests\.(?:get|post|put)|http\.client"
        r"|httpx\.|socket\.(?:socket|create_connection)|ftplib|smtplib)\b",
    ),
    (
        "build-process",
        "a new process",
        r"\b(?:subprocess\.\w+|os\.system|os\.popen|os\.exec\w*|os\.spawn\w*|pty\.spawn)\s*\(",
    ),
    (
        "build-write-outside",
        "a write outside the build",
        r"""(?:open|write_text|write_bytes|copy\w*|move)\s*\([^)\n]*['"](?:/(?:etc|usr|bin|"""
        r"""root|home|var)/|~/?)|\.(?:bashrc|zshrc|profile)\b|authorized_keys|sitecustomize"""
        r"|usercustomize|crontab",
    ),
    ("build-decode-exec", "decode then execute", rf"\b(?:exec|eval)\s*\(.*{_DECODERS}"),
)
_OBFUSCATION_RX = tuple((name, re.compile(rx.encode())) for name, rx in _OBFUSCATION)
_BUILD_RX = tuple((rule, name, re.compile(rx.encode())) for rule, name, rx in _BUILD)
_PTH_EXEC = re.compile(rb"^import[ \t]", re.MULTILINE)
# commands a console script must not replace, unless the distribution is theirs (pip's pip)
_SHADOWED = {
    "pip", "python", "git", "ssh", "sudo", "sh", "bash", "ls", "curl", "wget", "scp",
    "docker", "kubectl", "gpg", "npm", "node", "su",
}  # fmt: skip
_NATIVE_MAGIC = (b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe",
                 b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe")  # fmt: skip
_NATIVE_SUFFIXES = (".so", ".dylib", ".pyd")
_WINDOWS_SUFFIXES = (".exe", ".dll")
_SIGNATURES = ("RECORD", "RECORD.jws", "RECORD.p7s")


@dataclass(frozen=True)
class ContentHit:
    rule: str  # the rule after "content.": pth-exec, obfuscated-exec, build-network, ...
    member: str
    line: int | None
    pattern: str
    excerpt: str = ""  # the line, shortened

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "member": self.member,
            "line": self.line,
            "pattern": self.pattern,
            "excerpt": self.excerpt,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ContentHit:
        return cls(data["rule"], data["member"], data["line"], data["pattern"], data["excerpt"])


def _excerpt(block: bytes, start: int) -> str:
    begin = block.rfind(b"\n", 0, start) + 1
    end = block.find(b"\n", start)
    line = block[begin : end if end >= 0 else len(block)].strip()
    return line[:120].decode("utf-8", "replace")


def _line_hits(
    member: str, line: int, block: bytes, patterns: tuple[tuple[str, str, re.Pattern[bytes]], ...]
) -> Iterator[ContentHit]:
    for rule, name, rx in patterns:
        for match in rx.finditer(block):
            at = line + block.count(b"\n", 0, match.start())
            yield ContentHit(rule, member, at, name, _excerpt(block, match.start()))


def _is_build_script(kind: str, member: str) -> bool:
    """setup.py, or a module beside it at the sdist's top (an in-tree build backend)."""
    parts = member.split("/")
    return kind == "sdist" and len(parts) == 2 and parts[1].endswith(".py")


class _Distribution:
    """One pass over a distribution's members."""

    def __init__(self, path: Path, filename: str) -> None:
        self.kind = archive_kind(Path(filename)) or "sdist"
        stem = filename.removesuffix(".whl").split("-")
        self.name = canonicalize_name(stem[0])
        self.pure = self.kind == "wheel" and stem[-1] == "any" and stem[-2] == "none"
        self.hits: list[ContentHit] = []
        self.digests: dict[str, str] = {}  # wheel members: RECORD's hash form
        self.record: bytes | None = None

    def member(self, name: str, chunks: Iterator[bytes]) -> None:
        digest = hashlib.sha256()
        head = b""
        source = name.lower().endswith(_SOURCE)
        patterns: tuple[tuple[str, str, re.Pattern[bytes]], ...] = tuple(
            ("obfuscated-exec", n, rx) for n, rx in _OBFUSCATION_RX
        )
        if _is_build_script(self.kind, name):
            patterns = _BUILD_RX
        keep = name.endswith((".dist-info/RECORD", ".dist-info/entry_points.txt"))
        kept: list[bytes] = []

        def hashed() -> Iterator[bytes]:
            nonlocal head
            for chunk in chunks:
                digest.update(chunk)
                head = head or chunk[:4]
                if keep:
                    kept.append(chunk)
                yield chunk

        stream = hashed()
        for line, block in line_blocks(stream) if source else ():
            self.hits += _line_hits(name, line, block, patterns)
            if name.endswith(".pth"):
                for match in _PTH_EXEC.finditer(block):
                    at = line + block.count(b"\n", 0, match.start())
                    self.hits.append(
                        ContentHit("pth-exec", name, at, "import line in a .pth file",
                                   _excerpt(block, match.start()))
                    )  # fmt: skip
        for _ in stream:  # not a source file: only hashed
            pass
        self.digests[name] = base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
        self._binary(name, head)
        if name.endswith(".dist-info/RECORD"):
            self.record = b"".join(kept)
        elif keep:
            self._console_scripts(name, b"".join(kept))

    def _binary(self, name: str, head: bytes) -> None:
        if not self.pure:
            return
        lowered = name.lower()
        if head in _NATIVE_MAGIC or lowered.endswith(_NATIVE_SUFFIXES):
            self.hits.append(
                ContentHit("native-binary", name, None, "native code in a none-any wheel")
            )
        elif head[:2] == b"MZ" or lowered.endswith(_WINDOWS_SUFFIXES):
            self.hits.append(ContentHit("windows-executable", name, None, "a Windows executable"))

    def _console_scripts(self, name: str, data: bytes) -> None:
        parser = configparser.ConfigParser(delimiters=("=",), interpolation=None)
        parser.optionxform = str  # type: ignore[assignment,method-assign]
        try:
            parser.read_string(data.decode("utf-8", "replace"))
        except configparser.Error:
            return
        for section in ("console_scripts", "gui_scripts"):
            if not parser.has_section(section):
                continue
            for command in parser.options(section):
                bare = re.sub(r"[\d.]+$", "", command.lower())
                if bare in _SHADOWED and canonicalize_name(bare) != self.name:
                    self.hits.append(
                        ContentHit("console-shadow", name, None,
                                   f"console script {command!r} shadows {bare}")
                    )  # fmt: skip

    def finish(self) -> None:
        if self.kind != "wheel":
            return
        records = [m for m in self.digests if m.endswith(".dist-info/RECORD")]
        if self.record is None or not records:
            self.hits.append(ContentHit("record-mismatch", "RECORD", None, "no RECORD"))
            return
        listed: dict[str, str] = {}
        for row in csv.reader(io.StringIO(self.record.decode("utf-8", "replace"))):
            if row and len(row) >= 2:
                listed[row[0]] = row[1]
        for member, digest in self.digests.items():
            if member.rsplit("/", 1)[-1] in _SIGNATURES and ".dist-info/" in member:
                continue
            recorded = listed.get(member)
            if recorded is None:
                self.hits.append(ContentHit("record-mismatch", member, None, "not in RECORD"))
            elif recorded != f"sha256={digest}" and recorded.startswith("sha256="):
                self.hits.append(
                    ContentHit("record-mismatch", member, None, "hash differs from RECORD")
                )
        for member in listed.keys() - self.digests.keys():
            self.hits.append(
                ContentHit("record-mismatch", member, None, "in RECORD, not in the wheel")
            )


def scan_distribution(
    path: Path, filename: str | None = None, limit: int = DEFAULT_MEMBER_LIMIT
) -> list[ContentHit]:
    """Every hit in the wheel or sdist at ``path`` (named ``filename``, default its name).
    Raises InputError for an archive that cannot be read."""
    dist = _Distribution(path, filename or path.name)
    for member in iter_members(path, limit):
        try:
            dist.member(member.name, member.chunks())
        except MemberTooLarge:
            dist.hits.append(
                ContentHit("too-large", member.name, None, f"expands past {limit} bytes")
            )
    dist.finish()
    return dist.hits
