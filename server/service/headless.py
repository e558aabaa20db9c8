"""The headless server: listener, client admission, and the end of the session.

Single-client mode (Delve's default): one connection is accepted; when it
closes, the target is halted and killed (launched) or detached (attached) and
the server exits. With --accept-multiclient any number of clients share the
target and only Detach or a signal ends the server.

HTTP: a connection whose first bytes are an HTTP request line is handed to the HTTP
JSON-RPC endpoint (http.py, imported on first use); `--http-listen` adds an HTTP-only
listener. HTTP connections never count as the client of single-client mode and closing
one ends nothing.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

from ..protocol.stream import Request
from .connection import StreamConnection
from .http_security import make_policy
from .peercheck import is_loopback, same_user
from .sniff import is_http_request, read_opening

if TYPE_CHECKING:
    from .http import HttpEndpoint

log = logging.getLogger("pydlv.service")


ClientCallback = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RpcEndpoint(Protocol):
    """What the server needs of the RPC layer (pydlv.rpc's RPCServer), which it may not import."""

    def is_async(self, method: str) -> bool: ...

    # -> (result, error): see connection.Dispatch.
    async def dispatch(self, req: Request, setup_done: Callable[[], None]) -> tuple[object | None, str | None]: ...

    async def end_session(self) -> None: ...


@dataclass
class ServerConfig:
    listen: str = "127.0.0.1:0"
    accept_multiclient: bool = False
    only_same_user: bool = True
    log_rpc: bool = False
    http: bool = True  # serve HTTP JSON-RPC on the connection port too
    http_listen: str = ""  # an extra HTTP-only listener
    allow_origins: tuple[str, ...] = ()
    auth_token: str = ""


def _transport(writer: asyncio.StreamWriter) -> asyncio.Transport:
    # typeshed says WriteTransport; an accepted connection's is a full (socket) Transport.
    return cast(asyncio.Transport, writer.transport)


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
        self._http_server: asyncio.base_events.Server | None = None
        self._http_check_user = False
        self.http_address = ""
        self._http: HttpEndpoint | None = None
        self._http_lock = asyncio.Lock()

    async def bind(self) -> str:
        """Listen now (before the target is loaded) and return the address to print."""
        listen = self.config.listen
        if listen.startswith("unix:"):
            path = listen[len("unix:") :]
            self._server = await asyncio.start_unix_server(self._on_client, path=path)
            self.address = listen
        else:
            self.address, self._check_user, self._server = await self._listen(listen, self._on_client)
        if self.config.http_listen:
            self.http_address, self._http_check_user, self._http_server = await self._listen(
                self.config.http_listen, self._on_http_client
            )
        return self.address

    async def _listen(self, listen: str, on_client: ClientCallback) -> tuple[str, bool, asyncio.base_events.Server]:
        host, port = split_listen(listen)
        if not is_loopback(host or "0.0.0.0"):
            print(
                "Warning: listening on a non-loopback address: anyone who can reach it can run code "
                "in the debugged process (function calls). Use 127.0.0.1 unless you mean it.",
                file=sys.stderr,
                flush=True,
            )
        check_user = self.config.only_same_user and is_loopback(host or "0.0.0.0")
        server = await asyncio.start_server(on_client, host or None, port, reuse_address=True)
        sockname = server.sockets[0].getsockname()
        shown = f"[{sockname[0]}]" if ":" in sockname[0] else sockname[0]
        return f"{shown}:{sockname[1]}", check_user, server

    async def wait_closed(self) -> None:
        await self._done.wait()

    def shut_down(self) -> None:
        self._done.set()

    async def close(self) -> None:
        for server in (self._server, self._http_server):
            if server is not None:
                server.close()
        if self._http is not None:
            await self._http.close()
        for conn in list(self._connections):
            conn.writer.close()
        # Let each connection's reader see EOF and finish before the loop ends.
        if self._conn_tasks:
            await asyncio.wait(list(self._conn_tasks), timeout=2)

    def _admit(self, writer: asyncio.StreamWriter, check_user: bool) -> bool:
        sock = writer.get_extra_info("socket")
        if check_user and sock is not None and not same_user(sock):
            peer = writer.get_extra_info("peername")
            print(
                f"closing connection from different user ({peer[0]}:{peer[1]}): connections to localhost "
                "are only accepted from the same UNIX user for security reasons",
                file=sys.stderr,
                flush=True,
            )
            writer.close()
            return False
        return True

    async def _on_http_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._admit(writer, self._http_check_user):
            _transport(writer).pause_reading()  # bytes must wait for the HTTP protocol, not land in `reader`
            await self._serve_http(writer, b"")

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._admit(writer, self._check_user):
            return
        opening = b""
        if self.config.http:
            try:
                opening = await read_opening(reader)
            except (ConnectionError, TimeoutError):
                writer.close()
                return
            if is_http_request(opening):
                # read_opening took all that was buffered; what comes next must wait for the
                # HTTP protocol (serve_connection resumes reading) instead of landing in `reader`.
                _transport(writer).pause_reading()
                await self._serve_http(writer, opening)
                return
        if not self.config.accept_multiclient:
            if self._had_client:
                writer.close()
                return
            self._had_client = True
            if self._server is not None:
                self._server.close()  # stop accepting, as Delve does
        conn = StreamConnection(reader, writer, self.rpc.dispatch, self.rpc.is_async, self.config.log_rpc)
        self._connections.add(conn)
        task = asyncio.current_task()
        if task is not None:
            self._conn_tasks.add(task)
        try:
            await conn.serve(initial=opening)
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


    async def _http_endpoint(self) -> HttpEndpoint:
        async with self._http_lock:
            if self._http is None:
                # aiohttp + jsonrpcserver take ~400 ms to import: off the loop, so other clients are not held up.
                loop = asyncio.get_running_loop()
                module = await loop.run_in_executor(None, importlib.import_module, f"{__package__}.http")
                listens = [a for a in (self.address, self.http_address) if a and not a.startswith("unix:")]
                policy = make_policy(listens, self.config.allow_origins, self.config.auth_token)
                self._http = module.HttpEndpoint(self.rpc.dispatch, policy, self.config.log_rpc)
            return self._http

    async def _serve_http(self, writer: asyncio.StreamWriter, opening: bytes) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._conn_tasks.add(task)
        try:
            endpoint = await self._http_endpoint()
            transport = _transport(writer)
            if transport.is_closing():
                return
            await endpoint.serve_connection(transport, opening, keep=writer)
        except asyncio.CancelledError:
            return
        finally:
            if task is not None:
                self._conn_tasks.discard(task)
