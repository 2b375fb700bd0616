"""Run the bad-input corpus: every case of ``cases/*.yaml`` as a real ``kpiscore`` process.

Shared by tests/test_bad_inputs.py (messages, exit codes, time and memory) and
tests/test_accounting.py (rows read = scored + in error), so the corpus runs
once per test session. Each case runs as its own process, with its standard
output and error in files, and is reaped with ``os.wait4`` to get that
process's own peak memory (``ru_maxrss``) and CPU time; two run at a time.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
_EXE = Path(sys.executable).parent / "kpiscore"
#: the installed entry point, else the module (another interpreter)
KPISCORE = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "kpiscore"]
#: Bounds that only catch a blow-up: more than 10 times the slowest case measured on
#: a quiet 2-core machine (0.8 s, mostly start-up) and 5 times the most memory one
#: takes (52 MiB), so that a busy machine does not fail them (a 2 s bound did).
MAX_SECONDS = 8.0
MAX_BYTES = 300 * 1024 * 1024


@dataclass
class Case:
    id: str
    args: list[str]
    exit: int
    stderr: str
    covers: str
    env: dict[str, str] = field(default_factory=dict)
    generate: str | None = None  # a file made in a temporary folder: see make_generated
    results: list[str] | None = None  # "row id status" of each result, in order
    stdout: str | None = None  # the whole standard output, exactly (validate's findings)


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float  # wall time
    max_rss: int  # bytes

    def lines(self) -> list[str]:
        return self.stderr.splitlines()


def load_cases() -> list[Case]:
    """Every case, file by file (core.yaml first, then one file per category)."""
    files = sorted((HERE / "cases").glob("*.yaml"), key=lambda p: (p.stem != "core", p.stem))
    cases = [Case(**entry) for path in files
             for entry in yaml.safe_load(path.read_text(encoding="utf-8"))["cases"] or []]
    ids = [c.id for c in cases]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    assert not duplicated, f"case ids used twice: {duplicated}"
    return cases


def make_generated(kind: str, folder: Path) -> None:
    """Inputs too large to commit, written where ``{tmp}`` in a case's args points."""
    sys.path.insert(0, str(HERE))
    try:
        import build_corpus
    finally:
        sys.path.remove(str(HERE))
    if kind == "big-scheme":
        build_corpus.big_scheme(folder / "big.yaml")
    elif kind == "lying-workbook":
        build_corpus.lying_workbook(folder / "lying-workbook.xlsx")
    elif kind == "big-cell":
        build_corpus.big_cell(folder / "big-cell.csv")
    else:  # pragma: no cover - a typo in cases.yaml
        raise ValueError(f"unknown generated input {kind!r}")


#: Runs the command given after it, and writes that process's wall time and peak
#: memory to the file named first. It stands between the test process and kpiscore
#: because Linux carries a process's peak memory across fork and exec: measured
#: straight from pytest, every case would "use" the test process's own memory.
_MEASURE = """\
import os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as fh:
    fh.write(f"{os.waitstatus_to_exitcode(status)} {seconds} {usage.ru_maxrss}")
"""


def run(args: list[str], env: dict[str, str] | None = None, cwd: Path = HERE) -> Outcome:
    """``kpiscore ARGS`` in ``cwd``; its exit code, output, wall time and peak memory."""
    full_env = {k: v for k, v in os.environ.items()
                if not k.startswith("KPISCORE_") and k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.update(env or {})
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "usage"
        subprocess.run([sys.executable, "-c", _MEASURE, str(report), *KPISCORE, *args],
                       stdout=out, stderr=err, cwd=cwd, env=full_env, check=False)
        code, seconds, max_rss = report.read_text().split()
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in kilobytes on Linux, in bytes on macOS
        scale = 1 if sys.platform == "darwin" else 1024
        return Outcome(int(code), out.read().decode("utf-8", "replace"),
                       err.read().decode("utf-8", "replace"), float(seconds),
                       int(max_rss) * scale)


@functools.cache
def outcomes() -> dict[str, Outcome]:
    """Every case's outcome, run once per session (two processes at a time)."""
    cases = load_cases()
    folder = Path(tempfile.mkdtemp(prefix="kpiscore-bad-"))
    atexit.register(shutil.rmtree, folder, True)
    for kind in sorted({c.generate for c in cases if c.generate}):
        make_generated(kind, folder)

    def one(case: Case) -> tuple[str, Outcome]:
        args = [a.replace("{tmp}", str(folder)) for a in case.args]
        outcome = run(args, case.env)
        outcome.stderr = outcome.stderr.replace(str(folder), "{tmp}")
        outcome.stdout = outcome.stdout.replace(str(folder), "{tmp}")
        return case.id, outcome

    workers = max(1, min(2, os.cpu_count() or 1))
    with ThreadPoolExecutor(workers) as pool:
        return dict(pool.map(one, cases))


