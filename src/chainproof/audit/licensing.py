"""A package's SPDX licence expression against ``[audit.licenses]``, with SPDX semantics: the
expression is put in disjunctive normal form (license-expression's boolean algebra) and each
way of taking the package (an ``OR`` branch) is judged on its own. The package is acceptable
when one branch uses only allowed licences (any, when no allow list is given) and none that
is denied.

``MIT OR GPL-3.0-only`` passes ``deny = ["GPL-3.0-only"]`` (take it under MIT);
``MIT AND GPL-3.0-only`` does not. A ``WITH`` exception matches the licence written with it
in full, or the bare licence.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from chainproof.formats.trust_policy import LicensesPolicy

__all__ = ["LicenceVerdict", "judge_licence"]


@dataclass(frozen=True)
class LicenceVerdict:
    outcome: str  # allowed | denied | not-allowed | unknown
    licences: tuple[str, ...] = ()  # the licences that decided it (denied or not allowed)
    expression: str = ""  # as normalised


@cache
def _licensing() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


def _branches(expression: Any) -> list[list[str]]:
    """The ``OR`` branches of the expression in DNF, each as its licences."""
    licensing = _licensing()
    normal = licensing.dnf(expression)
    terms = list(normal.args) if isinstance(normal, licensing.OR) else [normal]
    return [[str(s) for s in licensing.license_symbols(term, decompose=False)] for term in terms]


def _names(symbol: str) -> tuple[str, ...]:
    """A licence as a policy may name it (lower-case): in full, and without its WITH
    exception."""
    lowered = symbol.lower()
    return (lowered, lowered.split(" with ", 1)[0])


def judge_licence(
    expression: str | None, names: tuple[str, ...], policy: LicensesPolicy
) -> LicenceVerdict:
    """``expression`` is the package's SPDX expression (None when not known); ``names`` the
    free-text licence names it gives instead (they decide nothing: "unknown")."""
    from license_expression import ExpressionError

    if not expression:
        return LicenceVerdict("unknown", names)
    try:
        parsed = _licensing().parse(expression, validate=True)
    except ExpressionError:
        return LicenceVerdict("unknown", (expression,))
    if parsed is None:
        return LicenceVerdict("unknown", names)
    deny, allow = set(policy.deny), set(policy.allow)
    blockers: list[str] = []
    for branch in _branches(parsed):
        denied = [s for s in branch if deny.intersection(_names(s))]
        unlisted = [s for s in branch if allow and not allow.intersection(_names(s))]
        if not denied and not unlisted:
            return LicenceVerdict("allowed", (), str(parsed))
        blockers += denied or unlisted
    outcome = "denied" if all(_denied(b, deny) for b in _branches(parsed)) else "not-allowed"
    return LicenceVerdict(outcome, tuple(dict.fromkeys(blockers)), str(parsed))


def _denied(branch: list[str], deny: set[str]) -> bool:
    return any(deny.intersection(_names(s)) for s in branch)
