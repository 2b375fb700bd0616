"""A lane (score/lane.py) scores a plain row as the scorer's own path does, and leaves
every other row to it: the same result in every field and the same bytes in every
streamed format, whichever rows came before (the two share the scorer's memory)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpiscore.api import open_table
from kpiscore.outputs import FORMATS
from kpiscore.scheme.load import load_scheme
from kpiscore.score import lane as lane_module
from kpiscore.score import scorer as scorer_module
from kpiscore.score.evaluate import binding_for, head, iter_results
from kpiscore.score.lane import Lane
from kpiscore.score.scorer import Scorer, cell_text

SCHEME = """\
id: lane
title: 车道
precision: 2
grades: [{name: A, min: 90}, {name: B, min: 60}, {name: C, min: 0}]
pass_mark: 75
sections:
  - id: work
    title: 工作
    weight: 70
    dimensions:
      - id: service
        title: 服务
        weight: 60
        indicators:
          - {id: csat, title: 满意度, target: 90, rule: {kind: deduct, per: 1, points: 0.5}}
          - {id: calls, title: 接听量, target: 100, rule: {kind: ratio, cap: 120}}
      - id: care
        title: 关怀
        weight: 40
        indicators:
          - {id: score, title: 评分, rule: direct, veto: {when: "< 10"}}
  - id: conduct
    title: 行为
    weight: 30
    dimensions:
      - id: manner
        title: 态度
        weight: 100
        indicators:
          - id: focus
            title: 以客户为中心
            rule: {kind: levels, levels: [{level: 1, points: 0}, {level: 2, points: 40},
                                          {level: 3, points: 100}]}
"""
HEADER = ["工号", "姓名", "部门", "csat", "calls", "score", "focus"]

#: cells as openers give them: numbers of several types and spellings, text numbers,
#: and less often blanks, typos, values out of range or firing the veto, unknown levels
GOOD = st.sampled_from([Decimal("95"), Decimal("95.0"), Decimal("88.25"), 95, 95.0, "95",
                        "９５", "95%", " 88 ", Decimal("0.955"), Decimal("70"), 101])
BAD = st.sampled_from(["", None, "x", Decimal("-3"), Decimal("1E+3"), "#N/A", True,
                       Decimal("5")])
NUMBERS = st.one_of(GOOD, GOOD, GOOD, GOOD, GOOD, GOOD, BAD)
LEVELS = st.one_of(*[st.sampled_from(["1", "2", "3", 3, Decimal("2")])] * 4,
                   st.sampled_from(["4", "", "二", "2级"]))
CELLS = st.tuples(st.sampled_from(["E1", "E2", "Ｅ3", "E1", "E2", "", None]),
                  st.sampled_from(["张三", "", None, "李四"]),
                  st.sampled_from(["一部", None, "二部"]),
                  NUMBERS, NUMBERS, NUMBERS, LEVELS)


@pytest.fixture(scope="module")
def bound(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("lane")
    scheme = folder / "lane.yaml"
    scheme.write_text(SCHEME, encoding="utf-8")
    actuals = folder / "a.csv"
    actuals.write_text(",".join(HEADER) + "\n", encoding="utf-8")
    loaded = load_scheme(str(scheme))
    with open_table(str(actuals)) as table:
        binding = binding_for(loaded.compiled, table)
    return loaded.compiled, binding


def _texts(compiled: Any, r: Any) -> list[str]:
    start = head(compiled, ["a.csv"])
    return [FORMATS[f].encoder(start)(r) for f in ("json", "jsonl", "csv")]


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(CELLS, st.one_of(st.just(set()), st.just(set()),
                                                st.sets(st.integers(3, 6), max_size=2))),
                    max_size=25))
def test_a_lane_scores_as_the_scorer_does(bound: Any,
                                          rows: list[tuple[tuple[Any, ...], set[int]]]) -> None:
    compiled, binding = bound
    assert Lane.fits(Scorer(compiled), binding)
    shared = Scorer(compiled)  # the lane and the scorer's path, remembering together
    lane = Lane(shared, binding)
    for number, (cells, percent) in enumerate(rows, start=2):
        pct = frozenset(percent)
        expected = Scorer(compiled).score_row(binding, number, list(cells), _where,
                                              pct.__contains__)
        got = lane.score(number, list(cells), pct, cell_text(cells[0]))
        plain = not expected.errors and not expected.vetoes
        if got is None:
            assert not plain, cells  # a plain row is always the lane's
            got = shared.score_row(binding, number, list(cells), _where, pct.__contains__)
        assert (got.row, got.id, got.name, got.department, got.total, got.grade,
                got.passed, got.env, got.errors) == (
            expected.row, expected.id, expected.name, expected.department, expected.total,
            expected.grade, expected.passed, expected.env, expected.errors)
        assert _texts(compiled, got) == _texts(compiled, expected)


def _where(col: int) -> str:
    return f"a.csv!{chr(65 + col)}"


def test_a_full_memory_still_gives_each_row_its_result(bound: Any,
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    """Past what the scorer remembers, a lane makes each row's results for it alone."""
    compiled, binding = bound
    monkeypatch.setattr(scorer_module, "MEMO_SIZE", 2)
    monkeypatch.setattr(lane_module, "MEMO_SIZE", 2)
    scorer = Scorer(compiled)
    lane = Lane(scorer, binding)
    for k in range(8):
        cells = ["E1", "张三", "一部", Decimal(80 + k), Decimal(90 + k), Decimal(50 + k), "2"]
        got = lane.score(2, cells, frozenset(), "E1")
        assert got is not None
        assert all(i.shared for i in got.indicators) == (k < 2)  # made for this row alone
        expected = Scorer(compiled).score_row(binding, 2, cells, _where)
        assert _texts(compiled, got) == _texts(compiled, expected)


def test_a_scheme_with_formulas_or_pay_has_no_lane(tmp_path: Path) -> None:
    scheme = tmp_path / "f.yaml"
    scheme.write_text(SCHEME.replace(
        "{id: calls, title: 接听量, target: 100, rule: {kind: ratio, cap: 120}}",
        "{id: calls, title: 接听量, target: 100, formula: csat * 2, rule: ratio}"),
        encoding="utf-8")
    actuals = tmp_path / "a.csv"
    actuals.write_text("工号,csat,score,focus\nE1,90,50,2\n", encoding="utf-8")
    loaded = load_scheme(str(scheme))
    with open_table(str(actuals)) as table:
        binding = binding_for(loaded.compiled, table)
        assert not Lane.fits(Scorer(loaded.compiled), binding)
    with open_table(str(actuals)) as table:
        [r] = list(iter_results(loaded.compiled, table))
    assert r.total is not None and not r.errors


def test_an_indicator_whose_cells_never_repeat_forgets_them(
        bound: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past scorer.TRIAL cells with hardly a hit, an indicator remembers none (every actual
    distinct would keep thousands of pieces, never met again); one whose cells repeat
    goes on remembering. Each row's result is the scorer's either way."""
    compiled, binding = bound
    monkeypatch.setattr(scorer_module, "TRIAL", 8)
    monkeypatch.setattr(scorer_module, "FEW", 4)
    lane = Lane(Scorer(compiled), binding)
    for k in range(40):
        # csat: every one new; calls: 4 values in turn; score: each twice, a hit every
        # other row (enough to go on remembering); focus: one level
        cells = ["E1", "张三", "一部", Decimal(60) + Decimal(k) / 100, Decimal(90 + k % 4),
                 Decimal(50 + k // 2), "2"]
        got = lane.score(k + 2, cells, frozenset(), "E1")
        assert got is not None
        expected = Scorer(compiled).score_row(binding, k + 2, cells, _where)
        assert _texts(compiled, got) == _texts(compiled, expected)
        if k == 7:  # the eighth new csat: it stops remembering
            assert lane.keeping == [False, True, True, True]
    assert lane.keeping == [False, True, True, True]
    assert [len(pieces) for _, _, pieces in lane.slots] == [0, 4, 20, 1]
    assert not got.indicators[0].shared and got.indicators[1].shared


def test_the_scorers_own_memories_forget_cells_that_do_not_repeat(
        bound: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scorer's path (rows a lane leaves to it, schemes with no lane) forgets as a
    lane does: an indicator's actuals and a field's readings, each on its own."""
    compiled, binding = bound
    monkeypatch.setattr(scorer_module, "TRIAL", 8)
    monkeypatch.setattr(scorer_module, "FEW", 4)
    scorer = Scorer(compiled)
    for k in range(40):
        cells = ["E1", "张三", "一部", Decimal(60) + Decimal(k) / 100, Decimal(90 + k % 4),
                 Decimal(50 + k // 2), "2"]
        got = scorer.score_row(binding, k + 2, cells, _where)
        expected = Scorer(compiled).score_row(binding, k + 2, cells, _where)
        assert _texts(compiled, got) == _texts(compiled, expected)
    numeric = [f.numeric for f in compiled.fields]
    assert scorer._keeping == [False, True, True, True]
    assert [keeping for keeping, n in zip(scorer._keeping_readings, numeric, strict=True)
            if n] == [False, True, True]
    assert [len(memo) for memo in scorer._memo] == [0, 4, 20, 1]
    assert not got.indicators[0].shared and got.indicators[1].shared
