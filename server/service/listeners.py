"""The listening sockets, bound before anything heavy is imported.

Delve prints `API server listening at:` about 5 ms after it starts; a client (an editor) waits for
that line. Binding here needs only `socket`, so pydlv prints it before asyncio, the RPC layer and
the debugger are imported (~150 ms); the asyncio servers adopt these sockets afterwards
(HeadlessServer.serve_on), and connections made meanwhile wait in the kernel's backlog.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import sys
from collections.abc import Iterator

from ..records import record
from .peercheck import is_loopback

BACKLOG = 100  # asyncio's default for start_server


@record
class Listener:
    sock: socket.socket
    address: str  # as printed: host:port, [v6]:port, or the socket file's path (Delve's net.Addr)
    check_user: bool  # --only-same-user applies (a loopback TCP address)
    unix_inode: int = 0  # a socket file's inode, once bound: remove_socket_file() removes that one only

    def remove_socket_file(self) -> None:
        """Remove the socket file of a unix:PATH listener, as Go's UnixListener.Close (so Delve)
        does, unless another server has bound the path since."""
        if not self.unix_inode:
            return
        with contextlib.suppress(OSError):
            st = os.stat(self.address)
            if stat.S_ISSOCK(st.st_mode) and st.st_ino == self.unix_inode:
                os.unlink(self.address)
        self.unix_inode = 0


def split_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep:
        raise ValueError(f"invalid listen address {listen!r}: missing port")
    host = host.strip("[]")
    return host, int(port or 0)


def bind(listen: str, *, only_same_user: bool, guarded: bool) -> Listener:
    """Bind and listen on `listen` (host:port or unix:PATH); OSError or ValueError when it can't.
    guarded: a token protects what is served there (else a non-loopback address is warned of)."""
    if listen.startswith("unix:"):
        path = listen[len("unix:"):]
        sock = _bind_unix(path)
        return Listener(sock, path, False, unix_inode=os.stat(path).st_ino)
    host, port = split_listen(listen)
    loopback = is_loopback(host or "0.0.0.0")
    if not guarded and not loopback:
        print(
            "Warning: listening on a non-loopback address: anyone who can reach it can run code "
            "in the debugged process (function calls). Use 127.0.0.1 unless you mean it.",
            file=sys.stderr,
            flush=True,
        )
    sock = _bind_tcp(host, port)
    name = sock.getsockname()
    shown = f"[{name[0]}]" if sock.family == socket.AF_INET6 else name[0]
    return Listener(sock, f"{shown}:{name[1]}", only_same_user and loopback)


def _bind_tcp(host: str, port: int) -> socket.socket:
    if not host:
        # All interfaces, as Go's net.Listen(":port"): one dual-stack socket, else IPv4 alone.
        with contextlib.suppress(OSError):
            return _listening(socket.AF_INET6, ("::", port), dual_stack=True)
        return _listening(socket.AF_INET, ("0.0.0.0", port))
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as e:
        raise OSError(f"listen tcp {host}:{port}: {e.strerror}") from None
    last: OSError | None = None
    for family, _, _, _, addr in infos:
        try:
            return _listening(family, addr)
        except OSError as e:
            last = e
    assert last is not None  # getaddrinfo returns at least one address or raises
    raise last


def _listening(family: int, addr: tuple[object, ...], *, dual_stack: bool = False) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    with _closed_on_error(sock):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if dual_stack:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind(addr)
        sock.listen(BACKLOG)
    return sock


def _bind_unix(path: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    with _closed_on_error(sock):
        with contextlib.suppress(FileNotFoundError):
            # A stale socket file is removed, as asyncio's start_unix_server does.
            if stat.S_ISSOCK(os.stat(path).st_mode):
                os.unlink(path)
        sock.bind(path)
        sock.listen(BACKLOG)
    return sock


@contextlib.contextmanager
def _closed_on_error(sock: socket.socket) -> Iterator[None]:
    """Closes sock if the block fails; else makes it non-blocking, as asyncio wants it."""
    try:
        yield
    except BaseException:
        sock.close()
        raise
    sock.setblocking(False)
