"""The engine end to end through the library API: weights, sections, formulas,
vetoes, grades, pay and the policies for missing values."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from kpiscore.api import evaluate_file
from kpiscore.base.errors import SchemeInvalid
from kpiscore.scheme.load import load_scheme
from kpiscore.score.results import PersonResult


def run(tmp_path: Path, scheme: dict[str, Any], rows: list[dict[str, Any]]) -> list[PersonResult]:
    scheme_file = tmp_path / "scheme.yaml"
    scheme_file.write_text(yaml.safe_dump(scheme, allow_unicode=True), encoding="utf-8")
    actuals = tmp_path / "actuals.csv"
    header = list(rows[0])
    with actuals.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for r in rows:
            writer.writerow([r.get(h, "") for h in header])
    return evaluate_file(str(scheme_file), str(actuals)).results


KEFU = {
    "id": "kefu",
    "title": "客服主管",
    "sections": [
        {"id": "performance", "title": "任务绩效", "weight": "70%", "indicators": [
            {"id": "exec_rate", "title": "执行率", "unit": "%", "weight": 60,
             "rule": {"kind": "bands", "bands": [
                 {"at_least": 99, "points": 25}, {"at_least": 95, "points": 20},
                 {"at_least": 90, "points": 10}, {"points": 0}]}},
            {"id": "revisit", "title": "客户回访率", "unit": "%", "weight": 40,
             "rule": {"kind": "bands", "bands": [
                 {"at_least": 100, "points": 10}, {"at_least": 90, "below": 100, "points": 5},
                 {"below": 90, "points": 0}]}},
        ]},
        {"id": "behaviour", "title": "行为考核", "weight": "30%", "indicators": [
            {"id": "customer_focus", "title": "以客户为中心", "weight": 40, "full_marks": 40,
             "rule": {"kind": "levels", "levels": [
                 {"level": 1, "points": 10}, {"level": 2, "points": 15},
                 {"level": 3, "points": 20}, {"level": 4, "points": 30},
                 {"level": 5, "points": 40}]}},
            {"id": "meticulous", "title": "服务细致", "weight": 30,
             "rule": {"kind": "levels", "levels": [
                 {"level": 1, "points": 10}, {"level": 2, "points": 15},
                 {"level": 3, "points": 20}, {"level": 4, "points": 25},
                 {"level": 5, "points": 30}]}},
            {"id": "obedience", "title": "工作服从", "weight": 30,
             "rule": {"kind": "levels", "levels": [
                 {"level": 1, "points": 10}, {"level": 2, "points": 15},
                 {"level": 3, "points": 20}, {"level": 4, "points": 25},
                 {"level": 5, "points": 30}]}},
        ]},
    ],
}


def test_composite_sections_normalise_then_weight(tmp_path: Path) -> None:
    # behaviour (5级, 4级, 5级) → 40 + 25 + 30 = 95 (DOMAIN §13, self rating)
    [r] = run(tmp_path, KEFU, [{"id": "K1", "执行率": "97", "客户回访率": "100%",
                                "以客户为中心": "5级", "服务细致": "4", "工作服从": "5级"}])
    assert r.status == "ok", r.errors
    sections = {s.id: s for s in r.sections}
    assert sections["behaviour"].score() == 95
    # performance: 20/25 × 60 + 10/10 × 40 = 88
    assert sections["performance"].score() == 88
    assert r.total == Decimal("0.7") * 88 + Decimal("0.3") * 95  # 90.1
    exec_rate = r.indicators[0]
    assert exec_rate.explanation == "97 is ≥ 95 and < 99 → 20/25 × 60% × 70% = 33.60"


def test_supervisor_behaviour_rating(tmp_path: Path) -> None:
    # supervisor (4级, 3级, 5级) → 30 + 20 + 30 = 80
    [r] = run(tmp_path, KEFU, [{"id": "K1", "执行率": "99.2", "客户回访率": "89",
                                "以客户为中心": "4级", "服务细致": "3级", "工作服从": "5"}])
    assert {s.id: s.score() for s in r.sections} == {"performance": 60, "behaviour": 80}


def test_unknown_level_is_an_error_naming_the_cell(tmp_path: Path) -> None:
    rows = [{"id": "K1", "执行率": "97", "客户回访率": "100", "以客户为中心": "6级",
             "服务细致": "4", "工作服从": "5"},
            {"id": "K2", "执行率": "97", "客户回访率": "100", "以客户为中心": "5",
             "服务细致": "4", "工作服从": "5"}]
    bad, good = run(tmp_path, KEFU, rows)
    assert bad.status == "error" and bad.total is None
    assert bad.errors[0].where == "actuals.csv!D2"
    assert "'6级' is not a known level" in bad.errors[0].message
    assert good.status == "ok"


def points_card(**extra: Any) -> dict[str, Any]:
    scheme = {
        "id": "card", "title": "卡",
        "inputs": [{"id": "base_pay", "title": "基本工资"}],
        "grades": [{"name": "合格", "min": 80}, {"name": "不合格"}],
        "pay": {"formula": "total / 80 * base_pay"},
        "indicators": [
            {"id": "rate", "title": "合格率", "unit": "%", "target": 90, "full_marks": 60,
             "rule": {"kind": "pass_line", "base": 50}},
            {"id": "incidents", "title": "重大事故", "better": "lower", "target": 0,
             "full_marks": 40, "rule": {"kind": "deduct", "points": 10},
             "veto": {"when": ">= 3", "outcome": "zero", "reason": "重大事故三次以上"}},
        ],
    }
    scheme.update(extra)
    return scheme


def test_points_card_weights_are_full_marks_and_pay_is_exact(tmp_path: Path) -> None:
    [r] = run(tmp_path, points_card(), [{"id": "P1", "合格率": "95", "重大事故": "1",
                                         "基本工资": "6000"}])
    # 55 + 30 = 85 → 85/80 × 6000 = 6375
    assert r.total == 85 and r.grade == "合格" and r.pay == Decimal("6375")


def test_veto_zero_overrides_total_and_says_why(tmp_path: Path) -> None:
    [r] = run(tmp_path, points_card(), [{"id": "P1", "合格率": "95", "重大事故": "3",
                                         "基本工资": "6000"}])
    assert r.status == "ok"
    assert r.total == 0 and r.grade == "不合格" and r.pay == 0
    assert [v.reason for v in r.vetoes] == ["重大事故三次以上"]


def test_veto_lowest_grade_keeps_the_total(tmp_path: Path) -> None:
    scheme = points_card(vetoes=[{"id": "fake", "title": "数据造假", "column": "造假",
                                  "when": "== 1", "outcome": "lowest_grade"}])
    [r, ok] = run(tmp_path, scheme, [
        {"id": "P1", "合格率": "100", "重大事故": "0", "基本工资": "6000", "造假": "1"},
        {"id": "P2", "合格率": "100", "重大事故": "0", "基本工资": "6000", "造假": "0"}])
    assert r.total == 100 and r.grade == "不合格"
    assert r.vetoes[0].id == "fake" and r.vetoes[0].outcome == "lowest_grade"
    assert ok.grade == "合格" and not ok.vetoes


FORMULA = {
    "id": "bsc", "title": "BSC",
    "inputs": [{"id": "solved", "title": "解决数"}, {"id": "total_q", "title": "问题总数"}],
    "indicators": [
        {"id": "resolution", "title": "问题解决率", "unit": "%", "target": 90, "weight": 100,
         "formula": "solved / total_q * 100", "rule": {"kind": "deduct", "points": 1}},
    ],
}


def test_computed_actual(tmp_path: Path) -> None:
    [r] = run(tmp_path, FORMULA, [{"id": "B1", "解决数": "43", "问题总数": "50"}])
    assert r.indicators[0].actual == 86 and r.total == 96


def test_division_by_zero_is_an_error_naming_person_and_formula(tmp_path: Path) -> None:
    [r] = run(tmp_path, FORMULA, [{"id": "B1", "解决数": "0", "问题总数": "0"}])
    assert r.status == "error"
    message = r.errors[0].message
    assert "solved / total_q * 100" in message and "B1" in message and "total_q is 0" in message


def test_division_by_zero_policy(tmp_path: Path) -> None:
    scheme = yaml.safe_load(yaml.safe_dump(FORMULA))
    scheme["indicators"][0]["if_divide_by_zero"] = 100
    [r] = run(tmp_path, scheme, [{"id": "B1", "解决数": "0", "问题总数": "0"}])
    assert r.status == "ok" and r.indicators[0].actual == 100 and r.total == 100


def test_blank_is_never_zero(tmp_path: Path) -> None:
    [r] = run(tmp_path, FORMULA, [{"id": "B1", "解决数": "", "问题总数": "50"}])
    assert r.status == "error" and r.total is None
    assert r.errors[0].where == "actuals.csv!B2"
    assert "blank" in r.errors[0].message


def test_if_missing_policy(tmp_path: Path) -> None:
    scheme = points_card()
    scheme["indicators"][1]["if_missing"] = 0
    [r] = run(tmp_path, scheme, [{"id": "P1", "合格率": "90", "重大事故": "",
                                  "基本工资": "8000"}])
    assert r.status == "ok" and r.total == 90


def test_equal_split_of_dimension_weight(tmp_path: Path) -> None:
    scheme = {"id": "s", "title": "s", "dimensions": [
        {"id": "a", "weight": 60, "indicators": [
            {"id": "x", "target": 10, "rule": "pass_fail"},
            {"id": "y", "target": 10, "rule": "pass_fail"},
            {"id": "z", "target": 10, "rule": "pass_fail"}]},
        {"id": "b", "weight": "40%", "indicators": [
            {"id": "w", "target": 10, "rule": "pass_fail"}]}]}
    [r] = run(tmp_path, scheme, [{"id": "1", "x": "10", "y": "9", "z": "10", "w": "10"}])
    assert [i.weight for i in r.indicators] == [20, 20, 20, 40]
    assert r.total == 80


def test_weights_that_do_not_add_up_are_refused(tmp_path: Path) -> None:
    scheme = {"id": "s", "title": "s", "dimensions": [
        {"id": "a", "weight": 45, "indicators": [
            {"id": "x", "weight": 30, "target": 10, "rule": "pass_fail"},
            {"id": "y", "weight": 25, "target": 10, "rule": "pass_fail"}]},
        {"id": "b", "weight": 55, "indicators": [
            {"id": "w", "target": 10, "rule": "pass_fail"}]}]}
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(scheme), encoding="utf-8")
    with pytest.raises(SchemeInvalid) as info:
        load_scheme(path)
    [finding] = info.value.findings
    assert finding.code == "weights-sum"
    assert "45" in finding.message and "55" in finding.message


def test_negative_points_without_floor_pull_the_total_down(tmp_path: Path) -> None:
    scheme = {"id": "s", "title": "s", "indicators": [
        {"id": "sales", "target": 100, "full_marks": 80, "rule": "ratio"},
        {"id": "complaints", "title": "投诉", "better": "lower", "target": 0,
         "full_marks": 20, "floor": "none", "rule": {"kind": "deduct", "points": 5}}]}
    [r] = run(tmp_path, scheme, [{"id": "1", "sales": "100", "投诉": "6"}])
    assert r.indicators[1].points == -10 and r.total == 70


def test_header_with_title_and_id_matches(tmp_path: Path) -> None:
    [r] = run(tmp_path, FORMULA, [{"工号": "B1", "解决数 (solved)": "45",
                                   "问题总数\ntotal_q": "50"}])
    assert r.status == "ok" and r.id == "B1"
