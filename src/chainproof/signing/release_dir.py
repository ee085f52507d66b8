"""Signing a release directory: read and check its inputs, sign everything, then write all
outputs and release.json at once (nothing is written if any signature fails)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    parse_sdist_filename,
    parse_wheel_filename,
)

from chainproof.errors import InputError
from chainproof.fileio import StagedFiles, parse_json, read_bytes, sha256_file
from chainproof.formats.build_record import read_build_record
from chainproof.formats.intoto import (
    RunDetails,
    provenance_statement,
    sbom_statement,
    spdx_statement,
    statement_bytes,
)
from chainproof.formats.release_manifest import MANIFEST_NAME, ManifestEntry, release_manifest
from chainproof.formats.sbom_files import artifact_hashes
from chainproof.formats.spdx.reader import is_spdx
from chainproof.models import BUILD_RECORD_NAME, SBOM_NAME, SPDX_SBOM_NAME, Artifact, BuildRecord
from chainproof.progress import Reporter
from chainproof.signing.signer import Signer

__all__ = [
    "ReleaseInputs",
    "SignResult",
    "read_release",
    "sign_release",
]

SIGNING_THREADS = 16


@dataclass(frozen=True)
class ReleaseInputs:
    """What gets signed, read and checked before any signing service is contacted."""

    directory: Path
    project_name: str
    project_version: str
    artifacts: tuple[Artifact, ...]
    record: BuildRecord | None
    sbom_name: str | None  # the SBOM's name inside the directory
    sbom_bytes: bytes | None
    sbom_document: Any  # sbom_bytes parsed, None without an SBOM
    sbom_copy: bool  # the SBOM came from outside the directory and is written into it
    spdx_bytes: bytes | None = None  # sbom.spdx.json of the directory, attested beside it
    spdx_document: Any = None


@dataclass(frozen=True)
class SignResult:
    directory: Path
    project_name: str
    project_version: str
    signer: str
    entries: tuple[ManifestEntry, ...]
    written: tuple[Path, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "project": {"name": self.project_name, "version": self.project_version},
            "signer": self.signer,
            "files": [e.to_json() for e in self.entries],
            "written": [p.name for p in self.written],
        }


def _dist_kind(name: str) -> tuple[str, str, str] | None:
    """(kind, normalised name, version) for a dist file name, None for other files."""
    try:
        if name.endswith(".whl"):
            project, version, _, _ = parse_wheel_filename(name)
            return "wheel", project, str(version)
        if name.endswith((".tar.gz", ".zip")):
            project, version = parse_sdist_filename(name)
            return "sdist", project, str(version)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise InputError(f"{name} is not a valid distribution file name ({exc}).") from exc
    return None


def _check_record(record: BuildRecord, artifacts: tuple[Artifact, ...], origin: Path) -> None:
    recorded = {a.name: a.sha256 for a in record.artifacts}
    found = {a.name: a.sha256 for a in artifacts}
    extra, missing = sorted(found.keys() - recorded.keys()), sorted(recorded.keys() - found.keys())
    if extra:
        raise InputError(f"{extra[0]} is not in {origin}.", hint="Sign the output of one build.")
    if missing:
        raise InputError(f"{origin} lists {missing[0]}, which is not in {origin.parent}.")
    for name, digest in sorted(found.items()):
        if recorded[name] != digest:
            raise InputError(
                f"{name} has sha256 {digest}, but {origin} says {recorded[name]}.",
                hint="The file changed after it was built; rebuild it.",
            )


def _read_sbom(directory: Path, sbom: Path | None) -> tuple[str | None, bytes | None, Any, bool]:
    path = sbom if sbom is not None else directory / SBOM_NAME
    if sbom is None and not path.is_file():
        return None, None, None, False
    data = read_bytes(path, "SBOM")
    document = parse_json(data, path, "SBOM")
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        raise InputError(f"{path} is not a CycloneDX JSON SBOM (no bomFormat CycloneDX).")
    inside = path.resolve().parent == directory.resolve()
    name = path.name if inside else SBOM_NAME
    target = directory / name
    if not inside and target.is_file() and target.read_bytes() != data:
        raise InputError(
            f"{target} exists and differs from the SBOM {path}.",
            hint=f"Remove {target} or pass --sbom {target}.",
        )
    return name, data, document, not inside


def _read_spdx(directory: Path) -> tuple[bytes | None, Any]:
    """sbom.spdx.json of the directory, if there is one (an SPDX document)."""
    path = directory / SPDX_SBOM_NAME
    if not path.is_file():
        return None, None
    data = read_bytes(path, "SBOM")
    document = parse_json(data, path, "SBOM")
    if not is_spdx(document):
        raise InputError(f"{path} is not an SPDX JSON SBOM (no spdxVersion, no SPDX @context).")
    return data, document


def _check_sbom_lists(sbom: Any, artifacts: list[Artifact], reporter: Reporter) -> None:
    """verify --require sbom wants the artifacts' sha256 in the SBOM's subject; say so now
    rather than at deploy time (an SBOM of a lock file legitimately has none)."""
    listed = artifact_hashes(sbom)
    missing = [a.name for a in artifacts if a.sha256 not in listed]
    if missing:
        reporter.log(
            f"The SBOM's metadata does not list the sha256 of {', '.join(missing)}: "
            "`chainproof verify --require sbom` will fail (`chainproof sbom --dist` lists them)."
        )


def read_release(directory: Path, sbom: Path | None, reporter: Reporter) -> ReleaseInputs:
    """Find the dists, the build record and the SBOM; hash the dists; check they agree."""
    if not directory.is_dir():
        raise InputError(f"The distribution directory {directory} does not exist.")
    dists = [
        (p, parsed)
        for p in sorted(directory.iterdir())
        if p.is_file() and (parsed := _dist_kind(p.name)) is not None
    ]
    if not dists:
        raise InputError(
            f"{directory} holds no wheel or sdist to sign.", hint="Run chainproof build first."
        )
    linked = [p for p, _ in dists if p.is_symlink()]
    if linked:  # verify refuses links in a release directory: they can change after signing
        raise InputError(
            f"{linked[0].name} is a symbolic link; a release directory holds regular files.",
            hint="Copy the file into the directory instead.",
        )
    projects = {(project, version) for _, (_, project, version) in dists}
    if len(projects) > 1:
        listing = ", ".join(f"{n} {v}" for n, v in sorted(projects))
        raise InputError(f"{directory} holds dists of more than one release ({listing}).")
    reporter.step("Hashing distributions", total=len(dists))
    artifacts = []
    for path, (kind, _, _) in dists:
        artifacts.append(Artifact(path.name, kind, sha256_file(path), path.stat().st_size))
        reporter.advance()
    record_path = directory / BUILD_RECORD_NAME
    record = None
    if record_path.is_file():
        record = read_build_record(record_path)
        _check_record(record, tuple(artifacts), record_path)
    else:
        reporter.log(f"No {BUILD_RECORD_NAME}: the provenance will not name source or tools.")
    sbom_name, sbom_bytes, sbom_document, sbom_copy = _read_sbom(directory, sbom)
    spdx_bytes, spdx_document = _read_spdx(directory)
    for document in (sbom_document, spdx_document):
        if document is not None:
            _check_sbom_lists(document, artifacts, reporter)
    project, version = next(iter(projects))
    return ReleaseInputs(
        directory=directory,
        project_name=record.project_name if record else project,
        project_version=record.project_version if record else version,
        artifacts=tuple(artifacts),
        record=record,
        sbom_name=sbom_name,
        sbom_bytes=sbom_bytes,
        sbom_document=sbom_document,
        sbom_copy=sbom_copy,
        spdx_bytes=spdx_bytes,
        spdx_document=spdx_document,
    )


@dataclass(frozen=True)
class _Job:
    name: str  # the file it produces
    role: str
    subject: str | None
    sign: Callable[[], bytes | None]


def _run_all(jobs: list[_Job], reporter: Reporter) -> list[bytes | None]:
    """Run the signing jobs in threads (each is a transparency-log round trip, as in
    ``sigstore sign``); results in job order; the first failure cancels what has not started."""
    results: dict[int, bytes | None] = {}
    pool = ThreadPoolExecutor(max_workers=min(SIGNING_THREADS, len(jobs)))
    try:
        futures = {pool.submit(job.sign): index for index, job in enumerate(jobs)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            reporter.advance()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return [results[index] for index in range(len(jobs))]


def sign_release(
    inputs: ReleaseInputs,
    signer: Signer,
    run: RunDetails,
    reporter: Reporter,
) -> SignResult:
    """Sign every artifact, the SBOM, the provenance and SBOM statements and (keyless) make
    PEP 740 attestations; then write them all with release.json."""
    directory, artifacts = inputs.directory, inputs.artifacts
    staged = StagedFiles()
    entries = [ManifestEntry(a.name, a.sha256, a.size, "artifact") for a in artifacts]

    def stage(name: str, data: bytes, role: str, subject: str | None = None) -> None:
        staged.add(directory / name, data)
        entries.append(ManifestEntry.of_bytes(name, data, role, subject))

    if inputs.record is not None:
        record_bytes = (directory / BUILD_RECORD_NAME).read_bytes()
        entries.append(ManifestEntry.of_bytes(BUILD_RECORD_NAME, record_bytes, "build-record"))
    for link in sorted(directory.glob("*.link")):  # `build --link`'s in-toto link
        entries.append(ManifestEntry.of_bytes(link.name, link.read_bytes(), "in-toto-link"))

    jobs: list[_Job] = []
    suffix = signer.envelope_suffix

    def job(
        name: str, role: str, subject: str | None, sign: Callable[..., bytes | None], *args: Any
    ) -> None:
        jobs.append(_Job(name, role, subject, functools.partial(sign, *args)))

    for a in artifacts:
        job(
            a.name + suffix, "signature", a.name, signer.sign_artifact, directory / a.name, a.sha256
        )
    job(
        f"provenance{suffix}",
        "provenance",
        None,
        signer.sign_statement,
        statement_bytes(provenance_statement(artifacts, inputs.record, run)),
    )
    if inputs.sbom_name is not None and inputs.sbom_bytes is not None:
        if inputs.sbom_copy:
            staged.add(directory / inputs.sbom_name, inputs.sbom_bytes)
        sbom = ManifestEntry.of_bytes(inputs.sbom_name, inputs.sbom_bytes, "sbom")
        entries.append(sbom)
        job(
            sbom.name + suffix,
            "signature",
            sbom.name,
            signer.sign_artifact,
            directory / sbom.name,
            sbom.sha256,
        )
        statement = sbom_statement(artifacts, inputs.sbom_document)
        job(
            f"sbom.intoto{suffix}",
            "sbom-attestation",
            None,
            signer.sign_statement,
            statement_bytes(statement),
        )
    if inputs.spdx_bytes is not None:
        spdx = ManifestEntry.of_bytes(SPDX_SBOM_NAME, inputs.spdx_bytes, "spdx-sbom")
        entries.append(spdx)
        job(
            spdx.name + suffix,
            "signature",
            spdx.name,
            signer.sign_artifact,
            directory / spdx.name,
            spdx.sha256,
        )
        job(
            f"sbom.spdx.intoto{suffix}",
            "spdx-sbom-attestation",
            None,
            signer.sign_statement,
            statement_bytes(spdx_statement(artifacts, inputs.spdx_document)),
        )
    for a in artifacts:
        job(
            f"{a.name}.publish.attestation",
            "pep740-attestation",
            a.name,
            signer.attest_distribution,
            directory / a.name,
            a.sha256,
        )
    reporter.step(f"Signing ({signer.name})", total=len(jobs))
    for done, data in zip(jobs, _run_all(jobs, reporter), strict=True):
        if data is not None:
            stage(done.name, data, done.role, done.subject)
    manifest = release_manifest(inputs.project_name, inputs.project_version, entries)
    staged.add(directory / MANIFEST_NAME, manifest)
    reporter.step("Writing the signed release")
    written = staged.commit()
    return SignResult(
        directory=directory,
        project_name=inputs.project_name,
        project_version=inputs.project_version,
        signer=signer.describe(),
        entries=tuple(sorted(entries, key=lambda e: e.name)),
        written=tuple(written),
    )
