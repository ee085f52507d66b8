"""The culprit search over a trial we own (the plug point ``find_culprit`` takes): the old
lock first, then bisection over growing sets of the upgrades."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from chainproof.audit.fix.culprit import find_culprit
from chainproof.audit.fix.trial import TestRun
from chainproof.audit.relock import Upgrade

UPGRADES = tuple(Upgrade(f"pkg{n}", "1.0", "==2.0", (f"GHSA-{n}",)) for n in range(8))


def _trial(
    breaking: set[str], baseline_fails: bool = False
) -> tuple[list[int], Callable[[Sequence[Upgrade]], TestRun], TestRun]:
    """The sizes of the sets tried, the trial, and the run with every upgrade (which fails)."""
    sizes: list[int] = []

    def trial(subset: Sequence[Upgrade]) -> TestRun:
        sizes.append(len(subset))
        failing = (baseline_fails and not subset) or any(u.package in breaking for u in subset)
        failed = tuple(
            f"tests/test_{u.package}.py::test_api" for u in subset if u.package in breaking
        )
        return TestRun("pytest", 1 if failing else 0, 0.1, failed, "")

    every = trial(UPGRADES)
    sizes.clear()
    return sizes, trial, every


@pytest.mark.parametrize("culprit", range(8))
def test_bisection_names_the_first_breaking_upgrade_in_log_n_runs(culprit: int) -> None:
    sizes, trial, every = _trial({f"pkg{culprit}"})
    found = find_culprit(trial, UPGRADES, every)
    assert found.upgrade == UPGRADES[culprit]
    assert found.run.failed_tests == (f"tests/test_pkg{culprit}.py::test_api",)
    assert sizes[0] == 0  # the old lock first
    assert found.runs == len(sizes) <= 1 + 3  # log2(8) bisection steps


def test_two_breaking_upgrades_name_the_first_in_order() -> None:
    _, trial, every = _trial({"pkg2", "pkg6"})
    found = find_culprit(trial, UPGRADES, every)
    assert found.upgrade == UPGRADES[2]


def test_tests_that_fail_on_the_old_lock_blame_no_upgrade() -> None:
    sizes, trial, every = _trial(set(), baseline_fails=True)
    found = find_culprit(trial, UPGRADES, every)
    assert found.upgrade is None
    assert sizes == [0]
