"""Session-wide test plumbing: Go toolchains, cached testdata builds, ports, and a final check that
no process started by the tests (traced, stopped, zombie or still running) is left behind.

Parametrizing by Go toolchain: a test that takes the `go` argument is run once per toolchain,
with ids naming the release (`test_x[go1.19]`, `test_x[go1.27]`):

    def test_break(go, build_go):               # GO_FULL: Go 1.19 and the newest Go
        exe = build_go("basic", go)

    @pytest.mark.smoke
    def test_continue_to_exit(go, build_go):    # GO_FULL + GO_SMOKE: every installed release

    @pytest.mark.go("1.19")
    def test_only_old(go): ...                  # exactly these releases

Fixtures that depend on `go` may have any scope up to session (`go` itself is session-scoped).
A required release (1.19, 1.27) that is not installed makes its test ids skip with the reason,
or FAIL when CI=1 (a CI machine must have them; .ci/run installs them). Same for `dlv`.
`PYDLV_GO=1.19,1.27` limits discovery to those releases for quick local runs.
"""

from __future__ import annotations

import os
import signal
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import gotoolchains as gt
import pytest
from dlvclient import dlv_path
from gotoolchains import GoToolchain
from rpcclient import ServerProcess, start_server

REQUIRED_GO = ("1.19", "1.27")
NEWEST_REQUIRED = (1, 27)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true")
SESSION_TAG_VAR = "PYDLV_TEST_SESSION"


@dataclass(frozen=True)
class MissingGo:
    """Stands in for a required toolchain that is not installed, so its test ids still exist."""

    version: str

    @property
    def id(self) -> str:
        return f"go{self.version}"


GoParam = GoToolchain | MissingGo


def _full_set() -> list[GoParam]:
    installed = gt.discover()
    full: list[GoParam] = [gt.find("1.19") or MissingGo("1.19")]
    newest = installed[-1] if installed else None
    if newest is None or newest.key < NEWEST_REQUIRED:
        full.append(MissingGo(".".join(map(str, NEWEST_REQUIRED))))
    elif newest.version != "1.19":
        full.append(newest)
    return full


GO_FULL: list[GoParam] = _full_set()
GO_SMOKE: list[GoToolchain] = [tc for tc in gt.discover() if tc not in GO_FULL]


def missing(what: str) -> None:
    """Skip the current test because `what` is not installed, or fail it on CI."""
    msg = f"{what} is not installed (.ci/run installs it)"
    if IN_CI:
        pytest.fail(f"CI=1 and {msg}", pytrace=False)
    pytest.skip(msg)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "go(*versions): run this test on exactly these Go releases")
    config.addinivalue_line("markers", "smoke: the per-Go-release smoke set: runs on every installed Go")


def pytest_report_header(config: pytest.Config) -> list[str]:
    def name(p: GoParam) -> str:
        return p.full if isinstance(p, GoToolchain) else f"go{p.version} (MISSING)"

    return [f"go full: {', '.join(map(name, GO_FULL))}",
            f"go smoke: {', '.join(map(name, GO_SMOKE)) or '-'}",
            f"dlv: {dlv_path() or 'MISSING'}"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "go" not in metafunc.fixturenames:
        return
    pinned = metafunc.definition.get_closest_marker("go")
    params: list[GoParam]
    if pinned is not None:
        params = [gt.find(v) or MissingGo(v) for v in pinned.args]
    elif metafunc.definition.get_closest_marker("smoke") is not None:
        params = sorted([*GO_FULL, *GO_SMOKE], key=lambda p: tuple(map(int, p.version.split("."))))
    else:
        params = list(GO_FULL)
    metafunc.parametrize("go", params, ids=[p.id for p in params], indirect=True)


@pytest.fixture(scope="session")
def go(request: pytest.FixtureRequest) -> GoToolchain:
    """The toolchain this test id runs on (see the module docstring)."""
    param: GoParam = request.param
    if isinstance(param, MissingGo):
        missing(f"Go {param.version}")
    assert isinstance(param, GoToolchain)
    return param


@pytest.fixture(scope="session")
def require_go() -> Callable[[str], GoToolchain]:
    """require_go("1.19") -> that toolchain; skips (fails on CI) when it is not installed."""

    def get(version: str) -> GoToolchain:
        tc = gt.find(version)
        if tc is None:
            missing(f"Go {version}")
        assert tc is not None
        return tc

    return get


@pytest.fixture(scope="session")
def dlv() -> str:
    """Path of Debian's `dlv`; skips (fails on CI) when it is not installed."""
    path = dlv_path()
    if path is None:
        missing("dlv (Debian package delve)")
    assert path is not None
    return path


@pytest.fixture(scope="session")
def build_go() -> Callable[[str, GoToolchain], Path]:
    """build_go("basic", go) -> path of testdata/basic built with `-gcflags=all=-N -l` (cached)."""
    built: dict[tuple[str, str], Path] = {}

    def build(program: str, tc: GoToolchain) -> Path:
        key = (program, tc.full)
        if key not in built:
            try:
                built[key] = gt.build(program, tc)
            except RuntimeError as e:
                pytest.fail(str(e), pytrace=False)
        return built[key]

    return build


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (the server binds it right after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def launch_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """launch_server(binary, *args, multiclient=True, extra=()) -> a running `pydlv exec` server
    (rpcclient.start_server); every server started is stopped (SIGTERM, then SIGKILL) at teardown."""
    started: list[ServerProcess] = []

    def launch(binary: Path | str, *args: str, **kwargs: object) -> ServerProcess:
        srv = start_server(binary, *args, tmp=tmp_path, **kwargs)  # type: ignore[arg-type]
        started.append(srv)
        return srv

    yield launch
    for srv in started:
        srv.stop()


@pytest.fixture(scope="module")
def basic_server(go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One `pydlv exec` server of testdata/basic per test module (and Go release)."""
    srv = start_server(build_go("basic", go), tmp=tmp_path_factory.mktemp("basic-server"))
    try:
        yield srv
    finally:
        srv.stop()


# --- leftover processes -------------------------------------------------------------------------


@dataclass
class ProcInfo:
    pid: int
    state: str
    ppid: int
    tracer: int
    start: int  # clock ticks after boot
    exe: str
    cmdline: str
    tag: str | None  # SESSION_TAG_VAR in its environment


def _read_proc(pid: int) -> ProcInfo | None:
    base = Path("/proc") / str(pid)
    try:
        status = dict(line.split(":\t", 1) for line in (base / "status").read_text().splitlines()
                      if ":\t" in line)
        # starttime is field 22; split after the last ')' since comm may contain spaces.
        start = int((base / "stat").read_text().rsplit(")", 1)[1].split()[19])
        cmdline = (base / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        try:
            exe = os.readlink(base / "exe")
        except OSError:
            exe = ""
        try:
            env = (base / "environ").read_bytes().split(b"\0")
        except OSError:
            env = []
    except (OSError, IndexError, ValueError):
        return None  # gone meanwhile
    prefix = SESSION_TAG_VAR.encode() + b"="
    tag = next((e[len(prefix):].decode() for e in env if e.startswith(prefix)), None)
    return ProcInfo(pid, status.get("State", "?").strip(), int(status.get("PPid", "0")),
                    int(status.get("TracerPid", "0")), start, exe, cmdline or f"[{status.get('Name', '?').strip()}]", tag)


def _leftovers(tag: str, since: int, binaries: set[str]) -> list[tuple[ProcInfo, str]]:
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        p = _read_proc(int(entry))
        if p is None:
            continue
        why = []
        if p.ppid == me:
            why.append("zombie child of the test process" if p.state.startswith("Z") else "child of the test process")
        if p.tracer == me:
            why.append("traced by the test process")
        if p.tag == tag:
            why.append("started by this test session")
        # A built test binary is ours unless another session's tag says otherwise (a concurrent run).
        if p.exe.removesuffix(" (deleted)") in binaries and p.start >= since and p.tag in (None, tag):
            why.append("runs a testdata binary")
        if why:
            found.append((p, ", ".join(why)))
    return found


def _own_start_ticks() -> int:
    return int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])


@pytest.fixture(scope="session", autouse=True)
def fresh_index_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """pydlv's on-disk index of binaries (binary/indexcache.py) starts empty in every session:
    tests never depend on what earlier runs left in ~/.cache/pydlv, and exercise both a cold
    and (for binaries used again) a warm cache."""
    old = os.environ.get("PYDLV_CACHE_DIR")
    os.environ["PYDLV_CACHE_DIR"] = str(tmp_path_factory.mktemp("pydlv-index"))
    yield
    if old is None:
        os.environ.pop("PYDLV_CACHE_DIR", None)
    else:
        os.environ["PYDLV_CACHE_DIR"] = old


@pytest.fixture(scope="session", autouse=True)
def no_leftover_processes() -> Iterator[None]:
    """At session end, fail loudly if any process the tests started is still around."""
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    os.environ[SESSION_TAG_VAR] = tag  # inherited by servers and the targets they launch
    since = _own_start_ticks()
    yield
    binaries = {str(p) for p in gt.built_binaries()}
    deadline = time.monotonic() + 5.0  # let processes that are exiting right now finish
    while (found := _leftovers(tag, since, binaries)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not found:
        return
    report = "\n".join(f"  pid {p.pid} state {p.state} ppid {p.ppid} tracer {p.tracer}: {p.cmdline} ({why})"
                       for p, why in found)
    for p, _ in found:  # clean up so the next run starts clean; the failure is already decided
        try:
            if not p.state.startswith("Z"):
                os.kill(p.pid, signal.SIGKILL)
            if p.ppid == os.getpid():
                os.waitpid(p.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
    pytest.fail(f"processes left behind by the test session:\n{report}", pytrace=False)
