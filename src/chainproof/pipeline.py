"""``chainproof release``: every stage in order, into one new release directory.

build → scan → sbom → audit gate (when configured) → sign → verify (with the deploy policy).

The stages run in a staging directory beside the output. The output directory, and with it
release.json, appears by one rename only when every stage passed: a failed release leaves
nothing behind, and its error names the stage that failed. Everything that can be checked
without building (settings, policies, the advisory database, the signer's key) is checked by
:func:`plan_release` first, which is also what ``--dry-run`` shows.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from chainproof.audit.gate import AuditGate, check_gate, run_gate
from chainproof.audit.report import AuditReport
from chainproof.build.lock import build_lock_for
from chainproof.build.project import BuildOptions, build_project
from chainproof.build.source import ProjectSource, inspect_project
from chainproof.config import key_password
from chainproof.errors import ChainproofError, InputError, UsageError, VerificationFailed
from chainproof.fileio import atomic_write_bytes, atomic_write_text, default_mode, os_error
from chainproof.formats.cyclonedx.writer import SPEC_VERSIONS, RenderOptions
from chainproof.formats.deploy_policy import Policy, load_policy, policy_configured
from chainproof.formats.scan_policy import ScanPolicy, load_scan_policy
from chainproof.formats.spdx import writer as spdx
from chainproof.formats.spdx.common import SPEC_VERSIONS as SPDX_VERSIONS
from chainproof.models import SBOM_NAME, SPDX_SBOM_NAME
from chainproof.progress import NullReporter, Reporter
from chainproof.sbom.closure import CLOSURE_PROPERTY, RESOLVED, read_lock
from chainproof.sbom.make import SbomRequest, make_sbom
from chainproof.sbom.sources import ClosureLock
from chainproof.sbom.target import TargetPlatform
from chainproof.scan.report import ScanReport
from chainproof.scan.run import ScanRequest, scan_artifacts
from chainproof.signing.ci import run_details
from chainproof.signing.key_signer import KeySigner
from chainproof.signing.links import prepare_link_dir, start_build_link
from chainproof.signing.release_dir import SignResult, read_release, sign_release
from chainproof.signing.signer import Signer
from chainproof.verify.bundles import load_bundle
from chainproof.verify.identity import signer_of
from chainproof.verify.report import Report
from chainproof.verify.run import verify_release

__all__ = [
    "ReleaseOptions",
    "ReleasePlan",
    "ReleaseResult",
    "make_release",
    "plan_release",
]

# A release writes both attestations, so its own check always requires both.
_REQUIRED = "provenance,sbom"


@dataclass(frozen=True)
class ReleaseOptions:
    project_dir: Path
    output_dir: Path
    installer: str = "auto"
    build_lock: Path | None = None
    allow_dirty: bool = False
    check_reproducible: bool = False
    spec_version: str = "1.6"
    # [sbom] formats: CycloneDX always (the audit gate and verify read it), SPDX beside it
    sbom_formats: tuple[str, ...] = ("cyclonedx",)
    spdx_version: str = "2.3"
    # the SBOM's target, as --python-version and --platform of `chainproof sbom`
    python_version: str | None = None
    platforms: tuple[str, ...] = ()
    # the lock of the SBOM's runtime closure (--lock), or none (--no-lock: pip resolves it);
    # else [sbom] lock of the project, else its uv.lock or pylock.toml
    sbom_lock: Path | None = None
    no_lock: bool = False
    audit: AuditGate | None = None  # None: no audit stage
    verify_policy: Path | None = None  # the deploy policy file; else the project's [verify]
    # the Sigstore trust the signer uses (trust-config / staging), also used to verify
    signing_trust: dict[str, Any] = field(default_factory=dict)
    link_key: Path | None = None  # record the build step's in-toto link, signed with this key
    links_dir: Path | None = None  # also copy that link here, beside the other steps' links

    @property
    def spdx(self) -> bool:
        return "spdx" in self.sbom_formats

    @property
    def formats(self) -> tuple[str, ...]:
        """The SBOMs the release holds: CycloneDX, and SPDX when [sbom] formats asks."""
        return ("cyclonedx", "spdx") if self.spdx else ("cyclonedx",)


@dataclass(frozen=True)
class ReleasePlan:
    """What a release will do, checked before anything is built (``--dry-run`` prints it)."""

    options: ReleaseOptions
    source: ProjectSource
    signer: str
    policy: Policy | None  # None: verify against the signer's own key or identity
    lock: ClosureLock | None = None  # the SBOM's runtime closure comes from it; None: pip
    scan: ScanPolicy = field(default_factory=ScanPolicy)  # the project's [scan]

    @property
    def closure(self) -> str:
        """Where the SBOM's runtime closure comes from: ``lock:<file>`` or ``resolved``."""
        return RESOLVED if self.lock is None else f"lock:{self.lock.label}"

    def to_json(self) -> dict[str, Any]:
        options, audit = self.options, self.options.audit
        return {
            "project": str(options.project_dir),
            "output": str(options.output_dir),
            "source": {
                "uri": self.source.source.uri,
                "commit": self.source.source.commit,
                "ref": self.source.source.ref,
                "dirty": self.source.source.dirty,
            },
            "stages": [
                {
                    "name": "build",
                    "installer": options.installer,
                    "build_lock": str(options.build_lock) if options.build_lock else None,
                    "check_reproducible": options.check_reproducible,
                    "in_toto_link": options.link_key is not None,
                    "links": str(options.links_dir) if options.links_dir else None,
                },
                {
                    "name": "scan",
                    "fail_on": self.scan.fail_on,
                    "policy": self.scan.origin or "the defaults",
                },
                {
                    "name": "sbom",
                    "spec_version": options.spec_version,
                    # shown only when SPDX is on: a plan without it reads as before
                    "formats": list(options.formats) if options.spdx else None,
                    "spdx_version": options.spdx_version if options.spdx else None,
                    "python_version": options.python_version,
                    "platforms": list(options.platforms),
                    "closure": self.closure,
                },
                {
                    "name": "audit",
                    "enabled": audit is not None,
                    **(
                        {
                            "db": str(audit.db),
                            "policy": str(audit.policy) if audit.policy else "[audit]",
                            "fail_on": audit.fail_on,
                        }
                        if audit
                        else {}
                    ),
                },
                {"name": "sign", "signer": self.signer},
                {
                    "name": "verify",
                    "policy": self.policy.to_json() if self.policy else self._own_signer,
                    "policy_file": str(self.policy.origin)
                    if self.policy and self.policy.origin
                    else None,
                },
            ],
        }

    @property
    def _own_signer(self) -> str:
        return "the signing key" if self.signer == "key" else "the signing certificate's identity"


@dataclass(frozen=True)
class ReleaseResult:
    signed: SignResult
    audit: AuditReport | None
    verified: Report
    own_signer: bool  # verified against the signer's own key or identity: no deploy policy
    closure: str = RESOLVED  # the SBOM's runtime closure: ``lock:<file>`` or ``resolved``
    sbom_warnings: tuple[str, ...] = ()
    scan: ScanReport | None = None

    def to_json(self) -> dict[str, Any]:
        data = self.signed.to_json()
        scan = self.scan
        data["scan"] = (
            None
            if scan is None
            else {
                "findings": len(scan.active),
                "suppressed": len(scan.findings) - len(scan.active),
                "fail_on": scan.fail_on,
            }
        )
        data["sbom"] = {"closure": self.closure, "warnings": list(self.sbom_warnings)}
        audit = self.audit
        data["audit"] = (
            None
            if audit is None
            else {
                "checked": audit.checked,
                "findings": len(audit.active),
                "suppressed": len(audit.findings) - len(audit.active),
                "fail_on": audit.fail_on,
            }
        )
        data["verify"] = {
            "passed": self.verified.passed,
            "policy": self.verified.policy.to_json(),
            "own_signer": self.own_signer,
        }
        return data


@dataclass(frozen=True)
class _StageReporter:
    """The one progress display of a release, each step labelled with its stage:
    ``[2/5 sbom] Writing CycloneDX``."""

    inner: Reporter
    label: str

    def step(self, description: str, total: int | None = None) -> None:
        self.inner.step(f"[{self.label}] {description}", total)

    def advance(self, amount: int = 1) -> None:
        self.inner.advance(amount)

    def log(self, message: str) -> None:
        self.inner.log(f"[{self.label}] {message}")


@contextlib.contextmanager
def _stage(name: str) -> Iterator[None]:
    """Say which stage failed, keeping the error's class and exit code."""
    try:
        yield
    except ChainproofError as exc:
        text = exc.message
        if text[:1].isupper() and text[1:2].islower():
            text = text[0].lower() + text[1:]
        exc.message = f"The {name} stage failed: {text}"
        exc.args = (exc.message,)
        raise


def _check_output(output: Path) -> None:
    if output.exists() and not output.is_dir():
        raise InputError(f"The release directory {output} exists and is not a directory.")
    try:
        not_empty = output.is_dir() and any(output.iterdir())
    except OSError as exc:
        raise InputError(f"Cannot read the release directory {output}: {exc.strerror}.") from exc
    if not_empty:
        raise InputError(
            f"The release directory {output} already exists and is not empty.",
            hint="Choose a new directory with -o; a release is never mixed with older files.",
        )


def _load_deploy_policy(options: ReleaseOptions, flags: dict[str, Any]) -> Policy:
    # the signer's --trust-config/--staging, unless the policy names its own root
    return load_policy(
        {"require": _REQUIRED, **flags},
        options.verify_policy,
        options.project_dir,
        defaults=options.signing_trust,
    )


def _sbom_request(options: ReleaseOptions, dist: Path) -> SbomRequest:
    return SbomRequest(
        dist=dist,
        target=TargetPlatform.for_python(options.python_version, options.platforms),
        lock=options.sbom_lock,
        no_lock=options.no_lock,
        project_dir=options.project_dir,
    )


def plan_release(options: ReleaseOptions, signer: str) -> ReleasePlan:
    """Check everything that needs no build: settings, output, source, policies, database,
    and the lock of the SBOM's runtime closure (read for the target; whether it satisfies the
    wheel's requirements is known once the wheel is built)."""
    if options.spec_version not in SPEC_VERSIONS:
        raise UsageError(
            f"CycloneDX {options.spec_version!r} is not supported; use {', '.join(SPEC_VERSIONS)}."
        )
    unknown = sorted(set(options.sbom_formats) - {"cyclonedx", "spdx"})
    if unknown:
        raise UsageError(
            f"The SBOM format {unknown[0]!r} in [sbom] formats is not cyclonedx or spdx."
        )
    if options.spdx and options.spdx_version not in SPDX_VERSIONS:
        raise UsageError(
            f"SPDX {options.spdx_version!r} is not supported; use {', '.join(SPDX_VERSIONS)}."
        )
    TargetPlatform.for_python(options.python_version, options.platforms)
    output = options.output_dir.expanduser().absolute()
    _check_output(output)
    with _stage("build"):
        source = inspect_project(options.project_dir, options.allow_dirty, output)
        if options.build_lock is not None:
            build_lock_for(options.build_lock, source.build_requires)
    with _stage("scan"):
        scan = load_scan_policy(None, options.project_dir)
    with _stage("sbom"):
        request = _sbom_request(options, output)
        lock = request.closure_lock()
        if lock is not None:
            read_lock(lock, (), request.target, NullReporter())
    policy = None
    with _stage("verify"):
        if policy_configured(options.verify_policy, options.project_dir):
            policy = _load_deploy_policy(options, {})
            _check_signer_matches(policy, signer)
    if options.audit is not None:
        with _stage("audit"):
            check_gate(options.audit, options.project_dir)
    if options.links_dir is not None:
        prepare_link_dir(options.links_dir)
    return ReleasePlan(options, source, signer, policy, lock, scan)


def _check_signer_matches(policy: Policy, signer: str) -> None:
    """A policy for the other kind of signer would fail the verify stage after the build."""
    where = f"The deploy policy{f' in {policy.origin}' if policy.origin else ''}"
    if signer == "key" and policy.key is None and policy.has_signer:
        raise UsageError(
            f"{where} expects a Sigstore signer, but --signer key was given.",
            hint="Pass --policy with a [verify] key = PUBKEY for key-signed releases.",
        )
    if signer != "key" and policy.key is not None:
        raise UsageError(
            f"{where} expects the key {policy.key}, but the release is signed with Sigstore.",
            hint="Sign with --signer key --key FILE, or pass --policy with an identity policy.",
        )


def _own_signer_policy(
    options: ReleaseOptions, signer: Signer, directory: Path, scratch: Path
) -> Policy:
    """No deploy policy configured: the signer's own key, or its certificate's exact identity."""
    if isinstance(signer, KeySigner):
        public = scratch / "signer.pub"
        atomic_write_bytes(public, signer.public_pem())
        return _load_deploy_policy(options, {"key": public})

    identity = signer_of(load_bundle(directory / "provenance.sigstore.json").certificate)
    return _load_deploy_policy(options, {"identity": identity.san, "issuer": identity.issuer})


def _with_new_links(policy: Policy, staging: Path, scratch: Path) -> Policy:
    """A layout in the deploy policy is checked with this release's own build link (not yet
    copied to the policy's links directory) beside the other steps' links."""
    new = sorted(staging.glob("*.link"))
    if policy.layout is None or not new:
        return policy
    links = scratch / "links"
    links.mkdir()
    if policy.links is not None and policy.links.is_dir():
        for old in policy.links.glob("*.link"):
            shutil.copyfile(old, links / old.name)
    for link in new:
        shutil.copyfile(link, links / link.name)
    return replace(policy, links=links)


def _scan(
    options: ReleaseOptions, policy: ScanPolicy, staging: Path, progress: Reporter
) -> ScanReport:
    """The built artifacts, before anything is signed: over the threshold, the release stops."""
    scanned = scan_artifacts(ScanRequest((staging,), None, options.project_dir), progress, policy)
    below = [f for f in scanned.active if f not in scanned.over_threshold]
    if below:
        progress.log(
            f"{len(below)} scan finding(s) below fail-on {policy.fail_on}, "
            f"the first {below[0].id} in {below[0].where}"
        )
    scanned.raise_if_failed(
        "Run `chainproof scan` on the build for every finding; remove the file or secret, or "
        "add an exception by fingerprint with a reason, an approver and an expiry to [scan]."
    )
    return scanned


def _verify(directory: Path, policy: Policy, reporter: Reporter) -> Report:
    report = verify_release([str(directory)], None, policy, reporter).report
    report.raise_if_failed(
        "",
        hint="The deploy policy would refuse this release; check the policy "
        "(`chainproof release --dry-run` shows it) or how the release was signed.",
    )
    return report


def make_release(
    options: ReleaseOptions,
    signer_kind: str,
    signer: Callable[[Reporter], Signer],
    reporter: Reporter | None = None,
) -> ReleaseResult:
    """Run every stage; ``signer`` is called once the artifacts exist and passed the audit."""
    progress = reporter or NullReporter()
    plan = plan_release(options, signer_kind)
    stages = ["build", "scan", "sbom", *(["audit"] if options.audit else []), "sign", "verify"]

    def report(stage: str) -> Reporter:
        return _StageReporter(progress, f"{stages.index(stage) + 1}/{len(stages)} {stage}")

    finish_link = None
    if options.link_key is not None:  # the source is recorded before the build
        finish_link = start_build_link(options.project_dir, options.link_key, key_password())
    output = options.output_dir.expanduser().absolute()
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
        staging.chmod(default_mode(directory=True))
    except OSError as exc:
        raise os_error(output, exc, "create") from exc
    try:
        with _stage("build"):
            built = build_project(
                BuildOptions(
                    project_dir=options.project_dir,
                    output_dir=staging,
                    installer=options.installer,
                    check_reproducible=options.check_reproducible,
                    allow_dirty=options.allow_dirty,
                    build_lock=options.build_lock,
                ),
                report("build"),
            )
            if built.differences:
                raise VerificationFailed(
                    f"The build is not reproducible: {built.differences[0].sentence()}."
                )
            if finish_link is not None:
                command = [
                    "chainproof", "release", str(options.project_dir),
                    "-o", str(options.output_dir), "--signer", "key",
                    "--key", str(options.link_key), "--link",
                ]  # fmt: skip
                finish_link(built.artifact_paths, staging, command)
        with _stage("scan"):
            scanned = _scan(options, plan.scan, staging, report("scan"))
        with _stage("sbom"):
            epoch = built.record.source_date_epoch
            result, rendered = make_sbom(
                _sbom_request(options, staging),
                RenderOptions(options.spec_version, "json", False, epoch),
                report("sbom"),
            )
            atomic_write_text(staging / SBOM_NAME, rendered.text)
            if options.spdx:  # from the same inventory, validated like the CycloneDX one
                spdx_options = RenderOptions(options.spdx_version, spdx.FORMAT, False, epoch)
                atomic_write_text(staging / SPDX_SBOM_NAME, spdx.render(result, spdx_options).text)
            closure = dict(result.properties).get(CLOSURE_PROPERTY, RESOLVED)
            sbom_warnings = (*result.warnings, *rendered.warnings)
        audit = None
        if options.audit is not None:
            with _stage("audit"):
                audit = run_gate(
                    options.audit, options.project_dir, staging / SBOM_NAME, report("audit")
                )
        with _stage("sign"):
            inputs = read_release(staging, None, report("sign"))
            chosen = signer(report("sign"))
            signed = sign_release(inputs, chosen, run_details(os.environ), report("sign"))
        with _stage("verify"), tempfile.TemporaryDirectory() as scratch:
            policy = plan.policy or _own_signer_policy(options, chosen, staging, Path(scratch))
            policy = _with_new_links(policy, staging, Path(scratch))
            verified = _verify(staging, policy, report("verify"))
        _check_output(output)
        with contextlib.suppress(FileNotFoundError):
            output.rmdir()
        staging.rename(output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if options.links_dir is not None:  # only once the release exists: nothing half-made
        for link in sorted(output.glob("*.link")):
            atomic_write_bytes(options.links_dir / link.name, link.read_bytes())
    written = tuple(output / p.name for p in signed.written)
    signed = replace(signed, directory=output, written=written)
    return ReleaseResult(
        signed,
        audit,
        verified,
        own_signer=plan.policy is None,
        closure=closure,
        sbom_warnings=sbom_warnings,
        scan=scanned,
    )
