"""Where a launched program's standard files go (Delve's `-r` and `--tty`): a record of its own,
so the command line can name it without importing the ptrace layer (start-up speed)."""

from __future__ import annotations

from ..records import record


@record(frozen=True)
class Redirects:
    """Files for the target's stdin, stdout, stderr ("": the server's own), Delve's `-r`; `tty`
    (Delve's --tty) is a terminal for all three, made the target's controlling terminal."""

    stdin: str = ""
    stdout: str = ""
    stderr: str = ""
    tty: str = ""


NO_REDIRECTS = Redirects()
