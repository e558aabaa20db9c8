"""The headless server: listener, client admission, and the end of the session.

Single-client mode (Delve's default): one connection is accepted; when it
closes, the target is halted and killed (launched) or detached (attached) and
the server exits. With --accept-multiclient any number of clients share the
target and only Detach or a signal ends the server.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from dataclasses import dataclass
from typing import Protocol

from ..protocol.stream import Request
from .connection import StreamConnection
from .peercheck import is_loopback, same_user

log = logging.getLogger("pydlv.service")


class RpcEndpoint(Protocol):
    def is_async(self, method: str) -> bool: ...

    async def dispatch(self, req: Request, setup_done: object) -> tuple[object | None, str | None]: ...

    async def end_session(self) -> None: ...


@dataclass
class ServerConfig:
    listen: str = "127.0.0.1:0"
    accept_multiclient: bool = False
    only_same_user: bool = True
    log_rpc: bool = False


def split_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep:
        raise ValueError(f"invalid listen address {listen!r}: missing port")
    host = host.strip("[]")
    return host, int(port or 0)


class HeadlessServer:
    def __init__(self, config: ServerConfig, rpc: RpcEndpoint) -> None:
        self.config = config
        self.rpc = rpc
        self.address = ""
        self._server: asyncio.base_events.Server | None = None
        self._done = asyncio.Event()
        self._had_client = False
        self._connections: set[StreamConnection] = set()
        self._conn_tasks: set[asyncio.Task[object]] = set()
        self._check_user = False

    async def bind(self) -> str:
        """Listen now (before the target is loaded) and return the address to print."""
        listen = self.config.listen
        if listen.startswith("unix:"):
            path = listen[len("unix:") :]
            self._server = await asyncio.start_unix_server(self._on_client, path=path)
            self.address = listen
            return self.address
        host, port = split_listen(listen)
        if not is_loopback(host or "0.0.0.0"):
            print(
                "Warning: listening on a non-loopback address: anyone who can reach it can run code "
                "in the debugged process (function calls). Use 127.0.0.1 unless you mean it.",
                file=sys.stderr,
                flush=True,
            )
        self._check_user = self.config.only_same_user and is_loopback(host or "0.0.0.0")
        self._server = await asyncio.start_server(self._on_client, host or None, port, reuse_address=True)
        sockname = self._server.sockets[0].getsockname()
        shown = f"[{sockname[0]}]" if ":" in sockname[0] else sockname[0]
        self.address = f"{shown}:{sockname[1]}"
        return self.address

    async def wait_closed(self) -> None:
        await self._done.wait()

    def shut_down(self) -> None:
        self._done.set()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for conn in list(self._connections):
            conn.writer.close()
        # Let each connection's reader see EOF and finish before the loop ends.
        if self._conn_tasks:
            await asyncio.wait(list(self._conn_tasks), timeout=2)

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if self._check_user and sock is not None and not same_user(sock):
            peer = writer.get_extra_info("peername")
            print(
                f"closing connection from different user ({peer[0]}:{peer[1]}): connections to localhost "
                "are only accepted from the same UNIX user for security reasons",
                file=sys.stderr,
                flush=True,
            )
            writer.close()
            return
        if not self.config.accept_multiclient:
            if self._had_client:
                writer.close()
                return
            self._had_client = True
            if self._server is not None:
                self._server.close()  # stop accepting, as Delve does
        conn = StreamConnection(reader, writer, self.rpc.dispatch, self.rpc.is_async, self.config.log_rpc)  # type: ignore[arg-type]
        self._connections.add(conn)
        task = asyncio.current_task()
        if task is not None:
            self._conn_tasks.add(task)
        try:
            await conn.serve()
        except asyncio.CancelledError:
            return
        finally:
            self._connections.discard(conn)
            if task is not None:
                self._conn_tasks.discard(task)
        if not self.config.accept_multiclient and not self._done.is_set():
            log.info("client disconnected: ending the session")
            await self.rpc.end_session()
            self._done.set()

