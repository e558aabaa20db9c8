"""pydlv's version and the Go range it is tested on (what GetVersion reports)."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path

try:
    VERSION = metadata.version("pydlv")
except metadata.PackageNotFoundError:  # running from a source tree
    VERSION = "0.0.0"

MIN_SUPPORTED_GO = "1.19.0"
MAX_SUPPORTED_GO = "1.27.0"


def _build_id() -> str:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=2)
        if out.returncode == 0:
            return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return "release"


BUILD = _build_id()
