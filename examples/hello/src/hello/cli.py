"""``hello-chainproof [NAME]``: print a greeting with the package's parsed version."""

from __future__ import annotations

import sys

from packaging.version import Version

from hello import __version__


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "world"
    print(f"Hello, {name}! (hello-chainproof {Version(__version__)})")


if __name__ == "__main__":
    main()
