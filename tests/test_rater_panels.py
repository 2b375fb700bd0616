"""Panels of raters (issue 11, point 6): 去掉一个最高分、一个最低分 (``drop_extremes``) and a
minimum number of ratings per kind (``min_raters``).

The expected numbers are worked here by hand from the ratings, never taken from
the engine: peers 70, 95, 85, 60 less 95 and 60 → 77.5; 60% × 80 + 40% × 77.5 = 79.
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

PANEL = """\
id: panel
title: 面板评分
raters:
  roles:
    - {id: supervisor, title: 上级, weight: 60}
    - {id: peer, title: 同事, weight: 40, multiple: true, drop_extremes: true, min_raters: 3}
indicators:
  - {id: attitude, title: 态度, full_marks: 100, weight: 50, rule: direct}
  - {id: skill, title: 技能, full_marks: 100, weight: 50, rule: direct}
"""
HEADER = ["工号", "评价人", "态度", "技能"]
ROWS = [
    ["E1", "上级", 80, 90],
    ["E1", "同事", 70, 60],
    ["E1", "同事", 95, 80],
    ["E1", "同事", 85, 100],
    ["E1", "同事", 60, 75],
    ["E2", "上级", 80, 90],  # two peers: fewer than min_raters 3
    ["E2", "同事", 70, 60],
    ["E2", "同事", 95, 80],
]


def doc_of(scheme: Path | str, *actuals: Path | str) -> dict[str, Any]:
    report = evaluate_file(str(scheme), [str(a) for a in actuals])
    return json.loads(render(report, "json"), parse_float=Decimal)


def by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in doc["results"]}


def test_drop_extremes_golden(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", PANEL)
    people = by_id(doc_of(scheme, write_csv(tmp_path / "a.csv", [HEADER, *ROWS])))
    e1 = people["E1"]
    # 态度: peers 70, 95, 85, 60 → (70 + 85) / 2 = 77.5; 60% × 80 + 40% × 77.5 = 79
    # 技能: peers 60, 80, 100, 75 → (80 + 75) / 2 = 77.5; 60% × 90 + 40% × 77.5 = 85
    assert [str(i["points"]) for i in e1["indicators"]] == ["79.00", "85.00"]
    assert str(e1["total"]) == "82.00"
    assert "less the highest 95 and the lowest 60: mean 77.5" in \
        e1["indicators"][0]["explanation"]
    peer = e1["raters"]["roles"][1]
    assert str(peer["total"]) == "77.50" and peer["count"] == 4
    dropped = [(g["row"], i["id"]) for g in peer["ratings"] for i in g["indicators"]
               if i.get("dropped")]
    assert dropped == [(3, "skill"), (4, "attitude"), (5, "skill"), (6, "attitude")]
    e2 = people["E2"]
    assert e2["status"] == "error" and e2["total"] is None
    assert [e["message"] for e in e2["errors"]] == \
        ["2 rating(s) by 同事, fewer than its min_raters 3"]
    assert {i["explanation"] for i in e2["indicators"]} == {"not combined: too few ratings by 同事"}
    assert all(r["applied_weight"] is None for r in e2["raters"]["roles"])


def test_fewer_than_three_to_drop_is_an_error_not_a_plain_mean(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", PANEL.replace(", min_raters: 3", ""))
    people = by_id(doc_of(scheme, write_csv(tmp_path / "a.csv", [HEADER, *ROWS])))
    assert people["E1"]["status"] == "ok"
    assert [e["message"] for e in people["E2"]["errors"]] == [
        "2 rating(s) by 同事: drop_extremes drops the highest and the lowest and needs at "
        "least 3"]


def test_min_raters_without_drop_averages_every_rating(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", PANEL.replace("drop_extremes: true, ", ""))
    people = by_id(doc_of(scheme, write_csv(tmp_path / "a.csv", [HEADER, *ROWS])))
    # 态度: peers (70 + 95 + 85 + 60) / 4 = 77.5 (by chance the same); 技能: 315 / 4 = 78.75
    # → 60% × 90 + 40% × 78.75 = 85.5
    assert [str(i["points"]) for i in people["E1"]["indicators"]] == ["79.00", "85.50"]
    assert not any(i.get("dropped") for r in people["E1"]["raters"]["roles"]
                   for g in r["ratings"] for i in g["indicators"])
    assert people["E2"]["status"] == "error"


def test_missing_kind_is_reweighted_but_too_few_is_an_error(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml",
                   PANEL.replace("raters:\n", "raters:\n  missing: reweight\n"))
    rows = [["E3", "上级", 80, 90],  # no peer at all: reweighted to the supervisor
            ["E4", "上级", 80, 90], ["E4", "同事", 70, 60]]  # one peer: too few
    people = by_id(doc_of(scheme, write_csv(tmp_path / "a.csv", [HEADER, *rows])))
    assert str(people["E3"]["total"]) == "85.00" and people["E3"]["raters"]["reweighted"]
    assert [e["message"] for e in people["E4"]["errors"]] == \
        ["1 rating(s) by 同事, fewer than its min_raters 3"]


def test_messages_in_chinese(tmp_path: Path, run_line: Any) -> None:
    scheme = write(tmp_path / "s.yaml", PANEL)
    actuals = write_csv(tmp_path / "a.csv", [HEADER, *ROWS])
    code, out, err = run_line("--lang", "zh", "evaluate", str(scheme), str(actuals),
                              "--format", "json")
    assert code == 1
    assert [(r["row"], r["id"], r["status"]) for r in json.loads(out)["results"]] == \
        [(2, "E1", "ok"), (7, "E2", "error")]
    # the error line, then the accounting line (worded by the CLI)
    lines = err.splitlines()
    assert lines[0] == "a.csv!A7: 同事 只有 2 个评分,少于 min_raters 3 [E2]" and len(lines) == 2
    code, out, err = run_line("--lang", "zh", "explain", str(scheme), str(actuals), "--id",
                              "E1", "--format", "tree")
    assert code == 0, err
    assert "去掉最高 95、最低 60 后平均 77.5" in out
    assert "(各指标去掉一个最高分、一个最低分)" in out
    assert "已去掉(最高分或最低分)" in out
    assert err == ""


def test_explain_marks_the_dropped_ratings(tmp_path: Path, run_line: Any) -> None:
    scheme = write(tmp_path / "s.yaml", PANEL)
    actuals = write_csv(tmp_path / "a.csv", [HEADER, *ROWS])
    code, out, err = run_line("explain", str(scheme), str(actuals), "--id", "E1",
                              "--format", "tree")
    assert (code, err) == (0, "")
    assert "同事 (peer): 77.50 × 40% = 31.00 (each indicator's highest and lowest dropped)" in out
    assert "态度 (attitude): 95 → 95, dropped (a highest or lowest)" in out
    assert "态度 (attitude): 70 → 70\n" in out
    code, out, err = run_line("explain", str(scheme), str(actuals), "--id", "E1",
                              "--format", "json")
    assert code == 0
    doc = json.loads(out)
    peer = doc["raters"][1]
    assert [i.get("dropped", False) for i in peer["ratings"][1]["indicators"]] == [True, False]


def test_validate_places_the_rater_options(tmp_path: Path, run_line: Any) -> None:
    scheme = write(tmp_path / "bad.yaml", """\
id: s
title: s
raters:
  roles:
    - {id: supervisor, title: 上级, weight: 60, drop_extremes: true, min_raters: 2}
    - {id: peer, title: 同事, weight: 40, multiple: true, drop_extremes: true, min_raters: 2}
indicators:
  - {id: attitude, title: 态度, full_marks: 100, rule: direct}
""")
    code, out, err = run_line("validate", str(scheme))
    assert code == 1
    assert out == (
        f"{scheme}:5:47: error: drop_extremes needs several raters of this kind: set "
        "multiple: true (bad-raters)\n"
        f"{scheme}:5:68: error: min_raters 2 needs several raters of this kind: set "
        "multiple: true (bad-raters)\n"
        f"{scheme}:6:90: error: drop_extremes drops 2 of the ratings and needs at least 3: "
        "min_raters 2 would let fewer through (write min_raters: 3 or more) (bad-raters)\n")
    assert err == "1 scheme file(s) checked: 3 error(s), 0 warning(s), invalid\n"
    with pytest.raises(SchemeInvalid):
        load_scheme(write(tmp_path / "zero.yaml", PANEL.replace("min_raters: 3", "min_raters: 0")))


# -- properties ---------------------------------------------------------------------------

SOLO = """\
id: solo
title: solo
raters:
  roles:
    - {id: peer, title: 同事, weight: 100, multiple: true, drop_extremes: true}
indicators:
  - {id: attitude, title: 态度, full_marks: 100, weight: 50, rule: direct}
  - {id: skill, title: 技能, full_marks: 100, weight: 50, rule: direct}
"""
ratings = st.lists(st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=1, max_size=7)


def _trimmed(values: list[int]) -> Decimal:
    kept = sorted(values)[1:-1]
    return Decimal(sum(kept)) / len(kept)


@given(panel=ratings, seed=st.randoms(use_true_random=False))
def test_drop_extremes_is_the_exact_mean_of_the_rest_in_any_order(
        panel: list[tuple[int, int]], seed: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    folder = tmp_path_factory.mktemp("drop")
    scheme = load_scheme(write(folder / "s.yaml", SOLO))
    rows = [["E1", "同事", a, b] for a, b in panel]
    shuffled = list(rows)
    seed.shuffle(shuffled)
    first = evaluate_file(scheme, str(write_csv(folder / "a.csv", [HEADER, *rows])))
    second = evaluate_file(scheme, str(write_csv(folder / "b.csv", [HEADER, *shuffled])))
    (r1,), (r2,) = first.results, second.results
    if len(panel) < 3:
        assert r1.status == r2.status == "error" and r1.total is None
        return
    attitude, skill = _trimmed([a for a, _ in panel]), _trimmed([b for _, b in panel])
    assert [i.points for i in r1.indicators] == [attitude, skill]
    assert r1.total == (attitude + skill) / 2 == r2.total
    assert r1.raters is not None and r2.raters is not None
    # two points dropped per indicator, whatever the order of the rows
    for r in (r1, r2):
        assert r.raters is not None
        assert sum(len(g.dropped) for g in r.raters.roles[0].ratings) == 4


@given(value=st.integers(0, 100), count=st.integers(3, 6))
def test_dropping_from_equal_ratings_changes_nothing(value: int, count: int,
                                                     tmp_path_factory: pytest.TempPathFactory
                                                     ) -> None:
    folder = tmp_path_factory.mktemp("same")
    scheme = load_scheme(write(folder / "s.yaml", SOLO))
    rows = [["E1", "同事", value, value]] * count
    (r,) = evaluate_file(scheme, str(write_csv(folder / "a.csv", [HEADER, *rows]))).results
    assert r.total == Decimal(value)


# -- the example --------------------------------------------------------------------------

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "raters-panel"
FOCUS = {1: 10, 2: 15, 3: 20, 4: 30, 5: 40}
OTHER = {1: 10, 2: 15, 3: 20, 4: 25, 5: 30}


def test_the_raters_panel_example_by_hand() -> None:
    people = by_id(doc_of(EXAMPLE / "scheme.yaml", EXAMPLE / "actuals.xlsx"))

    def card(levels: tuple[int, int, int]) -> list[Decimal]:
        return [Decimal(FOCUS[levels[0]]), Decimal(OTHER[levels[1]]), Decimal(OTHER[levels[2]])]

    def panel(supervisor: tuple[int, int, int], peers: list[tuple[int, int, int]]) -> Decimal:
        cards = [card(p) for p in peers]
        trimmed = [_trimmed([int(c[i]) for c in cards]) for i in range(3)]
        return (sum(card(supervisor), Decimal(0)) + sum(trimmed, Decimal(0))) / 2

    d01 = panel((4, 4, 5), [(5, 4, 4), (3, 3, 3), (4, 5, 4), (2, 4, 5), (5, 5, 5)])
    d02 = panel((3, 3, 3), [(4, 4, 4), (1, 2, 1), (5, 4, 4)])
    d04 = panel((3, 4, 4), [(4, 3, 4), (4, 4, 4), (4, 5, 4), (2, 3, 4)])
    hand = [str(t.quantize(Decimal("0.01"))) for t in (d01, d02, d04)]
    assert hand == ["84.17", "70.00", "73.75"]  # (85 + 250/3) / 2, (60 + 80) / 2, (70 + 77.5) / 2
    assert [str(people[p]["total"]) for p in ("D01", "D02", "D04")] == hand
    assert [people[p]["grade"] for p in ("D01", "D02", "D04")] == ["良好", "合格", "合格"]
    assert [e["message"] for e in people["D03"]["errors"]] == \
        ["2 rating(s) by 同事, fewer than its min_raters 3"]
    # D02's far-off peer (1, 2, 1) is dropped on every item
    outlier = people["D02"]["raters"]["roles"][1]["ratings"][1]
    assert outlier["row"] == 10 and all(i["dropped"] for i in outlier["indicators"])
