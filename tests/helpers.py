"""What the tests share: running the CLI, and small file helpers."""

from __future__ import annotations

import csv
import re
from collections.abc import Mapping
from decimal import Decimal
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


def run_on_terminal(*args: Any, columns: int, env: Mapping[str, str] | None = None
                    ) -> CliResult:
    """The ``kpiscore`` executable with standard output on a pseudo-terminal ``columns``
    wide (as a person sees it) and standard error a file apart; no colour unless
    ``env`` asks for it. Line ends are the terminal's ``\\r\\n`` turned back to ``\\n``."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import sys
    import tempfile
    import termios

    exe = Path(sys.executable).parent / "kpiscore"
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "kpiscore"]
    full_env = {k: v for k, v in os.environ.items()
                if k not in ("COLUMNS", "LINES", "FORCE_COLOR", "LANG", "LC_ALL",
                             "LC_MESSAGES", "LANGUAGE")}
    full_env.update({"NO_COLOR": "1", **(env or {})})
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen([*command, *map(str, args)], stdin=subprocess.DEVNULL,
                                stdout=slave, stderr=err, env=full_env)
        os.close(slave)
        data = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            data += chunk
        os.close(master)
        code = proc.wait(timeout=60)
        err.seek(0)
        stderr = err.read().decode("utf-8")
    stdout = re.sub(r"\x1b\[[0-9;]*m", "", data.decode("utf-8").replace("\r\n", "\n"))
    assert "Traceback" not in stdout
    assert "Traceback" not in stderr
    return CliResult(code, stdout, stderr)


def with_additions(scheme: Path, folder: Path) -> Path:
    """A copy of ``scheme`` in ``folder`` that includes what it marks as not on the
    printed card (``additions: include``): the 技术支持经理 example with its grades."""
    copy = folder / f"{scheme.stem}-with-additions.yaml"
    copy.write_text("additions: include\n" + scheme.read_text(encoding="utf-8"),
                    encoding="utf-8")
    return copy


def yaml_decimals(value: Any) -> Any:
    """YAML numbers (ints and floats, at any depth) as the exact Decimals kpiscore holds."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if isinstance(value, dict):
        return {k: yaml_decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [yaml_decimals(v) for v in value]
    return value
