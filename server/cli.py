"""`pydlv exec|debug|test|attach|version`: Delve's headless command line."""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from .cli_args import PYDLV_FLAGS_HELP, Args, UsageError, parse_args, parse_redirects, server_options
from .cli_build import Build, BuildFailed
from .debugger.config import LaunchConfig, Redirects
from .protocol.names import ASYNC_METHODS
from .protocol.stream import Request
from .service.headless import HeadlessServer, ServerConfig, split_listen
from .service.peercheck import is_loopback

if TYPE_CHECKING:
    from .rpc.server import RPCServer

USAGE = """pydlv: a Delve-compatible headless debug server for Go programs.

Usage:
  pydlv exec <path/to/binary> --headless --listen=127.0.0.1:2345 --api-version=2 [--accept-multiclient] [-- args]
  pydlv debug [package] --headless --listen=... [--build-flags=...] [--output=FILE] [-- args]
  pydlv test [package] --headless --listen=... [--build-flags=...] [--output=FILE] [-- -test.run X]
  pydlv attach PID --headless --listen=... [--continue --accept-multiclient]
  pydlv version

Flags for exec, debug and test: --wd DIR, -r [stdin:|stdout:|stderr:]FILE (repeatable), --tty TTY.
Follow the Go programs the target starts: --follow-exec [--follow-exec-regex RE] (also for attach).

Connect with Delve's client: dlv connect 127.0.0.1:2345
"""


def _setup_logging(args: Args) -> None:
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


def _check_common(args: Args) -> str | None:
    if args.str("api-version") != "2":
        return "unknown API version"
    if args.bool("continue") and not args.bool("accept-multiclient"):
        return "--continue requires --accept-multiclient"
    if args.str("backend") not in ("default", "native"):
        return f"unknown backend {args.str('backend')!r}: pydlv has only the native backend"
    return None


def _auth_token(args: Args) -> str:
    return args.str("auth-token") or os.environ.get("PYDLV_AUTH_TOKEN", "")


def _check_http(args: Args) -> str | None:
    """HTTP on a non-loopback address needs a token: anyone who reaches it could run code."""
    if _auth_token(args):
        if not args.bool("http") and not args.bool("allow-unauthenticated-stream"):
            return ("--auth-token with --http=false would serve nothing on --listen: Delve's protocol "
                    "cannot carry a token; pass --allow-unauthenticated-stream to serve it without one")
        return None
    listens = [args.str("http-listen")] if args.str("http-listen") else []
    if args.bool("http") and not args.str("listen").startswith("unix:"):
        listens.append(args.str("listen"))
    for listen in listens:
        try:
            host, _ = split_listen(listen)
        except ValueError:
            continue  # the listener reports it
        if not is_loopback(host or "0.0.0.0"):
            flag = "--http-listen" if listen == args.str("http-listen") else "--listen"
            return (f"{flag}={listen} is not a loopback address: serving HTTP JSON-RPC there needs "
                    "--auth-token TOKEN (or PYDLV_AUTH_TOKEN), since anyone who reaches it can run "
                    "code in the target; pass --http=false to serve only Delve's protocol on --listen")
    return None


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


async def _serve(args: Args, config: LaunchConfig, started: list[RPCServer]) -> int:
    multiclient = args.bool("accept-multiclient")
    endpoint = _RpcWhenLoaded()
    server = HeadlessServer(
        ServerConfig(
            listen=args.str("listen"),
            accept_multiclient=multiclient,
            only_same_user=args.bool("only-same-user"),
            log_rpc="rpc" in args.str("log-output").split(","),
            http=args.bool("http"),
            http_listen=args.str("http-listen"),
            allow_origins=tuple(args.list("allow-origin")),
            auth_token=_auth_token(args),
            **server_options(args),  # checked in main
        ),
        endpoint,
    )
    try:
        addr = await server.bind()
    except (OSError, ValueError) as e:
        print(f"Error: couldn't start listener: {e}", file=sys.stderr, flush=True)
        return 1
    if not args.str("tty"):
        print(f"API server listening at: {addr}", flush=True)
    if server.http_address:
        print(f"HTTP JSON-RPC listening at: {server.http_address}", file=sys.stderr, flush=True)
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


def _exe_of(pid: int) -> str:
    """The attached process's executable: its path when the file is still there, else the
    kernel's link (which opens even a deleted or replaced file), as Delve's findExecutable."""
    link = f"/proc/{pid}/exe"
    try:
        path = os.readlink(link)
    except OSError:
        return link
    return path if os.path.isfile(path) else link


def _redirects(args: Args) -> Redirects:
    values = args.flags["redirect"]
    assert isinstance(values, list)
    if values and args.str("tty"):
        raise UsageError("Can not use -r and --tty together")
    return Redirects(*parse_redirects([str(v) for v in values]), tty=args.str("tty"))


def _config(args: Args, redirects: Redirects) -> tuple[LaunchConfig, Build | None] | str:
    """What to debug, from the subcommand; an error text instead if it can't be."""
    wd = os.path.abspath(args.str("wd") or ".")
    if args.command == "exec":
        if not args.positional:
            return "Error: you must provide a path to a binary"
        return LaunchConfig(os.path.abspath(args.positional[0]), args.positional[1:] + args.target_args, wd,
                            redirects), None
    if args.command == "attach":
        if args.str("waitfor"):
            return "Error: --waitfor is not implemented by pydlv"
        if not args.positional:
            return "Error: you must provide a PID"
        try:
            pid = int(args.positional[0])
        except ValueError:
            return f"Invalid pid: {args.positional[0]}"
        # A second argument (Delve's `attach pid [executable]`) is for other backends: ignored.
        return LaunchConfig(_exe_of(pid), attach_pid=pid), None
    # debug, test
    test = args.command == "test"
    build = Build.plan(test, args.positional[0] if args.positional else "", args.str("build-flags"),
                       args.str("output"))
    try:
        build.run()
    except FileNotFoundError:
        build.remove()
        return 'exec: "go": executable file not found in $PATH'  # Go's os/exec text, as Delve prints it
    except (BuildFailed, OSError) as e:
        if build.temp_dir or isinstance(e, OSError):
            build.remove()
        out = e.output if isinstance(e, BuildFailed) else ""
        return f"{out}{e}" if not out or out.endswith("\n") else f"{out}\n{e}"
    if test and not args.str("wd"):
        wd = build.package_dir()  # as dlv test: the tests run in their package's directory
    return LaunchConfig(build.output, args.positional[1:] + args.target_args, wd, redirects,
                        rebuild=build.rebuild), build


def main(argv: list[str] | None = None) -> int:
    try:
        args = parse_args(sys.argv[1:] if argv is None else argv)
    except UsageError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    if args.command in ("help",) or args.bool("help"):
        print(USAGE + "\n" + PYDLV_FLAGS_HELP)
        return 0
    if args.command == "version":
        from .rpc.version import BUILD, VERSION  # runs git: only when asked

        print(f"pydlv Debugger\nVersion: {VERSION}\nBuild: {BUILD}")
        return 0
    if args.command == "connect":
        print(f"Error: pydlv {args.command} is not implemented yet", file=sys.stderr)
        return 1
    try:
        server_options(args)
    except UsageError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    problem = _check_common(args) or _check_http(args)
    if problem:
        print(f"Error: {problem}", file=sys.stderr)
        return 1
    _setup_logging(args)
    if not args.bool("headless"):
        print("pydlv has no terminal of its own: serving headless; connect with `dlv connect ADDR`.",
              file=sys.stderr, flush=True)
    try:
        redirects = _redirects(args)
    except UsageError as e:
        print(e, file=sys.stderr)
        return 1
    made = _config(args, redirects)
    if isinstance(made, str):
        print(made, file=sys.stderr)
        return 1
    config, build = made
    config.follow_exec = args.bool("follow-exec")
    config.follow_exec_regex = args.str("follow-exec-regex")
    started: list[RPCServer] = []
    try:
        return asyncio.run(_serve(args, config, started))
    except BaseException as e:
        # pydlv itself failed (or was interrupted before its signal handlers): the target must not
        # be left stopped, traced or running on with its children.
        for rpc in started:
            rpc.abandon()
        if isinstance(e, Exception):
            logging.getLogger("pydlv").exception("pydlv: internal error")
            return 1
        raise
    finally:
        if build is not None:
            warning = build.remove()
            if warning:
                print(warning, file=sys.stderr)
