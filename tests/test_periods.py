"""Periods: several months rolled into a quarter (mean of monthly points, or sums of
counts scored once), with the period in every output.

The quarter example's numbers are computed here from the three workbooks.
"""

from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import run_cli, write, write_csv
from kpiscore.api import evaluate_file
from kpiscore.base.errors import SchemeInvalid
from kpiscore.outputs import render
from kpiscore.scheme.load import load_scheme

ROOT = Path(__file__).resolve().parent.parent
QUARTER = ROOT / "examples" / "quarter-rollup"
MONTHS = ["2024-01", "2024-02", "2024-03"]


def q(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def doc_of(scheme: Path, *actuals: Path) -> dict[str, Any]:
    report = evaluate_file(str(scheme), [str(a) for a in actuals])
    return json.loads(render(report, "json"), parse_float=Decimal)


def month_rows(month: str) -> dict[str, list[Any]]:
    import openpyxl

    wb = openpyxl.load_workbook(QUARTER / f"{month}.xlsx", read_only=True)
    try:
        return {r[0]: list(r) for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)}
    finally:
        wb.close()


def deduct(actual: Decimal, target: Decimal, per: Decimal, points: Decimal,
           lower: bool = False) -> Decimal:
    gap = (actual - target) if lower else (target - actual)
    return max(Decimal(0), 100 - max(gap, Decimal(0)) / per * points)


def test_the_quarter_from_three_monthly_files() -> None:
    months = [month_rows(m) for m in MONTHS]
    doc = doc_of(QUARTER / "scheme.yaml", *(QUARTER / f"{m}.xlsx" for m in MONTHS))
    assert doc["period"] == {"to": "quarter", "periods": MONTHS}
    people = {r["id"]: r for r in doc["results"]}
    for pid in ("Q01", "Q02", "Q03"):
        rows = [m[pid] for m in months]
        csat = sum((deduct(Decimal(r[3]), Decimal(90), Decimal(1), Decimal(2)) for r in rows),
                   Decimal(0)) / 3  # mean of the months' points
        rate = Decimal(sum(r[4] for r in rows)) * 100 / sum(r[5] for r in rows)
        resolution = deduct(rate, Decimal(95), Decimal(1), Decimal(2))  # the quarter's rate
        visits = min(Decimal(100), Decimal(100) * sum(r[6] for r in rows) / 30)
        complaints = deduct(Decimal(sum(r[7] for r in rows)), Decimal(0), Decimal(1),
                            Decimal(25), lower=True)
        total = (csat * 40 + resolution * 30 + visits * 20 + complaints * 10) / 100
        p = people[pid]
        assert p["status"] == "ok", p["errors"]
        assert p["period"] == "2024-01..2024-03"
        assert [str(i["points"]) for i in p["indicators"]] == \
            [q(csat), q(resolution), q(visits), q(complaints)], pid
        assert str(p["total"]) == q(total), pid
        assert str(p["pay"]) == q(total / 100 * rows[-1][8])  # the last month's bonus base
        assert [e["period"] for e in p["periods"]] == MONTHS
        assert [e["source"] for e in p["periods"]] == [f"{m}.xlsx" for m in MONTHS]
    assert str(people["Q02"]["total"]) == "90.63"
    q4 = people["Q04"]
    assert q4["status"] == "error" and "no actuals for 2024-03" in q4["errors"][0]["message"]
    assert [e["status"] for e in q4["periods"]] == ["ok", "ok"]
    assert doc["summary"]["input_rows"] == 11


SCHEME = """\
id: s
title: s
rollup: {to: quarter, missing: present}
inputs: [{id: solved}, {id: cases}]
indicators:
  - {id: visits, target: 30, weight: 50, rule: ratio, rollup: sum}
  - {id: rate, formula: solved / cases * 100, target: 90, weight: 50, rule: ratio, rollup: sum}
"""


def test_a_period_column_and_the_present_policy(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", SCHEME)
    actuals = write_csv(tmp_path / "a.csv", [
        ["工号", "月份", "visits", "solved", "cases"],
        ["E1", "1月", 10, 9, 10], ["E2", "1月", 5, 1, 2], ["E1", "2月", 10, 9, 10],
        ["E1", "3月", 10, 9, 10], ["E2", "3月", 5, 1, 2]])
    doc = doc_of(scheme, actuals)
    e1, e2 = doc["results"]
    assert doc["period"]["periods"] == ["1月", "2月", "3月"]
    assert (e1["period"], str(e1["total"])) == ("1月..3月", "100.00")
    # E2 has two months of three: rolled up over those (missing: present); 10 visits of 30,
    # 2 of 4 solved = 50% against 90%
    assert e2["status"] == "ok" and e2["period"] == "1月..3月"
    assert [x["period"] for x in e2["periods"]] == ["1月", "3月"]
    expected = Decimal(50) * 10 / 30 + Decimal(50) * 50 / 90
    assert str(e2["total"]) == q(expected)


def test_rollup_mistakes_are_found_in_the_scheme(tmp_path: Path) -> None:
    bad = """\
id: s
title: s
indicators:
  - {id: a, target: 1, weight: 50, rule: ratio, rollup: sum}
  - id: b
    weight: 50
    rule: {kind: levels, levels: [{level: 1, points: 1}]}
"""
    with pytest.raises(SchemeInvalid) as exc:
        load_scheme(write(tmp_path / "s.yaml", bad))
    assert [(f.line, f.code) for f in exc.value.findings] == [(4, "rollup")]
    with pytest.raises(SchemeInvalid) as exc:
        load_scheme(write(tmp_path / "t.yaml", "rollup: {to: year, default: sum}\n" + bad))
    assert [(f.line, f.code) for f in exc.value.findings] == [(6, "rollup")]  # labels


def test_several_files_need_a_rollup(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", "id: s\ntitle: s\nindicators: [{id: a, rule: direct}]\n")
    a = write_csv(tmp_path / "a.csv", [["工号", "a"], ["E1", 50]])
    b = write_csv(tmp_path / "b.csv", [["工号", "a"], ["E1", 60]])
    code, out, err = run_cli("evaluate", scheme, a, b)
    assert (code, out) == (2, "") and "the scheme has no rollup" in err


# -- property: rolling up one month gives that month -----------------------------------------

MONTH_SCHEME = """\
id: m
title: m
inputs: [{id: solved}, {id: cases}, {id: base}]
indicators:
  - {id: csat, target: 90, weight: 30, rule: {kind: deduct, per: 1, points: 0.5}}
  - {id: visits, target: 12, weight: 20, rule: ratio, ROLLUP_SUM}
  - {id: rate, formula: solved / cases * 100, unit: "%", target: 95, weight: 20,
     rule: threshold, ROLLUP_SUM}
  - id: attitude
    weight: 30
    ROLLUP_LAST
    rule: {kind: levels, levels: [{level: 1, points: 40}, {level: 2, points: 70},
                                  {level: 3, points: 100}]}
grades: [{name: 优秀, min: 90}, {name: 合格, min: 60}, {name: 不合格}]
pay: {formula: total / 100 * base}
"""
month = st.tuples(st.integers(0, 100), st.integers(0, 30), st.integers(0, 50),
                  st.integers(1, 50), st.integers(1, 3), st.integers(1000, 9000))


@given(rows=st.lists(month, min_size=1, max_size=5),
       default=st.sampled_from(["mean_points", "mean", "last"]))
def test_rolling_up_one_month_equals_that_month(rows: list[tuple[int, ...]], default: str,
                                                tmp_path_factory: pytest.TempPathFactory
                                                ) -> None:
    folder = tmp_path_factory.mktemp("month")
    plain = write(folder / "plain.yaml", MONTH_SCHEME.replace(", ROLLUP_SUM", "")
                  .replace("    ROLLUP_LAST\n", ""))
    rolled = write(folder / "rolled.yaml", f"rollup: {{to: quarter, default: {default}}}\n"
                   + MONTH_SCHEME.replace("ROLLUP_SUM", "rollup: sum")
                   .replace("ROLLUP_LAST", "rollup: last"))
    data = [["工号", "csat", "visits", "solved", "cases", "attitude", "base"]] + [
        [f"E{n}", csat, visits, min(solved, cases), cases, f"{lv}级", base]
        for n, (csat, visits, solved, cases, lv, base) in enumerate(rows)]
    actuals = write_csv(folder / "2024-01.csv", data)
    month_doc, quarter_doc = doc_of(plain, actuals), doc_of(rolled, actuals)

    def essence(r: dict[str, Any]) -> Any:
        return (r["id"], r["status"], r["total"], r["grade"], r["pay"], r["rank"],
                [(i["id"], i["points"], i["contribution"]) for i in r["indicators"]])

    assert [essence(r) for r in quarter_doc["results"]] == \
        [essence(r) for r in month_doc["results"]]
    assert all(r["period"] == "2024-01" for r in quarter_doc["results"])
    assert quarter_doc["period"] == {"to": "quarter", "periods": ["2024-01"]}
