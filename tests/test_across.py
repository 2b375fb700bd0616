"""Across people (DOMAIN.md §15) and grades and pay (§14): ranks, distribution statistics,
forced distribution by quotas, calibration, grade coefficients, caps and pay lines.

Expected values are computed here from the inputs (sorting, the largest
remainder method, the tie rule), not read from the engine.
"""

from __future__ import annotations

import json
import math
import statistics
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
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
from kpiscore.score import across

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def q(value: Decimal | Fraction | float, places: str = "0.01") -> str:
    d = value if isinstance(value, Decimal) else Decimal(value.numerator) / value.denominator \
        if isinstance(value, Fraction) else Decimal(str(value))
    return str(d.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def doc_of(scheme: Path, actuals: Path) -> dict[str, Any]:
    return json.loads(render(evaluate_file(str(scheme), str(actuals)), "json"),
                      parse_float=Decimal)


def sheet_rows(path: Path) -> list[list[Any]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(r) for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)]
    finally:
        wb.close()


def competition(totals: list[int]) -> list[int]:
    """"1224": one plus the number of strictly higher totals."""
    return [1 + sum(1 for u in totals if u > t) for t in totals]


# -- ranks and statistics -------------------------------------------------------------------


def test_competition_ranks_1224() -> None:
    assert across.competition_ranks([Decimal(x) for x in (90, 85, 85, 80)]) == [1, 2, 2, 4]
    assert across.competition_ranks([Decimal(x) for x in (7, 9, 7, 9, 1)]) == [3, 1, 3, 1, 5]


def _ranks_by_counting(keys: list[tuple[Decimal | None, str | None]]
                       ) -> list[tuple[int, int, int | None, int | None] | None]:
    """Ranks as DOMAIN.md §15 defines them, the slow way: 1 + how many scored people
    (of the department) have a strictly higher total."""
    scored = [(t, d) for t, d in keys if t is not None]
    out: list[tuple[int, int, int | None, int | None] | None] = []
    for total, dept in keys:
        if total is None:
            out.append(None)
            continue
        mates = [t for t, d in scored if d == dept] if dept is not None else []
        out.append((1 + sum(t > total for t, _ in scored), len(scored),
                    1 + sum(t > total for t in mates) if dept is not None else None,
                    len(mates) if dept is not None else None))
    return out


@given(st.lists(st.tuples(st.one_of(st.none(), st.sampled_from(
    [Decimal("90"), Decimal("90.0"), Decimal("85.5"), Decimal("0"), Decimal("100"),
     Decimal("-3"), Decimal("85.50")])), st.sampled_from([None, "A", "B", "销售部"])),
    max_size=40))
def test_ranks_are_one_plus_how_many_are_strictly_higher(
        keys: list[tuple[Decimal | None, str | None]]) -> None:
    standings = across.Standings()
    for total, department in keys:
        standings.append(total, department)
    got = [None if r is None else (r.overall, r.of, r.department, r.department_of)
           for r in standings.ranks()]
    assert got == _ranks_by_counting(keys)
    totals = [t for t, _ in keys if t is not None]
    assert across.competition_ranks(totals) == [1 + sum(u > t for u in totals)
                                                for t in totals]


# -- the forced distribution example ---------------------------------------------------------

GRADES = ["S", "A", "B", "C", "D"]
COEFFICIENT = {"S": Decimal("1.5"), "A": Decimal("1.2"), "B": Decimal(1), "C": Decimal("0.8"),
               "D": Decimal("0.5")}


def banded(total: int) -> str:
    return "S" if total >= 95 else "A" if total >= 85 else "B" if total >= 70 else \
        "C" if total >= 60 else "D"


def test_forced_distribution_over_fifty_people() -> None:
    folder = EXAMPLES / "forced-distribution"
    rows = sheet_rows(folder / "actuals.xlsx")
    assert len(rows) == 50
    totals = {pid: perf + beh for pid, _n, _d, perf, beh, _b in rows}
    # 10/20/40/20/10 of 50: exactly 5/10/20/10/5, no fractions to round
    order = sorted(totals, key=lambda p: -totals[p])
    slot = [g for g, n in zip(GRADES, [5, 10, 20, 10, 5], strict=True) for _ in range(n)]
    expected: dict[str, str] = {}
    start = 0
    while start < 50:  # tie groups take the better grade of their first place
        end = start
        while end < 50 and totals[order[end]] == totals[order[start]]:
            end += 1
        for pos in range(start, end):
            expected[order[pos]] = slot[start]
        start = end
    counts = {g: sum(1 for v in expected.values() if v == g) for g in GRADES}
    assert counts == {"S": 6, "A": 9, "B": 22, "C": 8, "D": 5}  # two boundary ties moved
    doc = doc_of(folder / "scheme.yaml", folder / "actuals.xlsx")
    people = {r["id"]: r for r in doc["results"]}
    for pid, grade in expected.items():
        p = people[pid]
        assert (p["grade"], p["quota_grade"]) == (banded(totals[pid]), grade), pid
        assert str(p["pay"]) == q(1000 * COEFFICIENT[grade]), pid  # enforce: quota's coefficient
    # ranks: overall and within the department, "1224"
    ids = list(totals)
    overall = competition([totals[p] for p in ids])
    for pid, place in zip(ids, overall, strict=True):
        assert (people[pid]["rank"]["overall"], people[pid]["rank"]["of"]) == (place, 50)
    for dept in ("客服一部", "客服二部"):
        mine = [r[0] for r in rows if r[2] == dept]
        for pid, place in zip(mine, competition([totals[p] for p in mine]), strict=True):
            assert people[pid]["rank"]["department"] == place
            assert people[pid]["rank"]["department_of"] == len(mine)
    assert people["F005"]["rank"]["overall"] == people["F006"]["rank"]["overall"] == 5
    # the report: quotas, banded and assigned counts, and who moved
    (group,) = doc["summary"]["distribution"]["groups"]
    assert [(x["grade"], x["quota"], x["assigned"]) for x in group["quotas"]] == \
        [(g, n, counts[g]) for g, n in zip(GRADES, [5, 10, 20, 10, 5], strict=True)]
    assert [x["banded"] for x in group["quotas"]] == \
        [sum(1 for t in totals.values() if banded(t) == g) for g in GRADES]
    moved = {m["id"]: (m["from"], m["to"]) for m in doc["summary"]["distribution"]["moved"]}
    assert moved == {p: (banded(totals[p]), g) for p, g in expected.items()
                     if banded(totals[p]) != g}
    # distribution statistics over the 50 totals: median, population standard deviation
    values = list(totals.values())
    s = doc["summary"]
    assert str(s["median"]) == q(Decimal(str(statistics.median(values))))
    assert str(s["std_dev"]) == q(statistics.pstdev([Decimal(v) for v in values]))
    assert [(g["name"], g["count"]) for g in s["grades"]] == \
        [(g, sum(1 for t in values if banded(t) == g)) for g in GRADES]


def test_calibration_report_with_advisory_quotas() -> None:
    folder = EXAMPLES / "quota-calibration"
    rows = sheet_rows(folder / "actuals.xlsx")
    n = len(rows)
    assert n == 23
    exact = [Fraction(n * p, 100) for p in (20, 70, 10)]  # 4.6, 16.1, 2.3
    counts = [math.floor(e) for e in exact]
    for i in sorted(range(3), key=lambda i: -(exact[i] - counts[i]))[:n - sum(counts)]:
        counts[i] += 1
    assert counts == [5, 16, 2]
    doc = doc_of(folder / "scheme.yaml", folder / "actuals.xlsx")
    bands = {r["id"]: ("A" if r["total"] >= 90 else "B" if r["total"] >= 70 else "C")
             for r in doc["results"]}
    assert {r["id"]: r["grade"] for r in doc["results"]} == bands  # advisory: grades stay
    (group,) = doc["summary"]["distribution"]["groups"]
    assert doc["summary"]["distribution"]["mode"] == "advisory"
    got = [(x["grade"], str(x["exact"]), x["quota"], x["banded"], x["over_quota"])
           for x in group["quotas"]]
    banded_counts = [sum(1 for g in bands.values() if g == x) for x in "ABC"]
    assert got == [(g, q(e, "0.01").rstrip("0").rstrip("."), c, b, b - c) for g, e, c, b in
                   zip("ABC", exact, counts, banded_counts, strict=True)]
    assert banded_counts == [8, 12, 3]


# -- grades and pay ---------------------------------------------------------------------------


def test_pay_lines_grade_coefficients_and_caps() -> None:
    folder = EXAMPLES / "installation-bonus"
    doc = doc_of(folder / "scheme.yaml", folder / "actuals.xlsx")
    # total (by hand, as in installation-card), base pay, bonus base
    cases = {"A001": (Decimal(81), 6000, 800), "A002": (Decimal("95.2"), 7000, 1000),
             "A003": (Decimal(58), 5000, 800), "A004": (Decimal(33), 5000, 800),
             "A005": (Decimal(80), 6000, 800)}
    people = {r["id"]: r for r in doc["results"]}
    for pid, (total, base, bonus_base) in cases.items():
        p = people[pid]
        grade = "优秀" if total >= 90 else "合格" if total >= 80 else "不合格"
        coefficient = {"优秀": Decimal("1.5"), "合格": Decimal(1), "不合格": Decimal(0)}[grade]
        pay = total / 80 * base
        pay_capped = min(max(pay, Decimal(3000)), Decimal(8000))
        bonus = min(bonus_base * coefficient, Decimal(1200))
        assert (str(p["total"]), p["grade"], p["passed"]) == (q(total), grade, total >= 80)
        lines = {x["id"]: x for x in p["pay_lines"]}
        assert str(p["pay"]) == str(lines["pay"]["amount"]) == q(pay_capped), pid
        assert str(lines["pay"]["uncapped"]) == q(pay)
        assert lines["pay"]["capped"] == ("max" if pay > 8000 else "min" if pay < 3000 else None)
        assert str(lines["bonus"]["amount"]) == q(bonus)
        assert str(lines["total_pay"]["amount"]) == q(pay_capped + bonus)
    a001 = people["A001"]
    assert (str(a001["total"]), str(a001["pay"])) == ("81.00", "6075.00")  # DOMAIN §14
    assert [str(x["amount"]) for x in a001["pay_lines"]] == ["6075.00", "800.00", "6875.00"]
    assert doc["summary"]["passed"] == 3


def test_pay_formula_names_are_checked(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", """\
id: s
title: s
inputs: [{id: base}]
indicators:
  - {id: a, target: 100, weight: 100, rule: ratio}
grades: [{name: A, min: 90, coefficient: 1.2}, {name: B}]
pay: {formula: base * grade_coefficient, min: 10, max: 5}
pay_lines:
  - {id: bonus, formula: pay * 0.1 + bonsu}
""")
    with pytest.raises(SchemeInvalid) as exc:
        load_scheme(scheme)
    found = {(f.line, f.code) for f in exc.value.findings}
    assert (6, "missing-coefficient") in found  # grade B has none
    assert (7, "bad-range") in found  # min above max
    assert (9, "unknown-name") in found  # 'bonsu'


# -- forced distribution: unit cases -----------------------------------------------------


def keys(*totals: int) -> list[tuple[bool, Decimal]]:
    return [(False, Decimal(t)) for t in totals]


def test_ties_at_a_boundary_go_better_or_worse() -> None:
    # 4 people, quotas 2/2: the 2nd and 3rd tie
    assert across.assign(keys(9, 8, 8, 1), [2, 2], "better") == [0, 0, 0, 1]
    assert across.assign(keys(9, 8, 8, 1), [2, 2], "worse") == [0, 1, 1, 1]


def test_a_vetoed_person_comes_last() -> None:
    k = [(False, Decimal(50)), (True, Decimal(99)), (False, Decimal(60))]
    assert across.assign(k, [1, 1, 1], "better") == [1, 2, 0]


def test_largest_remainder_with_equal_fractions() -> None:
    # 5 × 10/20/40/20/10% = 0.5/1/2/1/0.5: one place left, equal fractions .5 →
    # the larger percent first, then the better grade: the first 10%
    _, counts = across.quota_counts(5, [Decimal(p) for p in (10, 20, 40, 20, 10)])
    assert counts == [1, 1, 2, 1, 0] and sum(counts) == 5


def test_department_scope(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", """\
id: s
title: s
indicators: [{id: x, rule: direct}]
grades: [{name: A, min: 90}, {name: B}]
distribution:
  scope: department
  quotas: [{grade: A, percent: 50}, {grade: B, percent: 50}]
""")
    actuals = write_csv(tmp_path / "a.csv", [["工号", "部门", "x"], ["1", "甲", 95],
                                             ["2", "甲", 50], ["3", "乙", 40], ["4", "乙", 30]])
    doc = doc_of(scheme, actuals)
    assert [r["quota_grade"] for r in doc["results"]] == ["A", "B", "A", "B"]
    assert [g["department"] for g in doc["summary"]["distribution"]["groups"]] == ["甲", "乙"]


# -- properties -------------------------------------------------------------------------------

percents = st.lists(st.integers(0, 100), min_size=1, max_size=6).filter(
    lambda ps: sum(ps) > 0).map(lambda ps: _to_hundred(ps))


def _to_hundred(ps: list[int]) -> list[Decimal]:
    """Scale integer weights to percents adding up to exactly 100."""
    total = sum(ps)
    out = [Decimal(p * 100) / total for p in ps]
    out[-1] = 100 - sum(out[:-1], Decimal(0))
    return out


@given(people=st.integers(0, 200), quotas=percents)
def test_quota_counts_add_up_and_round_each_share_to_a_neighbour(people: int,
                                                                 quotas: list[Decimal]) -> None:
    exact, counts = across.quota_counts(people, quotas)
    assert sum(counts) == people
    for e, c in zip(exact, counts, strict=True):
        assert math.floor(e) <= c <= math.floor(e) + 1
        assert abs(c - e) < 1
    # largest remainder: a grade rounded down never has a larger fraction than one rounded up
    ups = [e - math.floor(e) for e, c in zip(exact, counts, strict=True) if c > e]
    downs = [e - math.floor(e) for e, c in zip(exact, counts, strict=True)
             if c == math.floor(e) and e != c]
    if ups and downs:
        assert min(ups) >= max(downs)


@given(totals=st.lists(st.integers(0, 1000), min_size=1, max_size=60, unique=True),
       quotas=percents)
def test_distinct_totals_get_exactly_the_quota_counts(totals: list[int],
                                                      quotas: list[Decimal]) -> None:
    _, counts = across.quota_counts(len(totals), quotas)
    got = across.assign(keys(*totals), counts, "better")
    assert [got.count(k) for k in range(len(counts))] == counts
    _assert_monotone(totals, got)


@given(totals=st.lists(st.integers(0, 12), min_size=1, max_size=60), quotas=percents,
       ties=st.sampled_from(["better", "worse"]))
def test_ties_never_give_a_lower_grade_to_a_higher_total(totals: list[int],
                                                         quotas: list[Decimal],
                                                         ties: str) -> None:
    _, counts = across.quota_counts(len(totals), quotas)
    got = across.assign(keys(*totals), counts, ties)
    _assert_monotone(totals, got)
    for t in set(totals):  # equal totals, one grade
        assert len({g for x, g in zip(totals, got, strict=True) if x == t}) == 1
    # the tie rule moves boundaries one way only: better fills the top grades at least
    # to their quota, worse at most
    for k in range(len(counts)):
        top = sum(1 for g in got if g <= k)
        quota = sum(counts[:k + 1])
        assert top >= quota if ties == "better" else top <= quota


def _assert_monotone(totals: list[int], grades: list[int]) -> None:
    for a, ga in zip(totals, grades, strict=True):
        for b, gb in zip(totals, grades, strict=True):
            if a > b:
                assert ga <= gb  # a higher total never gets a worse (larger) grade index


# -- the reference documents every field of the new models -----------------------------------


@pytest.mark.parametrize("model", ["PayLine", "Raters", "Rater", "Survey", "Question", "Scale",
                                   "Rollup", "Distribution", "Quota"])
def test_scheme_md_documents_the_new_models(model: str) -> None:
    import kpiscore.scheme.models as models

    text = (ROOT / "docs" / "scheme.md").read_text(encoding="utf-8")
    assert f"\n### {model}\n" in text, f"no section for {model}"
    section = text.split(f"\n### {model}\n", 1)[1].split("\n#", 1)[0]
    for name in getattr(models, model).model_fields:
        assert f"| `{name}` |" in section, f"{model}.{name} is not documented"
