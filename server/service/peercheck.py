"""Delve's --only-same-user check: who owns the other end of a loopback TCP connection.

The peer's uid is read from /proc/net/tcp (then tcp6), as Delve does.
"""

from __future__ import annotations

import ipaddress
import os
import socket


def _hex_endpoint(addr: str, port: int, v6: bool) -> str:
    ip = ipaddress.ip_address(addr)
    if v6:
        if ip.version == 4:
            ip = ipaddress.IPv6Address(f"::ffff:{ip}")
        raw = ip.packed
        # /proc/net/tcp6 prints each 32-bit word in host (little-endian) order.
        words = [raw[i : i + 4][::-1].hex().upper() for i in range(0, 16, 4)]
        return "".join(words) + f":{port:04X}"
    return ip.packed[::-1].hex().upper() + f":{port:04X}"


def peer_uid(sock: socket.socket) -> int | None:
    """uid owning the peer socket of a loopback connection, None if not found."""
    try:
        peer = sock.getpeername()
        local = sock.getsockname()
    except OSError:
        return None
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        try:
            want_local = _hex_endpoint(peer[0], peer[1], v6)
            want_remote = _hex_endpoint(local[0], local[1], v6)
        except ValueError:
            continue
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[1] == want_local and cols[2] == want_remote:
                        return int(cols[7])
        except OSError:
            continue
    return None


def same_user(sock: socket.socket) -> bool:
    uid = peer_uid(sock)
    return uid is None or uid == os.getuid()


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
