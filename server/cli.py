"""`pydlv exec|debug|version`: Delve's headless command line."""

from __future__ import annotations

import asyncio
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile

from .cli_args import PYDLV_FLAGS_HELP, Args, UsageError, parse_args, server_options
from .debugger.facade import LaunchConfig
from .rpc.server import RPCServer
from .rpc.version import BUILD, VERSION
from .service.headless import HeadlessServer, ServerConfig, split_listen
from .service.peercheck import is_loopback

USAGE = """pydlv: a Delve-compatible headless debug server for Go programs.

Usage:
  pydlv exec <path/to/binary> --headless --listen=127.0.0.1:2345 --api-version=2 [--accept-multiclient] [-- args]
  pydlv debug [package] --headless --listen=... [-- args]
  pydlv version

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


def _build(args: Args) -> tuple[str, str]:
    """`debug`: go build the package with optimizations off, as dlv debug does."""
    pkg = args.positional[0] if args.positional else "."
    out = args.str("output") or os.path.join(tempfile.mkdtemp(prefix="pydlv-"), "__debug_bin")
    out = os.path.abspath(out)
    cwd = args.str("wd") or "."
    if os.path.isdir(os.path.join(cwd, pkg)):
        # Build inside the package directory, so a package that is its own module builds too.
        cwd, pkg = os.path.join(cwd, pkg), "."
    cmd = ["go", "build", "-o", out, "-gcflags=all=-N -l", *shlex.split(args.str("build-flags")), pkg]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.strip() or "go build failed")
    return out, out


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


async def _serve(args: Args, binary: str, target_args: list[str], cleanup: str | None) -> int:
    multiclient = args.bool("accept-multiclient")
    rpc = RPCServer(
        LaunchConfig(
            binary=os.path.abspath(binary),
            args=target_args,
            wd=os.path.abspath(args.str("wd") or "."),
        ),
        accept_multiclient=multiclient,
    )
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
        rpc,
    )
    rpc.on_detach = server.shut_down
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
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, server.shut_down)
    try:
        await rpc.load()
    except Exception as e:  # launch failures are the user's to read
        print(f"could not launch process: {e}" if "could not launch" not in str(e) else str(e),
              file=sys.stderr, flush=True)
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
        if cleanup:
            # `debug` built into a temporary directory of its own: remove both.
            shutil.rmtree(os.path.dirname(cleanup), ignore_errors=True)
    return 0


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
        print(f"pydlv Debugger\nVersion: {VERSION}\nBuild: {BUILD}")
        return 0
    if args.command in ("attach", "test", "connect"):
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
    cleanup = None
    if args.command == "exec":
        if not args.positional:
            print("Error: you must provide a path to a binary", file=sys.stderr)
            return 1
        binary, target_args = args.positional[0], args.positional[1:] + args.target_args
    else:  # debug
        try:
            binary, cleanup = _build(args)
        except (RuntimeError, OSError) as e:
            print(f"{e}\nexit status 1", file=sys.stderr)
            return 1
        target_args = args.positional[1:] + args.target_args
    return asyncio.run(_serve(args, binary, target_args, cleanup if not args.str("output") else None))


if __name__ == "__main__":
    sys.exit(main())
