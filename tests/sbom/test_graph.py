from __future__ import annotations

import pytest

from chainproof.errors import InputError
from chainproof.sbom.graph import requirement_graph
from chainproof.sbom.target import Target

REQUIRES = {
    "app": ["lib-a[fast]>=1", "winlib; sys_platform == 'win32'", "old; python_version < '3'"],
    "lib-a": ["lib-c; extra == 'fast'", "lib-d; extra == 'slow'"],
    "lib-c": [],
    "lib-d": [],
    "winlib": [],
    "old": [],
    "unrelated": ["lib-d"],
}


def test_markers_and_extras_for_linux() -> None:
    result = requirement_graph(
        REQUIRES, [("app", ())], Target.for_python("3.12", ["manylinux_2_28_x86_64"])
    )
    assert dict(result.graph.edges) == {"app": ("lib-a",), "lib-a": ("lib-c",)}
    assert result.reached == {"app", "lib-a", "lib-c"}
    assert result.extras["lib-a"] == {"fast"}
    assert result.graph.roots == ("app",)


def test_windows_target_adds_the_windows_edge() -> None:
    result = requirement_graph(REQUIRES, [("app", ())], Target.for_python("3.12", ["win_amd64"]))
    assert dict(result.graph.edges)["app"] == ("lib-a", "winlib")


def test_root_extras_and_unsatisfied() -> None:
    requires = {"app": ["lib-a; extra == 'more'", "missing-one"], "lib-a": []}
    result = requirement_graph(requires, [("app", ("more",))], Target.current())
    assert dict(result.graph.edges) == {"app": ("lib-a",)}
    assert result.unsatisfied == (("app", "missing-one"),)


def test_whole_environment_roots_are_unreferenced_nodes() -> None:
    result = requirement_graph(REQUIRES, [(k, ()) for k in REQUIRES], Target.current(), roots=())
    assert "unrelated" in result.graph.roots
    assert "app" in result.graph.roots
    assert "lib-d" not in result.graph.roots  # unrelated depends on it
    assert "lib-c" in dict(result.graph.edges)["lib-a"]  # app asks for lib-a[fast]


def test_bad_requirement_in_metadata() -> None:
    with pytest.raises(InputError, match="invalid requirement"):
        requirement_graph({"x": ["not a requirement ((("]}, [("x", ())], Target.current())
