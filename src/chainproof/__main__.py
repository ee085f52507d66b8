"""``python -m chainproof``."""

from chainproof.cli.app import main

if __name__ == "__main__":
    main()
