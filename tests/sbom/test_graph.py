from __future__ import annotations

import pytest

from chainproof.errors import InputError
from chainproof.sbom.graph import requirement_graph
from chainproof.sbom.target import TargetPlatform

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
        REQUIRES, [("app", ())], TargetPlatform.for_python("3.12", ["manylinux_2_28_x86_64"])
    )
    assert dict(result.graph.edges) == {"app": ("lib-a",), "lib-a": ("lib-c",)}
    assert result.reached == {"app", "lib-a", "lib-c"}
    assert result.extras["lib-a"] == {"fast"}
    assert result.graph.roots == ("app",)


def test_windows_target_adds_the_windows_edge() -> None:
    result = requirement_graph(
        REQUIRES, [("app", ())], TargetPlatform.for_python("3.12", ["win_amd64"])
    )
    assert dict(result.graph.edges)["app"] == ("lib-a", "winlib")


def test_root_extras_and_unsatisfied() -> None:
    requires = {"app": ["lib-a; extra == 'more'", "missing-one"], "lib-a": []}
    result = requirement_graph(requires, [("app", ("more",))], TargetPlatform.current())
    assert dict(result.graph.edges) == {"app": ("lib-a",)}
    assert result.unsatisfied == (("app", "missing-one"),)


def test_whole_environment_roots_are_unreferenced_nodes() -> None:
    result = requirement_graph(
        REQUIRES, [(k, ()) for k in REQUIRES], TargetPlatform.current(), roots=()
    )
    assert "unrelated" in result.graph.roots
    assert "app" in result.graph.roots
    assert "lib-d" not in result.graph.roots  # unrelated depends on it
    assert "lib-c" in dict(result.graph.edges)["lib-a"]  # app asks for lib-a[fast]


def test_bad_requirement_in_metadata() -> None:
    with pytest.raises(InputError, match="invalid requirement"):
        requirement_graph({"x": ["not a requirement ((("]}, [("x", ())], TargetPlatform.current())


def test_an_extra_that_asks_for_another_extra_of_its_own_package() -> None:
    """``pkg[all]`` requiring ``pkg[fast,tls]``: the extras chain, and no self-loop is drawn."""
    requires = {
        "app": ["pkg[all]"],
        "pkg": [
            "pkg[fast,tls]; extra == 'all'", "fastlib; extra == 'fast'", "tlslib; extra == 'tls'"
        ],
        "fastlib": ["tlslib[strict]"],
        "tlslib": ["strictlib; extra == 'strict'"],
        "strictlib": [],
    }  # fmt: skip
    result = requirement_graph(requires, [("app", ())], TargetPlatform.current())
    assert dict(result.graph.edges) == {
        "app": ("pkg",),
        "pkg": ("fastlib", "tlslib"),
        "fastlib": ("tlslib",),
        "tlslib": ("strictlib",),
    }
    assert result.extras["pkg"] == {"all", "fast", "tls"}
    assert result.extras["tlslib"] == {"strict"}


def test_a_cycle_nothing_else_requires_still_has_a_root() -> None:
    """In a whole environment a cycle that nothing requires would have no root at all, and
    its packages would be reached from no direct requirement."""
    requires = {"a": ["b"], "b": ["a"], "c": []}
    result = requirement_graph(
        requires, [(k, ()) for k in requires], TargetPlatform.current(), roots=()
    )
    assert result.graph.roots == ("a", "c")
    assert dict(result.graph.edges) == {"a": ("b",), "b": ("a",)}
