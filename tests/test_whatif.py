"""kpiscore whatif and kpiscore diff.

Every whatif answer is checked here independently of the search that found
it: the proposed actual is written into a copy of the person's CSV row and the
file scored again with ``evaluate_file`` (the public API, the same path as
``kpiscore evaluate``) — it must reach the goal; one step of the indicator's
resolution worse must not. Computed actuals (formulas) have no cell to write,
so they are checked through :meth:`Subject.evaluate` with the actual replaced.
"""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpers import run_cli as run
from helpers import with_additions
from kpiscore.api import evaluate_file, open_table
from kpiscore.explain.trace import Subject
from kpiscore.explain.trace import find_person as find_in_table
from kpiscore.explain.whatif import Goal, GoalError, goal_for, what_if
from kpiscore.scheme.load import LoadedScheme, load_scheme
from kpiscore.score.results import PersonResult


def find_person(loaded: LoadedScheme, actuals: Path, person: str) -> Subject:
    with open_table(actuals) as table:
        return find_in_table(loaded, table, person)


ROOT = Path(__file__).resolve().parents[1]
TSM = ROOT / "examples" / "tech-support-manager"


def tsm_csv(tmp_path: Path) -> Path:
    """examples/tech-support-manager/actuals.xlsx as CSV, read the way kpiscore reads it."""
    import openpyxl

    from kpiscore.base.numbers import HUNDRED
    from kpiscore.base.numbers import plain as p

    wb = openpyxl.load_workbook(TSM / "actuals.xlsx", data_only=True)
    ws = wb.worksheets[0]
    rows = []
    for row in ws.iter_rows():
        out = []
        for cell in row:
            v = cell.value
            if isinstance(v, (int, float)) and "%" in (cell.number_format or ""):
                v = p(Decimal(repr(v)) * HUNDRED)  # a percent cell: percent points
            out.append("" if v is None else str(v))
        if any(out):
            rows.append(out)
    path = tmp_path / "tsm.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


class Rescore:
    """Score a person again with one actual replaced, through a rewritten CSV file."""

    def __init__(self, scheme: Path, actuals: Path, person: str, tmp_path: Path) -> None:
        self.scheme = scheme
        self.loaded = load_scheme(scheme)
        self.subject = find_person(self.loaded, actuals, person)
        self.person = person
        with actuals.open(encoding="utf-8-sig", newline="") as fh:
            self.rows = list(csv.reader(fh))
        self.index = next(k for k, r in enumerate(self.rows) if r and r[0] == person)
        self.tmp = tmp_path

    def __call__(self, key: str, value: Decimal | str) -> PersonResult:
        col = self.subject.binding.columns.get(key)
        if col is None:  # a computed actual: no cell to write
            return self.subject.evaluate({key: value})
        rows = [list(r) for r in self.rows]
        rows[self.index][col] = value if isinstance(value, str) else format(value, "f")
        path = self.tmp / f"rescore-{key}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows(rows)
        report = evaluate_file(self.loaded, path)
        return next(r for r in report.results if r.id == self.person)


def check_answers(rescore: Rescore, goal: Goal) -> dict[str, Any]:
    """Re-evaluate every answer; returns {indicator id: needed or None}."""
    subject: Subject = rescore.subject
    answers = what_if(subject, goal)
    assert not goal.reached(subject.result)
    found: dict[str, Any] = {}
    for a in answers.answers:
        ci = subject.indicator(a.id)
        spec = ci.spec
        sign = 1 if spec.better == "higher" else -1
        found[a.id] = a.needed if a.reachable else None
        if a.reachable:
            assert a.verified, a
            then = rescore(a.id, a.needed)  # type: ignore[arg-type]
            assert goal.reached(then), (a.id, a.needed, then.total)
            assert then.total == a.total_then
            if isinstance(a.needed, str):
                rule: Any = ci.rule
                needed_points = spec.clamp(rule.lookup(a.needed).points)
                for lv in rule.levels:  # every lesser answer falls short
                    if spec.clamp(lv.points) < needed_points:
                        assert not goal.reached(rescore(a.id, str(lv.level or lv.code)))
            else:
                assert isinstance(a.needed, Decimal) and a.step is not None
                # better than now, and on the indicator's resolution (or its range's edge)
                assert (a.needed - a.current) * sign > 0  # type: ignore[operator]
                edge = spec.highest if sign > 0 else spec.lowest
                assert (a.needed / a.step) == (a.needed / a.step).to_integral_value() \
                    or a.needed == edge
                assert a.step == (1 if ci.ind.unit in ("次", "篇", "项") else Decimal("0.01"))
                worse = a.needed - sign * a.step
                in_range = (spec.lowest is None or worse >= spec.lowest) and \
                    (spec.highest is None or worse <= spec.highest)
                if in_range:
                    assert not goal.reached(rescore(a.id, worse)), (a.id, worse)
        elif isinstance(a.current, str):
            rule = ci.rule
            for lv in rule.levels:  # type: ignore[attr-defined]
                assert not goal.reached(rescore(a.id, str(lv.level or lv.code)))
        else:
            # the best valid actual (or a very good one, when the range is open)
            best = spec.highest if sign > 0 else spec.lowest
            if best is None:
                best = Decimal(10) ** 6
            assert not goal.reached(rescore(a.id, best)), (a.id, best)
    return found


def test_tech_support_manager_to_a_total(tmp_path: Path) -> None:
    actuals = tsm_csv(tmp_path)
    rescore = Rescore(TSM / "scheme.yaml", actuals, "E001", tmp_path)
    found = check_answers(rescore, Goal(Decimal("97.3")))
    # 张伟 at 97.19 needs +0.11: CSAT 86 → 88.75 (+1.375 points × 8% = +0.11)
    assert found["csat"] == Decimal("88.75")
    assert found["major_incidents"] == 0  # a count moves in whole units
    assert found["complex_handling"] == 135  # one started quarter over instead of three
    assert found["first_response"] is None  # already at full marks


@pytest.mark.parametrize(("person", "total"), [("E006", "81.5"), ("E003", "92"),
                                               ("E005", "98.5")])
def test_tech_support_manager_more_goals(person: str, total: str, tmp_path: Path) -> None:
    rescore = Rescore(TSM / "scheme.yaml", tsm_csv(tmp_path), person, tmp_path)
    found = check_answers(rescore, Goal(Decimal(total)))
    assert any(v is not None for v in found.values())


MIXED = """\
id: mixed
title: 混合示例
grades:
  - {name: 优秀, min: 90}
  - {name: 良好, min: 80}
  - {name: 合格, min: 60}
  - {name: 不合格}
inputs:
  - {id: solved}
  - {id: total_cases}
indicators:
  - id: resolution
    title: 问题解决率
    unit: "%"
    formula: solved / total_cases * 100
    target: 95
    weight: 30
    rule: {kind: deduct, per: 1, points: 2}
  - id: behaviour
    title: 行为
    weight: 20
    rule:
      kind: levels
      levels: [{level: 1, points: 10}, {level: 2, points: 15}, {level: 3, points: 20},
               {level: 4, points: 30}, {level: 5, points: 40}]
  - id: csat
    title: 满意度
    unit: "%"
    target: 90
    weight: 20
    rule:
      kind: bands
      bands: [{at_least: 95, points: 100}, {at_least: 90, points: 80},
              {at_least: 80, points: 50}, {points: 0}]
  - id: errors
    title: 差错率
    unit: "%"
    better: lower
    target: 2
    weight: 20
    rule: {kind: ratio, cap: 120}
  - id: rated
    title: 主管评分
    full_marks: 10
    weight: 10
    rule: direct
"""


@pytest.fixture()
def mixed(tmp_path: Path) -> tuple[Path, Path]:
    scheme = tmp_path / "mixed.yaml"
    scheme.write_text(MIXED, encoding="utf-8")
    actuals = tmp_path / "mixed.csv"
    actuals.write_text("工号,姓名,solved,total_cases,行为,满意度,差错率,主管评分\n"
                       "M1,甲,88,100,3级,85%,2.5,7\n"
                       "M2,乙,93,100,4,92%,2,8.5\n"
                       "M3,丙,60,100,1级,70%,8,3\n", encoding="utf-8")
    return scheme, actuals


@pytest.mark.parametrize(("person", "grade", "total", "reachable"), [
    ("M1", None, None, set()),
    ("M1", None, "72", {"resolution", "behaviour", "csat", "errors"}),
    ("M2", None, None, {"behaviour", "csat", "errors"}),
    ("M2", None, "89", {"resolution", "behaviour", "csat", "errors", "rated"}),
    ("M3", "合格", None, set()),
    ("M3", None, "30", {"resolution", "behaviour", "csat", "errors"}),
])
def test_formulas_levels_bands_ratio_direct(person: str, grade: str | None, total: str | None,
                                            reachable: set[str], mixed: tuple[Path, Path],
                                            tmp_path: Path) -> None:
    scheme, actuals = mixed
    rescore = Rescore(scheme, actuals, person, tmp_path)
    target = goal_for(rescore.subject.compiled, rescore.subject.result, grade=grade,
                      total=None if total is None else Decimal(total))
    found = check_answers(rescore, target)
    assert {k for k, v in found.items() if v is not None} == reachable


def test_the_json_shows_the_verified_answers(mixed: tuple[Path, Path], tmp_path: Path) -> None:
    scheme, actuals = mixed
    rescore = Rescore(scheme, actuals, "M1", tmp_path)
    assert rescore.subject.result.grade == "合格"
    found = check_answers(rescore, Goal(Decimal(72)))
    code, out, _ = run("whatif", str(scheme), str(actuals), "--id", "M1", "--total", "72",
                       "--format", "json")
    assert code == 0
    doc = json.loads(out, parse_float=Decimal)
    assert doc["goal"] == {"total": 72, "grade": None}
    assert doc["now"] == {"total": Decimal("68.80"), "grade": "合格"}
    assert doc["reached"] is False
    # 问题解决率 = solved / total_cases, 88: 86 points × 30%; +3.2 needs +10.67 points,
    # 5.34 points of rate (at −2 a point): 93.333… → 93.34 on a grid of 0.01
    assert found["resolution"] == Decimal("93.34")
    assert found["behaviour"] == "4" and found["csat"] == Decimal(90)
    by_id = {i["id"]: i for i in doc["indicators"]}
    for key, value in found.items():
        shown = by_id[key]["needed"]
        assert (shown is None) == (value is None)
        if value is not None:
            assert str(shown) == str(value)
            assert by_id[key]["verified"] is True


def test_goals(tmp_path: Path) -> None:
    loaded = load_scheme(with_additions(TSM / "scheme.yaml", tmp_path))  # with its grades
    e001 = find_person(loaded, TSM / "actuals.xlsx", "E001")
    e006 = find_person(loaded, TSM / "actuals.xlsx", "E006")
    assert goal_for(e006.compiled, e006.result).grade == "优秀"
    assert goal_for(e006.compiled, e006.result).total == 90
    assert goal_for(e006.compiled, e006.result, grade="合格").reached(e006.result)
    assert goal_for(e001.compiled, e001.result, total=Decimal(99)).total == 99
    with pytest.raises(GoalError, match="top grade"):
        goal_for(e001.compiled, e001.result)
    with pytest.raises(GoalError, match="no grade named"):
        goal_for(e006.compiled, e006.result, grade="S")
    with pytest.raises(GoalError, match="no lower bound"):
        goal_for(e006.compiled, e006.result, grade="不合格")
    with pytest.raises(GoalError, match="not both"):
        goal_for(e006.compiled, e006.result, grade="优秀", total=Decimal(1))


def test_whatif_cli(tmp_path: Path) -> None:
    graded = with_additions(TSM / "scheme.yaml", tmp_path)  # the example's own grades
    code, _, err = run("whatif", str(TSM / "scheme.yaml"), str(TSM / "actuals.xlsx"), "--id",
                       "E001")
    assert code == 2 and "the scheme names no grades: give --total" in err
    args = ("whatif", str(graded), str(TSM / "actuals.xlsx"))
    code, out, err = run(*args, "--id", "E001")
    assert code == 2 and "already has the top grade 优秀" in err
    code, out, _ = run(*args, "--id", "E001", "--total", "50", "--format", "table")
    assert code == 0 and "E001 张伟 already reaches the goal" in out
    code, out, _ = run(*args, "--id", "E001", "--total", "97.3", "--format", "table")
    assert code == 0
    assert "关键客户满意度评分 (csat)" in out and "86 → " not in out
    assert "not reachable with this indicator alone" in out
    assert "10 of 20 indicators can reach the goal alone" in out
    code, out, _ = run("--lang", "zh", *args, "--id", "E006", "--format", "table")
    assert "目标:等级 优秀(总分 ≥ 90)" in out and "仅靠此指标无法达到" in out
    code, _, err = run(*args, "--id", "E001", "--total", "lots")
    assert code == 2 and "not a number" in err
    code, _, err = run(*args, "--id", "E001", "--grade", "S")
    assert code == 2 and "no grade named 'S'" in err


def test_whatif_on_a_row_that_cannot_be_scored(mixed: tuple[Path, Path]) -> None:
    scheme, actuals = mixed
    bad = actuals.with_name("bad.csv")
    bad.write_text("工号,姓名,solved,total_cases,行为,满意度,差错率,主管评分\n"
                   "M9,丁,88,0,3级,85%,2.5,7\n", encoding="utf-8")
    code, _, err = run("whatif", str(scheme), str(bad), "--id", "M9")
    assert code == 1 and "divides by zero" in err and "M9 could not be scored" in err


# -- diff -------------------------------------------------------------------------------------


def test_diff_counts_who_moves(tmp_path: Path) -> None:
    old = with_additions(TSM / "scheme.yaml", tmp_path)  # with the example's own grades
    text = old.read_text(encoding="utf-8")
    new = tmp_path / "new.yaml"
    edited = text.replace("{name: 优秀, min: 90,", "{name: 优秀, min: 95,").replace(
        "rule: {kind: deduct, per: 1, points: 0.5}", "rule: {kind: deduct, per: 1, points: 1}",
        1)
    assert edited != text
    new.write_text(edited, encoding="utf-8")
    code, out, _ = run("diff", str(old), str(new), str(TSM / "actuals.xlsx"), "-f", "json")
    assert code == 0
    doc = json.loads(out, parse_float=Decimal)
    people = {p["id"]: p for p in doc["people"]}
    # CSAT now costs 1 a point: 张伟's 86 loses 2 more points × 8% = −0.16
    assert people["E001"]["change"] == Decimal("-0.16")
    assert people["E002"]["moved"] is False
    # 王磊's 91.61 is no longer 优秀 under min 95; 刘畅 drops below 80
    assert (people["E003"]["old"]["grade"], people["E003"]["new"]["grade"]) == ("优秀", "良好")
    assert people["E006"]["grade_changed"] is True
    s = doc["summary"]
    assert (s["people"], s["moved"], s["up"], s["down"], s["unchanged"]) == (6, 4, 0, 4, 2)
    assert s["grade_changes"] == 2
    assert {(g["from"], g["to"], g["count"]) for g in s["grade_moves"]} == \
        {("优秀", "良好", 1), ("良好", "合格", 1)}
    code, out, _ = run("diff", str(old), str(new), str(TSM / "actuals.xlsx"), "-f", "table",
                       "--changed")
    assert "E002" not in out and "E003" in out and "优秀 → 良好" in out
    assert "6 people: 4 move (0 up, 4 down), 2 unchanged; mean change -0.37" in out
    assert "grade changes: 2" in out


def test_diff_reports_rows_one_version_cannot_score(tmp_path: Path) -> None:
    old = tmp_path / "old.yaml"
    old.write_text("id: s\ntitle: s\nindicators:\n"
                   "  - {id: a, target: 10, weight: 100, rule: ratio}\n", encoding="utf-8")
    new = tmp_path / "new.yaml"
    new.write_text("id: s\ntitle: s\nindicators:\n"
                   "  - {id: a, target: 10, max_value: 20, weight: 100, rule: ratio}\n",
                   encoding="utf-8")
    actuals = tmp_path / "a.csv"
    actuals.write_text("工号,a\nX1,5\nX2,30\n", encoding="utf-8")
    code, out, err = run("diff", str(old), str(new), str(actuals), "-f", "json")
    assert code == 1 and "1 of 2 rows could not be scored" in err
    doc = json.loads(out, parse_float=Decimal)
    assert doc["people"][1]["new"]["status"] == "error"
    assert doc["people"][1]["change"] is None
    assert doc["summary"]["not_scored"] == 1


def test_schemes_scored_from_several_rows_are_refused() -> None:
    from types import SimpleNamespace

    from kpiscore.explain.whatif import unsupported

    assert unsupported(load_scheme(TSM / "scheme.yaml").compiled) is None
    assert "several rows" in str(unsupported(SimpleNamespace(grouped=True, survey_of={})))
    assert "survey" in str(unsupported(SimpleNamespace(grouped=False, survey_of={"a": "s"})))
