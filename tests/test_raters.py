"""Raters (DOMAIN.md §13): each rater's total, the weighted combination, missing raters.

The expected numbers are computed here from the levels tables and the
rater weights, never taken from the engine: the worked case self (5级,4级,5级)
→ 95, supervisor (4级,3级,5级) → 80 at 30/70 → 84.50, and the 360° examples.
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
from kpiscore.base.errors import SchemeInvalid
from kpiscore.outputs import render
from kpiscore.scheme.load import load_scheme

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# the 客服主管 behaviour items: points per level
FOCUS = {1: 10, 2: 15, 3: 20, 4: 30, 5: 40}
OTHER = {1: 10, 2: 15, 3: 20, 4: 25, 5: 30}
LEVELS = """
      - {level: 1, points: 10}
      - {level: 2, points: 15}
      - {level: 3, points: 20}
      - {level: 4, points: 25}
      - {level: 5, points: 30}"""
BEHAVIOUR = f"""
indicators:
  - id: customer_focus
    title: 以客户为中心
    rule:
      kind: levels
      levels:
      - {{level: 1, points: 10}}
      - {{level: 2, points: 15}}
      - {{level: 3, points: 20}}
      - {{level: 4, points: 30}}
      - {{level: 5, points: 40}}
  - id: attention_to_detail
    title: 服务细致
    rule:
      kind: levels
      levels:{LEVELS}
  - id: compliance
    title: 工作服从
    rule:
      kind: levels
      levels:{LEVELS}
"""


def behaviour(levels: tuple[int, int, int]) -> Decimal:
    """A rater's total on the points card: 以客户为中心 + 服务细致 + 工作服从."""
    return Decimal(FOCUS[levels[0]] + OTHER[levels[1]] + OTHER[levels[2]])


def doc_of(scheme: Path | str, *actuals: Path | str) -> dict[str, Any]:
    report = evaluate_file(str(scheme), [str(a) for a in actuals])
    return json.loads(render(report, "json"), parse_float=Decimal)


def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in doc["results"]}


def text(value: Any) -> str:
    assert isinstance(value, (Decimal, int)), value
    return str(value)


# -- the worked case ------------------------------------------------------------------------


def test_worked_case_84_50(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", """\
id: s
title: s
raters:
  roles:
    - {id: self, title: 自评, weight: 30}
    - {id: supervisor, title: 上级, weight: 70}
""" + BEHAVIOUR)
    actuals = write_csv(tmp_path / "a.csv", [
        ["工号", "评价人", "以客户为中心", "服务细致", "工作服从"],
        ["E1", "自评", "5级", "4级", "5级"],
        ["E1", "上级", "4级", "3级", "5级"]])
    (p,) = doc_of(scheme, actuals)["results"]
    assert behaviour((5, 4, 5)) == 95 and behaviour((4, 3, 5)) == 80
    assert text(p["total"]) == "84.50"  # 30% × 95 + 70% × 80
    roles = {r["id"]: r for r in p["raters"]["roles"]}
    assert (text(roles["self"]["total"]), text(roles["supervisor"]["total"])) == ("95.00", "80.00")
    assert (text(roles["self"]["contribution"]), text(roles["supervisor"]["contribution"])) == \
        ("28.50", "56.00")
    assert [text(i["points"]) for i in p["indicators"]] == ["33.00", "21.50", "30.00"]
    assert p["raters"]["reweighted"] is False and p["raters"]["missing"] == []


def test_example_self_supervisor_in_suffixed_columns() -> None:
    """The same card with one row per person and 以客户为中心(自评) / (上级) columns."""
    doc = doc_of(EXAMPLES / "raters-self-supervisor" / "scheme.yaml",
                 EXAMPLES / "raters-self-supervisor" / "actuals.xlsx")
    cases = {"K001": ((5, 4, 5), (4, 3, 5)), "K002": ((5, 5, 5), (5, 5, 5)),
             "K003": ((3, 3, 4), (2, 3, 3))}
    people = by_id(doc)
    for pid, (mine, boss) in cases.items():
        expected = (Decimal("0.3") * behaviour(mine) + Decimal("0.7") * behaviour(boss))
        assert text(people[pid]["total"]) == f"{expected:.2f}", pid
    assert text(people["K001"]["total"]) == "84.50"
    assert text(people["K003"]["total"]) == "58.00"


# -- the 360° examples, computed independently -----------------------------------------------

WEIGHTS = {"self": Decimal(10), "supervisor": Decimal(50), "peer": Decimal(20),
           "subordinate": Decimal(20)}
NAMES = {"上级": "supervisor", "直接上级": "supervisor", "本人": "self", "自评": "self",
         "同事": "peer", "同级": "peer", "下级": "subordinate", "下属": "subordinate"}


def _rows_360() -> list[list[Any]]:
    import openpyxl

    wb = openpyxl.load_workbook(EXAMPLES / "raters-360" / "actuals.xlsx", read_only=True)
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
    finally:
        wb.close()


def _level(value: Any) -> int:
    return int(str(value).replace("级", ""))


def _band(rate: Decimal, bands: list[tuple[int, int]]) -> int:
    return next(points for floor, points in bands if rate >= floor)


def expected_360(reweight: bool) -> dict[str, Decimal | None]:
    """Totals of the 360° examples: 70% 任务绩效 + 30% 行为考核 (kinds weighted)."""
    people: dict[str, dict[str, Any]] = {}
    for pid, _name, _dept, rater, execution, revisit, *levels in _rows_360():
        p = people.setdefault(pid, {"ratings": {}})
        if execution is not None:
            p["execution"] = Decimal(str(execution)) * 100
            p["revisit"] = Decimal(str(revisit)) * 100
        if rater is not None:
            kind = NAMES[rater]
            p["ratings"].setdefault(kind, []).append(
                behaviour((_level(levels[0]), _level(levels[1]), _level(levels[2]))))
    out: dict[str, Decimal | None] = {}
    for pid, p in people.items():
        execution = _band(p["execution"], [(99, 25), (95, 20), (90, 10), (0, 0)])
        revisit = _band(p["revisit"], [(100, 10), (90, 5), (0, 0)])
        performance = Decimal(60) * execution / 25 + Decimal(40) * revisit / 10
        kinds = {k: sum(v, Decimal(0)) / len(v) for k, v in p["ratings"].items()}
        if len(kinds) < 4 and not reweight:
            out[pid] = None
            continue
        weight = sum(WEIGHTS[k] for k in kinds)
        combined = sum(WEIGHTS[k] * v for k, v in kinds.items()) / weight
        out[pid] = Decimal("0.7") * performance + Decimal("0.3") * combined
    return out


@pytest.mark.parametrize("case,reweight", [("raters-360", False),
                                           ("raters-360-reweight", True)])
def test_360_examples(case: str, reweight: bool) -> None:
    doc = doc_of(EXAMPLES / case / "scheme.yaml", EXAMPLES / case / "actuals.xlsx")
    expected = expected_360(reweight)
    assert set(expected) == {"P001", "P002", "P003", "P004", "P005"}
    people = by_id(doc)
    for pid, total in expected.items():
        got = people[pid]
        if total is None:
            assert got["status"] == "error" and got["total"] is None
            assert any("no rating by" in e["message"] for e in got["errors"])
        else:
            assert got["status"] == "ok", got["errors"]
            assert text(got["total"]) == f"{total.quantize(Decimal('0.01')):.2f}", pid
    assert text(people["P001"]["total"]) == "95.80"  # 70 + 0.3 × (10 + 42.5 + 15.5 + 18)
    p2 = {r["id"]: r for r in people["P002"]["raters"]["roles"]}
    assert (p2["peer"]["count"], p2["subordinate"]["count"]) == (3, 2)
    assert [g["row"] for g in p2["subordinate"]["ratings"]] == [13, 14]
    # the objective rates of P002 sit on a row that names no rater: shared, and listed
    assert {"source": "actuals.xlsx", "row": 7} in people["P002"]["raters"]["rows"]
    p3 = people["P003"]["raters"]
    assert p3["missing"] == ["subordinate"]
    assert p3["reweighted"] is reweight
    applied = {r["id"]: r["applied_weight"] for r in p3["roles"]}
    if reweight:  # the 80% present, scaled to 100: 12.5 / 62.5 / 25
        assert {k: text(v) for k, v in applied.items() if v is not None} == \
            {"self": "12.5", "supervisor": "62.5", "peer": "25"}
        assert applied["subordinate"] is None
    assert doc["summary"]["input_rows"] == 24


# -- errors -----------------------------------------------------------------------------------

SCHEME_2 = """\
id: s
title: s
raters:
  rated: [behaviour]
  roles:
    - {id: self, title: 自评, weight: 40}
    - {id: supervisor, title: 上级, weight: 60}
dimensions:
  - id: objective
    weight: 50
    indicators:
      - {id: sales, title: 销售额, target: 100, rule: ratio}
  - id: behaviour
    weight: 50
    indicators:
      - {id: attitude, title: 态度, rule: direct, full_marks: 10}
"""


def test_shared_values_given_twice_differently_are_an_error(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", SCHEME_2)
    actuals = write_csv(tmp_path / "a.csv", [
        ["工号", "评价人", "销售额", "态度"],
        ["E1", "自评", "90", "8"], ["E1", "上级", "95", "6"],
        ["E2", "自评", "90", "8"], ["E2", "上级", "90%", "6"]])
    people = by_id(doc_of(scheme, actuals))
    (error,) = people["E1"]["errors"]
    assert error["where"] == "a.csv!C3" and "given twice" in error["message"]
    # 90 and 90% are the same value: fine; 50 × 0.9 + 50 × (0.4 × 0.8 + 0.6 × 0.6) = 79
    assert people["E2"]["status"] == "ok"
    assert text(people["E2"]["total"]) == "79.00"


def test_unknown_rater_and_duplicate_rating(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", SCHEME_2)
    actuals = write_csv(tmp_path / "a.csv", [
        ["工号", "评价人", "销售额", "态度"],
        ["E1", "自评", "90", "8"], ["E1", "上级", "", "6"], ["E1", "领导", "", "6"],
        ["E2", "自评", "90", "8"], ["E2", "上级", "", "6"], ["E2", "上级", "", "7"]])
    people = by_id(doc_of(scheme, actuals))
    assert [e["where"] for e in people["E1"]["errors"]] == ["a.csv!B4"]
    assert "unknown rater '领导'" in people["E1"]["errors"][0]["message"]
    assert people["E2"]["status"] == "error"
    assert "rates E2 twice" in people["E2"]["errors"][0]["message"]


def test_a_rated_value_on_a_row_without_a_rater(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", SCHEME_2)
    actuals = write_csv(tmp_path / "a.csv", [
        ["工号", "评价人", "销售额", "态度"],
        ["E1", "", "90", "9"], ["E1", "自评", "", "8"], ["E1", "上级", "", "6"]])
    (p,) = doc_of(scheme, actuals)["results"]
    assert [e["where"] for e in p["errors"]] == ["a.csv!D2"]


def test_rater_weights_and_rated_ids_are_validated(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", SCHEME_2.replace("weight: 60}", "weight: 50}")
                   .replace("rated: [behaviour]", "rated: [behaviuor]"))
    with pytest.raises(SchemeInvalid) as exc:
        load_scheme(scheme)
    messages = [(f.line, f.code, f.message) for f in exc.value.findings]
    assert (5, "weights-sum", "rater weights add up to 90, not 100") in messages
    assert not any(code == "bad-rated" for _, code, _ in messages)
    assert any(code == "unknown-name" and "did you mean 'behaviour'" in m
               for _, code, m in messages)


# -- property: the order of the rows does not matter --------------------------------------

PROPERTY_SCHEME = """\
id: p
title: p
raters:
  missing: reweight
  roles:
    - {id: self, title: 自评, weight: 15}
    - {id: supervisor, title: 上级, weight: 45}
    - {id: peer, title: 同事, weight: 25, multiple: true}
    - {id: customer, title: 客户, weight: 15, multiple: true}
""" + BEHAVIOUR

KINDS = ["自评", "上级", "同事", "客户"]
rating = st.tuples(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5))
person = st.tuples(st.lists(rating, min_size=0, max_size=1), st.lists(rating, min_size=1,
                                                                     max_size=1),
                   st.lists(rating, max_size=3), st.lists(rating, max_size=3))


@given(people=st.lists(person, min_size=1, max_size=4), seed=st.randoms(use_true_random=False))
def test_combining_raters_does_not_depend_on_the_order_of_rows(
        people: list[tuple[list[tuple[int, int, int]], ...]], seed: Any,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("order")
    scheme = load_scheme(write(folder / "s.yaml", PROPERTY_SCHEME))
    rows = []
    for n, kinds in enumerate(people):
        for kind, ratings in zip(KINDS, kinds, strict=True):
            for lv in ratings:
                rows.append([f"E{n}", kind, f"{lv[0]}级", str(lv[1]), f"{lv[2]}级"])
    shuffled = list(rows)
    seed.shuffle(shuffled)
    header = ["工号", "评价人", "以客户为中心", "服务细致", "工作服从"]
    first = evaluate_file(scheme, str(write_csv(folder / "a.csv", [header, *rows])))
    second = evaluate_file(scheme, str(write_csv(folder / "b.csv", [header, *shuffled])))

    def summary(report: Any) -> dict[str, Any]:
        return {r.id: (r.total, [i.points for i in r.indicators],
                       [(role.id, role.total, role.applied_weight, len(role.ratings))
                        for role in r.raters.roles]) for r in report.results}

    assert summary(first) == summary(second)
    # and the combination is the weighted mean of the kinds' mean totals
    weights = dict(zip(KINDS, [15, 45, 25, 15], strict=True))
    for n, kinds in enumerate(people):
        present = {kind: [behaviour(lv) for lv in ratings]
                   for kind, ratings in zip(KINDS, kinds, strict=True) if ratings}
        total = sum(Decimal(weights[k]) * sum(v, Decimal(0)) / len(v)
                    for k, v in present.items()) / sum(weights[k] for k in present)
        got = next(r for r in first.results if r.id == f"E{n}")
        assert got.total is not None
        assert abs(got.total - total) < Decimal("1e-20")


def test_several_raters_of_a_kind_in_numbered_columns(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", """\
id: s
title: s
raters:
  missing: reweight
  rated: [att]
  roles:
    - {id: boss, title: 上级, weight: 60}
    - {id: peer, title: 同事, weight: 40, multiple: true}
indicators:
  - {id: sales, title: 销售额, target: 100, weight: 50, rule: ratio}
  - {id: att, title: 态度, rule: direct, full_marks: 10, weight: 50}
""")
    actuals = write_csv(tmp_path / "a.csv", [
        ["工号", "销售额", "态度(上级)", "态度(同事1)", "态度【同事2】", "态度-同事3"],
        ["E1", 80, 8, 6, 7, ""], ["E2", 100, 10, "", "", ""]])
    e1, e2 = doc_of(scheme, actuals)["results"]
    # 50 × 80/100 + 50 × (60% × 8 + 40% × mean(6, 7)) / 10 = 40 + 37
    assert text(e1["total"]) == "77.00"
    assert [r["count"] for r in e1["raters"]["roles"]] == [1, 2]
    assert (text(e2["total"]), e2["raters"]["missing"], e2["raters"]["reweighted"]) == \
        ("100.00", ["peer"], True)
