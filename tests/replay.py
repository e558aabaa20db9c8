"""Normalizing recorded Delve replies and pydlv's replies to the same requests so they compare.

tests/test_transcript_replay.py replays testdata/transcripts/*.jsonl (real Delve sessions, see
the README there) against a pydlv server, on the Go release and the very toolchain build the
session was recorded with. The two replies to one request are decoded (JSON numbers keep their
text, objects their key order), both normalized by the rules below, then compared field by field,
key order included: `diff` lists every difference, the first one names the exchange in
tests/data/replay_known_differences.jsonl.

Each rule rewrites only the run-dependent part of a value, never a whole value, and leaves
anything it does not recognise as it is (so it shows up as a difference):

1. Paths. pydlv's replies name the local files: testdata/basic/, the local GOROOT and the built
   binary in the build cache. The recordings were neutralized by their recorder to
   /src/progs/basic/, /goroot/ and /src/progs/basic/basic-go1.NN (TargetCommandLine). These
   three prefixes are substituted in every string of pydlv's replies (error texts,
   SubstituteLocExpr and group names included); requests get the reverse substitution of
   /src/progs/basic/ before they are sent.
2. Pids. Values of `Pid`, `addrpid` and `pcpids` become "<pid>", and so does a pid already seen
   that way when a string says "process N"/"pid N" ("Process <pid> has exited with status 0").
3. Thread ids (`id` of a Thread, `threadID` of a Goroutine) become "<thread N>", N numbering the
   distinct ids of one reply in order of first appearance: which OS thread runs what is the
   kernel's and the Go scheduler's choice, but "the current thread is the one running goroutine
   1" stays checked.
4. Threads lists (State.Threads, ListThreads): threads that run no goroutine (goroutineID 0:
   idle Ms parked in futex, sysmon in usleep...), except State's currentThread, are dropped, and
   the rest sorted by goroutine and location. How many idle Ms exist depends on the machine's CPU
   count (GOMAXPROCS) and on timing, and Delve lists threads in Go map order.
5. Goroutine ids other than 0 and 1 (`id` of a Goroutine, `goroutineID` of a Thread, the keys of
   a breakpoint's `hitCount`) become "<goroutine N>", numbered per reply like thread ids: the
   runtime hands ids out from per-P caches of 16, so which ids the runtime's goroutines, the
   workers and an injected call's goroutine get depends on GOMAXPROCS and scheduling (Go 1.27
   recorded workers 21-24, a 2-CPU machine gives them 18-21). Goroutine 1 is always main and is
   compared as is; hitCount keys are re-sorted after renaming (Go's encoding/json sorts map keys).
6. Data addresses become "<addr N>", numbered per reply in order of first appearance, so a
   pointer's value still has to equal its pointee's addr, a slice's base its first element's
   addr, and so on. An address is an integer in [0x400000, 2**47) outside the binary's .text,
   found in `addr`, `base`, `addrs`, `pcs`, `pc`, `goType`, `FrameOffset` and
   `FramePointerOffset` (sign kept), in the decimal `value` of pointer, unsafe.Pointer and
   uintptr variables, and as a 0x literal inside any string (registers, LocationExpr, error
   texts). Heap and stack addresses move from run to run (Go 1.27 randomizes the heap base;
   goroutine stacks are allocated as the scheduler goes), globals and rodata move with the
   length of the paths linked into the binary. Code addresses (.text), small numbers, 0 and
   Delve's fake addresses (0xbeef.../0xbeed..., above 2**47) are compared exactly: the binary's
   text is byte-identical to the recorded one because the toolchain build is the same, which the
   test checks before replaying. (Numbering per reply means one extra or missing address shifts
   the numbers after it: the first difference listed is the real one.)
7. Go map iteration order. Delve walks Go maps where the order is random, so these are sorted on
   both sides: the children of a map variable (kind 21: key, value, key, value... sorted by
   key); ListBreakpoints' list (by id, then addrs) and a breakpoint's `addrs` (with `addrpid`
   alongside; `addr`, Delve's first of them, becomes the lowest); the candidates of the error
   'Location "x" ambiguous: a, b, c…', where Delve also picks at random which 5 to name: only
   their number is compared, and only when each one does end in ".x".
8. The runtime's own state. Stacktrace Full=true loads runtime.main's locals `mp` (&m0) and
   `last` (the module data). In a variable of type runtime.g, runtime.m, runtime.p,
   runtime.sudog or runtime.moduledata, the fields' names, types and kinds are compared, but not
   their values ("<runtime state>"), nor the base/len/cap of their slices, maps and chans, and
   pointers in them are not followed: they are scheduler state (which goroutine m0 runs now,
   tick counters, timestamps, random seeds), and the module data's file table holds this
   machine's paths.
9. Goroutine groups (ListGoroutines with GroupBy). Delve sorts the groups by name, and a name holds
   absolute paths, so the order depends on where the checkout and GOROOT are (a checkout under
   /home sorts before a GOROOT under /root, the recorder's /goroot before /src). Both sides'
   groups are re-sorted by their names after rule 1, their goroutines moved along and `Offset`
   recomputed: the members of each group, their order and the counts are still compared.

What is not normalized and so is compared exactly: everything else, notably pcs and line numbers,
stop reasons, values, types, flags, lengths, error texts, field names, null vs [] vs {}, and the
order of object keys. JSON string escapes are not compared (tests/unit/test_protocol_transcripts.py
checks the encoder byte for byte); neither is `elapsed_ms`, a recorder's timing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Where the recorder put things (testdata/transcripts/README.md).
RECORDED_SRC = "/src/progs/basic/"
RECORDED_GOROOT = "/goroot/"

MIN_ADDR = 0x400000  # the lowest address a Go binary maps on linux/amd64
MAX_ADDR = 1 << 47  # end of user space; Delve's fake addresses 0xbeed/0xbeef... are above
KIND_UINT, KIND_UINTPTR, KIND_ARRAY, KIND_MAP, KIND_PTR, KIND_STRING, KIND_STRUCT, KIND_UNSAFE_POINTER = (
    7, 12, 17, 21, 22, 24, 25, 26)
KIND_CHAN, KIND_FUNC, KIND_INTERFACE, KIND_SLICE = 18, 19, 20, 23
# The runtime's scheduler and module structures (rule 8).
RUNTIME_STATE_TYPES = {"runtime.g", "runtime.m", "runtime.p", "runtime.sudog", "runtime.moduledata"}
RUNTIME_STATE = "<runtime state>"
ADDRESS_KEYS = {"addr", "base", "addrs", "pcs", "pc", "goType", "FrameOffset", "FramePointerOffset"}
PID_KEYS = {"Pid", "addrpid", "pcpids"}
MISSING = "<missing>"


class JsonFloat(str):
    """A JSON number with a fraction or exponent, kept as its text (Go's formatting is compared)."""

    def __repr__(self) -> str:
        return str(self)


def decode(text: str) -> Any:
    return json.loads(text, parse_float=JsonFloat)


def text_range(binary: Path) -> range:
    """Addresses of the binary's .text section."""
    from elftools.elf.elffile import ELFFile

    with open(binary, "rb") as f:
        text = ELFFile(f).get_section_by_name(".text")
        assert text is not None, f"{binary} has no .text"
        return range(text["sh_addr"], text["sh_addr"] + text["sh_size"])


@dataclass
class Side:
    """How to normalize the replies of one side (the recording, or pydlv on this machine).

    paths: (prefix as this side writes it, the recording's neutral prefix), applied in order.
    text: the binary's code addresses (rule 6). pids: the target's pids seen so far (rule 2)."""

    text: range
    paths: list[tuple[str, str]] = field(default_factory=list)
    pids: set[int] = field(default_factory=set)

    def normalize(self, reply: Any) -> Any:
        reply = self._paths(reply)
        self._collect_pids(reply)
        reply = _reorder(reply)
        return _Renamer(self).walk(reply)

    def _paths(self, v: Any) -> Any:
        if isinstance(v, str) and not isinstance(v, JsonFloat):
            for mine, neutral in self.paths:
                v = v.replace(mine, neutral)
            return v
        if isinstance(v, dict):
            return {self._paths(k): self._paths(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self._paths(x) for x in v]
        return v

    def _collect_pids(self, v: Any) -> None:
        for key, x in _items(v):
            if key in PID_KEYS:
                for pid in x if isinstance(x, list) else [x]:
                    if isinstance(pid, int) and pid > 0:
                        self.pids.add(pid)


def _items(v: Any) -> Iterator[tuple[str, Any]]:
    """(key, value) of every object member, depth first."""
    if isinstance(v, dict):
        for k, x in v.items():
            yield k, x
            yield from _items(x)
    elif isinstance(v, list):
        for x in v:
            yield from _items(x)


# --- rules 4 and 7: orders that are not Delve's choice -------------------------------------------

_AMBIGUOUS = re.compile(r'^Location "(?P<loc>[^"]*)" ambiguous: (?P<names>.*)…$', re.S)


def _is_thread(v: Any) -> bool:
    return isinstance(v, dict) and "goroutineID" in v and "id" in v and "pc" in v


def _is_goroutine(v: Any) -> bool:
    return isinstance(v, dict) and "id" in v and "currentLoc" in v and "threadID" in v


def _without_addresses(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _without_addresses(x) for k, x in v.items() if k not in ("addr", "base")}
    if isinstance(v, list):
        return [_without_addresses(x) for x in v]
    return v


def _sort_key(v: Any) -> str:
    return json.dumps(_without_addresses(v), sort_keys=True)


def _reorder(v: Any) -> Any:
    if isinstance(v, list):
        return [_reorder(x) for x in v]
    if isinstance(v, str):
        m = _AMBIGUOUS.match(v)
        if m:
            names = m["names"].split(", ")
            short = m["loc"].rsplit(".", 1)[-1]
            if all(n == short or n.endswith("." + short) for n in names):
                return f'Location "{m["loc"]}" ambiguous: <{len(names)} candidates>…'
        return v
    if not isinstance(v, dict):
        return v
    out = {k: _reorder(x) for k, x in v.items()}
    threads = out.get("Threads")
    if isinstance(threads, list) and all(_is_thread(t) for t in threads):
        current = out.get("currentThread")
        current_id = current.get("id") if isinstance(current, dict) else None
        kept = [t for t in threads if t["goroutineID"] != 0 or t["id"] == current_id]
        out["Threads"] = sorted(kept, key=lambda t: (t["goroutineID"], _sort_key({**t, "id": 0})))
    breakpoints = out.get("Breakpoints")
    if isinstance(breakpoints, list) and all(_is_breakpoint(b) for b in breakpoints):
        out["Breakpoints"] = sorted(breakpoints, key=lambda b: (b["id"], b["addrs"] or []))
    if _is_breakpoint(out) and isinstance(out["addrs"], list) and isinstance(out["addrpid"], list) \
            and len(out["addrs"]) == len(out["addrpid"]):
        pairs = sorted(zip(out["addrs"], out["addrpid"], strict=True))
        out["addrs"], out["addrpid"] = [a for a, _ in pairs], [p for _, p in pairs]
        if out.get("addr") in out["addrs"]:
            out["addr"] = out["addrs"][0]  # Delve's addr is its first addr, in map order
    groups, members = out.get("Groups"), out.get("Goroutines")
    if isinstance(groups, list) and groups and isinstance(members, list) and all(_is_group(g) for g in groups):
        out["Groups"], out["Goroutines"] = _regroup(groups, members)
    children = out.get("children")
    if out.get("kind") == KIND_MAP and isinstance(children, list) and len(children) % 2 == 0:
        pairs = sorted(zip(children[::2], children[1::2], strict=True), key=lambda kv: _sort_key(kv[0]))
        out["children"] = [x for kv in pairs for x in kv]
    if (out.get("kind") == KIND_STRUCT and out.get("type") in RUNTIME_STATE_TYPES
            and isinstance(children, list)):
        out["children"] = [_runtime_state(c) for c in children]
    return out


def _is_group(v: Any) -> bool:
    return isinstance(v, dict) and {"Name", "Offset", "Count", "Total"} <= v.keys()


def _regroup(groups: list[dict[str, Any]], members: list[Any]) -> tuple[list[Any], list[Any]]:
    """Rule 9: groups sorted by their (normalized) names, as Go's sort.Strings orders bytes."""
    regrouped: list[Any] = []
    out: list[Any] = []
    for g in sorted(groups, key=lambda g: str(g["Name"]).encode()):
        regrouped.extend(members[g["Offset"]:g["Offset"] + g["Count"]])
        out.append({**g, "Offset": len(regrouped) - g["Count"]})
    return out, regrouped


def _is_breakpoint(v: Any) -> bool:
    return isinstance(v, dict) and "id" in v and "addrs" in v and "addrpid" in v


def _runtime_state(v: Any) -> Any:
    """A field of a runtime.g/m/p/sudog/moduledata: its value is the scheduler's (rule 8)."""
    if not isinstance(v, dict) or "kind" not in v:
        return v
    out = dict(v)
    kind = v["kind"]
    if kind in (KIND_STRUCT, KIND_ARRAY):
        if isinstance(v.get("children"), list):
            out["children"] = [_runtime_state(c) for c in v["children"]]
        return out
    if kind == KIND_STRING:
        return out
    if out.get("value"):
        out["value"] = RUNTIME_STATE
    if kind in (KIND_SLICE, KIND_MAP, KIND_CHAN):
        out["len"] = out["cap"] = RUNTIME_STATE
        if "base" in out:
            out["base"] = RUNTIME_STATE
    if kind in (KIND_PTR, KIND_UNSAFE_POINTER, KIND_SLICE, KIND_MAP, KIND_CHAN, KIND_FUNC, KIND_INTERFACE) \
            and isinstance(v.get("children"), list):
        out["children"] = []  # not followed: whatever the scheduler's pointer points at
    return out


# --- rules 2, 3, 5, 6: run-dependent numbers ----------------------------------------------------

_HEX = re.compile(r"0x[0-9a-fA-F]+")


def _holds_address(var: dict[str, Any]) -> bool:
    """A pointer, unsafe.Pointer or uintptr variable (Delve gives uintptr kind Uint)."""
    kind = var.get("kind")
    return kind in (KIND_PTR, KIND_UNSAFE_POINTER, KIND_UINTPTR) or (
        kind == KIND_UINT and "uintptr" in (var.get("type"), var.get("realType")))


class _Renamer:
    """Renames the run-dependent numbers of one reply, numbering them by first appearance."""

    def __init__(self, side: Side) -> None:
        self.side = side
        self.names: dict[tuple[str, int], str] = {}
        self.counts: dict[str, int] = {}
        self.pid_re = (re.compile(r"(?i)\b((?:process|pid) )(" + "|".join(map(str, sorted(side.pids))) + r")\b")
                       if side.pids else None)

    def _name(self, kind: str, n: int) -> str:
        key = (kind, n)
        if key not in self.names:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.names[key] = f"<{kind} {self.counts[kind]}>"
        return self.names[key]

    def is_address(self, n: int) -> bool:
        return MIN_ADDR <= n < MAX_ADDR and n not in self.side.text

    def address(self, n: Any) -> Any:
        if isinstance(n, bool) or not isinstance(n, int):
            return n
        if self.is_address(abs(n)):
            return ("-" if n < 0 else "") + self._name("addr", abs(n))
        return n

    def goroutine(self, n: Any) -> Any:
        return self._name("goroutine", n) if isinstance(n, int) and n not in (0, 1) else n

    def thread(self, n: Any) -> Any:
        return self._name("thread", n) if isinstance(n, int) and n > 0 else n

    def string(self, s: str) -> str:
        s = _HEX.sub(lambda m: self._hex(m.group()), s)
        if self.pid_re is not None:
            s = self.pid_re.sub(r"\1<pid>", s)
        return s

    def _hex(self, lit: str) -> str:
        n = int(lit, 16)
        return self._name("addr", n) if self.is_address(n) else lit

    def walk(self, v: Any, key: str = "", parent: dict[str, Any] | None = None) -> Any:
        if isinstance(v, dict):
            return self._object(v)
        if isinstance(v, list):
            if key in ADDRESS_KEYS:
                return [self.address(x) for x in v]
            if key in PID_KEYS:
                return ["<pid>" if isinstance(x, int) and x > 0 else x for x in v]
            return [self.walk(x, key) for x in v]
        if isinstance(v, str) and not isinstance(v, JsonFloat):
            if key == "value" and parent is not None and v.isdigit() and _holds_address(parent):
                n = int(v)
                return self._name("addr", n) if self.is_address(n) else v
            return self.string(v)
        if key in ADDRESS_KEYS:
            return self.address(v)
        if key in PID_KEYS and isinstance(v, int) and not isinstance(v, bool) and v > 0:
            return "<pid>"
        return v

    def _object(self, d: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, x in d.items():
            if k == "id" and _is_thread(d):
                out[k] = self.thread(x)
            elif (k == "id" and _is_goroutine(d)) or (k == "goroutineID" and _is_thread(d)):
                out[k] = self.goroutine(x)
            elif k == "threadID" and _is_goroutine(d):
                out[k] = self.thread(x)
            elif k == "hitCount" and isinstance(x, dict):
                renamed = {str(self.goroutine(int(g))) if g.isdigit() else g: n for g, n in x.items()}
                out[k] = dict(sorted(renamed.items()))
            else:
                out[k] = self.walk(x, k, d)
        return out


# --- comparing ------------------------------------------------------------------------------------


def diff(expected: Any, actual: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Every (path, recorded, pydlv) difference, in the recording's order; object key order counts."""
    out: list[tuple[str, Any, Any]] = []
    _diff(expected, actual, path, out)
    return out


def _diff(a: Any, b: Any, path: str, out: list[tuple[str, Any, Any]]) -> None:
    if type(a) is not type(b):
        out.append((path, a, b))
    elif isinstance(a, dict):
        for k, x in a.items():
            if k in b:
                _diff(x, b[k], f"{path}.{k}" if path else k, out)
            else:
                out.append((f"{path}.{k}" if path else k, x, MISSING))
        for k, y in b.items():
            if k not in a:
                out.append((f"{path}.{k}" if path else k, MISSING, y))
        if set(a) == set(b) and list(a) != list(b):
            out.append((f"{path} (key order)" if path else "(key order)", list(a), list(b)))
    elif isinstance(a, list):
        if len(a) != len(b):
            out.append((f"{path} (length)", len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b, strict=False)):
            _diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append((path, a, b))


def show(v: Any, limit: int = 100, start: int = 0) -> str:
    """A value as the known-differences list and failure messages print it; a long string from
    about `start` (where it starts to differ)."""
    if isinstance(v, JsonFloat):
        return str(v)
    if isinstance(v, str) and v != MISSING:
        head = "…" if start > 0 else ""
        v = v[start:]
        s = json.dumps(v, ensure_ascii=False)
        return head + (s if len(s) <= limit else s[: limit - 1] + "…")
    s = v if v == MISSING else json.dumps(v, ensure_ascii=False)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def describe(d: tuple[str, Any, Any]) -> str:
    path, a, b = d
    start = 0
    if isinstance(a, str) and isinstance(b, str) and len(a) > 60:
        common = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        start = max(0, a.rfind("\n", 0, common) + 1, common - 40)
    return f"{path or 'reply'}: Delve {show(a, start=start)}, pydlv {show(b, start=start)}"
