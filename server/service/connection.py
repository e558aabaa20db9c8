"""One client connection speaking Delve's JSON-RPC stream protocol (Go net/rpc codec).

As in Delve, one reader per connection: synchronous methods run inside the reader
(the next request is not read until they return); asynchronous ones run in their
own task and the reader goes on once the method says its setup is done (for a
resuming Command: once the target has resumed). Replies go out in completion
order, each written whole under the connection's write lock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from ..protocol.stream import FramingError, Request, StreamDecoder, encode_response
from . import memtrim

log = logging.getLogger("pydlv.rpc")

# One request may be at most this big (the HTTP body limit too): a client that sends an endless
# value is closed instead of growing the buffer. Delve has no limit.
MAX_REQUEST = 10 * 1024 * 1024
# Asynchronous requests (resuming commands, GetEvents, Restart...) of one connection running at
# once; past it the reader waits for one to finish, so requests cannot pile up without bound.
MAX_IN_FLIGHT = 64

# dispatch(request, setup_done) -> (result, error); setup_done() releases the reader.
Dispatch = Callable[[Request, Callable[[], None]], Awaitable[tuple[object | None, str | None]]]
IsAsync = Callable[[str], bool]


class StreamConnection:
    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        dispatch: Dispatch,
        is_async: IsAsync,
        log_rpc: bool = False,
    ) -> None:
        self.reader = reader
        self.writer = writer
        self.dispatch = dispatch
        self.is_async = is_async
        self.log_rpc = log_rpc
        self._write_lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.closed = False

    @property
    def peer(self) -> str:
        peer = self.writer.get_extra_info("peername")
        return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)

    async def serve(self, initial: bytes = b"") -> None:
        decoder = StreamDecoder()
        try:
            data = initial
            while True:
                if data:
                    for item in decoder.feed(data):
                        if isinstance(item, FramingError):
                            log.info("closing connection from %s: %s", self.peer, item)
                            return
                        await self._handle(item)
                if decoder.pending > MAX_REQUEST:
                    log.info("closing connection from %s: a request over %d bytes", self.peer, MAX_REQUEST)
                    return
                data = await self.reader.read(65536)
                if not data:
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            self.closed = True
            # Pending async replies are dropped; the commands themselves go on.
            self.writer.close()

    async def _handle(self, req: Request) -> None:
        if self.log_rpc:
            log.debug("<- %s(%s) id=%s", req.method, req.params, req.id_raw)
        if not self.is_async(req.method):
            result, error = await self.dispatch(req, lambda: None)
            await self._reply(req, result, error)
            return
        while len(self._tasks) >= MAX_IN_FLIGHT:
            await asyncio.wait(set(self._tasks), return_when=asyncio.FIRST_COMPLETED)
        # Resolved at setup (e.g. target resumed) or when the call ends, whichever first: one
        # future rather than an Event and a task waiting on it (State is asked after every stop).
        setup: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def setup_done(_: object = None) -> None:
            if not setup.done():
                setup.set_result(None)

        task = asyncio.create_task(self._run_async(req, setup_done))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(setup_done)
        await setup

    async def _run_async(self, req: Request, setup_done: Callable[[], None]) -> None:
        try:
            result, error = await self.dispatch(req, setup_done)
        finally:
            setup_done()
        await self._reply(req, result, error)

    async def _reply(self, req: Request, result: object | None, error: str | None) -> None:
        if self.closed:
            return
        data = encode_response(req.id_raw, result, error)
        if self.log_rpc:
            log.debug("-> %s", data[:2000].decode("utf-8", "replace").rstrip())
        async with self._write_lock:
            try:
                self.writer.write(data)
                await self.writer.drain()
            except (ConnectionError, RuntimeError):
                self.closed = True
        memtrim.after_reply(len(data))
