"""An on-disk cache of what reading a binary computes: a second start of a big binary is quick.

What a session works out from a binary once (the ELF symbol table, the function-name index,
which functions were inlined where, the struct layouts of the runtime, see GoBinary) depends on
nothing but the binary, so it is kept in one file per binary:

    $PYDLV_CACHE_DIR or $XDG_CACHE_HOME/pydlv/index (default ~/.cache/pydlv/index)
        <Go build ID hash>-<size>.idx

keyed by the binary's Go build ID (the linker's hash of its inputs, .note.go.buildid) and its size.
`PYDLV_NO_CACHE=1` turns it off; a binary without a Go build ID is never cached. The folder keeps
the MAX_FILES most recently used files (every rebuild of a program is a new binary).

The file is `MAGIC, blake2b(payload), payload` with payload `marshal` of a dict holding the key
again. A file that does not read back whole, whose digest or key do not match (stale: another
binary, another format, another Python) is ignored and later overwritten. Writers write a private
temporary file in the same folder and rename it into place, so concurrent sessions never see a
half-written file (the last rename wins, and every version is complete).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAGIC = b"PYDLVIX1"
FORMAT = 1
# Files kept in the folder: each rebuild of a program is a new binary (a new build ID), so the
# least recently used go beyond this many (a read touches its file).
MAX_FILES = 64
_DIGEST = 16
# marshal's format is Python's own: a file written by another Python is stale.
_PYTHON = f"{sys.implementation.name}-{sys.version_info[0]}.{sys.version_info[1]}"


def cache_dir() -> Path | None:
    """Where index files go, None when caching is turned off."""
    if os.environ.get("PYDLV_NO_CACHE", "") not in ("", "0"):
        return None
    explicit = os.environ.get("PYDLV_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pydlv" / "index"


def go_build_id(note: bytes | None) -> str:
    """The Go build ID from the bytes of a .note.go.buildid section ("" if it is not one)."""
    if not note or len(note) < 16:
        return ""
    namesz, descsz, kind = (int.from_bytes(note[i:i + 4], "little") for i in (0, 4, 8))
    start = 12 + (namesz + 3) // 4 * 4
    if kind != 4 or note[12:12 + namesz].rstrip(b"\0") != b"Go" or start + descsz > len(note):
        return ""
    return note[start:start + descsz].decode("ascii", "replace")


class IndexCache:
    """The cached entries of one binary: `get` what an earlier session stored, `put` new ones,
    `save` once at the end of a session (only if something was added)."""

    def __init__(self, path: Path | None, key: tuple[Any, ...]) -> None:
        self.path = path
        self.key = key
        self.entries: dict[str, Any] = {}
        self.dirty = False

    @classmethod
    def disabled(cls) -> IndexCache:
        return cls(None, ())

    @classmethod
    def open(cls, build_id: str, size: int, directory: Path | None = None) -> IndexCache:
        """The cache of the binary with this Go build ID and size (empty if none or unusable)."""
        directory = directory if directory is not None else cache_dir()
        if directory is None or not build_id:
            return cls.disabled()
        name = hashlib.blake2b(build_id.encode(), digest_size=16).hexdigest()
        cache = cls(directory / f"{name}-{size}.idx", (MAGIC.decode(), FORMAT, _PYTHON, build_id, size))
        cache.entries = cache._read()
        return cache

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def _read(self) -> dict[str, Any]:
        assert self.path is not None
        try:
            raw = self.path.read_bytes()
        except OSError:
            return {}
        try:
            head, digest, payload = raw[:len(MAGIC)], raw[len(MAGIC):len(MAGIC) + _DIGEST], raw[len(MAGIC) + _DIGEST:]
            if head != MAGIC or hashlib.blake2b(payload, digest_size=_DIGEST).digest() != digest:
                raise ValueError("bad magic or digest")
            data = marshal.loads(payload)
            if not isinstance(data, dict) or data.get("key") != self.key or not isinstance(data.get("entries"), dict):
                raise ValueError("another binary or format")
        except Exception as e:  # corrupt or stale: as if there were none
            log.debug("index cache %s ignored: %s", self.path, e)
            return {}
        with contextlib.suppress(OSError):
            os.utime(self.path)  # recently used: kept by _prune
        return data["entries"]

    def get(self, name: str) -> Any:
        return self.entries.get(name)

    def put(self, name: str, value: Any) -> None:
        if self.path is not None:
            self.entries[name] = value
            self.dirty = True

    def save(self) -> None:
        """Write the entries if any were added: a private temporary file renamed into place.
        Failures (no space, a read-only home) only cost the next start its speed."""
        if self.path is None or not self.dirty:
            return
        self.dirty = False
        try:
            payload = marshal.dumps({"key": self.key, "entries": self.entries})
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        except (OSError, ValueError) as e:
            log.debug("index cache %s not written: %s", self.path, e)
            return
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(MAGIC + hashlib.blake2b(payload, digest_size=_DIGEST).digest() + payload)
            os.replace(tmp, self.path)
        except OSError as e:
            log.debug("index cache %s not written: %s", self.path, e)
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            return
        _prune(self.path.parent)


def _prune(directory: Path) -> None:
    """Remove the least recently used index files beyond MAX_FILES (another session may be
    removing the same ones: a file already gone is fine)."""
    try:
        files = [(f.stat().st_mtime, f) for f in directory.glob("*.idx")]
    except OSError:
        return
    if len(files) <= MAX_FILES:
        return
    files.sort()
    for _, f in files[:len(files) - MAX_FILES]:
        with contextlib.suppress(OSError):
            f.unlink()
