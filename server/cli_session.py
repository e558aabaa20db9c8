"""The server after its listening line: logging, the asyncio loop, the RPC layer and the session.

cli.py binds the sockets and prints the line with nothing heavy imported; this module (asyncio,
the listener, then the RPC layer and the whole debugger on a worker thread) is imported after.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from .cli_args import Args, auth_token, server_options
from .debugger.config import LaunchConfig
from .protocol.names import ASYNC_METHODS
from .protocol.stream import Request
from .service.headless import HeadlessServer, ServerConfig
from .service.listeners import Listener

if TYPE_CHECKING:
    from .rpc.server import RPCServer


def setup_logging(args: Args) -> None:
    if not args.bool("log"):
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(message)s")
        return
    dest = args.str("log-dest")
    stream = open(dest, "a", buffering=1) if dest and not dest.isdigit() else sys.stderr  # noqa: SIM115
    outputs = set(filter(None, args.str("log-output").split(","))) or {"debugger"}
    logging.basicConfig(
        level=logging.DEBUG if "rpc" in outputs else logging.INFO,
        stream=stream,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


class _RpcWhenLoaded:
    """The RPC layer as the listener sees it before it is imported. Importing it loads the
    whole debugger (~150 ms); the listening line goes out first, as Delve's does, and requests
    that arrive meanwhile wait for it (they would wait for the target's launch anyway)."""

    def __init__(self) -> None:
        self._rpc: asyncio.Future[RPCServer] = asyncio.get_running_loop().create_future()

    def set(self, rpc: RPCServer) -> None:
        self._rpc.set_result(rpc)

    def is_async(self, method: str) -> bool:
        return method in ASYNC_METHODS

    async def dispatch(self, req: Request, setup_done: Callable[[], None]) -> tuple[object | None, str | None]:
        rpc = await asyncio.shield(self._rpc)
        return await rpc.dispatch(req, setup_done)

    async def end_session(self) -> None:
        if self._rpc.done():
            await self._rpc.result().end_session()


async def _serve(args: Args, config: LaunchConfig, listener: Listener, http_listener: Listener | None,
                 started: list[RPCServer]) -> int:
    multiclient = args.bool("accept-multiclient")
    endpoint = _RpcWhenLoaded()
    server = HeadlessServer(
        ServerConfig(
            accept_multiclient=multiclient,
            only_same_user=args.bool("only-same-user"),
            log_rpc="rpc" in args.str("log-output").split(","),
            http=args.bool("http"),
            allow_origins=tuple(args.list("allow-origin")),
            auth_token=auth_token(args),
            **server_options(args),  # checked in main
        ),
        endpoint,
    )
    await server.serve_on(listener, http_listener)
    loop = asyncio.get_running_loop()
    # SIGHUP too (a closed terminal or an ssh session gone): the target must not outlive us.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, server.shut_down)
    module = await loop.run_in_executor(None, importlib.import_module, f"{__package__}.rpc.server")
    rpc: RPCServer = module.RPCServer(config, accept_multiclient=multiclient)
    started.append(rpc)  # main's last resort ends its target if pydlv itself fails
    rpc.on_detach = server.shut_down
    endpoint.set(rpc)
    try:
        await rpc.load()
    except Exception as e:  # launch and attach failures are the user's to read
        text = str(e)
        if not config.attach_pid and "could not launch" not in text:
            text = f"could not launch process: {text}"
        print(text, file=sys.stderr, flush=True)
        await rpc.end_session()
        await server.close()
        return 1
    if args.bool("continue"):
        rpc.continue_on_start()
    try:
        await server.wait_closed()
    finally:
        await rpc.end_session()
        await server.close()
    return 0


def run(args: Args, config: LaunchConfig, listener: Listener, http_listener: Listener | None) -> int:
    """Serve until the session ends; the exit status."""
    setup_logging(args)
    started: list[RPCServer] = []
    try:
        return asyncio.run(_serve(args, config, listener, http_listener, started))
    except BaseException as e:
        # pydlv itself failed (or was interrupted before its signal handlers): the target must not
        # be left stopped, traced or running on with its children.
        for rpc in started:
            rpc.abandon()
        if isinstance(e, Exception):
            logging.getLogger("pydlv").exception("pydlv: internal error")
            return 1
        raise
