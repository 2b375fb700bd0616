"""The classic traps of money-like arithmetic: scoring stays exact Decimal end to end.

DOMAIN.md: "Arithmetic is exact decimal (no binary floats in scores or pay).
Nothing is rounded between steps; ... rounding half up (四舍五入)."
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpiscore.base.numbers import plain, readable, round_half_up, to_decimal
from kpiscore.outputs.records import person_dict
from kpiscore.scheme.load import from_model
from kpiscore.scheme.models import Scheme
from kpiscore.score.binding import bind
from kpiscore.score.results import PersonResult
from kpiscore.score.scorer import Scorer


def score_row(scheme: dict[str, Any], header: list[str], row: list[Any]) -> PersonResult:
    """Score one spreadsheet row (cells as openpyxl gives them: int, float, str)."""
    compiled = from_model(Scheme.model_validate({"id": "exact", "title": "exact",
                                                 **scheme})).compiled

    def where(col: int) -> str:
        return f"Sheet1!{chr(ord('A') + col)}2"

    binding = bind(compiled, header, where)
    result = Scorer(compiled).score_row(binding, 2, row, where)
    assert result.status == "ok", result.errors
    return result


def floats_in(value: Any, path: str = "result") -> list[str]:
    """Every place in ``value`` (dataclasses, lists, dicts) that holds a float."""
    if isinstance(value, float):
        return [f"{path} = {value!r}"]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [hit for f in dataclasses.fields(value)
                for hit in floats_in(getattr(value, f.name), f"{path}.{f.name}")]
    if isinstance(value, dict):
        return [hit for k, v in value.items() for hit in floats_in(v, f"{path}[{k!r}]")]
    if isinstance(value, (list, tuple)):
        return [hit for i, v in enumerate(value) for hit in floats_in(v, f"{path}[{i}]")]
    return []


EVERY_RULE = {
    "inputs": [{"id": "base_pay"}],
    "pay": {"formula": "total / 80 * base_pay"},
    "grades": [{"name": "合格", "min": 80}, {"name": "不合格"}],
    "indicators": [
        {"id": "meetings", "weight": 10, "target": 10, "rule": {"kind": "threshold"}},
        {"id": "csat", "weight": 10, "target": 90, "rule": {"kind": "deduct", "points": 0.5}},
        {"id": "execution", "weight": 10, "unit": "%",
         "rule": {"kind": "bands", "bands": [{"at_least": 99, "points": 25},
                                             {"at_least": 95, "points": 20},
                                             {"points": 0}]}},
        {"id": "feedback", "weight": 10, "better": "lower", "target": 1, "full_marks": 10,
         "rule": {"kind": "pass_fail"}},
        {"id": "qc", "weight": 10, "target": 3, "full_marks": 20, "rule": {"kind": "ratio"}},
        {"id": "first_pass", "weight": 10, "unit": "%", "target": 90, "full_marks": 30,
         "rule": {"kind": "pass_line", "base": 20}},
        {"id": "rent", "weight": 10, "unit": "%", "target": 95,
         "rule": {"kind": "anchors", "baseline": 90, "challenge": 98}},
        {"id": "behaviour", "weight": 10,
         "rule": {"kind": "levels", "levels": [{"level": k, "points": p} for k, p in
                                               enumerate([10, 15, 20, 30, 40], start=1)]}},
        {"id": "cooperation", "weight": 20, "full_marks": 10, "rule": {"kind": "direct"}},
    ],
}
HEADER = ["工号", "meetings", "csat", "execution", "feedback", "qc", "first_pass", "rent",
          "behaviour", "cooperation", "base_pay"]
# floats where a spreadsheet gives them; 0.1-style values that binary floats cannot hold
ROW = ["E001", 12, 86.3, "97.1%", 0.7, 1.1, 94.3, 97.1, "4级", 8.1, 6000.1]


def test_scoring_never_produces_a_float() -> None:
    result = score_row(EVERY_RULE, HEADER, ROW)
    assert floats_in(result) == []
    assert floats_in(person_dict(result, precision=2, pay_precision=2)) == []
    for ind in result.indicators:
        assert isinstance(ind.points, Decimal), ind
        assert isinstance(ind.contribution, Decimal), ind
    assert isinstance(result.total, Decimal)
    assert isinstance(result.pay, Decimal)


def test_float_cells_are_read_as_written() -> None:
    result = score_row(EVERY_RULE, HEADER, ROW)
    actuals = {ind.id: ind.actual for ind in result.indicators}
    assert actuals["csat"] == Decimal("86.3")
    assert actuals["qc"] == Decimal("1.1")
    points = {ind.id: ind.points for ind in result.indicators}
    assert points["csat"] == Decimal("98.15")  # 90 − 86.3 = 3.7 short × 0.5 = 1.85
    assert points["cooperation"] == Decimal("8.1")
    assert points["first_pass"] == Decimal("24.3")


def test_point_one_plus_point_two_is_point_three() -> None:
    scheme = {"indicators": [
        {"id": "a", "weight": 50, "rule": {"kind": "direct"}},
        {"id": "b", "weight": 50, "rule": {"kind": "direct"}},
    ]}
    result = score_row(scheme, ["id", "a", "b"], ["E1", 0.2, 0.4])
    assert [i.contribution for i in result.indicators] == [Decimal("0.1"), Decimal("0.2")]
    assert result.total == Decimal("0.3")


def test_four_times_a_quarter_of_five_stays_five() -> None:
    scheme = {"scale": 5, "indicators": [
        {"id": f"k{i}", "weight": "25%", "target": 10, "rule": {"kind": "threshold"}}
        for i in range(4)]}
    result = score_row(scheme, ["id", "k0", "k1", "k2", "k3"], ["E1", 12, 12, 12, 12])
    assert all(i.points == 5 for i in result.indicators)
    assert result.total == Decimal(5)
    assert str(round_half_up(result.total, 2)) == "5.00"


def test_weighted_threshold_kpis() -> None:
    """DOMAIN §1: three KPIs weighted 50/30/20 scoring 5, 3, 4 → 4.2 of 5 → 84.00."""
    scheme = {"indicators": [
        {"id": f"k{i}", "weight": w, "target": 10, "rule": {"kind": "threshold"}}
        for i, w in enumerate([50, 30, 20])]}
    result = score_row(scheme, ["id", "k0", "k1", "k2"], ["E1", 12, 8, 10])
    assert [i.points for i in result.indicators] == [5, 3, 4]
    assert result.total == Decimal(84)
    assert person_dict(result, 2, 2)["total"] == Decimal("84.00")


def test_perfect_marks_under_a_three_way_split_total_the_scale() -> None:
    scheme = {"grades": [{"name": "满分", "min": 100}, {"name": "其他"}],
              "dimensions": [{"id": "d", "weight": 100, "indicators": [
                  {"id": f"k{i}", "full_marks": 10, "rule": {"kind": "direct"}}
                  for i in range(3)]}]}
    result = score_row(scheme, ["id", "k0", "k1", "k2"], ["E1", 10, 10, 10])
    assert result.total == Decimal(100)
    assert result.grade == "满分"


@pytest.mark.parametrize(("value", "places", "expected"), [
    ("1.005", 2, "1.01"),
    ("2.675", 2, "2.68"),
    ("2.665", 2, "2.67"),
    ("0.125", 2, "0.13"),
    ("-2.675", 2, "-2.68"),
    ("84", 2, "84.00"),
    ("113.3333333333333333333333333", 2, "113.33"),
    ("6074.99999", 2, "6075.00"),
    ("0.5", 0, "1"),
    ("-0.001", 2, "0.00"),  # never a negative zero
])
def test_round_half_up(value: str, places: int, expected: str) -> None:
    rounded = round_half_up(Decimal(value), places)
    assert str(rounded) == expected


def test_round_half_up_of_floats_as_written() -> None:
    # Python's round() sees the binary value: round(2.675, 2) == 2.67, round(1.005, 2) == 1.0
    assert round_half_up(to_decimal(2.675), 2) == Decimal("2.68")
    assert round_half_up(to_decimal(1.005), 2) == Decimal("1.01")


# -- the engine's types: where a binary float could get in ----------------------------------------

#: The modules a score or a pay value passes through (presentation, e.g. report_xlsx, renders
#: finished Decimals and is not listed).
SCORING = ["engine", "expr", "numbers", "results", "values", "rules", "raters", "pipeline",
           "across", "surveys", "periods"]


def _scoring_files() -> list[Any]:
    from pathlib import Path

    import kpiscore

    root = Path(kpiscore.__file__).parent
    files = []
    for name in SCORING:
        if (root / name).is_dir():
            files += sorted((root / name).glob("*.py"))
        elif (root / f"{name}.py").exists():
            files.append(root / f"{name}.py")
    return files


def test_no_result_field_is_a_float() -> None:
    """Every dataclass the engine builds results from is annotated without ``float``."""
    import importlib
    import inspect

    for name in ("kpiscore.score.results", "kpiscore.score.scorer", "kpiscore.scheme.compile",
                 "kpiscore.rules.base"):
        module = importlib.import_module(name)
        for cls_name, cls in inspect.getmembers(module, dataclasses.is_dataclass):
            if cls.__module__ != name:
                continue
            for f in dataclasses.fields(cls):
                assert "float" not in str(f.type), f"{name}.{cls_name}.{f.name}: {f.type}"


def test_scoring_code_makes_no_binary_floats() -> None:
    """No ``float(...)`` call and no float literal in arithmetic in the scoring modules
    (a difflib ``cutoff=`` and a JSON Schema example are not arithmetic)."""
    import ast

    found = []
    for path in _scoring_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed: set[int] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg in ("cutoff", "json_schema_extra"):
                allowed.update(id(n) for n in ast.walk(node.value))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, float) \
                    and id(node) not in allowed:
                found.append(f"{path.name}:{node.lineno}: the float literal {node.value!r}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "float":
                found.append(f"{path.name}:{node.lineno}: float(...)")
    assert found == []


def _readable_reference(value: Decimal, precision: int) -> str:
    """readable() as it was first written: its decimals counted by as_tuple()."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -(precision + 2):
        return plain(value)
    if round_half_up(value, precision + 2) == value:
        return plain(value)
    return plain(round_half_up(value, precision))


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None), st.integers(0, 6))
def test_readable_counts_decimals_as_as_tuple_does(value: Decimal, precision: int) -> None:
    assert readable(value, precision) == _readable_reference(value, precision)


@given(st.integers(-10**32, 10**32), st.integers(3, 12), st.integers(0, 6))
def test_readable_rounds_long_decimals_as_round_half_up_does(
        coefficient: int, places: int, precision: int) -> None:
    """The rounding branch's own fast path (a rounded text that is plain already),
    against the way it stands for: halves, negatives, results ending in 0 or -0, and
    numbers too long for a 28-digit quantize."""
    value = Decimal(coefficient).scaleb(-places)
    assert readable(value, precision) == _readable_reference(value, precision)


def _round_reference(value: Decimal, precision: int) -> Decimal:
    """round_half_up() as it was first written."""
    from decimal import ROUND_HALF_UP, Context

    digits = value.adjusted() + precision + 2
    context = None if digits <= 28 else Context(prec=digits)
    rounded = value.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_UP,
                             context=context)
    return abs(rounded) if rounded == 0 else rounded


def _as_it_was(fast: Any, reference: Any, value: Decimal, precision: int) -> None:
    """``fast`` gives what ``reference`` gives, digit for digit and exception for
    exception."""
    try:
        expected = reference(value, precision)
    except ArithmeticError as exc:
        with pytest.raises(type(exc)):
            fast(value, precision)
        return
    got = fast(value, precision)
    assert isinstance(got, Decimal)
    assert (str(got), got.as_tuple()) == (str(expected), expected.as_tuple())


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None), st.integers(0, 20))
def test_round_half_up_rounds_as_it_always_did(value: Decimal, precision: int) -> None:
    _as_it_was(round_half_up, _round_reference, value, precision)


def _short_reference(value: Decimal, precision: int) -> Decimal:
    """records._short as it was first written: its decimals counted by as_tuple()."""
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -precision:
        return value.normalize() if value else Decimal(0)
    return round_half_up(value, precision).normalize()


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None), st.integers(0, 6))
def test_short_numbers_are_what_they_always_were(value: Decimal, precision: int) -> None:
    from kpiscore.outputs.records import _short

    _short.cache_clear()
    _as_it_was(_short, _short_reference, value, precision)
