"""TEMPORARY stub until the client branch lands."""

from __future__ import annotations

from typing import Any


class IndexClient:
    def __init__(self, **kw: Any) -> None: ...
    def __enter__(self) -> Any:
        return self

    def __exit__(self, *a: Any) -> None: ...
