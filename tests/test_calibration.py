"""Calibration (绩效校准): moves of grades after the forced distribution, with their audit
trail, and the moves that cannot be applied.

The numbers of examples/calibration are worked by hand here (its README shows them);
the golden comparison of its expected.json is test_examples'.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import CliResult, write, write_csv
from kpiscore.api import evaluate_file
from kpiscore.outputs import render

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "calibration"

SCHEME = """\
id: cal
title: 校准
inputs: [{id: bonus_base}]
indicators:
  - {id: score, title: 综合得分, rule: direct, veto: {when: "< 10"}}
grades:
  - {name: A, min: 90, coefficient: 1.5}
  - {name: B, min: 70, coefficient: 1.0}
  - {name: C, coefficient: 0.5}
distribution:
  quotas: [{grade: A, percent: 20}, {grade: B, percent: 70}, {grade: C, percent: 10}]
  mode: MODE
pay: {formula: bonus_base * grade_coefficient}
"""

PEOPLE = [["工号", "姓名", "综合得分", "bonus_base"],
          ["P01", "甲", 98, 1000], ["P02", "乙", 95, 1000], ["P03", "丙", 92, 1000],
          ["P04", "丁", 85, 1000], ["P05", "戊", 80, 1000], ["P06", "己", 78, 1000],
          ["P07", "庚", 75, 1000], ["P08", "辛", 72, 1000], ["P09", "壬", 5, 1000],
          ["P10", "癸", "", 1000]]


def files(tmp_path: Path, moves: list[list[Any]], mode: str = "enforce",
          header: list[str] | None = None) -> tuple[Path, Path, Path]:
    scheme = write(tmp_path / "scheme.yaml", SCHEME.replace("MODE", mode))
    actuals = write_csv(tmp_path / "actuals.csv", PEOPLE)
    cal = write_csv(tmp_path / "cal.csv", [header or ["工号", "调整后等级", "原因", "调整人"],
                                           *moves])
    return scheme, actuals, cal


def doc(scheme: Path, actuals: Path, cal: Path | None) -> dict[str, Any]:
    report = evaluate_file(str(scheme), str(actuals),
                           calibration=None if cal is None else str(cal))
    return json.loads(render(report, "json"), parse_float=Decimal)


def by_id(d: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in d["results"]}


# -- the example, by hand -------------------------------------------------------------------


def test_example_moves_two_people_after_the_quotas(
        run_line: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    code, out, err = run_line("evaluate", "scheme.yaml", "actuals.xlsx", "--calibration",
                              "calibration.xlsx", "--format", "json")
    assert (code, err) == (0, "kpiscore: 10 rows read: 10 scored, 0 could not be scored\n")
    d = json.loads(out, parse_float=Decimal)
    people = by_id(d)
    # 10 people at 20/70/10: 2/7/1; K03 (91, banded A) is 3rd: B by the quotas
    totals = {"K01": 96, "K02": 93, "K03": 91, "K04": 88, "K05": 85, "K06": 82, "K07": 80,
              "K08": 77, "K09": 72, "K10": 65}
    assert {k: int(p["total"]) for k, p in people.items()} == totals
    assert [people[k]["grade"] for k in totals] == list("AAABBBBBCC")
    final = {k: p["quota_grade"] for k, p in people.items()}
    assert final == dict(zip(totals, "AAABBBBBCC", strict=True))
    assert people["K03"]["calibration"] == {
        "from": "B", "to": "A", "reason": "主导客户系统迁移项目,季度关键贡献未体现在指标中",
        "by": "张总监", "where": "校准!A2"}
    assert people["K09"]["calibration"]["from"] == "B"
    assert people["K09"]["calibration"]["to"] == "C"
    assert [k for k, p in people.items() if "calibration" in p] == ["K03", "K09"]
    # the bonus is 2000 × the final grade's coefficient
    assert str(people["K03"]["pay"]) == "3000.00"  # 2000 × 1.5, was 2000.00 by the quotas
    assert str(people["K09"]["pay"]) == "1200.00"  # 2000 × 0.6
    assert str(people["K08"]["pay"]) == "2000.00"
    s = d["summary"]
    assert s["grades"] == [{"name": "A", "count": 3}, {"name": "B", "count": 5},
                           {"name": "C", "count": 2}]  # banded, before calibration
    assert [q["assigned"] for q in s["distribution"]["groups"][0]["quotas"]] == [2, 7, 1]
    assert s["calibration"]["grades"] == [
        {"name": "A", "banded": 3, "assigned": 2, "final": 3},
        {"name": "B", "banded": 5, "assigned": 7, "final": 5},
        {"name": "C", "banded": 2, "assigned": 1, "final": 2}]
    assert s["calibration"]["moves"] == 2
    assert s["calibration"]["source"] == "calibration.xlsx!校准"
    assert [(m["id"], m["from"], m["to"]) for m in s["calibration"]["moved"]] == \
        [("K03", "B", "A"), ("K09", "B", "C")]


def test_without_calibration_the_example_has_no_calibration_fields(
        run_line: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    code, out, _ = run_line("evaluate", "scheme.yaml", "actuals.xlsx", "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert "calibration" not in d["summary"]
    assert not any("calibration" in r for r in d["results"])
    assert by_id(d)["K03"]["quota_grade"] == "B"
    assert by_id(d)["K03"]["pay"] == 2000


# -- what a move changes --------------------------------------------------------------------


def test_under_enforce_the_quota_grade_is_moved(tmp_path: Path) -> None:
    # 9 scored at 20/70/10: 1.8/6.3/0.9 → 2/6/1; P03 (92) is 3rd: B by the quotas
    scheme, actuals, cal = files(tmp_path, [["P03", "A", "关键项目", "HR"]])
    p = by_id(doc(scheme, actuals, cal))["P03"]
    assert (p["grade"], p["quota_grade"], str(p["pay"])) == ("A", "A", "1500.00")
    assert p["calibration"] == {"from": "B", "to": "A", "reason": "关键项目", "by": "HR",
                                "where": "cal.csv!A2"}


def test_a_grade_written_full_width_or_lower_case_names_the_schemes(tmp_path: Path) -> None:
    # typed with a Chinese input method: Ａ is A (NFKC), as headers are matched
    for written in ("Ａ", "a", " A "):
        scheme, actuals, cal = files(tmp_path, [["P03", written, "关键项目", "HR"]])
        p = by_id(doc(scheme, actuals, cal))["P03"]
        assert (p["quota_grade"], p["calibration"]["to"]) == ("A", "A"), written


def test_under_advisory_the_banded_grade_is_moved(tmp_path: Path) -> None:
    scheme, actuals, cal = files(tmp_path, [["P04", "c", "复核", ""]], mode="advisory")
    d = doc(scheme, actuals, cal)
    p = by_id(d)["P04"]
    # banded B, the quotas say B too (advisory: report only); the banded grade counts
    assert (p["grade"], p["quota_grade"], str(p["pay"])) == ("C", "B", "500.00")
    assert p["calibration"] == {"from": "B", "to": "C", "reason": "复核", "by": None,
                                "where": "cal.csv!A2"}
    # summary.grades stays the banded count; calibration.grades has before and after
    # banded B: P04–P08; by the quotas (2/6/1 of the 9 scored) P03–P08
    assert d["summary"]["grades"][1] == {"name": "B", "count": 5}
    assert d["summary"]["calibration"]["grades"][1] == {"name": "B", "banded": 5,
                                                        "assigned": 6, "final": 4}


def test_without_a_distribution_the_banded_grade_is_moved(tmp_path: Path) -> None:
    scheme = write(tmp_path / "scheme.yaml", SCHEME.split("distribution:")[0]
                   + "pay: {formula: bonus_base * grade_coefficient}\n")
    actuals = write_csv(tmp_path / "actuals.csv", PEOPLE)
    cal = write_csv(tmp_path / "cal.csv", [["id", "grade", "reason", "by"],
                                           ["P08", "A", "x", "y"]])
    d = doc(scheme, actuals, cal)
    assert by_id(d)["P08"]["grade"] == "A"
    assert by_id(d)["P08"]["quota_grade"] is None
    assert d["summary"]["calibration"]["grades"][0] == {"name": "A", "banded": 3,
                                                        "assigned": None, "final": 4}


def test_a_move_to_the_grade_held_is_kept_in_the_audit_trail(tmp_path: Path) -> None:
    scheme, actuals, cal = files(tmp_path, [["P01", "A", "确认", "HR"]])
    p = by_id(doc(scheme, actuals, cal))["P01"]
    assert p["calibration"]["from"] == p["calibration"]["to"] == "A"


# -- moves that cannot be applied -----------------------------------------------------------


def test_moves_that_cannot_be_applied_are_located_problems(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    scheme, actuals, cal = files(tmp_path, [
        ["P02", "A", "ok", "HR"],         # applied
        ["P99", "A", "nobody", "HR"],     # A3: not in the actuals
        ["P03", "S", "no such grade", ""],  # B4: unknown grade
        ["P04", "A", "first", ""],        # A5 and A6: twice: neither
        ["P04", "C", "second", ""],
        ["P10", "A", "error row", ""],    # A7: the row could not be scored
        ["P09", "B", "vetoed", ""],       # A8: a veto fired
        ["P05", "", "no grade", ""],      # B9: blank grade
        ["P06", "A", "", ""],             # C10: blank reason
        ["", "A", "no id", ""],           # A11: no id
    ])
    code, out, err = run_line("evaluate", scheme, actuals, "--calibration", cal,
                              "--format", "json")
    assert code == 1
    d = json.loads(out)
    problems = [(p["where"], p["field"], p["message"]) for p in d["problems"]]
    veto = by_id(d)["P09"]["veto"]["fired"][0]["reason"]
    assert problems == [  # in the file's order
        ("cal.csv!A3", "calibration", "calibration: no one with id 'P99' in the actuals"),
        ("cal.csv!B4", "calibration", "calibration: 'S' is not a grade of the scheme "
         "(grades: A, B, C)"),
        ("cal.csv!A6", "calibration", "calibration: a second move for P04 (the first is "
         "cal.csv!A5): neither is applied; keep one"),
        ("cal.csv!A7", "calibration", "calibration: P10 could not be scored "
         "(actuals.csv!C11): the move is not applied"),
        ("cal.csv!A8", "calibration", f"calibration: a veto fired for P09 ({veto}): a veto "
         "overrides calibration, the move is not applied"),
        ("cal.csv!B9", "calibration", "the calibration move for P05 gives no grade"),
        ("cal.csv!C10", "calibration", "the calibration move for P06 gives no reason: a move "
         "needs one (原因)"),
        ("cal.csv!A11", "calibration", "a calibration move without an id"),
    ]
    assert [k for k, r in by_id(d).items() if "calibration" in r] == ["P02"]
    for where, _, message in problems:
        assert f"{where}: {message}\n" in err
    assert err.endswith("kpiscore: 10 rows read: 9 scored, 1 could not be scored\n")


def test_a_move_from_a_grade_the_person_does_not_have_is_stale(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    # P03 is B by the quotas; P04 B too: the file's 原等级 is checked, P04's applies
    scheme, actuals, cal = files(tmp_path, [["P03", "A", "A", "x"], ["P04", "b", "C", "y"]],
                                 header=["工号", "原等级", "调整后等级", "原因"])
    code, out, err = run_line("evaluate", scheme, actuals, "--calibration", cal,
                              "--format", "json")
    assert code == 1
    d = json.loads(out)
    assert [(p["where"], p["message"]) for p in d["problems"]] == [
        ("cal.csv!B2", "calibration: the move for P03 starts from A, but P03's grade is B: the "
         "move is not applied (was the file made before the grades changed?)")]
    assert "calibration" not in by_id(d)["P03"]
    assert "\ncal.csv!B2: calibration: the move for P03 starts from A, but" in err
    assert by_id(d)["P04"]["calibration"]["to"] == "C"


def test_the_problems_are_in_chinese_under_lang_zh(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    scheme, actuals, cal = files(tmp_path, [["P99", "A", "x", ""], ["P03", "S", "x", ""]])
    code, out, err = run_line("--lang", "zh", "evaluate", scheme, actuals, "--calibration", cal,
                              "--format", "json")
    assert code == 1
    messages = [p["message"] for p in json.loads(out)["problems"]]
    assert messages == ["校准:实际数据中没有工号为 'P99' 的人",
                        "校准:'S' 不是方案中的等级(等级:A, B, C)"]
    assert "cal.csv!A2: 校准:实际数据中没有工号为 'P99' 的人\n" in err


@pytest.mark.parametrize(("header", "missing"), [
    (["姓名", "调整后等级", "原因"], "id"),
    (["工号", "姓名", "原因"], "grade"),
    (["工号", "调整后等级", "调整人"], "reason"),
])
def test_a_file_without_a_needed_column_is_refused(
        tmp_path: Path, run_line: Callable[..., CliResult], header: list[str],
        missing: str) -> None:
    scheme, actuals, cal = files(tmp_path, [["P01", "A", "x"]], header=header)
    code, out, err = run_line("evaluate", scheme, actuals, "--calibration", cal)
    assert (code, out) == (2, "")
    assert err.startswith(f"kpiscore: error: cal.csv!A1: the calibration file has no {missing} "
                          "column: expected a header named ")
    assert "Traceback" not in err


def test_an_unreadable_calibration_file_is_exit_2(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    scheme, actuals, _ = files(tmp_path, [])
    code, out, err = run_line("evaluate", scheme, actuals, "--calibration",
                              tmp_path / "nothere.xlsx")
    assert (code, out) == (2, "")
    assert "nothere.xlsx" in err
    (tmp_path / "bad.xlsx").write_bytes(b"not a workbook")
    code, out, err = run_line("evaluate", scheme, actuals, "--calibration", tmp_path / "bad.xlsx")
    assert (code, out) == (2, "")
    assert "bad.xlsx" in err


def test_a_scheme_without_grades_cannot_be_calibrated(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    scheme = write(tmp_path / "s.yaml", "id: s\ntitle: s\nindicators:\n"
                   "  - {id: score, rule: direct}\n")
    actuals = write_csv(tmp_path / "a.csv", [["工号", "score"], ["P1", 5]])
    cal = write_csv(tmp_path / "cal.csv", [["工号", "调整后等级", "原因"], ["P1", "A", "x"]])
    code, out, err = run_line("evaluate", scheme, actuals, "--calibration", cal)
    assert (code, out) == (2, "")
    assert err == ("kpiscore: error: cal.csv: a calibration moves grades, but the scheme has no "
                   "grades\n")


def test_a_title_row_above_the_headers_is_skipped(tmp_path: Path) -> None:
    scheme, actuals, _ = files(tmp_path, [])
    cal = write_csv(tmp_path / "titled.csv", [["2024 年第二季度绩效校准"], [],
                                              ["工号", "调整后等级", "原因"],
                                              ["P03", "A", "x"]])
    p = by_id(doc(scheme, actuals, cal))["P03"]
    assert p["calibration"]["where"] == "titled.csv!A4"


# -- properties -----------------------------------------------------------------------------

IDS = [row[0] for row in PEOPLE[1:]]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.tuples(st.sampled_from([*IDS, "P77"]),
                                st.sampled_from(["A", "B", "C", "Z", "a"]),
                                st.sampled_from(["理由", ""])), max_size=12))
def test_moves_never_lose_or_duplicate_a_person(tmp_path: Path,
                                                moves: list[tuple[str, str, str]]) -> None:
    scheme, actuals, cal = files(tmp_path, [list(m) for m in moves])
    before, after = doc(scheme, actuals, None), doc(scheme, actuals, cal)
    assert [r["id"] for r in after["results"]] == [r["id"] for r in before["results"]]
    assert [(r["row"], r["total"], r["rank"]) for r in after["results"]] == \
        [(r["row"], r["total"], r["rank"]) for r in before["results"]]
    moved = [r for r in after["results"] if "calibration" in r]
    for r in moved:
        assert r["quota_grade"] == r["calibration"]["to"]
        assert before["results"][IDS.index(r["id"])]["quota_grade"] == r["calibration"]["from"]
    if moved:
        counts = after["summary"]["calibration"]["grades"]
        assert sum(c["final"] for c in counts) == after["summary"]["ok"]
        assert [m["id"] for m in after["summary"]["calibration"]["moved"]] == \
            [r["id"] for r in moved]
    else:
        assert "calibration" not in after["summary"]


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_with_no_moves_the_output_is_byte_identical(
        tmp_path: Path, run_line: Callable[..., CliResult], fmt: str) -> None:
    scheme, actuals, cal = files(tmp_path, [])
    plain = run_line("evaluate", scheme, actuals, "--format", fmt)
    calibrated = run_line("evaluate", scheme, actuals, "--calibration", cal, "--format", fmt)
    assert calibrated == plain
    assert plain.code == 1  # P10 is an error row


# -- every output shows the moves -----------------------------------------------------------


def _example_args() -> list[str]:
    return ["scheme.yaml", "actuals.xlsx", "--calibration", "calibration.xlsx"]


def test_csv_has_the_final_grade_and_the_audit_trail(
        run_line: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    import csv
    import io

    monkeypatch.chdir(EXAMPLE)
    code, out, _ = run_line("evaluate", *_example_args(), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    k03 = next(r for r in rows if r["id"] == "K03")
    assert (k03["grade"], k03["final_grade"], k03["calibrated_from"],
            k03["calibration_reason"], k03["calibrated_by"]) == (
        "A", "A", "B", "主导客户系统迁移项目,季度关键贡献未体现在指标中", "张总监")
    k04 = next(r for r in rows if r["id"] == "K04")
    assert (k04["final_grade"], k04["calibrated_from"], k04["calibrated_by"]) == ("B", "", "")
    assert list(rows[0])[10:18] == ["grade", "quota_grade", "pay", "veto", "final_grade",
                                    "calibrated_from", "calibration_reason", "calibrated_by"]


def test_the_table_marks_the_moves_and_counts_both_ways(
        run_line: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    code, out, _ = run_line("evaluate", *_example_args(), "--format", "table")
    assert code == 0
    assert "A*" in out and "C*" in out
    assert "grades banded / by the quotas / after calibration: A 3/2/3, B 5/7/5, C 2/1/2\n" in out
    assert ("* calibration of K03: B → A: 主导客户系统迁移项目,季度关键贡献未体现在指标中 "
            "(by 张总监)\n") in out


def test_explain_shows_the_move_after_the_quotas(
        run_line: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(EXAMPLE)
    code, out, err = run_line("explain", *_example_args(), "--id", "K03", "--format",
                              "markdown")
    assert (code, err) == (0, "")
    assert ("- **grade: 91 ≥ 90 → A; forced distribution → B; calibrated → A: "
            "主导客户系统迁移项目,季度关键贡献未体现在指标中, by 张总监 (校准!A2)**\n") in out
    assert "= 3000.00" in out
    code, out, _ = run_line("explain", *_example_args(), "--id", "K03", "--format", "json")
    d = json.loads(out)
    assert d["grade"]["name"] == "A" and d["distribution"]["quota_grade"] == "B"
    assert d["calibration"] == {"from": "B", "to": "A",
                                "reason": "主导客户系统迁移项目,季度关键贡献未体现在指标中",
                                "by": "张总监", "where": "校准!A2"}
    code, out, _ = run_line("explain", *_example_args()[:2], "--id", "K03", "--format", "json")
    assert "calibration" not in json.loads(out)


def test_explain_reports_moves_that_cannot_be_applied(
        tmp_path: Path, run_line: Callable[..., CliResult]) -> None:
    scheme, actuals, cal = files(tmp_path, [["P99", "A", "x", ""]])
    code, out, err = run_line("explain", scheme, actuals, "--calibration", cal, "--id", "P01",
                              "--format", "json")
    assert code == 1
    assert err == "cal.csv!A2: calibration: no one with id 'P99' in the actuals\n"
    assert json.loads(out)["status"] == "ok"


def _sheet(path: Path, name: str) -> list[list[Any]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [[v for v in row] for row in wb[name].iter_rows(values_only=True)
                if any(v is not None for v in row)]
    finally:
        wb.close()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_has_the_moves_on_the_cards_the_summary_and_a_sheet(
        tmp_path: Path, run_line: Callable[..., CliResult], monkeypatch: pytest.MonkeyPatch,
        lang: str) -> None:
    import openpyxl

    monkeypatch.chdir(EXAMPLE)
    out = tmp_path / "report.xlsx"
    code, _, _ = run_line("--lang", lang, "evaluate", *_example_args(), "-o", out)
    assert code == 0
    names = openpyxl.load_workbook(out, read_only=True).sheetnames
    audit = "校准" if lang == "zh" else "Calibration"
    assert audit in names
    rows = _sheet(out, audit)
    heads = {"zh": ["等级", "按分数段", "按强制分布", "校准后"],
             "en": ["Grade", "Banded", "By the quotas", "Final"]}[lang]
    k = next(i for i, row in enumerate(rows) if row[:4] == heads)
    assert [row[:4] for row in rows[k + 1:k + 4]] == [["A", 3, 2, 3], ["B", 5, 7, 5],
                                                      ["C", 2, 1, 2]]
    moves = [row for row in rows if row[1] in ("K03", "K09")]
    assert [(r[1], r[5], r[6], r[8], r[9]) for r in moves] == [
        ("K03", "B", "A", "张总监", "校准!A2"), ("K09", "B", "C", "张总监", "校准!A3")]
    summary = _sheet(out, "汇总" if lang == "zh" else "Summary")
    head = summary[1]
    k03 = next(r for r in summary if r[1] == "K03")
    grade, quota, final = ({"zh": "等级", "en": "Grade"}[lang],
                           {"zh": "强制分布等级", "en": "Forced grade"}[lang],
                           {"zh": "校准后等级", "en": "Calibrated grade"}[lang])
    assert (k03[head.index(grade)], k03[head.index(quota)], k03[head.index(final)]) == \
        ("A", "B", "A")
    assert "张总监" in k03[-1]
    card = _sheet(out, "K03 黄磊")
    line = next(r for r in card if r[0] == final)
    assert line[1] == "A"
    assert "主导客户系统迁移项目" in line[3] and "B" in line[3]
    assert not any(r[0] == final for r in _sheet(out, "K04 赵雷"))


def test_the_report_without_moves_has_no_calibration(
        tmp_path: Path, run_line: Callable[..., CliResult],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    monkeypatch.chdir(EXAMPLE)
    out = tmp_path / "report.xlsx"
    assert run_line("--lang", "zh", "evaluate", "scheme.yaml", "actuals.xlsx", "-o", out).code == 0
    assert "校准" not in openpyxl.load_workbook(out, read_only=True).sheetnames
    assert "校准后等级" not in _sheet(out, "汇总")[1]
