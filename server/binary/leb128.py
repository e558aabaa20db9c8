"""LEB128 decoding: DWARF's ULEB/SLEB and Go's uvarint in .gopclntab are the same encoding.

Works on bytes, bytearray and memoryview alike; returns (value, next offset).
"""

from __future__ import annotations

from collections.abc import Sequence


def uleb(buf: Sequence[int], p: int) -> tuple[int, int]:
    b = buf[p]
    if b < 0x80:  # the common one-byte case, without the loop
        return b, p + 1
    result, shift = 0, 0
    while True:
        b = buf[p]
        p += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, p
        shift += 7


def sleb(buf: Sequence[int], p: int) -> tuple[int, int]:
    result, shift = 0, 0
    while True:
        b = buf[p]
        p += 1
        result |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            if b & 0x40:
                result -= 1 << shift
            return result, p
