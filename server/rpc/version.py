"""pydlv's version and the Go range it is tested on (what GetVersion reports).

The build (git's HEAD of a source checkout) is read on first use, off the start-up path.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

from .. import __version__

MIN_SUPPORTED_GO = "1.19.0"
MAX_SUPPORTED_GO = "1.27.0"


@functools.cache
def build_id() -> str:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=2)
        if out.returncode == 0:
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return "release"


def delve_version_text() -> str:
    """GetVersion's DelveVersion and `pydlv version`'s text, in Delve's form."""
    return f"Version: {__version__}\nBuild: {build_id()}"
