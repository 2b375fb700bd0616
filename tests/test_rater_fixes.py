"""Raters: an error row for a missing rater shows nothing reweighted; explain shows each
rater's part; a veto says whose rating fired it (issue 11, point 7)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from helpers import run_cli as run
from helpers import write

SCHEME = """\
id: r
title: 评价
raters:
  roles: [{id: self, title: 自评, weight: 30}, {id: boss, title: 上级, weight: 70}]
  rated: [attitude]
indicators:
  - {id: sales, title: 销售额, target: 100, full_marks: 50, rule: ratio}
  - id: attitude
    title: 态度
    full_marks: 50
    rule: direct
    veto: {when: "< 10", reason: 态度评分低于10分}
"""
ACTUALS = """\
工号,评价人,销售额,态度
P1,自评,100,50
P1,上级,,40
P2,自评,90,45
P3,自评,100,5
P3,上级,,30
P4,自评,100,8
P4,上级,,6
"""


def _doc(tmp_path: Path) -> dict[str, object]:
    scheme = write(tmp_path / "s.yaml", SCHEME)
    actuals = write(tmp_path / "a.csv", ACTUALS)
    code, out, err = run("evaluate", scheme, actuals, "--format", "json")
    assert code == 1, err  # P2 has no 上级 rating
    return {r["id"]: r for r in json.loads(out, parse_float=Decimal)["results"]}


def test_a_missing_rater_row_shows_nothing_reweighted(tmp_path: Path) -> None:
    p2 = _doc(tmp_path)["P2"]
    assert p2["status"] == "error"  # type: ignore[index]
    roles = {r["id"]: r for r in p2["raters"]["roles"]}  # type: ignore[index]
    assert roles["self"]["applied_weight"] is None and roles["self"]["contribution"] is None
    assert roles["self"]["total"] == Decimal("90.00")  # its own card still shows: 45 + 45
    attitude = next(i for i in p2["indicators"] if i["id"] == "attitude")  # type: ignore[index]
    assert attitude["points"] is None
    assert attitude["explanation"] == "not combined: no rating by 上级"
    sales = next(i for i in p2["indicators"] if i["id"] == "sales")  # type: ignore[index]
    assert sales["points"] == Decimal("45.00")  # shared, not reweighted


def test_a_veto_says_whose_rating_fired_it(tmp_path: Path) -> None:
    doc = _doc(tmp_path)
    [p3] = doc["P3"]["veto"]["fired"]  # type: ignore[index]
    assert (p3["id"], p3["rater"]) == ("attitude", "自评")
    [p4] = doc["P4"]["veto"]["fired"]  # type: ignore[index]
    assert p4["rater"] == "自评、上级"
    assert doc["P1"]["veto"] is None  # type: ignore[index]
    scheme, actuals = tmp_path / "s.yaml", tmp_path / "a.csv"
    code, out, _ = run("--lang", "en", "explain", scheme, actuals, "--id", "P3", "-f", "tree")
    assert code == 0
    assert "veto: 态度评分低于10分 → total 0 (fired by 自评's rating)" in out


def test_explain_shows_each_raters_part(tmp_path: Path) -> None:
    _doc(tmp_path)
    scheme, actuals = tmp_path / "s.yaml", tmp_path / "a.csv"
    code, out, _ = run("--lang", "en", "explain", scheme, actuals, "--id", "P1", "-f", "tree")
    assert code == 0
    lines = [ln.lstrip("│├└─ ") for ln in out.splitlines()]
    assert "自评 (self): 100.00 × 30% = 30.00" in lines
    assert "a.csv row 2: total 100.00" in lines
    assert "态度 (attitude): 50 → 50" in lines
    assert "上级 (boss): 90.00 × 70% = 63.00" in lines
    assert "态度 (attitude): 40 → 40" in lines
    code, out, _ = run("explain", scheme, actuals, "--id", "P1", "-f", "json")
    boss = json.loads(out, parse_float=Decimal)["raters"][1]
    assert boss["ratings"] == [{"source": "a.csv", "row": 3, "period": None,
                                "total": Decimal("90.00"),
                                "indicators": [{"id": "attitude", "actual": 40,
                                                "points": Decimal("40.00")}]}]
    code, out, _ = run("--lang", "en", "explain", scheme, actuals, "--id", "P2", "-f", "tree")
    assert "自评 (self): 90.00, not combined (a rater is missing)" in out
    assert "上级 (boss): no rating" in out
