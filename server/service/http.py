"""The HTTP JSON-RPC endpoint: aiohttp's low-level server on connections handed over by the listener.

The listener (headless.py) reads a connection's first bytes; an HTTP request line makes it
an HTTP connection, attached here to an aiohttp request-handler protocol with the bytes
already read fed back in. `--http-listen` connections come the same way, unsniffed.

HTTP connections never own the session: closing one ends nothing. A request's handler is
not cancelled when its client goes away (aiohttp's default), so a `continue` whose curl
was interrupted still runs to its stop, and the next State shows it.

Imported only when HTTP is first used, in an executor: aiohttp and jsonrpcserver take ~400 ms to import.
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from ..protocol.methods import METHODS
from . import memtrim
from .connection import Dispatch
from .http_rpc import BodyDispatcher, BodyError
from .http_security import HttpPolicy, Refusal, body_too_large, check_request, normalize_origin

log = logging.getLogger("pydlv.http")

HEAD_TIMEOUT = 10.0  # a connection sends a request head within this of connecting or of its last reply
BODY_TIMEOUT = 10.0  # and the body within this of the head
READ_CHUNK = 65536
# On every answer: a browser then never runs /methods (text/plain) as a script or a style sheet,
# so a page cannot learn by loading it that pydlv listens.
NOSNIFF = {"X-Content-Type-Options": "nosniff"}


class _Handler(RequestHandler):
    """aiohttp's request handler, answering what it refuses itself (a malformed request line or
    head) like every other refusal: a JSON error, with nosniff."""

    def handle_error(self, request: web.BaseRequest, status: int = 500, exc: BaseException | None = None,
                     message: str | None = None) -> web.StreamResponse:
        if status >= 500:
            super().handle_error(request, status, exc, message)  # logs it: a bug
            text = "internal error in the HTTP endpoint"
        else:
            lines = (message or (str(exc) if exc else "")).strip().splitlines()
            text = f"malformed HTTP request: {lines[0] if lines else status}"
        if request.writer.output_size > 0:
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        response = _json_reply(status, {"error": text})
        response.force_close()
        return response


class _Server(web.Server):
    """aiohttp's low-level server, also telling the endpoint when a connection is gone."""

    def __init__(self, handler: Any, on_lost: Callable[[RequestHandler], None], **kwargs: Any) -> None:
        super().__init__(handler, **kwargs)
        self._on_lost = on_lost

    def __call__(self) -> RequestHandler:
        return _Handler(self, loop=self._loop, **self._kwargs)

    def connection_lost(self, handler: RequestHandler, exc: BaseException | None = None) -> None:
        super().connection_lost(handler, exc)
        self._on_lost(handler)


class HttpEndpoint:
    def __init__(self, dispatch: Dispatch, policy: HttpPolicy, log_rpc: bool = False) -> None:
        self.policy = policy
        self.log_rpc = log_rpc
        self._bodies = BodyDispatcher(dispatch)
        self._server = _Server(self._handle, self._lost, keepalive_timeout=HEAD_TIMEOUT)
        self._gone: dict[RequestHandler, asyncio.Future[None]] = {}
        self._head_timers: dict[asyncio.BaseTransport, asyncio.TimerHandle] = {}

    # ---- connections ----------------------------------------------------------------------

    async def serve_connection(self, transport: asyncio.Transport, initial: bytes, keep: object) -> None:
        """Serve HTTP on an accepted connection (reading paused) until it closes.

        keep: the connection's asyncio StreamWriter, held until the end because its
        finalizer closes the transport.
        """
        loop = asyncio.get_running_loop()
        proto = self._server()
        gone = self._gone[proto] = loop.create_future()
        transport.set_protocol(proto)
        proto.connection_made(transport)
        self._arm(transport)
        transport.resume_reading()  # the listener paused it while handing over
        if initial:
            proto.data_received(initial)
        try:
            await gone
        finally:
            self._disarm(transport)
            del keep

    def _lost(self, proto: RequestHandler) -> None:
        gone = self._gone.pop(proto, None)
        if gone is not None and not gone.done():
            gone.set_result(None)

    def _arm(self, transport: asyncio.BaseTransport) -> None:
        """Close the connection unless a request head arrives in time (slow or idle clients)."""
        self._disarm(transport)
        loop = asyncio.get_running_loop()
        self._head_timers[transport] = loop.call_later(HEAD_TIMEOUT, transport.close)

    def _disarm(self, transport: asyncio.BaseTransport | None) -> None:
        timer = self._head_timers.pop(transport, None) if transport is not None else None
        if timer is not None:
            timer.cancel()

    async def close(self) -> None:
        """Finish the requests under way, then close every connection."""
        for proto in list(self._gone):
            proto.close()
        for timer in self._head_timers.values():
            timer.cancel()
        self._head_timers.clear()

    # ---- requests ---------------------------------------------------------------------------

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        transport = request.transport
        self._disarm(transport)
        try:
            response = await self._respond(request)
        except BodyError as e:
            response = _json_reply(e.status, {"error": str(e)})
        except Exception:
            log.exception("HTTP request %s %s", request.method, request.path)
            response = _json_reply(500, {"error": "internal error in the HTTP endpoint"})
        response.headers.update(NOSNIFF)
        origin = request.headers.get("Origin")
        if origin is not None and normalize_origin(origin) in self.policy.allowed_origins:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Vary"] = "Origin"
        if transport is not None and not transport.is_closing():
            self._arm(transport)
        return response

    async def _respond(self, request: web.BaseRequest) -> web.StreamResponse:
        sockname = request.transport.get_extra_info("sockname") if request.transport else None
        port = sockname[1] if isinstance(sockname, tuple) else None
        refusal = check_request(self.policy, request.method, request.headers, port)
        if refusal is not None:
            return _refuse(refusal)
        if request.method == "OPTIONS":
            return _preflight()
        if request.method in ("GET", "HEAD"):
            if request.path not in ("/", "/methods"):
                return _json_reply(404, {"error": f"no page {request.path}: POST JSON-RPC to /"})
            return _methods_page(request)
        if request.method != "POST":
            return _json_reply(405, {"error": f"{request.method} is not served: POST JSON-RPC to /"})
        if request.path != "/":
            return _json_reply(404, {"error": f"POST JSON-RPC to /, not {request.path}"})
        body = await self._read_body(request)
        if isinstance(body, Refusal):
            return _refuse(body)
        if self.log_rpc:
            log.debug("<- HTTP %s", body[:2000].decode("utf-8", "replace"))
        reply = await self._bodies.handle(body)
        if self.log_rpc:
            log.debug("-> HTTP %s", (reply or b"(no reply)")[:2000].decode("utf-8", "replace"))
        if reply is None:
            return web.Response(status=204)  # notifications only: nothing to answer
        memtrim.after_reply(len(reply))  # released a little later, once the answer is out
        return web.Response(body=reply, content_type="application/json")

    async def _read_body(self, request: web.BaseRequest) -> bytes | Refusal:
        refusal = body_too_large(self.policy, request.content_length)
        if refusal is not None:
            return refusal
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(BODY_TIMEOUT):
                while chunk := await request.content.read(READ_CHUNK):
                    size += len(chunk)
                    if size > self.policy.max_body:
                        return Refusal(413, f"request body is over the limit of {self.policy.max_body} bytes")
                    chunks.append(chunk)
        except TimeoutError:
            return Refusal(408, f"request body not received within {BODY_TIMEOUT:g} s")
        return b"".join(chunks)


def _json_reply(status: int, obj: dict[str, Any]) -> web.Response:
    return web.Response(status=status, text=json.dumps(obj), content_type="application/json",
                        headers=NOSNIFF)


def _refuse(refusal: Refusal) -> web.Response:
    response = _json_reply(refusal.status, {"error": refusal.reason})
    if refusal.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    if refusal.status in (408, 413):
        response.force_close()  # the rest of the body is not read: the connection is unusable
    return response


def _preflight() -> web.Response:
    response = web.Response(status=204)
    response.headers["Access-Control-Allow-Methods"] = "POST, GET"
    response.headers["Access-Control-Allow-Headers"] = "Content-Type, Authorization"
    return response


def _methods_page(request: web.BaseRequest) -> web.Response:
    host = request.headers.get("Host", "127.0.0.1:2345")
    names = sorted(name.split(".", 1)[1] for name in METHODS)
    example = (
        f"curl -s http://{host}/ -H 'Content-Type: application/json' \\\n"
        '     -d \'{"jsonrpc":"2.0","method":"State","params":{"NonBlocking":true},"id":1}\''
    )
    intro = ("pydlv: Delve's JSON-RPC API v2 over HTTP. POST a JSON-RPC 2.0 request (or Delve's own "
             "1.0 body) to / with Content-Type: application/json. Methods may be named with or "
             "without the RPCServer. prefix; params are the method's In object.")
    if "text/html" not in request.headers.get("Accept", ""):
        text = f"{intro}\n\nExample:\n{example}\n\nMethods:\n" + "\n".join(f"  {n}" for n in names) + "\n"
        return web.Response(text=text, content_type="text/plain")
    items = "".join(f"<li><code>{html.escape(n)}</code></li>" for n in names)
    page = (
        "<!doctype html><html><head><meta charset=utf-8><title>pydlv</title></head><body>"
        f"<h1>pydlv</h1><p>{html.escape(intro)}</p><h2>Example</h2><pre>{html.escape(example)}</pre>"
        f"<h2>Methods</h2><ul>{items}</ul></body></html>"
    )
    return web.Response(text=page, content_type="text/html")
