"""TEMPORARY stub until the client branch lands."""

from __future__ import annotations

from chainproof.formats.requirements import IndexOption


def pip_extra_index_options() -> tuple[IndexOption, ...]:
    return ()
