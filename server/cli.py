"""`pydlv exec|debug|test|attach|version`: Delve's headless command line.

Only what the listening line needs is imported here (arguments, the build, binding the sockets):
a client waits for that line, and Delve prints it ~5 ms after start. cli_session (asyncio, the RPC
layer, the debugger) comes after it.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from .cli_args import (
    PYDLV_FLAGS_HELP,
    Args,
    UsageError,
    auth_token,
    parse_args,
    parse_redirects,
    server_options,
)
from .debugger.config import LaunchConfig, Redirects
from .service.listeners import Listener, bind, split_listen
from .service.peercheck import is_loopback

if TYPE_CHECKING:
    from .cli_build import Build

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


def _check_common(args: Args) -> str | None:
    if args.str("api-version") != "2":
        return "unknown API version"
    if args.bool("continue") and not args.bool("accept-multiclient"):
        return "--continue requires --accept-multiclient"
    if args.str("backend") not in ("default", "native"):
        return f"unknown backend {args.str('backend')!r}: pydlv has only the native backend"
    return None


def _check_http(args: Args) -> str | None:
    """HTTP on a non-loopback address needs a token: anyone who reaches it could run code."""
    if auth_token(args):
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
    from .cli_build import Build, BuildFailed  # runs the go command: only for debug and test

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
        from .rpc.version import delve_version_text

        print(f"pydlv Debugger\n{delve_version_text()}")
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
    try:
        listeners = _bind(args)
        if listeners is None:
            return 1
        if not args.str("tty"):
            print(f"API server listening at: {listeners[0].address}", flush=True)
        if listeners[1] is not None:
            print(f"HTTP JSON-RPC listening at: {listeners[1].address}", file=sys.stderr, flush=True)
        from .cli_session import run

        return run(args, config, *listeners)
    finally:
        if build is not None:
            warning = build.remove()
            if warning:
                print(warning, file=sys.stderr)


def _bind(args: Args) -> tuple[Listener, Listener | None] | None:
    """The --listen socket and the --http-listen one; None (said on stderr) when one can't be bound."""
    token = auth_token(args)
    only_same_user = args.bool("only-same-user")
    try:
        # A stream, which cannot carry the token, is unguarded when served without it.
        main = bind(args.str("listen"), only_same_user=only_same_user,
                    guarded=bool(token) and not args.bool("allow-unauthenticated-stream"))
        http = None
        if args.str("http-listen"):
            http = bind(args.str("http-listen"), only_same_user=only_same_user, guarded=bool(token))
    except (OSError, ValueError) as e:
        print(f"Error: couldn't start listener: {e}", file=sys.stderr, flush=True)
        return None
    return main, http
