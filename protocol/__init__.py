"""Delve API v2 wire types and JSON-RPC framing. Knows nothing of ptrace or sockets."""
