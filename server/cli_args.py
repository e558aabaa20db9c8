"""Delve's command line, parsed the way cobra/pflag parse it.

Hand-written because argparse cannot take global flags on either side of the
subcommand (GoLand puts them before `exec`, vim-go after the package) and has no
pflag-style booleans (`--flag`, `--flag=true|false`, never `--flag false`).
"""

from __future__ import annotations

import builtins
import os
from dataclasses import field
from typing import TypedDict

from .records import record


class UsageError(Exception):
    pass


BOOL_FLAGS = {
    "headless": False,
    "accept-multiclient": False,
    "continue": False,
    "follow-exec": False,
    "log": False,
    "check-go-version": True,
    "only-same-user": True,
    "disable-aslr": False,
    "allow-non-terminal-interactive": False,
    "rr-cleanup": True,
    "help": False,
    "http": True,  # pydlv: HTTP JSON-RPC on the connection port too (--http=false: stream only)
    # pydlv: with a token, serve Delve's stream protocol anyway (it cannot carry the token)
    "allow-unauthenticated-stream": False,
}
VALUE_FLAGS = {
    "listen": "127.0.0.1:0",
    "api-version": "2",
    "log-output": "",
    "log-dest": "",
    "wd": "",
    "build-flags": "",
    "output": "",
    "backend": "default",
    "init": "",
    "tty": "",
    "follow-exec-regex": "",
    "waitfor": "",
    "waitfor-interval": "1",
    "waitfor-duration": "0",
    "http-listen": "",
    "auth-token": "",
    "max-connections": "128",  # pydlv: connections open at once, over every listener
    "first-request-timeout": "10",  # pydlv: seconds for a connection's first whole request
}
MULTI_FLAGS = {"redirect", "allow-origin"}
SHORT = {"l": "listen", "r": "redirect", "h": "help"}
SUBCOMMANDS = {"exec", "debug", "attach", "version", "test", "connect", "help"}


@record
class Args:
    command: str
    positional: list[str]
    target_args: list[str]
    flags: dict[str, object] = field(default_factory=dict)
    given: set[str] = field(default_factory=set)

    def flag(self, name: str) -> object:
        return self.flags[name]

    def bool(self, name: str) -> bool:
        return bool(self.flags[name])

    def str(self, name: str) -> str:
        return str(self.flags[name])

    # builtins.: in this class body, `str` and `list` name the methods.
    def list(self, name: builtins.str) -> builtins.list[builtins.str]:
        """A repeatable flag's values; each may also be a comma-separated list."""
        values = self.flags[name]
        assert isinstance(values, list)
        return [part.strip() for v in values for part in str(v).split(",") if part.strip()]


def _parse_bool(name: str, value: str) -> bool:
    low = value.lower()
    if low in ("1", "t", "true"):
        return True
    if low in ("0", "f", "false"):
        return False
    raise UsageError(f'invalid argument "{value}" for "--{name}" flag: strconv.ParseBool: parsing "{value}": invalid syntax')


def parse_args(argv: list[str]) -> Args:
    flags: dict[str, object] = {**BOOL_FLAGS, **VALUE_FLAGS, **{name: [] for name in MULTI_FLAGS}}
    given: set[str] = set()
    positional: list[str] = []
    target: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        i += 1
        if tok == "--":
            target = argv[i:]
            break
        if not tok.startswith("-") or tok == "-":
            positional.append(tok)
            continue
        body = tok[2:] if tok.startswith("--") else tok[1:]
        name, eq, value = body.partition("=")
        if not tok.startswith("--"):
            name = SHORT.get(name, "")
            if not name:
                raise UsageError(f"unknown shorthand flag: '{body[:1]}' in {tok}")
        if name in BOOL_FLAGS:
            flags[name] = _parse_bool(name, value) if eq else True
        elif name in VALUE_FLAGS or name in MULTI_FLAGS:
            if not eq:
                if i >= len(argv):
                    raise UsageError(f"flag needs an argument: {tok}")
                value = argv[i]
                i += 1
            if name in MULTI_FLAGS:
                values = flags[name]
                assert isinstance(values, list)
                values.append(value)
            else:
                flags[name] = value
        else:
            raise UsageError(f"unknown flag: --{name}")
        given.add(name)
    if not positional:
        command = "help"
    else:
        command = positional.pop(0)
        if command not in SUBCOMMANDS:
            raise UsageError(f'unknown command "{command}" for "pydlv"')
    return Args(command, positional, target, flags, given)


REDIRECT_SOURCES = ("stdin", "stdout", "stderr")


def parse_redirects(values: builtins.list[str]) -> tuple[str, str, str]:
    """Delve's `-r [source:]destination` values -> (stdin, stdout, stderr) paths ("" if not given).
    A value without a known source is stdin's, as in Delve."""
    paths = ["", "", ""]
    for value in values:
        idx = 0
        for i, name in enumerate(REDIRECT_SOURCES):
            if value.startswith(name + ":"):
                idx, value = i, value[len(name) + 1 :]
                break
        if paths[idx]:
            raise UsageError(f"redirect error: {REDIRECT_SOURCES[idx]} redirected twice")
        paths[idx] = value
    return paths[0], paths[1], paths[2]


# Help for the flags pydlv adds to Delve's (`pydlv help` prints it after the usage).
PYDLV_FLAGS_HELP = """pydlv's own flags:
  --http=true|false          serve JSON-RPC 2.0 over HTTP on --listen too (default true)
  --http-listen HOST:PORT    an extra HTTP-only listener
  --allow-origin ORIGIN      a web origin allowed to call the HTTP endpoint (repeatable)
  --auth-token TOKEN         every HTTP request needs 'Authorization: Bearer TOKEN' (or set
                             PYDLV_AUTH_TOKEN). Delve's stream protocol cannot carry a token, so
                             with a token it is refused on every port unless
                             --allow-unauthenticated-stream is given
  --allow-unauthenticated-stream
                             with a token, serve Delve's stream protocol (dlv connect, IDEs)
                             anyway: anyone who reaches the port can then run code in the target
                             without the token. For remote debugging prefer an SSH tunnel
                             (ssh -L 2345:127.0.0.1:2345 host) to a loopback --listen
  --max-connections N        connections open at once over every listener (default 128); more
                             are closed at once
  --first-request-timeout S  seconds a new connection has to send its first whole request
                             (default 10); it is closed otherwise
"""


class ServerOptions(TypedDict):
    allow_unauthenticated_stream: bool
    max_connections: int
    first_request_timeout: float


def server_options(args: Args) -> ServerOptions:
    """ServerConfig's admission settings from pydlv's own flags; UsageError for a bad value."""
    try:
        max_connections = int(args.str("max-connections"))
        timeout = float(args.str("first-request-timeout"))
    except ValueError as e:
        raise UsageError(f"invalid number: {e}") from None
    if max_connections < 1:
        raise UsageError("--max-connections must be at least 1")
    if not 0 < timeout < float("inf"):
        raise UsageError("--first-request-timeout must be a positive number of seconds")
    return ServerOptions(allow_unauthenticated_stream=args.bool("allow-unauthenticated-stream"),
                         max_connections=max_connections, first_request_timeout=timeout)


def auth_token(args: Args) -> str:
    """The HTTP token: --auth-token, else $PYDLV_AUTH_TOKEN."""
    return args.str("auth-token") or os.environ.get("PYDLV_AUTH_TOKEN", "")
