"""The oracle: Debian's real Delve server driven by its own `dlv connect`, on the issue's session.

This documents, and keeps checked, the exact client output pydlv must reproduce
(tests against pydlv compare with the same dlvclient.basic_session_expected()).
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from dlvclient import basic_session_commands, basic_session_expected, normalize, run_dlv_connect
from gotoolchains import TESTDATA, GoToolchain, marker_line


def start_delve(dlv: str, exe: Path, port: int, *extra: str) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [dlv, "exec", str(exe), "--headless", f"--listen=127.0.0.1:{port}", "--api-version=2",
         "--accept-multiclient", *extra],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert server.stdout is not None
    first = server.stdout.readline()  # the server only accepts after printing this
    assert first == f"API server listening at: 127.0.0.1:{port}\n", first
    return server


@pytest.mark.go("1.19")
def test_real_delve_basic_session(dlv: str, go: GoToolchain, build_go: Callable[[str, GoToolchain], Path],
                                  free_port: int) -> None:
    exe = build_go("basic", go)
    main_line = marker_line("basic", "BP-MAIN")
    server = start_delve(dlv, exe, free_port)
    try:
        session = run_dlv_connect(f"127.0.0.1:{free_port}", basic_session_commands(main_line))
        # `y` to "kill the headless instance?" sends Detach{Kill:true}: the server exits by itself.
        target_out, server_err = server.communicate(timeout=30)
    finally:
        if server.poll() is None:
            server.kill()
            server.communicate()
    assert session.returncode == 0, session
    # A function breakpoint reports the `func` line, the one above BP-ADD (38).
    add_line = marker_line("basic", "BP-ADD") - 1
    expected = basic_session_expected(TESTDATA / "basic" / "main.go", add_line=add_line, main_line=main_line)
    assert normalize(session.stdout, session.script) == expected
    assert server.returncode == 0, server_err
    assert target_out.splitlines()[-1] == "done"  # the target ran to its end
