"""``chainproof audit --fix``: from vulnerability findings to a tested, recorded lock upgrade.

- :mod:`.plan`: which upgrades close which findings (from the audit's proposals).
- :mod:`chainproof.audit.relock` (shared with the audit's proposal check): the new lock,
  written by uv in a scratch copy of the project.
- :mod:`.fresh`: every new file of the new lock downloaded and checked against its hash.
- :mod:`.trial`: a clean environment from a lock (hash-checked install) and the test command.
- :mod:`.culprit`: which upgrade breaks the tests, by bisection.
- :mod:`.branch`: the lock change as one commit on a new git branch.
- :mod:`.run`: the whole loop; the lock on disk changes once, atomically, or not at all.
- :mod:`.summary`: the remediation record in words (Markdown).
"""

from __future__ import annotations

from chainproof.lazy import submodule_loader

__all__: list[str] = []

__getattr__ = submodule_loader(__name__)  # submodules load on first use
