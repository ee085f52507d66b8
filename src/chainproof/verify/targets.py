"""What to verify: files, a release directory, or bare digests with their bundle.

A release directory is read through its ``release.json`` manifest when present (every file
checked against the sha256 it lists; a distribution in the directory that the manifest omits
is a failure), else by file names (every ``*.whl``/``*.tar.gz``/``*.zip`` and the bundles
beside them). An artifact's signatures are every ``<file>.sigstore.json``, ``<file>.sigstore``
and ``<file>.publish.attestation`` present; each one must verify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chainproof.errors import InputError, UsageError
from chainproof.fileio import load_json, sha256_file
from chainproof.formats.release_manifest import MANIFEST_NAME
from chainproof.formats.schema import validate
from chainproof.models import SBOM_NAME, SPDX_SBOM_NAME, Digest
from chainproof.verify.manifest import manifest_problems

__all__ = [
    "BUNDLE_SUFFIXES",
    "ArtifactToVerify",
    "Release",
    "resolve_targets",
]

BUNDLE_SUFFIXES = (".sigstore.json", ".sigstore", ".publish.attestation")
# every archive pip would install, not only the ones chainproof builds: an unsigned
# evil-1.0.tar.bz2 beside a signed release must not go unnoticed
_DIST = re.compile(r".+\.(whl|tar\.gz|zip|tar\.bz2|tar\.xz|tgz|tbz|tar|egg)", re.S)
_OTHER_DIGEST = re.compile(r"(?!sha256:)(sha\d+|sha3-\d+|sha512-\d+|md5|blake2b):.*", re.I)


@dataclass(frozen=True)
class ArtifactToVerify:
    """One artifact: its display name, sha256, and the signature files found for it."""

    name: str
    sha256: str
    path: Path | None = None
    bundles: tuple[Path, ...] = ()


@dataclass
class Release:
    """A release directory's shared evidence, and manifest problems found while reading it."""

    directory: Path
    # What the signer wrote beside each statement (the verifier's statement_suffix): found by
    # name when there is no release.json.
    statement_suffix: str = ".sigstore.json"
    provenance: Path | None = None
    sbom_attestation: Path | None = None
    sbom: Path | None = None
    sbom_bundles: tuple[Path, ...] = ()
    # the SPDX SBOM (sbom.spdx.json), attested beside the CycloneDX one
    spdx_attestation: Path | None = None
    spdx: Path | None = None
    spdx_bundles: tuple[Path, ...] = ()
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # (file, check, detail)


def _siblings(path: Path) -> tuple[Path, ...]:
    return tuple(p for s in BUNDLE_SUFFIXES if (p := path.with_name(path.name + s)).is_file())


def _file_target(path: Path, bundle: Path | None) -> ArtifactToVerify:
    if not path.is_file():
        raise InputError(f"The artifact {path} does not exist.")
    bundles = (bundle,) if bundle is not None else _siblings(path)
    return ArtifactToVerify(path.name, sha256_file(path), path, bundles)


def _manifest(release_json: Path) -> dict[str, Any]:
    """release.json, checked against formats/schemas/release.schema.json."""
    data: dict[str, Any] = load_json(release_json, "release manifest")
    validate(data, "release", str(release_json))
    return data


def _from_manifest(directory: Path, release: Release) -> list[ArtifactToVerify]:
    manifest = _manifest(directory / MANIFEST_NAME)
    entries: list[dict[str, Any]] = manifest["files"]
    release.failures += manifest_problems(directory, manifest)
    digests: dict[str, str] = {}
    for entry in entries:
        path = directory / entry["name"]
        if not path.is_file():
            release.failures.append(
                (entry["name"], "manifest", "listed in release.json but missing from the directory")
            )
            continue
        digests[entry["name"]] = actual = sha256_file(path)
        if actual != entry["sha256"]:
            release.failures.append(
                (
                    entry["name"],
                    "manifest-digest",
                    f"sha256 is {actual}, release.json says {entry['sha256']}",
                )
            )

    def of_role(role: str, subject: str | None = None) -> list[str]:
        return [
            e["name"]
            for e in entries
            if e["role"] == role
            and e["name"] in digests
            and (subject is None or e.get("subject") == subject)
        ]

    for entry in entries:
        if _DIST.fullmatch(entry["name"]) and entry["role"] != "artifact":
            release.failures.append(
                (
                    entry["name"],
                    "manifest",
                    f"a distribution listed in release.json as {entry['role']}, not as an "
                    "artifact, would never be verified",
                )
            )
    for attr, role in (
        ("provenance", "provenance"),
        ("sbom_attestation", "sbom-attestation"),
        ("sbom", "sbom"),
        ("spdx_attestation", "spdx-sbom-attestation"),
        ("spdx", "spdx-sbom"),
    ):
        names = of_role(role)
        if len(names) > 1:
            raise InputError(f"release.json lists {len(names)} files with role {role}.")
        setattr(release, attr, directory / names[0] if names else None)
    if release.sbom is not None:
        release.sbom_bundles = tuple(directory / n for n in of_role("signature", release.sbom.name))
    if release.spdx is not None:
        release.spdx_bundles = tuple(directory / n for n in of_role("signature", release.spdx.name))
    return [
        ArtifactToVerify(
            name,
            digests[name],
            directory / name,
            tuple(
                directory / n
                for role in ("signature", "pep740-attestation")
                for n in of_role(role, name)
            ),
        )
        for name in of_role("artifact")
    ]


def _evidence_by_name(directory: Path, release: Release) -> None:
    suffix = release.statement_suffix
    for attr, name in (
        ("provenance", f"provenance{suffix}"),
        ("sbom_attestation", f"sbom.intoto{suffix}"),
        ("sbom", SBOM_NAME),
        ("spdx_attestation", f"sbom.spdx.intoto{suffix}"),
        ("spdx", SPDX_SBOM_NAME),
    ):
        if (directory / name).is_file():
            setattr(release, attr, directory / name)
    if release.sbom is not None:
        release.sbom_bundles = _siblings(release.sbom)
    if release.spdx is not None:
        release.spdx_bundles = _siblings(release.spdx)


def _from_names(directory: Path, release: Release) -> list[ArtifactToVerify]:
    _evidence_by_name(directory, release)
    return [
        _file_target(p, None)
        for p in sorted(directory.iterdir())
        if _DIST.fullmatch(p.name) and p.is_file()
    ]


def resolve_targets(
    args: list[str], bundle: Path | None, statement_suffix: str = ".sigstore.json"
) -> tuple[list[ArtifactToVerify], Release | None]:
    """Turn the command line's targets into ArtifactToVerify (and the Release, for a
    directory); statements are looked for by name with ``statement_suffix``."""
    if not args:
        raise UsageError("Nothing to verify: give artifacts, a release directory or sha256:HEX.")
    if any(not arg.strip() for arg in args):
        # Path("") is the working directory: an unset variable must not verify whatever is there
        raise UsageError("An empty artifact name was given; name a file, directory or digest.")
    if bundle is not None and len(args) != 1:
        raise UsageError("--bundle applies to exactly one artifact or digest.")
    if bundle is not None and bundle.is_dir():
        raise InputError(f"The bundle {bundle} is a directory, not a file.")
    if bundle is not None and not bundle.is_file():
        raise InputError(f"The bundle {bundle} does not exist.")
    directories = [a for a in args if Path(a).is_dir()]
    if directories:
        if len(args) != 1 or bundle is not None:
            raise UsageError("Give one release directory on its own (without --bundle).")
        directory = Path(directories[0])
        release = Release(directory, statement_suffix)
        has_manifest = (directory / MANIFEST_NAME).is_file()
        targets = (_from_manifest if has_manifest else _from_names)(directory, release)
        release.failures += [
            (
                p.name,
                "symlink",
                f"is a symbolic link to {p.readlink()}: a release directory "
                "holds regular files, which cannot change after verification",
            )
            for p in sorted(directory.iterdir())
            if p.is_symlink()
        ]
        if not targets and not release.failures:
            raise InputError(f"{directory} holds no artifacts to verify.")
        return targets, release
    targets = []
    for arg in args:
        if _OTHER_DIGEST.fullmatch(arg) and not Path(arg).exists():
            raise UsageError(f"{arg.split(':')[0]} digests cannot be verified; give sha256:HEX.")
        if arg.lower().startswith("sha256:") and not Path(arg).exists():
            if bundle is None:
                raise UsageError(
                    f"{arg} needs --bundle FILE: a bare digest has no bundle beside it."
                )
            targets.append(ArtifactToVerify(arg.lower(), Digest.parse(arg).value, None, (bundle,)))
        else:
            targets.append(_file_target(Path(arg), bundle))
    parents = {t.path.parent for t in targets if t.path is not None}
    if len(parents) != 1 or any(t.path is None for t in targets):
        return targets, None
    evidence = Release(parents.pop(), statement_suffix)  # provenance/SBOM beside the files
    _evidence_by_name(evidence.directory, evidence)
    return targets, evidence
