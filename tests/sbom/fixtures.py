"""Session fixtures (used by conftest and the CLI tests): a wheelhouse of tiny projects with
markers and extras, built offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sbom.helpers import build_wheel, make_project, sbom_fixture_doc

# app → liba[fast] (→ libc via the extra), libb only on Windows, libd only on Python 2.
APP_DEPS = ("liba[fast]>=1", "libb; sys_platform == 'win32'", "libd; python_version < '3'")


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("projects")
    out = tmp_path_factory.mktemp("wheelhouse")
    build_wheel(make_project(src, "app", "0.1", APP_DEPS, sbom=sbom_fixture_doc()), out)
    build_wheel(
        make_project(
            src,
            "liba",
            "1.2",
            (),
            {"fast": ["libc"], "slow": ["libd"]},
            license_line='license = "Apache-2.0 OR MIT"',
        ),
        out,
    )
    build_wheel(make_project(src, "libb", "2.0"), out)
    build_wheel(make_project(src, "libc", "3.0", license_line='license = {text = "Custom"}'), out)
    build_wheel(make_project(src, "libd", "4.0"), out)
    return out


@pytest.fixture(scope="session")
def app_wheel(wheelhouse: Path) -> Path:
    return next(wheelhouse.glob("app-*.whl"))
