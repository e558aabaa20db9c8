"""The RPCServer methods that run outside their connection's reader (delve-rpc.md §1.4: Delve
answers them from their own goroutine, so a `halt` can reach a running `continue`), in a module
of their own: the listener needs this list before the method table is loaded."""

from __future__ import annotations

ASYNC_METHODS = frozenset({
    "RPCServer.Command", "RPCServer.State", "RPCServer.Restart", "RPCServer.GetEvents",
    "RPCServer.StopRecording", "RPCServer.CancelDownloads",
})
