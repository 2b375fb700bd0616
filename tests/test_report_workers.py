"""The xlsx report on several processes: a worker makes the summary cells and dimension
rows of the people it scores (``encoder_xlsx``), and the workbook is the one a single
process writes, byte for byte; a report small enough to hold every card is scored
here alone, for a worker's results carry no parts to print."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import run_cli as run
from helpers import write, write_csv
from kpiscore.api import open_table
from kpiscore.outputs.report_xlsx import (
    MAX_REPORT_CARDS,
    encoder_xlsx,
    too_many_for_cards,
    write_report,
)
from kpiscore.scheme.load import load_scheme
from kpiscore.score.evaluate import head, iter_results
from kpiscore.score.workers import iter_results_in_workers

pytestmark = pytest.mark.skipif(os.name != "posix", reason="workers are forked: POSIX only")

#: two dimensions, a pay line read from an input, a veto: every part of a person's rows
SCHEME = """\
id: rw
title: report workers
inputs:
  - {id: base, title: Base}
dimensions:
  - id: x
    title: X
    indicators:
      - {id: a, title: A, weight: 60, column: a, target: 100, rule: {kind: ratio, cap: 120}}
  - id: y
    title: Y
    indicators:
      - {id: b, title: B, weight: 40, column: b, target: 10, rule: {kind: ratio},
         veto: {when: "< 1", reason: too few}}
grades: [{name: A, min: 90}, {name: B, min: 60}, {name: C, min: 0}]
pay: {title: Pay, formula: total / 100 * base, precision: 2}
"""

#: an id, a value for a, a value for b: blanks, typos, a duplicate id, no id, a veto
ROWS = st.lists(st.tuples(st.sampled_from(["E1", "E2", "E3", "=E4", "", "E 5", "E6"]),
                          st.sampled_from(["95", "100", "7O", "", "120", "0", "99.5"]),
                          st.sampled_from(["9", "10", "x", "", "0.5", "3"])),
                min_size=0, max_size=30)


def _write(tmp: Path, rows: list[tuple[str, str, str]]) -> tuple[Path, Path]:
    return write(tmp / "rw.yaml", SCHEME), write_csv(tmp / "a.csv", [
        ["id", "name", "department", "a", "b", "base"],
        *([ident, f"员工{k}", f"部门{k % 3}" if k % 4 else "", a, b, str(5000 + 10 * k)]
          for k, (ident, a, b) in enumerate(rows))])


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=ROWS, workers=st.integers(2, 3), chunk=st.integers(1, 4))
def test_a_report_from_workers_is_the_report_of_one_process(
        tmp_path: Path, rows: list[tuple[str, str, str]], workers: int, chunk: int) -> None:
    scheme, actuals = _write(tmp_path, rows)
    loaded = load_scheme(str(scheme))
    start = head(loaded.compiled, ["a.csv"])
    one, two = tmp_path / "one.xlsx", tmp_path / "two.xlsx"
    with open_table(str(actuals)) as table:
        write_report(str(one), start, loaded, results=iter_results(loaded.compiled, table),
                     cards=False, lang="zh")
    with open_table(str(actuals)) as table:
        results = iter_results_in_workers(loaded.compiled, table,
                                          lambda: open_table(str(actuals)),
                                          encoder_xlsx(start, "zh"), workers,
                                          chunk=chunk)
        write_report(str(two), start, loaded, results=results, cards=False, lang="zh")
    assert one.read_bytes() == two.read_bytes()


def test_workers_only_for_more_people_than_the_cards(tmp_path: Path) -> None:
    rows = [(f"E{k}", "90", "9") for k in range(MAX_REPORT_CARDS)]
    scheme, actuals = _write(tmp_path, rows)
    loaded = load_scheme(str(scheme))
    with open_table(str(actuals)) as table:
        assert not too_many_for_cards(loaded.compiled, table)
        assert sum(1 for _ in iter_results(loaded.compiled, table)) == MAX_REPORT_CARDS
    scheme, actuals = _write(tmp_path, [*rows, ("E1001", "90", "9")])
    with open_table(str(actuals)) as table:
        assert too_many_for_cards(loaded.compiled, table)
        assert sum(1 for _ in iter_results(loaded.compiled, table)) == MAX_REPORT_CARDS + 1


def test_a_report_of_few_people_keeps_its_cards_with_workers_asked_for(
        tmp_path: Path) -> None:
    import openpyxl

    rows = [(f"E{k}", str(60 + k % 41), str(k % 11)) for k in range(600)]  # two chunks
    scheme, actuals = _write(tmp_path, rows)
    out = tmp_path / "r.xlsx"
    got = run("--lang", "en", "evaluate", scheme, actuals, "-o", out,
              env={"KPISCORE_WORKERS": "2"})
    assert got.code == 0, got.err
    assert got.out == ""
    assert got.err.splitlines() == ["kpiscore: 600 rows read: 600 scored, 0 could not be "
                                    "scored", f"wrote {out}"]
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    assert names[-1] == "E599 员工599" and len(names) == 5 + 600  # summary … errors, cards


def test_the_cli_writes_the_same_report_with_workers(tmp_path: Path) -> None:
    rows = [(f"E{k}", str(60 + k % 41), str(k % 11)) for k in range(1200)]
    rows[700] = ("E5", "90", "10")  # a duplicate of a row in the first chunk
    rows[1100] = ("E9001", "9O", "10")  # a typo in a chunk a worker scores
    scheme, actuals = _write(tmp_path, rows)
    got = []
    for workers in ("1", "2"):
        out = tmp_path / f"r{workers}.xlsx"
        result = run("--lang", "en", "evaluate", scheme, actuals, "-o", out,
                     env={"KPISCORE_WORKERS": workers})
        got.append((result.code, result.out, result.err.replace(str(out), "OUT"),
                    out.read_bytes()))
    assert got[0] == got[1]
    code, out_text, err, _ = got[0]
    assert code == 1 and out_text == ""
    assert err.splitlines()[-3:] == [
        "kpiscore: the report holds no cards: 1200 people are more than the 1000 it holds; "
        "write each person's card with --cards DIR (one file a person, or --cards-by "
        "department)", "kpiscore: 1200 rows read: 1198 scored, 2 could not be scored",
        "wrote OUT"]


def test_a_worker_result_where_its_parts_are_needed_is_refused(tmp_path: Path) -> None:
    """A worker's result carries its rows, not its parts: it cannot head the report (the
    sheets' columns follow the first person) nor be printed on a card. The CLI never
    hands one over there (the first chunk is this process's; too_many_for_cards)."""
    from dataclasses import replace

    scheme, actuals = _write(tmp_path, [("E1", "95", "9"), ("E2", "90", "10")])
    loaded = load_scheme(str(scheme))
    start = head(loaded.compiled, ["a.csv"])
    encode = encoder_xlsx(start)
    with open_table(str(actuals)) as table:
        full = list(iter_results(loaded.compiled, table))
    light = [replace(r, indicators=[], dimensions=[], sections=[], encoded=encode(r))
             for r in full]
    out = str(tmp_path / "r.xlsx")
    with pytest.raises(RuntimeError, match="first person"):
        write_report(out, start, loaded, results=iter(light), cards=False)
    with pytest.raises(RuntimeError, match="cards needs every person"):
        write_report(out, start, loaded, results=iter([full[0], light[1]]), cards=True)
    with pytest.raises(RuntimeError, match="few people"):
        write_report(out, start, loaded, results=iter([full[0], light[1]]))
    write_report(out, start, loaded, results=iter([full[0], light[1]]), cards=False)
