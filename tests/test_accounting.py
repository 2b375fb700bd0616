"""Nothing is lost: rows read = rows scored + rows in error, and no partial output.

Every evaluate run ends standard error with ``kpiscore: N rows read: S scored,
E could not be scored``, and the JSON ``summary`` says the same (rows, ok,
error). Here that is checked against the number of non-blank data rows in the
input, counted independently (openpyxl in its ordinary, non-read-only mode;
the csv module), over the whole bad-input corpus and over every shipped
example, found afresh each run (``examples/*/`` and ``examples/library/*/``,
which other people are still filling in).

Outputs: ``-o`` is written atomically, so a run that is killed, terminated or
fails inside the writer leaves no partial file (and an old result intact),
and an input file is never written over.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import signal
import subprocess
import time
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bad import corpus
from kpiscore.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SCHEMES = ROOT / "schemes"
BAD = corpus.HERE
SUMMARY = re.compile(r"^kpiscore: (\d+) rows? read(?: for (\d+) (?:person|people))?: (\d+) "
                     r"scored, (\d+) could not be scored$")


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip(" \t\r\n\u3000") == "")


def data_rows(path: Path, sheet: str | None = None, encoding: str | None = None,
              header_row: int | None = None) -> int:
    """Non-blank rows below the first non-blank row (or below row ``header_row``, when
    title rows sit above the header row), counted without kpiscore."""
    if path.suffix.lower() in (".csv", ".txt", ".tsv"):
        raw = path.read_bytes()
        for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
            if raw.startswith(bom):
                encoding = name
        try:
            text = raw.decode(encoding or "utf-8")
        except UnicodeDecodeError:  # no --encoding: kpiscore reads GBK as GB18030
            text = raw.decode("gb18030")
        first = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max(",;\t", key=first.count)
        rows: list[list[Any]] = list(csv.reader(io.StringIO(text, newline=""),
                                                delimiter=delimiter))
    elif path.suffix.lower() in (".sqlite", ".sqlite3", ".db"):
        import sqlite3

        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            [table] = [n for (n,) in db.execute("SELECT name FROM sqlite_master "
                                                "WHERE type = 'table'")]
            return sum(1 for r in db.execute(f'SELECT * FROM "{table}"')
                       if any(v is not None and str(v).strip() for v in r))
    else:
        import openpyxl

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # hand-made workbooks have no default style
                wb = openpyxl.load_workbook(path, data_only=True)
        except (ValueError, IndexError, AttributeError):
            # too broken for openpyxl (or a chart sheet it cannot read): count the <row>s
            # with values of the first worksheet part that has some
            with zipfile.ZipFile(path) as z:
                counts = [len(re.findall(rb"<row\b(?:(?!</row>).)*?<(?:v|is)>", z.read(n),
                                         re.DOTALL))
                          for n in sorted(z.namelist()) if n.startswith("xl/worksheets/")]
            return max(next((n for n in counts if n), 0) - 1, 0)
        # the sheet named, else the first visible one with a non-blank row (docs/inputs.md)
        sheets = [wb[sheet]] if sheet else [w for w in wb.worksheets
                                            if w.sheet_state == "visible"]
        rows = []
        for ws in sheets:
            rows = [list(r) for r in ws.iter_rows(min_row=1, values_only=True)]
            if any(not is_blank(v) for r in rows for v in r):
                break
        wb.close()
    if header_row is not None:
        return sum(1 for r in rows[header_row:] if not all(is_blank(v) for v in r))
    filled = [r for r in rows if not all(is_blank(v) for v in r)]
    return max(len(filled) - 1, 0)


#: The first message of a run whose header row sits below title rows.
FOUND = re.compile(r"^\S+: the header row is row (\d+):")


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


def check_accounting(stdout: str, stderr: str, expected_rows: int) -> None:
    """The JSON summary and the last line of standard error against the input's rows."""
    doc = json.loads(stdout)
    summary, results = doc["summary"], doc["results"]
    ok = sum(r["status"] == "ok" for r in results)
    assert (summary["rows"], summary["ok"], summary["error"]) == \
        (len(results), ok, len(results) - ok)
    # with raters or periods several rows make one person's result
    rows = summary.get("input_rows", len(results))
    assert rows == expected_rows, "every non-blank input row is accounted for"
    last = stderr.splitlines()[-1]
    m = SUMMARY.match(last)
    assert m, last
    read, people, scored, failed = (int(g) if g else None for g in m.groups())
    assert read == rows
    assert (people or read) == len(results) == scored + failed  # type: ignore[operator]
    assert (scored, failed) == (summary["ok"], summary["error"])


# -- the bad-input corpus --------------------------------------------------------------------

SCORED = [c for c in corpus.load_cases() if c.args[0] == "evaluate" and c.results is not None]


@pytest.mark.parametrize("case", SCORED, ids=[c.id for c in SCORED])
def test_corpus_run_accounts_for_every_row(case: corpus.Case) -> None:
    outcome = corpus.outcomes()[case.id]
    actuals = BAD / case.args[2]
    named = option(case.args, "--header-row")
    found = FOUND.match(outcome.stderr)
    header_row = int(named) if named else int(found.group(1)) if found else None
    expected = data_rows(actuals, option(case.args, "--sheet"), option(case.args, "--encoding"),
                         header_row)
    check_accounting(outcome.stdout, outcome.stderr, expected)


def test_corpus_refusals_print_no_accounting() -> None:
    """A file refused as a whole (exit 2) scored nothing and says so, not '0 rows read'."""
    for case in corpus.load_cases():
        if case.exit == 2:
            assert not any(SUMMARY.match(line) for line in case.stderr.splitlines()), case.id


# -- the shipped examples ------------------------------------------------------------------------


def example_runs() -> list[Any]:
    """(folder, evaluate arguments) of every example there is right now."""
    runs = []
    for folder in sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and p.name != "library"):
        actuals = [n for n in ("actuals.xlsx", "actuals.csv") if (folder / n).exists()]
        if (folder / "args").exists():  # several files, --responses …
            args = (folder / "args").read_text(encoding="utf-8").split()
        elif (folder / "scheme.yaml").exists() and actuals:
            args = ["scheme.yaml", actuals[0]]
        else:
            continue
        runs.append(pytest.param(folder, args, id=folder.name))
    schemes = {p.stem: p for p in SCHEMES.rglob("*.yaml")} if SCHEMES.exists() else {}
    for folder in sorted(p for p in (EXAMPLES / "library").glob("*") if p.is_dir()):
        actuals = [n for n in ("actuals.xlsx", "actuals.csv") if (folder / n).exists()]
        scheme = folder / "scheme.yaml" if (folder / "scheme.yaml").exists() else \
            schemes.get(folder.name)
        if actuals:
            args = [str(scheme) if scheme else "", actuals[0]]
            runs.append(pytest.param(folder, args, id=f"library/{folder.name}"))
    return runs


def actuals_files(args: list[str]) -> list[str]:
    """The actuals among evaluate's arguments: not the scheme, not an option's value."""
    files = []
    for k, arg in enumerate(args[1:], start=1):
        if not arg.startswith("-") and not args[k - 1].startswith("-"):
            files.append(arg)
    return files


def test_there_are_examples() -> None:
    assert len(example_runs()) >= 5


@pytest.mark.parametrize(("folder", "args"), example_runs())
@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_example_accounts_for_every_row(folder: Path, args: list[str], fmt: str,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if not args[0]:
        pytest.skip(f"{folder.name}: its scheme is not in schemes/ yet")
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(cli, ["evaluate", *args, "--format", fmt])
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        repr(result.exception)
    assert result.exit_code in (0, 1), result.stderr
    expected = sum(data_rows(folder / name) for name in actuals_files(args))
    if fmt == "json":
        check_accounting(result.stdout, result.stderr, expected)
        return
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    failed = sum(r["status"] == "error" for r in rows)
    m = SUMMARY.match(result.stderr.splitlines()[-1])
    assert m, result.stderr
    read, people, scored, bad = (int(g) if g else None for g in m.groups())
    assert read == expected
    assert (people or read, scored, bad) == (len(rows), len(rows) - failed, failed)


# -- outputs: atomic, never over an input ----------------------------------------------------------


def big_csv(path: Path, rows: int) -> Path:
    lines = ["工号,姓名,得分,行为等级"] + [f"E{k:06},员工{k},{50 + k % 50},{1 + k % 5}"
                                        for k in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def temporaries(folder: Path) -> list[Path]:
    return sorted(folder.glob(".kpiscore-*"))


def start_and_stop(tmp_path: Path, sig: int) -> tuple[subprocess.Popen[bytes], Path]:
    """Start writing -o results.jsonl and send ``sig`` once some rows are written."""
    actuals = big_csv(tmp_path / "actuals.csv", 30_000)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "results.jsonl"
    proc = subprocess.Popen([*corpus.KPISCORE, "evaluate", str(BAD / "probe.yaml"),
                             str(actuals), "-o", str(target)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        partial = temporaries(out_dir)
        if partial and partial[0].stat().st_size > 0:
            break
        time.sleep(0.01)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    assert temporaries(out_dir), "no temporary file was being written"
    proc.send_signal(sig)
    proc.wait(timeout=30)
    return proc, target


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_killed_run_leaves_no_partial_output(tmp_path: Path) -> None:
    proc, target = start_and_stop(tmp_path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert not target.exists()
    # SIGKILL cannot be caught: the hidden temporary file stays behind, never the output
    assert all(p.name.startswith(".kpiscore-") for p in target.parent.iterdir())


@pytest.mark.skipif(not hasattr(signal, "SIGTERM"), reason="POSIX signals")
def test_a_terminated_run_cleans_up(tmp_path: Path) -> None:
    proc, target = start_and_stop(tmp_path, signal.SIGTERM)
    assert proc.returncode == 128 + signal.SIGTERM
    assert not target.exists()
    assert temporaries(target.parent) == []
    assert b"Traceback" not in (proc.stderr.read() if proc.stderr else b"")


@pytest.mark.parametrize(("error", "code"), [(OSError(28, "No space left on device"), 2),
                                             (RuntimeError("a bug in a writer"), None)])
def test_a_writer_failing_midway_leaves_no_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  error: Exception, code: int | None) -> None:
    from kpiscore.outputs import json_format as writers

    real = writers._People.person
    written: list[int] = []

    def failing(*args: Any, **kwargs: Any) -> str:
        written.append(1)
        if len(written) == 50:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(writers._People, "person", failing)
    actuals = big_csv(tmp_path / "actuals.csv", 200)
    target = tmp_path / "out" / "results.jsonl"
    target.parent.mkdir()
    target.write_text("the previous results\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["evaluate", str(BAD / "probe.yaml"), str(actuals),
                                      "-o", str(target)])
    if code is None:  # a bug is a bug: it propagates, but still leaves nothing half-written
        assert result.exception is error
    else:
        assert result.exit_code == code
        assert result.stderr == (f"kpiscore: error: cannot write {target}: no space left on "
                                 "the device (the disk is full)\n")
    assert len(written) == 50
    assert target.read_text(encoding="utf-8") == "the previous results\n"
    assert temporaries(target.parent) == []


@pytest.mark.parametrize("which", ["actuals", "scheme"])
def test_the_output_is_never_an_input(tmp_path: Path, which: str) -> None:
    actuals = big_csv(tmp_path / "actuals.csv", 3)
    scheme = tmp_path / "probe.yaml"
    scheme.write_bytes((BAD / "probe.yaml").read_bytes())
    before = {p: p.read_bytes() for p in (actuals, scheme)}
    target = actuals if which == "actuals" else scheme
    result = CliRunner().invoke(cli, ["evaluate", str(scheme), str(actuals), "-o",
                                      os.path.relpath(target)])
    assert result.exit_code == 2
    assert "is an input of this run" in result.stderr
    assert "kpiscore never writes over an input" in result.stderr
    assert {p: p.read_bytes() for p in (actuals, scheme)} == before


def test_the_progress_display_counts_every_person_then_every_64th(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The count a terminal's progress display shows: every person at first, then every
    64th (each update costs the display's lock and bookkeeping; the count moves faster
    than anyone reads it), and the whole count once every row is scored."""
    from collections.abc import Callable, Iterator
    from contextlib import contextmanager

    import kpiscore.cli.evaluate as evaluate_cli
    from helpers import run_cli, write, write_csv

    shown: list[tuple[int, int]] = []

    @contextmanager
    def recording(description: str) -> Iterator[Callable[[int, int], None]]:
        yield lambda done, total: shown.append((done, total))

    monkeypatch.setattr(evaluate_cli, "working", recording)
    scheme = write(tmp_path / "s.yaml", "id: s\ntitle: S\nindicators:\n"
                   "  - {id: a, title: A, weight: 100, column: a, target: 10,"
                   " rule: {kind: ratio}}\n")
    actuals = write_csv(tmp_path / "a.csv", [["id", "a"], *([f"E{k}", "9"] for k in range(200))])
    result = run_cli("evaluate", scheme, actuals, "--format", "jsonl")
    assert (result.code, result.err) == (0, "kpiscore: 200 rows read: 200 scored, "
                                                "0 could not be scored\n")
    assert len(result.out.splitlines()) == 200
    assert shown == [(n, n) for n in [*range(1, 65), 128, 192, 200]]
