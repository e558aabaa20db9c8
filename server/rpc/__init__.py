"""Delve's RPCServer methods: converters between API v2 types (protocol/) and the debugger
facade's records (debugger/facade.py), nothing else."""
