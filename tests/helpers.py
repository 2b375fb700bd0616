"""What the tests share: running the CLI, and small file helpers."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from click.testing import CliRunner

from kpiscore.cli import cli


class CliResult(NamedTuple):
    code: int
    out: str
    err: str


def run_cli(*args: Any, env: Mapping[str, str | None] | None = None,
            input: str | bytes | None = None) -> CliResult:
    """``kpiscore ARGS`` in-process: exit code, stdout and stderr apart. Any exception
    other than an exit, and any traceback on either stream, fails the test (this is
    the one CLI runner of the suite: conftest's ``run_line`` fixture returns it)."""
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, input=input,
                                catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"kpiscore {' '.join(map(str, args))} raised "
                             f"{result.exception!r}") from result.exception
    assert "Traceback" not in result.stdout
    assert "Traceback" not in result.stderr
    return CliResult(result.exit_code, result.stdout, result.stderr)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path
