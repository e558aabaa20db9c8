"""The command line's pure parts: --build-flags splitting (Delve's config.SplitQuotedFields), the
go command lines of debug/test builds (Delve's goBuildArgs) and `-r` redirects (parseRedirects)."""

from __future__ import annotations

import pytest
from pydlv.cli_args import UsageError, parse_redirects
from pydlv.cli_build import Build, split_quoted_fields


@pytest.mark.parametrize("text, fields", [
    ("-tags=integration -mod=vendor -cover -v", ["-tags=integration", "-mod=vendor", "-cover", "-v"]),
    ("-ldflags='-X main.a=b c'", ["-ldflags=-X main.a=b c"]),
    ("""-ldflags='-X "main.a=b c"'""", ['-ldflags=-X "main.a=b c"']),  # double quotes are go's to read
    ("'a b'  c\t", ["a b", "c"]),
    (r"'it\'s'", ["it's"]),
    (r"a\b", [r"a\b"]),  # a backslash escapes only inside quotes
    ("''", [""]),
    ("a '", ["a"]),  # an unterminated empty quote adds nothing
    ("'unterminated x", ["unterminated x"]),
    ("", []),
    ("   ", []),
])
def test_split_quoted_fields(text: str, fields: list[str]) -> None:
    assert split_quoted_fields(text) == fields


def build(test: bool, flags: str) -> list[str]:
    return Build(test, ["./pkg"], flags, "/out/bin", "/src").command()[1:]


def test_build_commands() -> None:
    assert build(False, "") == ["build", "-o", "/out/bin", "-gcflags", "all=-N -l", "./pkg"]
    assert build(True, "-race -v") == ["test", "-c", "-o", "/out/bin", "-gcflags", "all=-N -l", "-race", "-v", "./pkg"]
    # -C must stay go's first flag, as Delve keeps it
    assert build(True, "-C dir -v") == ["test", "-C", "dir", "-c", "-o", "/out/bin", "-gcflags", "all=-N -l", "-v",
                                        "./pkg"]
    assert build(False, "-C=dir") == ["build", "-C=dir", "-o", "/out/bin", "-gcflags", "all=-N -l", "./pkg"]


@pytest.mark.parametrize("values, paths", [
    ([], ("", "", "")),
    (["in.txt"], ("in.txt", "", "")),
    (["stdin:in", "stdout:out", "stderr:err"], ("in", "out", "err")),
    (["stdout:a:b"], ("", "a:b", "")),
    (["other:x"], ("other:x", "", "")),  # no known source: stdin's, as Delve
])
def test_parse_redirects(values: list[str], paths: tuple[str, str, str]) -> None:
    assert parse_redirects(values) == paths


@pytest.mark.parametrize("values, which", [(["a", "stdin:b"], "stdin"), (["stderr:a", "stderr:b"], "stderr")])
def test_redirected_twice(values: list[str], which: str) -> None:
    with pytest.raises(UsageError, match=f"^redirect error: {which} redirected twice$"):
        parse_redirects(values)
