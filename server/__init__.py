"""pydlv: a Delve-compatible debug server for Go programs."""
