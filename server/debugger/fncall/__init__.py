"""Injected function calls through the Go runtime's debugCall protocol.

abi.py lays out arguments and results; injection.py is the per-call state machine the
continue loop advances; caller.py validates a `call` and prepares the injection.
"""
