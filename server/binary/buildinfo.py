"""The Go version a binary was built with, from .go.buildinfo.

Format (debug/buildinfo): 16-byte header "\\xff Go buildinf:" + pointer size +
flags. With flag bit 2 (Go 1.18+) the version string follows inline at
offset 32 as a uvarint-length-prefixed string; before that, two pointers at
offset 16 lead to Go string headers, which the caller resolves with `read`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from .leb128 import uleb as _uvarint

_MAGIC = b"\xff Go buildinf:"
_FLAG_INLINE = 0x2


def go_version(section: bytes, read: Callable[[int, int], bytes | None]) -> str | None:
    if len(section) < 32 or not section.startswith(_MAGIC):
        return None
    ptr_size, flags = section[14], section[15]
    if flags & _FLAG_INLINE:
        n, p = _uvarint(section, 32)
        return section[p : p + n].decode("utf-8", "replace") or None
    if ptr_size != 8:
        return None
    (vers_ptr,) = struct.unpack_from("<Q", section, 16)
    return go_string_at(vers_ptr, read)


def go_string_at(addr: int, read: Callable[[int, int], bytes | None]) -> str | None:
    """A Go string header {ptr, len} at addr, dereferenced."""
    hdr = read(addr, 16)
    if hdr is None:
        return None
    ptr, n = struct.unpack("<QQ", hdr)
    data = read(ptr, n) if 0 < n < 1 << 16 else None
    return data.decode("utf-8", "replace") if data else None
