"""Injected function calls through the Go runtime's debugCall protocol.

abi.py lays out arguments and results; injection.py is the per-call state machine the
continue loop advances; controller.py checks and drives a `call`; calls.py is the evaluator's call hook; session.py runs the evaluation as a coroutine.
"""
