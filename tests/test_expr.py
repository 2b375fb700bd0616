"""The formula parser: exact arithmetic, names in any script, never eval."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kpiscore.scheme import formula as expr


def ev(text: str, **env: str) -> Decimal:
    return expr.parse(text).eval({k: Decimal(v) for k, v in env.items()})


def test_precedence_and_parentheses() -> None:
    assert ev("1 + 2 * 3") == 7
    assert ev("(1 + 2) * 3") == 9
    assert ev("-2 * -3") == 6
    assert ev("10 / 4") == Decimal("2.5")


def test_chinese_names_and_brackets() -> None:
    assert ev("解决数 / 问题总数 * 100", 解决数="45", 问题总数="50") == 90
    assert expr.parse("[spent amount] - `budget x`").names() == {"spent amount", "budget x"}


def test_multiplication_and_division_signs_as_written_in_cards() -> None:
    assert ev("解决数 ÷ 问题总数 × 100", 解决数="9", 问题总数="10") == 90


def test_full_width_input_is_folded() -> None:
    assert ev("（１＋２）＊３") == 9


def test_functions() -> None:
    assert ev("min(3, 1, 2)") == 1
    assert ev("max(3, 1, 2)") == 3
    assert ev("abs((spent - budget) / budget * 100)", spent="103.5", budget="100") == Decimal(
        "3.5")
    assert ev("round(2.675, 2)") == Decimal("2.68")
    assert ev("round(2.5)") == 3


def test_percent_sign_is_refused_as_ambiguous() -> None:
    # "解决数/问题总数 × 100%" on a card means percent points; arithmetic would read 1
    with pytest.raises(expr.FormulaError) as info:
        expr.parse("解决数 / 问题总数 × 100%")
    assert "100% is ambiguous" in str(info.value) and "write × 100" in str(info.value)
    assert info.value.offset == 13


def test_exact_decimal() -> None:
    assert ev("0.1 + 0.2") == Decimal("0.3")


def test_division_by_zero_names_the_divisor() -> None:
    with pytest.raises(expr.DivisionByZero) as info:
        ev("solved / total", solved="1", total="0")
    assert info.value.divisor == "total"


@pytest.mark.parametrize(
    ("text", "offset", "message"),
    [
        ("1 +", 3, "expected a number"),
        ("a b", 2, "expected the end"),
        ("__import__('os')", 11, "unexpected"),
        ("foo(1)", 0, "unknown function 'foo'"),
        ("(1", 2, "expected ')'"),
        ("abs(1, 2)", 0, "abs() takes 1 argument"),
        ("", 0, "empty"),
        ("1 ** 2", 3, "expected a number"),
    ],
)
def test_syntax_errors_point_at_the_offset(text: str, offset: int, message: str) -> None:
    with pytest.raises(expr.FormulaError) as info:
        expr.parse(text)
    assert message in str(info.value)
    assert info.value.offset == offset


def test_name_offsets() -> None:
    node = expr.parse("a + 解决数 * a")
    assert expr.name_offsets(node) == {"a": 0, "解决数": 4}
