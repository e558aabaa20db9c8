"""pydlv: a Delve-compatible debug server for Go programs."""

__version__ = "0.1.0"
