"""Weighted periods (issue 11, point 6): months 30/30/40 instead of a plain mean.

The numbers are worked by hand here: 满意度 92, 88, 80 against 90 (2 points a point
short) → 100, 96, 80; 30% × 100 + 30% × 96 + 40% × 80 = 90.8.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from helpers import write, write_csv
from kpiscore.api import evaluate_file
from kpiscore.outputs import render
from kpiscore.scheme.load import load_scheme

SCHEME = """\
id: w
title: 加权季度
rollup:
  to: quarter
  weights: {2024-01: 30, 2024-02: 30, 2024-03: 40}
inputs:
  - {id: base, title: 奖金基数, rollup: mean}
indicators:
  - {id: csat, title: 满意度, target: 90, weight: 60, rule: {kind: deduct, per: 1, points: 2}}
  - {id: visits, title: 回访, target: 30, weight: 40, rule: ratio, rollup: sum}
pay: {formula: total / 100 * base}
"""
HEADER = ["工号", "满意度", "回访", "奖金基数"]
MONTHS = {
    "2024-01": [["E1", 92, 10, 3000], ["E2", 85, 8, 2000]],
    "2024-02": [["E1", 88, 10, 3000], ["E2", 90, 9, 2000]],
    "2024-03": [["E1", 80, 12, 3600]],  # E2 is missing in March
}


def files(folder: Path, months: dict[str, list[list[Any]]] = MONTHS) -> list[Path]:
    return [write_csv(folder / f"{m}.csv", [HEADER, *rows]) for m, rows in months.items()]


def doc_of(scheme: Path, actuals: list[Path]) -> dict[str, Any]:
    report = evaluate_file(str(scheme), [str(a) for a in actuals])
    return json.loads(render(report, "json"), parse_float=Decimal)


def test_weighted_months_golden(tmp_path: Path) -> None:
    doc = doc_of(write(tmp_path / "s.yaml", SCHEME), files(tmp_path))
    e1, e2 = doc["results"]
    # csat 100, 96, 80 weighted 30/30/40 = 90.8 → 54.48 of 60; visits 32 of 30 → 40 (capped)
    assert [str(i["points"]) for i in e1["indicators"]] == ["90.80", "100.00"]
    assert str(e1["total"]) == "94.48"
    # the bonus base weighted too: 30% × 3000 + 30% × 3000 + 40% × 3600 = 3240; × 94.48%
    assert str(e1["pay"]) == "3061.15"
    assert [(e["period"], e["weight"]) for e in e1["periods"]] == \
        [("2024-01", 30), ("2024-02", 30), ("2024-03", 40)]
    assert e1["indicators"][0]["explanation"].startswith(
        "weighted mean of 3 periods (30% × 100 + 30% × 96 + 40% × 80) = 90.8 → ")
    # a missing weighted period is a missing period, as without weights
    assert e2["status"] == "error"
    assert [e["message"] for e in e2["errors"]] == [
        "E2 has no actuals for 2024-03 (periods given: 2024-01, 2024-02); set "
        "rollup.missing: present to roll up the periods given"]


def test_present_periods_have_their_weights_scaled_up(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", SCHEME.replace("  to: quarter\n",
                                                       "  to: quarter\n  missing: present\n"))
    e2 = doc_of(scheme, files(tmp_path))["results"][1]
    # January and February weigh 30/30 → 50/50: csat 90 and 100 → 95 → 57; visits 17/30
    assert [(e["period"], e["weight"]) for e in e2["periods"]] == [("2024-01", 50),
                                                                    ("2024-02", 50)]
    assert str(e2["total"]) == "79.67"  # 57 + 40 × 17/30 = 57 + 22.666…
    assert str(e2["pay"]) == "1593.33"


def test_a_period_without_a_weight_is_an_error(tmp_path: Path, run_line: Any) -> None:
    scheme = write(tmp_path / "s.yaml", SCHEME)
    months = {"2024-01": MONTHS["2024-01"], "2024-02": MONTHS["2024-02"],
              "2024-04": MONTHS["2024-03"]}
    paths = files(tmp_path, months)
    code, out, err = run_line("evaluate", str(scheme), *map(str, paths), "--format", "json")
    assert code == 1
    assert [(r["row"], r["id"], r["status"]) for r in json.loads(out)["results"]] == [
        (2, "E1", "error"), (3, "E2", "error")]
    lines = err.splitlines()
    assert lines[:3] == [
        "2024-01.csv!A2: E1 has actuals for 2024-04, which rollup.weights does not weigh "
        "(weighted: 2024-01, 2024-02, 2024-03) [E1]",
        "2024-01.csv!A2: E1 has no actuals for 2024-03 (periods given: 2024-01, 2024-02, "
        "2024-04); set rollup.missing: present to roll up the periods given [E1]",
        "2024-01.csv!A3: E2 has no actuals for 2024-04, 2024-03 (periods given: 2024-01, "
        "2024-02); set rollup.missing: present to roll up the periods given [E2]"]
    assert len(lines) == 4  # and the accounting line


def test_explain_and_chinese(tmp_path: Path, run_line: Any) -> None:
    scheme = write(tmp_path / "s.yaml", SCHEME)
    # explain reads one file: the months in a period column
    paths = [str(write_csv(tmp_path / "q.csv", [["月份", *HEADER]] + [
        [m, *row] for m, rows in MONTHS.items() for row in rows]))]
    code, out, err = run_line("--lang", "zh", "explain", str(scheme), *paths, "--id", "E1",
                              "--format", "tree")
    assert (code, err) == (0, "")
    assert "2024-03(q.csv):总分 64.00,权重 40%" in out
    assert "3 期加权平均(30% × 100 + 30% × 96 + 40% × 80)= 90.8" in out
    code, out, err = run_line("explain", str(scheme), *paths, "--id", "E1", "--format", "tree")
    assert (code, err) == (0, "")
    assert "2024-03 (q.csv): total 64.00, weight 40%" in out


def test_validate_places_the_period_weights(tmp_path: Path, run_line: Any) -> None:
    scheme = write(tmp_path / "bad.yaml", """\
id: w
title: w
rollup:
  to: quarter
  expect: 2
  weights: {2024-01: 30, 2024-02: 0, 2024-03: 40}
indicators:
  - {id: csat, title: 满意度, target: 90, rule: {kind: deduct, per: 1, points: 2}}
""")
    code, out, err = run_line("validate", str(scheme))
    assert code == 1
    assert out == (
        f"{scheme}:5:11: error: rollup.expect is 2 but rollup.weights names 3 period(s) "
        "(rollup)\n"
        f"{scheme}:6:3: error: period weights add up to 70, not 100 (weights-sum)\n"
        f"{scheme}:6:35: error: the weight of period '2024-02' is 0: leave the period out of "
        "the roll-up instead (rollup)\n")
    assert err == "1 scheme file(s) checked: 3 error(s), 0 warning(s), invalid\n"
    code, out, err = run_line("--lang", "zh", "validate", str(scheme))
    assert code == 1
    assert "各期权重合计为 70,不是 100 (weights-sum)" in out
    assert "rollup.expect 为 2,但 rollup.weights 列出了 3 期 (rollup)" in out


# -- properties ---------------------------------------------------------------------------

PLAIN = """\
id: p
title: p
rollup:
  to: quarter
  weights: {m1: W1, m2: W2, m3: W3}
indicators:
  - {id: score, title: 得分, full_marks: 100, weight: 50, rule: direct}
  - {id: count, title: 次数, target: 10, weight: 50, rule: ratio, rollup: mean}
"""


@given(points=st.lists(st.tuples(st.integers(0, 100), st.integers(0, 20)), min_size=3,
                       max_size=3),
       cut=st.tuples(st.integers(1, 98), st.integers(1, 98)).filter(lambda c: c[0] != c[1]))
def test_weighted_roll_up_is_the_exact_weighted_mean(points: list[tuple[int, int]],
                                                      cut: tuple[int, int],
                                                      tmp_path_factory: Any) -> None:
    low, high = sorted(cut)
    weights = [Decimal(low), Decimal(high - low), Decimal(100 - high)]
    folder = tmp_path_factory.mktemp("wp")
    text = PLAIN
    for k, w in enumerate(weights, start=1):
        text = text.replace(f"W{k}", str(w))
    scheme = load_scheme(write(folder / "s.yaml", text))
    paths = [str(write_csv(folder / f"m{k}.csv", [["工号", "得分", "次数"], ["E1", a, b]]))
             for k, (a, b) in enumerate(points, start=1)]
    (r,) = evaluate_file(scheme, paths).results
    score = sum((w * a for w, (a, _) in zip(weights, points, strict=True)), Decimal(0)) / 100
    count = sum((w * b for w, (_, b) in zip(weights, points, strict=True)), Decimal(0)) / 100
    assert r.indicators[0].points == score
    assert r.indicators[1].actual == count
    assert r.indicators[1].points == min(Decimal(100), 100 * count / 10)
    # equal weights are the plain mean
    if weights[0] == weights[1] == weights[2]:
        assert score == sum(Decimal(a) for a, _ in points) / 3


# -- the example --------------------------------------------------------------------------

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "weighted-quarter"


def test_the_weighted_quarter_example_by_hand() -> None:
    report = evaluate_file(str(EXAMPLE / "scheme.yaml"),
                           [str(EXAMPLE / f"{m}.xlsx") for m in MONTHS],
                           responses={None: str(EXAMPLE / "responses.xlsx")})
    doc = json.loads(render(report, "json"), parse_float=Decimal)
    people = {r["id"]: r for r in doc["results"]}
    d = Decimal

    def survey(points: int, answers: int) -> Decimal:  # ratio against 90%, capped at 100
        return min(d(100), d(points) * 100 / (5 * answers) * 100 / 90)

    w01 = (d("0.3") * 100 + d("0.3") * 96 + d("0.4") * 90) * d("0.4") + 30 + \
        survey(53, 12) * d("0.3")
    w02 = (d("0.3") * 80 + d("0.3") * 100 + d("0.4") * 100) * d("0.4") + \
        d(100) * 29 / 30 * d("0.3") + survey(50, 12) * d("0.3")
    w03 = (d(100) + 92) / 2 * d("0.4") + d(60) * d("0.3") + survey(24, 6) * d("0.3")
    for pid, total, base in (("W01", w01, 3200), ("W02", w02, 2800), ("W03", w03, 2500)):
        assert str(people[pid]["total"]) == str(total.quantize(d("0.01"))), pid
        assert str(people[pid]["pay"]) == str((total * base / 100).quantize(d("0.01"))), pid
    assert [(e["period"], e["weight"]) for e in people["W03"]["periods"]] == \
        [("2024-01", 50), ("2024-02", 50)]
    pooled = people["W01"]["indicators"][2]["survey"]
    assert (pooled["respondents"], pooled["points"], pooled["max_points"]) == (6, 53, 60)


def test_the_template_names_the_files_by_the_weighted_periods(tmp_path: Path,
                                                              run_line: Any) -> None:
    import openpyxl

    scheme = write(tmp_path / "s.yaml", SCHEME)
    code, out, err = run_line("template", str(scheme), "-o", str(tmp_path / "t.xlsx"))
    assert (code, out) == (0, "")
    assert err.endswith("t.xlsx\n")
    wb = openpyxl.load_workbook(tmp_path / "t.xlsx")
    lines = [str(r[0]) for ws in wb.worksheets[1:] for r in ws.iter_rows(values_only=True)
             if r[0] is not None]
    assert "分期:每期一个文件,文件名即期间名(2024-01 30%, 2024-02 30%, 2024-03 40%)," \
           "合并为 quarter:把本文件按期间各复制一份。" in lines
    assert any(line.startswith("评分 / score: kpiscore evaluate ")
               and line.endswith(" 2024-01.xlsx 2024-02.xlsx 2024-03.xlsx") for line in lines)
