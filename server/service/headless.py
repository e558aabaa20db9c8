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
import contextlib
import importlib
import logging
import resource
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Protocol, cast

from ..protocol.stream import FramingError, Request, StreamDecoder, encode_response
from ..records import record
from .connection import MAX_REQUEST, StreamConnection
from .http_security import make_policy
from .listeners import Listener
from .peercheck import same_user
from .sniff import READ_ALL, Opening, read_opening

if TYPE_CHECKING:
    from .http import HttpEndpoint

log = logging.getLogger("pydlv.service")


# Connections open at once, over every listener: past it new ones are closed at once, so no client
# can run the server out of file descriptors (the default soft limit is 1024).
MAX_CONNECTIONS = 128
# A connection must complete its first request (a whole JSON object, or an HTTP request head)
# within this many seconds of connecting, or it is closed without taking the single-client slot.
FIRST_REQUEST_TIMEOUT = 10.0

# Descriptors kept for everything but client connections: the target's memory, the binary, pipes,
# the listeners, asyncio's own.
FD_RESERVE = 128

ClientCallback = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


class RpcEndpoint(Protocol):
    """What the server needs of the RPC layer (pydlv.rpc's RPCServer), which it may not import."""

    def is_async(self, method: str) -> bool: ...

    # -> (result, error): see connection.Dispatch.
    async def dispatch(self, req: Request, setup_done: Callable[[], None]) -> tuple[object | None, str | None]: ...

    async def end_session(self) -> None: ...


@record
class ServerConfig:
    accept_multiclient: bool = False
    only_same_user: bool = True
    log_rpc: bool = False
    http: bool = True  # serve HTTP JSON-RPC on the connection port too
    allow_origins: tuple[str, ...] = ()
    auth_token: str = ""
    # With a token, Delve's stream protocol (which cannot carry it) is refused unless this is set.
    allow_unauthenticated_stream: bool = False
    max_connections: int = MAX_CONNECTIONS
    first_request_timeout: float = FIRST_REQUEST_TIMEOUT


def _transport(writer: asyncio.StreamWriter) -> asyncio.Transport:
    # typeshed says WriteTransport; an accepted connection's is a full (socket) Transport.
    return cast(asyncio.Transport, writer.transport)


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
        self._listeners: list[Listener] = []  # what serve_on serves: the stream's, then HTTP's
        self._http: HttpEndpoint | None = None
        self._http_lock = asyncio.Lock()
        self._open = 0  # connections open, against config.max_connections
        self._cap_warned = False
        self._tickets: list[asyncio.Future[None]] = []  # single-client: undecided connections, in order

    async def serve_on(self, listener: Listener, http_listener: Listener | None = None) -> None:
        """Serve the sockets bound (and printed) before asyncio was imported: listeners.bind."""
        _room_for(self.config.max_connections)
        self.address, self._check_user = listener.address, listener.check_user
        self._listeners = [each for each in (listener, http_listener) if each is not None]
        if listener.sock.family == socket.AF_UNIX:
            self._server = await asyncio.start_unix_server(self._on_client, sock=listener.sock)
        else:
            self._server = await asyncio.start_server(self._on_client, sock=listener.sock)
        if http_listener is not None:
            self.http_address, self._http_check_user = http_listener.address, http_listener.check_user
            self._http_server = await asyncio.start_server(self._on_http_client, sock=http_listener.sock)

    async def wait_closed(self) -> None:
        await self._done.wait()

    def shut_down(self) -> None:
        self._done.set()

    async def close(self) -> None:
        for server in (self._server, self._http_server):
            if server is not None:
                server.close()
        for listener in self._listeners:
            listener.remove_socket_file()
        if self._http is not None:
            await self._http.close()
        for conn in list(self._connections):
            conn.writer.close()
        # Let each connection's reader see EOF and finish before the loop ends.
        if self._conn_tasks:
            await asyncio.wait(list(self._conn_tasks), timeout=2)

    def _admit(self, writer: asyncio.StreamWriter, check_user: bool) -> bool:
        if self._open >= self.config.max_connections:
            if not self._cap_warned:
                self._cap_warned = True
                print(f"refusing connections: {self._open} are open, the limit of --max-connections",
                      file=sys.stderr, flush=True)
            writer.close()
            return False
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

    @contextlib.contextmanager
    def _counted(self) -> Iterator[None]:
        """Counts an open connection against --max-connections while the block runs."""
        self._open += 1
        try:
            yield
        finally:
            self._open -= 1
            if self._open < self.config.max_connections:
                self._cap_warned = False

    async def _on_http_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._admit(writer, self._http_check_user):
            with self._counted():
                _transport(writer).pause_reading()  # bytes must wait for the HTTP protocol, not land in `reader`
                await self._serve_http(writer, b"")

    async def _on_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self._admit(writer, self._check_user):
            return
        with self._counted():
            await self._serve_client(reader, writer)

    async def _serve_client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Sniff, then serve HTTP or the stream; the slot of single-client mode goes to the first
        connection (in order of arrival) whose first request is a whole JSON object."""
        ticket = self._ticket()
        try:
            first = await self._first_request(reader, writer)
            if first is None:
                return
            opening, kind = first
            if kind is Opening.HTTP:
                self._release(ticket)
                # read_opening took all that was buffered; what comes next must wait for the
                # HTTP protocol (serve_connection resumes reading) instead of landing in `reader`.
                _transport(writer).pause_reading()
                await self._serve_http(writer, opening)
                return
            refusal = self._stream_refusal()
            if refusal is None and not self.config.accept_multiclient:
                await self._after_earlier(ticket)
                if self._had_client:
                    refusal = ("another client is connected: without --accept-multiclient this server "
                               "serves one client at a time, as Delve does")
                else:
                    self._had_client = True
                    if self._server is not None:
                        self._server.close()  # stop accepting, as Delve does
                        self._listeners[0].remove_socket_file()
            self._release(ticket)
            if refusal is not None:
                await _refuse_stream(writer, opening, refusal)
                return
        finally:
            self._release(ticket)
        await self._serve_stream(reader, writer, opening)

    async def _first_request(self, reader: asyncio.StreamReader,
                             writer: asyncio.StreamWriter) -> tuple[bytes, Opening] | None:
        """The bytes up to a whole first request (a stream's first JSON object, or what tells HTTP),
        within the first-request timeout; None (connection closed) for anything else."""
        peer = writer.get_extra_info("peername")
        try:
            async with asyncio.timeout(self.config.first_request_timeout):
                first, kind = await read_opening(reader)
                opening = bytearray(first)
                if kind is Opening.STREAM and not await _read_first_object(reader, opening):
                    kind = Opening.OTHER
        except TimeoutError:
            log.info("closing connection from %s: no first request within %g s", peer,
                     self.config.first_request_timeout)
            writer.close()
            return None
        except ConnectionError:
            writer.close()
            return None
        if kind is Opening.HTTP and not self.config.http:
            kind = Opening.OTHER  # --http=false: told apart only to be closed without the slot
        if kind is Opening.OTHER:
            log.info("closing connection from %s: neither Delve's protocol nor HTTP", peer)
            writer.close()
            return None
        return bytes(opening), kind

    def _stream_refusal(self) -> str | None:
        if self.config.auth_token and not self.config.allow_unauthenticated_stream:
            return ("this server requires a token (--auth-token or PYDLV_AUTH_TOKEN), which Delve's "
                    "protocol cannot carry: it is served over HTTP only (Authorization: Bearer TOKEN); "
                    "start pydlv with --allow-unauthenticated-stream to accept Delve's clients without one")
        return None

    # -- single-client mode: the slot goes to connections in their order of arrival ---------------

    def _ticket(self) -> asyncio.Future[None] | None:
        if self.config.accept_multiclient:
            return None
        ticket: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tickets.append(ticket)
        return ticket

    def _release(self, ticket: asyncio.Future[None] | None) -> None:
        if ticket is not None and not ticket.done():
            ticket.set_result(None)
            self._tickets.remove(ticket)

    async def _after_earlier(self, ticket: asyncio.Future[None] | None) -> None:
        """Wait until every connection that arrived before this one has decided what it is."""
        if ticket is None or ticket not in self._tickets:
            return
        earlier = self._tickets[: self._tickets.index(ticket)]
        if earlier:
            await asyncio.wait(earlier)

    async def _serve_stream(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                            opening: bytes) -> None:
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
                listens = [each.address for each in self._listeners if each.sock.family != socket.AF_UNIX]
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


async def _read_first_object(reader: asyncio.StreamReader, opening: bytearray) -> bool:
    """Extends opening with what follows, up to a whole first request; False when the stream is
    not Delve's protocol (a framing error, over the size limit, or closed first)."""
    decoder = StreamDecoder()
    data = bytes(opening)
    while True:
        items = decoder.feed(data)
        if items:
            return not isinstance(items[0], FramingError)
        if decoder.pending > MAX_REQUEST:
            return False
        data = await reader.read(READ_ALL)
        if not data:
            return False
        opening += data


async def _refuse_stream(writer: asyncio.StreamWriter, opening: bytes, why: str) -> None:
    """Answer the stream's first request with the reason, then close: Delve's clients show it."""
    items = StreamDecoder().feed(opening)
    first = items[0] if items else None
    peer = writer.get_extra_info("peername")
    log.info("refusing a stream client from %s: %s", peer, why.split(":", 1)[0])
    if isinstance(first, Request):
        with contextlib.suppress(ConnectionError, RuntimeError):
            writer.write(encode_response(first.id_raw, None, why))
            await asyncio.wait_for(writer.drain(), 5)
    writer.close()


def _room_for(connections: int) -> None:
    """Raise the soft RLIMIT_NOFILE when --max-connections needs more than it allows (only then:
    the target inherits it)."""
    need = connections + FD_RESERVE
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= need:
        return
    new = need if hard == resource.RLIM_INFINITY else min(need, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (new, hard))
    if new < need:
        print(f"Warning: --max-connections={connections} needs {need} file descriptors, the limit is {hard}",
              file=sys.stderr, flush=True)
