"""Which upgrade breaks the tests: the tests are run on the old lock (a failure there is not
the upgrades' doing), then on growing prefixes of the upgrades, bisected, so n upgrades cost
about log2(n) + 1 more runs. The culprit is the upgrade whose addition first fails."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from chainproof.audit.fix.trial import TestRun
from chainproof.audit.relock import Upgrade

__all__ = ["Culprit", "find_culprit"]


@dataclass(frozen=True)
class Culprit:
    upgrade: Upgrade | None  # None: the tests fail on the old lock too
    run: TestRun  # the failing run that names it (the old lock's when upgrade is None)
    runs: int  # test runs the search took


def find_culprit(
    trial: Callable[[Sequence[Upgrade]], TestRun], upgrades: Sequence[Upgrade], failed: TestRun
) -> Culprit:
    """``trial(subset)`` runs the tests on the old lock with ``subset`` applied; ``failed`` is
    the run with every upgrade, which failed."""
    baseline = trial(())
    if not baseline.passed:
        return Culprit(None, baseline, 1)
    runs, low, high = 1, 1, len(upgrades)  # the first ``high`` upgrades fail
    failing = failed
    while low < high:
        middle = (low + high) // 2
        run = trial(upgrades[:middle])
        runs += 1
        if run.passed:
            low = middle + 1
        else:
            high, failing = middle, run
    return Culprit(upgrades[high - 1], failing, runs)
