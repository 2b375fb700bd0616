"""Scoring on several processes (score/workers.py) writes what one process writes, byte
for byte: the same people in the same order, duplicates found across chunks dealt to
different processes, error rows told the same, and a worker that dies costs nothing
but time."""

from __future__ import annotations

import dataclasses
import os
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import run_cli as run
from helpers import write, write_csv
from kpiscore.api import open_table
from kpiscore.base.errors import InputUnreadable
from kpiscore.outputs import FORMATS
from kpiscore.scheme.load import load_scheme
from kpiscore.score.evaluate import head, iter_results
from kpiscore.score.results import PersonResult
from kpiscore.score.workers import (
    LEFT_OUT,
    SENT_FIELDS,
    _lightened,
    _taken,
    dealing,
    iter_results_in_workers,
    workers_for,
)

pytestmark = pytest.mark.skipif(os.name != "posix", reason="workers are forked: POSIX only")

SCHEME = """\
id: w
title: workers
indicators:
  - {id: a, title: A, weight: 60, column: a, target: 100, rule: {kind: ratio, cap: 120}}
  - {id: b, title: B, weight: 40, column: b, target: 10, rule: {kind: ratio}}
grades: [{name: A, min: 90}, {name: B, min: 60}, {name: C, min: 0}]
"""

#: an id, a value for a, a value for b: blank, a typo, a duplicate id and no id at all
ROWS = st.lists(st.tuples(st.sampled_from(["E1", "E2", "E3", "E 1", "", "E4", "E5"]),
                          st.sampled_from(["95", "100", "7O", "", "120", "0"]),
                          st.sampled_from(["9", "10", "x", "", "3.5"])),
                min_size=0, max_size=40)


def _write(tmp: Path, rows: list[tuple[str, str, str]]) -> tuple[Path, Path]:
    return write(tmp / "w.yaml", SCHEME), write_csv(tmp / "a.csv", [
        ["id", "name", "a", "b"],
        *([ident, f"员工{k}", a, b] for k, (ident, a, b) in enumerate(rows))])


def test_a_lightened_result_sends_every_field_but_the_parts() -> None:
    """Each field of a result is sent or left out, knowingly: a field added to
    PersonResult must be put in one of the two."""
    names = [f.name for f in dataclasses.fields(PersonResult)]
    assert sorted([*SENT_FIELDS, *LEFT_OUT, "encoded"]) == sorted(names)


def test_each_sent_field_is_taken_into_its_own_place() -> None:
    """A value of its own in every sent field comes back in that field (the values
    travel by position)."""
    r = PersonResult(0, None, None, None)
    for name in SENT_FIELDS:
        setattr(r, name, object())
    taken = _taken(_lightened(r, b"x"))
    assert [getattr(taken, name) for name in SENT_FIELDS] == \
        [getattr(r, name) for name in SENT_FIELDS]


def test_a_lightened_result_is_taken_as_the_result_without_its_parts(tmp_path: Path) -> None:
    """What the main process makes of what a worker sent: every field as the worker had
    it, the parts empty, the text encoded (error rows, blank and repeated ids too)."""
    scheme, actuals = _write(tmp_path, [("E1", "95", "9"), ("E1", "7O", "10"),
                                        ("", "100", ""), ("E 2", "120", "3.5")])
    loaded = load_scheme(str(scheme))
    with open_table(str(actuals)) as table:
        results = list(iter_results(loaded.compiled, table))
    assert any(r.errors for r in results) and any(r.scored for r in results)
    for r in results:
        taken = _taken(pickle.loads(pickle.dumps(_lightened(r, b"{}"))))
        for name in SENT_FIELDS:
            assert getattr(taken, name) == getattr(r, name), name
        for name in LEFT_OUT:
            assert getattr(taken, name) in ([], {}, None), name
        assert taken.encoded == b"{}"
    whole = results[0]
    assert _taken(whole) is whole  # a worker's first result comes whole


def test_the_dealing_gives_every_process_a_chunk_in_turn_this_one_first() -> None:
    assert dealing(1) == (0,)
    assert dealing(2) == (0, 1)
    assert dealing(3) == (0, 1, 2)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, workers=st.integers(2, 3), chunk=st.integers(1, 4),
       fmt=st.sampled_from(["json", "jsonl", "csv"]))
def test_workers_give_the_results_of_one_process(tmp_path: Path,
                                                 rows: list[tuple[str, str, str]],
                                                 workers: int, chunk: int, fmt: str) -> None:
    scheme, actuals = _write(tmp_path, rows)
    loaded = load_scheme(str(scheme))
    start = head(loaded.compiled, ["a.csv"])
    encode = FORMATS[fmt].encoder(start)
    with open_table(str(actuals)) as table:
        expected = [(r.row, r.id, r.total, r.errors, encode(r))
                    for r in iter_results(loaded.compiled, table)]
    with open_table(str(actuals)) as table:
        got = [(r.row, r.id, r.total, r.errors, r.encoded if r.encoded is not None
                else encode(r))
               for r in iter_results_in_workers(loaded.compiled, table,
                                                lambda: open_table(str(actuals)), encode,
                                                workers, chunk=chunk)]
    assert got == expected


def _dies(r: object) -> str:
    raise RuntimeError("a worker that dies")


def test_a_worker_that_dies_leaves_this_process_to_score_its_chunks(tmp_path: Path) -> None:
    rows = [(f"E{k}", str(80 + k % 20), "9") for k in range(30)] + [("E3", "90", "10")]
    scheme, actuals = _write(tmp_path, rows)
    loaded = load_scheme(str(scheme))
    encode = FORMATS["jsonl"].encoder(head(loaded.compiled, ["a.csv"]))
    with open_table(str(actuals)) as table:
        expected = list(iter_results(loaded.compiled, table))
    with open_table(str(actuals)) as table:
        got = list(iter_results_in_workers(loaded.compiled, table,
                                           lambda: open_table(str(actuals)), _dies, 2,
                                           chunk=4))
    assert [r.encoded for r in got] == [None] * len(expected)  # all scored here
    assert [encode(r) for r in got] == [encode(r) for r in expected]
    assert got[-1].errors and got[-1].total is None  # E3 again, found across chunks


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_the_cli_writes_the_same_bytes_and_messages_with_workers(tmp_path: Path,
                                                                fmt: str) -> None:
    rows = [(f"E{k}", str(60 + k % 41), str(k % 11)) for k in range(1200)]
    rows[700] = ("E5", "90", "10")  # a duplicate of a row in the first chunk
    rows[1100] = ("E9001", "9O", "10")  # a typo in a later chunk
    scheme, actuals = _write(tmp_path, rows)
    one = run("evaluate", scheme, actuals, "--format", fmt, env={"KPISCORE_WORKERS": "1"})
    two = run("evaluate", scheme, actuals, "--format", fmt, env={"KPISCORE_WORKERS": "2"})
    assert one == two
    assert one.code == 1
    assert one.err.splitlines()[0] == "a.csv!A702: duplicate id 'E5' (also on row 7) [E5]"
    assert one.err.splitlines()[1] == "a.csv!C1102: A (a): '9O' is not a number [E9001]"
    assert one.err.splitlines()[-1] == ("kpiscore: 1200 rows read: 1198 scored, 2 could "
                                        "not be scored")


def test_a_read_that_fails_part_way_fails_the_same_with_workers(tmp_path: Path) -> None:
    rows = [(f"E{k}", "90", "9") for k in range(1200)]
    scheme, actuals = _write(tmp_path, rows)
    with actuals.open("a", encoding="utf-8") as fh:
        fh.write("E9999," + ",".join(["1"] * 50) + "\n")  # wider than the limit below
    env = {"KPISCORE_MAX_COLUMNS": "20"}
    one = run("evaluate", scheme, actuals, "--format", "jsonl",
              env={**env, "KPISCORE_WORKERS": "1"})
    two = run("evaluate", scheme, actuals, "--format", "jsonl",
              env={**env, "KPISCORE_WORKERS": "2"})
    assert one == two
    assert (one.code, one.out) == (2, "")
    assert "kpiscore: error:" in one.err


def test_workers_are_asked_for_by_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    small = tmp_path / "a.csv"
    small.write_text("id\n", encoding="utf-8")
    monkeypatch.setenv("KPISCORE_WORKERS", "3")
    assert workers_for(str(small)) == 3
    monkeypatch.setenv("KPISCORE_WORKERS", "1")
    assert workers_for(str(small)) == 1
    for wrong in ("many", "0", "-2"):
        monkeypatch.setenv("KPISCORE_WORKERS", wrong)
        with pytest.raises(InputUnreadable, match=f"KPISCORE_WORKERS='{wrong}' is not a "
                                                  "positive whole number"):
            workers_for(str(small))
    monkeypatch.delenv("KPISCORE_WORKERS")
    assert workers_for(str(small)) == 1  # too small to gain


def _workbook(tmp: Path, rows: list[list[Any]]) -> tuple[Path, Path]:
    """The scheme and a workbook of ``rows`` below the header id, name, a, b."""
    import openpyxl

    wb = openpyxl.Workbook()
    for row in [["id", "name", "a", "b"], *rows]:
        wb.active.append(row)
    wb.save(tmp / "a.xlsx")
    return write(tmp / "w.yaml", SCHEME), tmp / "a.xlsx"


def _one_process_and_workers(scheme: Path, actuals: Path, workers: int, chunk: int,
                             worker_encoder: Any = None) -> tuple[list[Any], list[Any]]:
    """Each result (row, id, total, errors, JSONL text) as one process gives them, and as
    ``workers`` processes give them (the workers encoding with ``worker_encoder(encode)``
    if given)."""
    loaded = load_scheme(str(scheme))
    encode = FORMATS["jsonl"].encoder(head(loaded.compiled, [actuals.name]))
    with open_table(str(actuals)) as table:
        expected = [(r.row, r.id, r.total, r.errors, encode(r))
                    for r in iter_results(loaded.compiled, table)]
    with open_table(str(actuals)) as table:
        got = [(r.row, r.id, r.total, r.errors, r.encoded or encode(r))
               for r in iter_results_in_workers(
                   loaded.compiled, table, lambda: open_table(str(actuals)),
                   worker_encoder(encode) if worker_encoder else encode, workers,
                   chunk=chunk)]
    return expected, got


#: ids as a workbook holds them: text, numbers (7 and 7.0 are one id), blank, white space
XLSX_IDS = st.sampled_from(["E1", "E2", "E 1", "", None, 7, 7.0, "7", "Ｅ2", "E3"])


@settings(max_examples=20, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(XLSX_IDS, st.sampled_from([95, "100", "7O", None, 120.5]),
                               st.sampled_from([9, "10", "x", None])), max_size=30),
       chunk=st.integers(1, 4))
def test_a_worker_reading_only_the_ids_of_others_rows_finds_what_one_process_does(
        tmp_path: Path, rows: list[tuple[Any, Any, Any]], chunk: int) -> None:
    """On a workbook, a worker skims the rows it does not score (only their ids, for
    duplicates): the results are still one process's, duplicates across chunks too."""
    scheme, actuals = _workbook(tmp_path, [[ident, f"员工{k}", a, b]
                                           for k, (ident, a, b) in enumerate(rows)])
    expected, got = _one_process_and_workers(scheme, actuals, 2, chunk)
    assert got == expected


def test_a_wrong_number_of_workers_is_a_usage_error(tmp_path: Path) -> None:
    scheme, actuals = _write(tmp_path, [("E1", "90", "9")])
    got = run("evaluate", scheme, actuals, "--format", "jsonl",
              env={"KPISCORE_WORKERS": "two"})
    assert (got.code, got.out) == (2, "")
    assert got.err == ("kpiscore: error: KPISCORE_WORKERS='two' is not a positive whole "
                       "number (how many processes score; 1 turns workers off)\n")


class _DiesAfter:
    """A worker's encoder that ends its process (as a signal would: no message, no
    clean-up) after ``calls`` people, or raises (a bug) when ``raising``."""

    def __init__(self, encode: Any, calls: int, raising: bool) -> None:
        self.encode, self.calls, self.raising = encode, calls, raising

    def __call__(self, r: Any) -> bytes:
        self.calls -= 1
        if self.calls < 0:
            if self.raising:
                raise RuntimeError("a worker that dies")
            os._exit(3)
        return bytes(self.encode(r))


#: a row of a workbook: an id (some repeated, some blank), a value for a and for b; or a
#: blank row
XLSX_ROWS = st.lists(st.one_of(
    st.tuples(XLSX_IDS, st.sampled_from([95, "100", "7O", None, 120.5]),
              st.sampled_from([9, "10", "x", None])),
    st.just((None, None, None))), max_size=40)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=XLSX_ROWS, chunk=st.integers(1, 4), workers=st.integers(2, 3),
       calls=st.integers(0, 12), raising=st.booleans())
def test_a_worker_that_dies_part_way_leaves_its_chunks_to_this_process(
        tmp_path: Path, rows: list[tuple[Any, Any, Any]], chunk: int, workers: int,
        calls: int, raising: bool) -> None:
    """This process reads only the ids of the rows it leaves to the workers; when one
    dies after some of its chunks, it reads its other chunks again from the file and
    scores them itself: the results are still one process's, in the same order."""
    blank = (None, None, None)
    scheme, actuals = _workbook(tmp_path, [[ident, None if (ident, a, b) == blank
                                            else f"员工{k}", a, b]
                                           for k, (ident, a, b) in enumerate(rows)])
    expected, got = _one_process_and_workers(
        scheme, actuals, workers, chunk, lambda encode: _DiesAfter(encode, calls, raising))
    assert got == expected


def test_each_workers_first_result_comes_whole(tmp_path: Path) -> None:
    """An output may take the scheme's shape from the run's first result, which may be
    a worker's (the first rows below the header blank): it comes with its parts."""
    scheme = write(tmp_path / "w.yaml", SCHEME)
    actuals = write_csv(tmp_path / "a.csv", [["id", "name", "a", "b"], *[["", "", "", ""]] * 3,
                                             *([f"E{k}", "", "90", "9"] for k in range(12))])
    loaded = load_scheme(str(scheme))
    encode = FORMATS["jsonl"].encoder(head(loaded.compiled, ["a.csv"]))
    with open_table(str(actuals)) as table:
        got = list(iter_results_in_workers(loaded.compiled, table,
                                           lambda: open_table(str(actuals)), encode, 2,
                                           chunk=2))
    assert [r.row for r in got] == list(range(5, 17))
    assert got[0].encoded is not None and [i.id for i in got[0].indicators] == ["a", "b"]
    # its shared results come without the worker's encoder (IndicatorResult.memo)
    assert [i.memo for i in got[0].indicators] == [None, None]
    # rows 6 and 7 are this process's, 8 and 9 the worker's again: light
    assert [bool(r.indicators) for r in got[:5]] == [True, True, True, False, False]


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, keep=st.sets(st.integers(2, 45)))
def test_the_loop_over_people_leaves_out_rows_but_not_their_ids(
        tmp_path: Path, rows: list[tuple[str, str, str]], keep: set[int]) -> None:
    """each_person(only=...) gives the persons of the rows it keeps, with the errors the
    whole loop gives them: a repeat of an id first seen on a row left out is found."""
    from kpiscore.score.people import each_person

    _, actuals = _write(tmp_path, rows)
    with open_table(str(actuals)) as table:
        whole = [(p.id, p.sources[0].row.number, p.errors) for p in each_person([table], [0])
                 if p.sources[0].row.number in keep]
    with open_table(str(actuals)) as table:
        some = [(p.id, p.sources[0].row.number, p.errors)
                for p in each_person([table], [0], only=keep.__contains__)]
    assert some == whole


@pytest.mark.parametrize("fails_at", [300, 700, 1100, 1300])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_row_errors_before_a_read_that_fails_are_told_the_same_with_workers(
        tmp_path: Path, fails_at: int, kind: str) -> None:
    """A table that cannot be read past a row: the row errors above it are told, in
    order, as one process tells them, whichever process's chunk the row is in."""
    rows = [[f"E{k}", f"员工{k}", "9O" if k % 97 == 5 else "90", "9"] for k in range(1400)]
    rows[fails_at - 1] = [f"E{fails_at}x", *["1"] * 50]  # over the limit below
    if kind == "csv":
        scheme = write(tmp_path / "w.yaml", SCHEME)
        actuals = write_csv(tmp_path / "a.csv", [["id", "name", "a", "b"], *rows])
    else:
        scheme, actuals = _workbook(tmp_path, rows)
    env = {"KPISCORE_MAX_COLUMNS": "20"}
    one = run("evaluate", scheme, actuals, "--format", "jsonl",
              env={**env, "KPISCORE_WORKERS": "1"})
    two = run("evaluate", scheme, actuals, "--format", "jsonl",
              env={**env, "KPISCORE_WORKERS": "2"})
    assert (one.code, one.out) == (2, "")
    assert one.err.count("is not a number") == len([k for k in range(fails_at - 1)
                                                    if k % 97 == 5])
    assert two == one


def _until_unreadable(results: Any, encode: Any) -> tuple[list[Any], str | None]:
    """Each result (row, errors, JSONL text) given out before the read failed, and the
    failure's message (None: no failure)."""
    out: list[Any] = []
    try:
        for r in results:
            out.append((r.row, r.errors, r.encoded or encode(r)))
    except InputUnreadable as exc:
        return out, str(exc)
    return out, None


@pytest.mark.parametrize("calls", [0, 40, 150])
@pytest.mark.parametrize("raising", [False, True])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_dead_workers_rows_before_a_read_that_fails_are_given_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, calls: int, raising: bool,
        kind: str) -> None:
    """A worker that dies (a signal, or a bug part way through a chunk) and a table that
    cannot be read past a later row: every row above that row is still given out, in
    order, as one process gives them, the dead worker's too (read again and scored
    here), then the failure."""
    monkeypatch.setenv("KPISCORE_MAX_COLUMNS", "20")
    rows = [[f"E{k}", f"员工{k}", "9O" if k % 37 == 5 else "90", "9"] for k in range(400)]
    rows[330] = ["E330x", *["1"] * 50]  # over the limit
    if kind == "csv":
        scheme = write(tmp_path / "w.yaml", SCHEME)
        actuals = write_csv(tmp_path / "a.csv", [["id", "name", "a", "b"], *rows])
    else:
        scheme, actuals = _workbook(tmp_path, rows)
    loaded = load_scheme(str(scheme))
    encode = FORMATS["jsonl"].encoder(head(loaded.compiled, [actuals.name]))
    with open_table(str(actuals)) as table:
        expected = _until_unreadable(iter_results(loaded.compiled, table), encode)
    with open_table(str(actuals)) as table:
        got = _until_unreadable(iter_results_in_workers(
            loaded.compiled, table, lambda: open_table(str(actuals)),
            _DiesAfter(encode, calls, raising), 2, chunk=32), encode)
    assert expected[1] is not None and len(expected[0]) == 330
    assert got == expected
