"""Core metadata of a distribution (the fields an SBOM needs) and its licence as SPDX;
``read_wheel``: a wheel's METADATA and PEP 770 SBOMs.

METADATA and PKG-INFO files are parsed by ``packaging.metadata.parse_email``, the lenient
parser: it never rejects a file, it sets aside what it cannot read. The strict
``Metadata.from_raw`` is not used: it rejects metadata that real packages ship (no
Metadata-Version, a version that is not PEP 440, a licence expression that is not SPDX, a
malformed Requires-Dist), which chainproof must still list (it keeps such an expression as a
licence name).

Licence precedence (PEP 639 first): ``License-Expression`` when it is a valid SPDX expression;
else the SPDX ids of ``License :: OSI Approved :: ...`` classifiers (joined with AND, as each
classifier applies); else the raw ``License`` text (first line, trimmed) as a licence name.
"""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.licenses import InvalidLicenseExpression, canonicalize_license_expression
from packaging.metadata import RawMetadata, parse_email

from chainproof.errors import InputError
from chainproof.formats.dist_archive import wheel_metadata_member
from chainproof.models import EmbeddedSbom

__all__ = ["PackageMetadata", "WheelInfo", "classifier_license", "read_wheel", "resolve_license"]

# Trove licence classifiers → SPDX ids. packaging has no such table and the one in cyclonedx-bom
# is private to that tool, so the common ones are listed here (classifier text after "License :: ").
_CLASSIFIERS = {
    "OSI Approved :: Apache Software License": "Apache-2.0",
    "OSI Approved :: MIT License": "MIT",
    "OSI Approved :: MIT No Attribution License (MIT-0)": "MIT-0",
    "OSI Approved :: BSD License": "BSD-3-Clause",
    "OSI Approved :: ISC License (ISCL)": "ISC",
    "OSI Approved :: Python Software Foundation License": "PSF-2.0",
    "OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "OSI Approved :: GNU General Public License v2 (GPLv2)": "GPL-2.0-only",
    "OSI Approved :: GNU General Public License v2 or later (GPLv2+)": "GPL-2.0-or-later",
    "OSI Approved :: GNU General Public License v3 (GPLv3)": "GPL-3.0-only",
    "OSI Approved :: GNU General Public License v3 or later (GPLv3+)": "GPL-3.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v2 (LGPLv2)": "LGPL-2.0-only",
    "OSI Approved :: GNU Lesser General Public License v2 or later (LGPLv2+)": "LGPL-2.0-or-later",
    "OSI Approved :: GNU Lesser General Public License v3 (LGPLv3)": "LGPL-3.0-only",
    "OSI Approved :: GNU Lesser General Public License v3 or later (LGPLv3+)": "LGPL-3.0-or-later",
    "OSI Approved :: GNU Affero General Public License v3": "AGPL-3.0-only",
    "OSI Approved :: GNU Affero General Public License v3 or later (AGPLv3+)": "AGPL-3.0-or-later",
    "OSI Approved :: Eclipse Public License 2.0 (EPL-2.0)": "EPL-2.0",
    "OSI Approved :: Boost Software License 1.0 (BSL-1.0)": "BSL-1.0",
    "OSI Approved :: The Unlicense (Unlicense)": "Unlicense",
    "OSI Approved :: zlib/libpng License": "Zlib",
    "OSI Approved :: Artistic License": "Artistic-2.0",
    "OSI Approved :: Universal Permissive License (UPL)": "UPL-1.0",
    "OSI Approved :: Historical Permission Notice and Disclaimer (HPND)": "HPND",
    "CC0 1.0 Universal (CC0 1.0) Public Domain Dedication": "CC0-1.0",
}


@dataclass(frozen=True)
class PackageMetadata:
    """The core metadata fields chainproof reads (names as in the METADATA file)."""

    name: str
    version: str
    requires_dist: tuple[str, ...] = ()
    provides_extra: tuple[str, ...] = ()
    license_expression: str | None = None
    license: str | None = None
    classifiers: tuple[str, ...] = ()

    @classmethod
    def from_email(cls, data: bytes | str) -> PackageMetadata:
        """From a METADATA or PKG-INFO file: its bytes, or its text once decoded.

        A file without Name or Version raises KeyError("name") / KeyError("version")."""
        return cls.from_raw(*parse_email(data))

    @classmethod
    def from_raw(
        cls, raw: RawMetadata, unparsed: Mapping[str, list[str]] | None = None
    ) -> PackageMetadata:
        """From ``parse_email``'s two results. ``unparsed`` holds a single-use field that
        appears more than once (the first occurrence is used, as readers of METADATA have
        always done) and a field whose bytes are not UTF-8 (read as Latin-1 there)."""
        rest = unparsed or {}

        def one(value: str | None, header: str) -> str | None:
            if value is None and rest.get(header):
                return rest[header][0]
            return value

        def many(values: list[str] | None, header: str) -> tuple[str, ...]:
            return tuple(values if values is not None else rest.get(header, ()))

        name = one(raw.get("name"), "name")
        if name is None:
            raise KeyError("name")
        version = one(raw.get("version"), "version")
        if version is None:
            raise KeyError("version")
        return cls(
            name=name,
            version=version,
            requires_dist=many(raw.get("requires_dist"), "requires-dist"),
            provides_extra=many(raw.get("provides_extra"), "provides-extra"),
            license_expression=one(raw.get("license_expression"), "license-expression") or None,
            license=one(raw.get("license"), "license") or None,
            classifiers=many(raw.get("classifiers"), "classifier"),
        )

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PackageMetadata:
        """From the JSON form of core metadata (PEP 566), as in pip's installation report.

        packaging has no reader for this form (packaging.metadata parses email headers only),
        and its keys are not RawMetadata's (``classifier``, not ``classifiers``), so it is
        read here; values may be a string where a list is expected."""

        def many(key: str) -> tuple[str, ...]:
            value = data.get(key) or ()
            return (value,) if isinstance(value, str) else tuple(str(v) for v in value)

        return cls(
            name=str(data["name"]),
            version=str(data["version"]),
            requires_dist=many("requires_dist"),
            provides_extra=many("provides_extra"),
            license_expression=data.get("license_expression") or None,
            license=data.get("license") or None,
            classifiers=many("classifier"),
        )


def classifier_license(classifiers: Iterable[str]) -> str | None:
    """An SPDX expression from licence classifiers, None when none maps."""
    ids = sorted(
        {
            spdx
            for c in classifiers
            if c.startswith("License :: ") and (spdx := _CLASSIFIERS.get(c[len("License :: ") :]))
        }
    )
    return " AND ".join(ids) if ids else None


def resolve_license(meta: PackageMetadata) -> tuple[str | None, tuple[str, ...]]:
    """(SPDX expression, licence names): at most one of the two is set."""
    if meta.license_expression:
        try:
            return str(canonicalize_license_expression(meta.license_expression)), ()
        except InvalidLicenseExpression:
            return None, (meta.license_expression.strip(),)
    if expression := classifier_license(meta.classifiers):
        return expression, ()
    text = (meta.license or "").strip()
    if text and text.upper() != "UNKNOWN":
        first = text.splitlines()[0].strip()
        # A short licence field that is itself a valid SPDX expression (e.g. "MIT") counts.
        try:
            return str(canonicalize_license_expression(first)), ()
        except InvalidLicenseExpression:
            return None, (first[:200],)
    return None, ()


@dataclass(frozen=True)
class WheelInfo:
    metadata: PackageMetadata
    sboms: tuple[EmbeddedSbom, ...]
    metadata_bytes: bytes = b""  # the METADATA file as in the wheel


def read_wheel(path: Path) -> WheelInfo:
    """METADATA and PEP 770 SBOMs of a wheel; a file that is not a wheel is InputError."""
    try:
        with zipfile.ZipFile(path) as wheel:
            names = wheel.namelist()
            meta_name = wheel_metadata_member(names)
            if meta_name is None:
                raise InputError(f"{path} is not a wheel: it has no .dist-info/METADATA.")
            data = wheel.read(meta_name)
            dist_info = meta_name.split("/")[0]
            sboms = tuple(
                sorted(
                    EmbeddedSbom(f"{path.name}#{n}", hashlib.sha256(wheel.read(n)).hexdigest())
                    for n in names
                    if n.startswith(f"{dist_info}/sboms/") and not n.endswith("/")
                )
            )
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise InputError(f"{path} is not a readable wheel (not a zip archive: {exc}).") from exc
    try:
        metadata = PackageMetadata.from_email(data)
    except KeyError as exc:
        raise InputError(f"{path} has METADATA without {exc}.") from exc
    return WheelInfo(metadata, sboms, data)
