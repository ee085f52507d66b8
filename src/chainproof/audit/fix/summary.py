"""A remediation record in words: Markdown for people and merge requests (``--format
markdown`` and the table view), and the commit message of ``--branch``."""

from __future__ import annotations

from typing import Any

__all__ = ["commit_message", "failure_sentence", "render_markdown"]

_HEADLINES = {
    "fixed": "fixed",
    "partly-fixed": "partly fixed: some findings stay open",
    "rolled-back": "rolled back: the tests failed, the lock is unchanged",
    "planned": "planned (dry run): nothing was changed",
    "nothing-to-fix": "nothing to fix",
}


def _upgrade_line(upgrade: dict[str, Any]) -> str:
    return f"{upgrade['package']} {upgrade['from']} -> {upgrade['to'] or upgrade['requested']}"


def _test_sentence(record: dict[str, Any]) -> str:
    test = record["test"]
    if test is None:
        if record["outcome"] == "planned":
            return "The tests were not run (dry run)."
        return "No test command was given: the upgrade is not tested."
    said = (
        f"`{test['command']}` exited {test['exit_code']} in {test['seconds']:g} s, in a "
        "clean environment installed from the new lock with every hash checked."
    )
    return ("The tests passed: " if test["passed"] else "The tests failed: ") + said


def _culprit_sentence(culprit: dict[str, Any] | None) -> str | None:
    if culprit is None:
        return None
    tests = ", ".join(culprit["failed_tests"][:10]) or "the output names no test"
    if culprit["baseline_failed"]:
        return f"The tests fail on the old lock too, so no upgrade is to blame ({tests})."
    return (
        f"The upgrade that breaks them: {culprit['package']} {culprit['from']} to "
        f"{culprit['requested']} (failing: {tests}; {culprit['test_runs']} test runs to find it)."
    )


def _sbom_sentence(difference: dict[str, Any] | None) -> str | None:
    if not difference:
        return None
    parts = [f"{c['name']} {c['from']} -> {c['to']}" for c in difference["changed"]]
    parts += [f"added {a['name']} {a['version']}" for a in difference["added"]]
    parts += [f"removed {r['name']} {r['version']}" for r in difference["removed"]]
    return "SBOM difference: " + ("; ".join(parts) if parts else "none") + "."


def render_markdown(record: dict[str, Any]) -> str:
    lock = record["lock"]["path"]
    lines = [f"## Remediation of {lock}: {_HEADLINES[record['outcome']]}", ""]
    if record["upgrades"]:
        lines += ["| package | from | to | closes |", "|---|---|---|---|"]
        for u in record["upgrades"]:
            closes = ", ".join(u["advisories"])
            lines.append(
                f"| {u['package']} | {u['from']} | {u['to'] or u['requested']} | {closes} |"
            )
        lines.append("")
    if record["outcome"] != "nothing-to-fix":
        lines += [_test_sentence(record), ""]
    test = record["test"]
    if test is not None and not test["passed"] and test["output_tail"]:
        lines += ["```text", test["output_tail"], "```", ""]
    for sentence in (
        _culprit_sentence(record["culprit"]),
        _sbom_sentence(record["sbom_difference"]),
    ):
        if sentence:
            lines += [sentence, ""]
    fresh = record["fresh_hashes"]
    if fresh:
        lines += [
            f"Fresh hashes: {fresh['files']} file(s) of "
            f"{', '.join(fresh['packages']) or 'no new package'} downloaded from the index "
            "and checked against the new lock.",
            "",
        ]
    if record["open"]:
        lines.append("Still open:")
        lines += [
            f"- {o['id']} in {o['package']} {o['version']}: {o['reason']}" for o in record["open"]
        ]
        lines.append("")
    if record["branch"]:
        lines += [
            f"Committed to the branch {record['branch']['name']} "
            f"({record['branch']['commit'][:12]}).",
            "",
        ]
    for file in record["files"]:
        if file["diff"]:
            lines += [
                f"### Lock diff: {file['path']}",
                "",
                "```diff",
                file["diff"].rstrip("\n"),
                "```",
                "",
            ]
    return "\n".join(lines).rstrip("\n") + "\n"


def commit_message(record: dict[str, Any]) -> str:
    """The subject names the upgrades; the body says which advisories each closes, how it was
    tested and that the hashes were checked."""
    upgrades = record["upgrades"]
    closed = len(record["closed"])
    subject = f"Fix {closed} advisor{'y' if closed == 1 else 'ies'}: " + ", ".join(
        _upgrade_line(u) for u in upgrades
    )
    body = [f"- {_upgrade_line(u)}: closes {', '.join(u['advisories'])}" for u in upgrades]
    body += ["", _test_sentence(record)]
    fresh = record["fresh_hashes"]
    if fresh:
        body.append(f"Fresh hashes: {fresh['files']} file(s) downloaded and checked.")
    if record["open"]:
        body.append(f"Still open: {', '.join(o['id'] for o in record['open'])}.")
    body += ["", "Written by chainproof audit --fix."]
    return subject + "\n\n" + "\n".join(body) + "\n"


def failure_sentence(record: dict[str, Any]) -> str:
    """Why ``--fix`` exits 1, in one sentence."""
    still_open = len(record["open"])
    findings = f"{still_open} finding{'' if still_open == 1 else 's'}"
    if record["outcome"] == "rolled-back":
        culprit = _culprit_sentence(record["culprit"]) or ""
        return f"The tests failed with the upgrades, so the lock was left as it was. {culprit}"
    if record["outcome"] == "nothing-to-fix":
        return f"No upgrade is known that closes the {findings} over the threshold."
    if record["outcome"] == "planned":
        return f"The plan leaves {findings} open."
    return f"The lock was upgraded, but {findings} stay{'s' if still_open == 1 else ''} open."
