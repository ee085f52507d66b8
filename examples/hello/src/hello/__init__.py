"""hello-chainproof: greets, and says which version of packaging parsed its own version."""

__version__ = "1.0.0"
