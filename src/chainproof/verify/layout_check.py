"""in-toto verification of a signed layout and its links (``in_toto_verify``): layout
signature and expiry, link signatures and thresholds, artifact rules, inspections.

Inspections run in a fresh temporary directory holding copies of the artifacts being
verified, never where the artifacts live. A failure is one sentence naming the step,
inspection or rule, also where in-toto's own message does not.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from chainproof.errors import InfrastructureError, InputError, UsageError, VerificationFailed
from chainproof.formats.intoto_layout import STEP_TIMEOUT, Artifacts, load_layout
from chainproof.formats.keys import key_dict

__all__ = ["verify_layout"]

_MATCHED = re.compile(r"'([^']*)' matched the following artifacts: (.*)")
_TRACE = re.compile(r"Full trace for 'expected_(materials|products)' of item '([^']*)'")


def _link_files(layout: Any, link_dir: Path) -> dict[str, list[Path]]:
    """Per step, the link files in-toto will load: one per authorised key (and subkey)."""
    from in_toto.models.link import FILENAME_FORMAT

    found: dict[str, list[Path]] = {}
    for step in layout.steps:
        keyids = [
            keyid
            for authorised in step.pubkeys
            for keyid in [authorised, *layout.keys.get(authorised, {}).get("subkeys", {})]
        ]
        names = [FILENAME_FORMAT.format(step_name=step.name, keyid=k) for k in keyids]
        found[step.name] = [link_dir / n for n in names if (link_dir / n).is_file()]
    return found


def _check_links(files: dict[str, list[Path]]) -> None:
    """A link in-toto would read must be in-toto metadata: bad input, not a failed check
    (in-toto itself stops with a traceback on malformed JSON)."""
    from in_toto.models.metadata import Metadata

    for paths in files.values():
        for path in paths:
            try:
                Metadata.load(str(path)).get_payload()
            except Exception as exc:  # JSON, format and in-toto errors alike: the file is bad
                reason = str(exc).strip().splitlines()
                detail = reason[0].rstrip(".") if reason else type(exc).__name__
                raise InputError(
                    f"The link {path} is not in-toto link metadata ({detail})."
                ) from exc


def _missing_link(step: str, link_dir: Path, cwd: Path) -> str:
    others = sorted(p.name for p in (cwd / link_dir).glob(f"{step}.*.link"))
    if others:
        return (
            f"step '{step}': no link signed by a key the layout authorises for it "
            f"({', '.join(others)} in {link_dir} is signed by a key the layout does not "
            "authorise for this step)"
        )
    return f"step '{step}': no link in {link_dir} (expected {step}.KEYID8.link)"


def _rule_failure(layout: Any, text: str) -> str:
    """'step NAME: expected_X rule R matched ..., which no earlier rule accepted (...)'."""
    first = text.strip().splitlines()[0].rstrip(".")
    trace = _TRACE.search(text)
    if trace is None:
        return first
    kind, name = trace.groups()
    items = {i.name: ("step", i) for i in layout.steps}
    items.update({i.name: ("inspection", i) for i in layout.inspect})
    what, item = items.get(name, ("item", None))
    matched = _MATCHED.match(first)
    if matched is None:  # REQUIRE, or a message in-toto may word differently one day
        return f"{what} '{name}': expected_{kind}: {first}"
    failed, found = matched.groups()
    sentence = f"{what} '{name}': expected_{kind} rule '{failed}' matched {found}"
    earlier = [" ".join(r) for r in getattr(item, f"expected_{kind}", [])]
    if failed in earlier:
        earlier = earlier[: earlier.index(failed)]
    if earlier:
        sentence += ", which no earlier rule accepted ('" + "', '".join(earlier) + "')"
    return sentence


def _reason(exc: Exception, layout: Any, link_dir: Path, cwd: Path) -> str:
    from in_toto import exceptions as errors

    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
    if isinstance(exc, errors.SignatureVerificationError):
        return "the layout is not signed by the layout key (rule: layout signature)"
    if isinstance(exc, errors.LayoutExpiredError):
        return f"the layout expired on {layout.expires} (rule: layout expiry)"
    if isinstance(exc, errors.LinkNotFoundError):
        step = re.match(r"Step '([^']*)'", first)
        return _missing_link(step.group(1), link_dir, cwd) if step else first
    if isinstance(exc, errors.RuleVerificationError):
        return _rule_failure(layout, str(exc))
    if isinstance(exc, errors.BadReturnValueError):  # in-toto names the command as a list
        names = [i.name for i in layout.inspect if f"command '{i.run}'" in first]
        status = re.search(r"return value '([^']*)'", first)
        if names and status:
            return f"inspection '{names[0]}': its command exited with {status.group(1)}"
        return first
    return f"{type(exc).__name__}: {first}"


def _stage(artifacts: Sequence[Path], work: Path) -> None:
    """Copies of the artifacts in ``work``: inspections may write, and read them by name."""
    for path in artifacts:
        target = work / path.name
        if target.exists():
            raise InputError(f"Two artifacts are named {path.name}; verify them one at a time.")
        try:
            shutil.copyfile(path, target)
        except OSError as exc:
            raise InputError(f"Cannot read the artifact {path}: {exc.strerror}.") from exc


def verify_layout(
    layout: Path, layout_keys: Sequence[Path], link_dir: Path, artifacts: Sequence[Path] = ()
) -> Artifacts:
    """in-toto verification of the links in ``link_dir`` against the signed layout, with
    the layout's inspections run over copies of ``artifacts``.

    Returns the products of the layout's last step (in-toto's summary link). Raises
    VerificationFailed naming the step, inspection or rule when anything does not hold;
    InputError for input that is no layout, link or key.
    """
    from in_toto.exceptions import Error as InTotoError
    from in_toto.verifylib import in_toto_verify
    from securesystemslib.exceptions import Error as SslibError

    if not layout_keys:
        raise UsageError("Give at least one layout key (the layout owner's public key).")
    if not link_dir.is_dir():
        raise InputError(f"The links directory {link_dir} does not exist.")
    keys = {k["keyid"]: k for k in (key_dict(path) for path in layout_keys)}
    metadata = load_layout(layout)
    if not metadata.signatures:
        raise InputError(
            f"The layout {layout} is not signed.",
            hint=f"Sign it: chainproof layout sign {layout} --key OWNER.key",
        )
    payload = metadata.get_payload()
    _check_links(_link_files(payload, link_dir))
    cwd = Path.cwd()
    # in-toto logs to stderr itself (its import sets its level): library code never prints,
    # and command alignment is only advisory (the exception says what decided).
    in_toto_log = logging.getLogger("in_toto")
    level = in_toto_log.level
    with tempfile.TemporaryDirectory(prefix="chainproof-inspect-") as work:
        _stage(artifacts, Path(work))
        os.chdir(work)
        in_toto_log.setLevel(logging.CRITICAL + 1)
        try:
            summary = in_toto_verify(
                metadata,
                keys,
                link_dir_path=str(cwd / link_dir),
                persist_inspection_links=False,
                inspect_timeout=STEP_TIMEOUT,
            )
        except (InTotoError, SslibError) as exc:
            reason = _reason(exc, payload, link_dir, cwd)
            raise VerificationFailed(f"in-toto verification failed: {reason}.") from exc
        except FileNotFoundError as exc:  # an inspection's command is not installed here
            raise InfrastructureError(
                f"in-toto verification could not run an inspection: {exc.filename!r} was not "
                "found.",
                hint="Install it, or put it on PATH.",
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise VerificationFailed(
                f"in-toto verification failed: an inspection ran longer than {STEP_TIMEOUT} s."
            ) from exc
        finally:
            os.chdir(cwd)
            in_toto_log.setLevel(level)
    products: Artifacts = dict(summary.products)
    return products
