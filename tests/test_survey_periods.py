"""Survey responses and periods (issue 11, point 6): a 月份 column in the responses is
used (each response counts in its period) or refused, never ignored; ``rollup: pool``
averages all of a quarter's responses together, not the monthly results.

Worked by hand: E1's answers (A, B) in January, (A) in February, (C, C, B) in March,
worth 5..1: pooled 24 / 30 = 80%; monthly 9/10 = 90%, 5/5 = 100%, 10/15 = 66.67%,
whose mean is 85.56%.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers import write, write_csv
from kpiscore.api import evaluate_file
from kpiscore.outputs import render

SCHEME = """\
id: sv
title: 季度满意度
rollup: {to: quarter}
surveys:
  - id: csat
    title: 客户满意度调查
    questions: [{id: q1, title: 服务态度}]
    answers:
      - {level: 5, code: A, points: 5}
      - {level: 4, code: B, points: 4}
      - {level: 3, code: C, points: 3}
      - {level: 2, code: D, points: 2}
      - {level: 1, code: E, points: 1}
indicators:
  - {id: sat, title: 满意度, unit: "%", survey: csat, full_marks: 100, rule: direct, ROLLUP}
"""
MONTHS = ["2024-01", "2024-02", "2024-03"]
RESPONSES = [
    ["被评价人工号", "评价人", "月份", "服务态度"],
    ["E1", "c1", "2024-01", "A"], ["E1", "c2", "2024-01", "B"],
    ["E1", "c1", "2024-02", "A"],
    ["E1", "c1", "2024-03", "C"], ["E1", "c2", "2024-03", "C"], ["E1", "c3", "2024-03", "B"],
    ["E2", "c1", "2024-01", "A"], ["E2", "c1", "2024-02", "B"], ["E2", "c1", "2024-03", "C"],
]


def scheme(folder: Path, rollup: str) -> Path:
    return write(folder / "s.yaml", SCHEME.replace("ROLLUP", f"rollup: {rollup}"))


def months(folder: Path) -> list[str]:
    return [str(write_csv(folder / f"{m}.csv", [["工号", "姓名"], ["E1", "甲"], ["E2", "乙"]]))
            for m in MONTHS]


def doc_of(scheme_path: Path, actuals: list[str], responses: Path) -> dict[str, Any]:
    report = evaluate_file(str(scheme_path), actuals, responses={None: str(responses)})
    return json.loads(render(report, "json"), parse_float=Decimal)


def test_pooled_over_the_quarter(tmp_path: Path) -> None:
    responses = write_csv(tmp_path / "r.csv", RESPONSES)
    doc = doc_of(scheme(tmp_path, "pool"), months(tmp_path), responses)
    e1, e2 = doc["results"]
    sat = e1["indicators"][0]
    assert str(sat["points"]) == "80.00"  # 24 / 30, not the mean of the months
    assert (sat["survey"]["respondents"], sat["survey"]["points"],
            sat["survey"]["max_points"]) == (6, 24, 30)
    assert sat["explanation"].startswith("every response of 3 periods pooled: survey "
                                         "客户满意度调查: 6 respondents, 24/30 points = 80%")
    assert [str(p["total"]) for p in e1["periods"]] == ["80.00"] * 3
    assert str(e2["total"]) == "80.00"  # (5 + 4 + 3) / 15
    assert doc["problems"] == []


def test_per_period_responses_are_matched_to_their_month(tmp_path: Path) -> None:
    responses = write_csv(tmp_path / "r.csv", RESPONSES)
    doc = doc_of(scheme(tmp_path, "mean_points"), months(tmp_path), responses)
    e1 = doc["results"][0]
    assert [str(p["total"]) for p in e1["periods"]] == ["90.00", "100.00", "66.67"]
    # (90 + 100 + 66.666…) / 3 = 85.555…
    assert str(e1["total"]) == "85.56"


def test_responses_of_no_period_or_another_are_reported(tmp_path: Path, run_line: Any) -> None:
    responses = write_csv(tmp_path / "r.csv", [*RESPONSES, ["E2", "c2", "2024-05", "A"],
                                               ["E2", "c3", None, "A"]])
    paths = months(tmp_path)
    code, out, err = run_line("evaluate", str(scheme(tmp_path, "pool")), *paths,
                              "--responses", str(responses), "--format", "json")
    assert code == 1
    assert [(r["id"], r["status"], r["total"]) for r in json.loads(out)["results"]] == [
        ("E1", "ok", 80), ("E2", "ok", 80)]
    lines = err.splitlines()
    assert lines[:2] == [
        "r.csv!C12: survey 客户满意度调查: a response without a period (月份)",
        "r.csv!A11: survey 客户满意度调查: 1 response(s) for period '2024-05', which no "
        "actuals give (periods: 2024-01, 2024-02, 2024-03)"]
    assert len(lines) == 3


def test_a_period_column_without_a_rollup_is_refused(tmp_path: Path, run_line: Any) -> None:
    path = write(tmp_path / "s.yaml", SCHEME.replace("rollup: {to: quarter}\n", "")
                 .replace(", ROLLUP", ""))
    actuals = write_csv(tmp_path / "a.csv", [["工号", "姓名"], ["E1", "甲"]])
    responses = write_csv(tmp_path / "r.csv", RESPONSES)
    code, out, err = run_line("evaluate", str(path), str(actuals), "--responses",
                              str(responses), "--format", "json")
    assert code == 1
    message = ("满意度: the responses (r.csv) have a period column (月份, r.csv!C1), "
               "but the scheme rolls up no periods: responses of different periods cannot be "
               "told apart; remove the column, or give the scheme a rollup: to match each "
               "response to its period")
    (e1,) = json.loads(out)["results"]
    assert (e1["status"], [(e["where"], e["message"]) for e in e1["errors"]]) == \
        ("error", [("r.csv!C1", message)])
    assert err.splitlines()[0] == f"r.csv!C1: {message} [E1]"
    code, out, err = run_line("--lang", "zh", "evaluate", str(path), str(actuals),
                              "--responses", str(responses), "--format", "json")
    assert code == 1
    assert err.splitlines()[0] == (
        "r.csv!C1: 满意度:回答(r.csv)中有期间列(月份,r.csv!C1),但方案没有汇总多期:"
        "无法区分不同期间的回答;请删除该列,或给方案加上 rollup: 让每份回答对应到它的期间 [E1]")


def test_pool_is_for_survey_indicators(tmp_path: Path, run_line: Any) -> None:
    path = write(tmp_path / "s.yaml", """\
id: p
title: p
rollup: {to: quarter}
indicators:
  - {id: calls, title: 来电, target: 10, rule: ratio, rollup: pool}
""")
    code, out, err = run_line("validate", str(path))
    assert code == 1
    assert out == (f"{path}:5:61: error: '来电' takes no survey's result: only a survey "
                   "indicator pools its responses over the periods (rollup: pool) (rollup)\n")
    assert err == "1 scheme file(s) checked: 1 error(s), 0 warning(s), invalid\n"


answer = st.sampled_from("ABCDE")
quarter = st.lists(st.lists(answer, max_size=4), min_size=3, max_size=3)


@given(answers=quarter)
def test_pooling_is_the_mean_of_every_answer(answers: list[list[str]],
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("pool")
    worth = dict(zip("ABCDE", [5, 4, 3, 2, 1], strict=True))
    rows = [["被评价人工号", "评价人", "月份", "服务态度"]]
    for month, given_ in zip(MONTHS, answers, strict=True):
        rows += [["E1", f"c{n}", month, a] for n, a in enumerate(given_)]
    doc = doc_of(scheme(folder, "pool"), months(folder), write_csv(folder / "r.csv", rows))
    e1 = doc["results"][0]
    every = [worth[a] for given_ in answers for a in given_]
    if not every:
        assert e1["status"] == "error"
        return
    expected = Decimal(sum(every)) * 100 / (5 * len(every))
    assert e1["indicators"][0]["survey"]["value"] == round(expected, 2)
    # and the same answers in one period, without a period column, give the same result
    flat = [["被评价人工号", "评价人", "服务态度"]] + [
        ["E1", f"c{n}", a] for n, a in enumerate(a for given_ in answers for a in given_)]
    one = doc_of(scheme(folder, "pool"), months(folder)[:1], write_csv(folder / "f.csv", flat))
    assert one["results"][0]["indicators"][0]["points"] == e1["indicators"][0]["points"]


def test_responses_in_a_period_the_person_lacks_are_reported(tmp_path: Path,
                                                             run_line: Any) -> None:
    path = write(tmp_path / "s.yaml", SCHEME.replace("rollup: {to: quarter}",
                                                     "rollup: {to: quarter, missing: present}")
                 .replace("ROLLUP", "rollup: pool"))
    paths = months(tmp_path)
    write_csv(tmp_path / "2024-03.csv", [["工号", "姓名"], ["E2", "乙"]])  # E1 left in March
    responses = write_csv(tmp_path / "r.csv", RESPONSES)
    code, out, err = run_line("evaluate", str(path), *paths, "--responses", str(responses),
                              "--format", "json")
    assert code == 1
    # E1: January and February only, 14 / 15
    assert [(r["id"], r["status"], str(r["total"])) for r in
            json.loads(out, parse_float=Decimal)["results"]] == [("E1", "ok", "93.33"),
                                                                 ("E2", "ok", "80.00")]
    lines = err.splitlines()
    assert lines[0] == ("r.csv!A5: survey 客户满意度调查: 3 response(s) for 'E1' in period "
                        "'2024-03', which 'E1' has no actuals for: not counted")
    assert len(lines) == 2


def test_each_months_workbook_holds_its_responses_and_pool_adds_them(tmp_path: Path) -> None:
    from openpyxl import Workbook

    answers = {"2024-01": ["A", "B"], "2024-02": ["A"], "2024-03": ["C", "C", "B"]}
    paths = []
    for month, given_ in answers.items():
        wb = Workbook()
        ws = wb.active
        assert ws is not None
        ws.title = "人员"
        ws.append(["工号", "姓名"])
        ws.append(["E1", "甲"])
        sheet = wb.create_sheet("问卷")
        sheet.append(["被评价人工号", "评价人", "服务态度"])
        for n, a in enumerate(given_):
            sheet.append(["E1", f"c{n}", a])
        wb.save(tmp_path / f"{month}.xlsx")
        paths.append(str(tmp_path / f"{month}.xlsx"))
    text = SCHEME.replace("    title: 客户满意度调查\n",
                          "    title: 客户满意度调查\n    sheet: 问卷\n")
    for rollup, points in (("pool", "80.00"), ("mean_points", "85.56")):
        path = write(tmp_path / f"{rollup}.yaml", text.replace("ROLLUP", f"rollup: {rollup}"))
        (r,) = evaluate_file(str(path), paths).results
        assert str(r.indicators[0].points.quantize(Decimal("0.01"))) == points, rollup
