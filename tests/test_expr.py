"""The formula parser: exact arithmetic, names in any script, never eval."""

from __future__ import annotations

import sys
import tracemalloc
from decimal import Decimal

import pytest

from kpiscore.base.limits import LIMITS, Limits
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


@pytest.mark.parametrize("text", ["1e9999990%", "1e-9999990%", "9e999999999999999999%"])
def test_a_percent_too_large_to_divide_is_refused_the_same_way(text: str) -> None:
    """The message's fraction is the number over 100 where dividing it would overflow
    (it raised decimal.Overflow: a traceback from validate; found by the token fuzz)."""
    with pytest.raises(expr.FormulaError) as info:
        expr.parse(text)
    assert f"{text} is ambiguous" in str(info.value) and info.value.offset == 0


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


# -- bounds: length, nesting, terms, numbers, round's decimals ------------------------------

WIDE = Limits(formula_length=10**7, formula_terms=10**7)


def refusal(text: str, limits: Limits | None = None) -> expr.FormulaError:
    with pytest.raises(expr.FormulaError) as info:
        expr.parse(text, limits or Limits())
    return info.value


def test_nesting_up_to_the_limit_parses_and_one_more_is_refused_where_it_starts() -> None:
    depth = LIMITS["formula_depth"].default
    assert ev("(" * depth + "1" + ")" * depth) == 1
    assert ev("-" * depth + "2") == (2 if depth % 2 == 0 else -2)
    assert ev("abs(" * (depth - 1) + "-3" + ")" * (depth - 1)) == 3
    for text, offset in [("(" * (depth + 1) + "1" + ")" * (depth + 1), depth),
                         ("-" * (depth + 1) + "1", depth),
                         ("1 + " + "- (" * depth + "1" + ")" * depth, 4 + 3 * (depth // 2)),
                         ("min(" * (depth + 1) + "1" + ")" * (depth + 1), 4 * depth + 3)]:
        error = refusal(text)
        assert (error.code, error.offset) == ("formula-limit", offset), text
        assert f"deeper than {depth} levels" in str(error)
        assert "KPISCORE_MAX_FORMULA_DEPTH" in str(error)


def test_the_deepest_nesting_allowed_fits_the_stack_with_room_to_spare() -> None:
    """At the depth limit's ceiling, parsing and evaluating take under half of Python's
    stack: the limit (checked before each step down) is what bounds the recursion."""
    ceiling = LIMITS["formula_depth"].ceiling
    assert ceiling is not None
    limits = Limits(formula_depth=ceiling)
    text = "(" * (ceiling // 2) + "min(-" * (ceiling // 4) + "a" + ")" * (ceiling // 4) + \
        ")" * (ceiling // 2)

    def nested(frames: int) -> Decimal:  # parse and evaluate with most of the stack in use
        if frames:
            return nested(frames - 1)
        return expr.parse(text, limits).eval({"a": Decimal(5)})

    assert nested(sys.getrecursionlimit() // 2) == -5
    assert refusal("(" * (ceiling + 1) + "a" + ")" * (ceiling + 1), limits).offset == ceiling


def test_a_long_run_of_terms_is_one_node_evaluated_in_a_loop() -> None:
    n = 20_000
    node = expr.parse(" + ".join(["a"] * n) + " - a * 2 / 4", WIDE)
    assert isinstance(node, expr.Chain) and len(node.rest) == n
    assert node.eval({"a": Decimal(3)}) == Decimal(3) * n - Decimal("1.5")
    assert node.names() == {"a"} and expr.name_offsets(node) == {"a": 0}
    assert expr.parse(" * ".join(["2"] * 60), WIDE).eval({}) == 2 ** 60


def _peak_parsing(terms: int) -> int:
    text = " + ".join(["(score)"] * terms)
    tracemalloc.start()
    try:
        expr.parse(text, WIDE)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_grows_with_the_length_of_the_formula_not_its_square() -> None:
    """A node keeps its own text, not the text of everything to its left: parsing
    160 KB of ``score + score + …`` took 1.4 GB. Four times the formula now takes about
    four times the memory (it took sixteen)."""
    small, large = _peak_parsing(1500), _peak_parsing(6000)
    assert large < 6 * small, f"{small / 2**20:.1f} MB, then {large / 2**20:.1f} MB"
    assert large < 20 * 2**20


def test_the_length_terms_and_numbers_are_bounded() -> None:
    length = LIMITS["formula_length"].default
    error = refusal("1" * (length + 1))
    assert (error.code, error.offset) == ("formula-limit", 0)
    assert f"is {length + 1} characters long, more than {length}" in str(error)
    terms = LIMITS["formula_terms"].default
    ok = "+".join(["a"] * terms)
    assert expr.parse(ok).names() == {"a"}
    error = refusal(ok + "+7")
    assert (error.code, error.offset) == ("formula-limit", len(ok) + 1)
    assert f"more than {terms} numbers and names" in str(error)
    digits = LIMITS["number_digits"].default
    assert ev("9" * digits + " + 0." + "1" * digits) > 0
    for text, offset in [("a * 1e999999", 4), ("a / 1e999999", 4), ("1" * (digits + 1), 0),
                         ("a + 0." + "0" * digits + "1", 4), ("a + 1e-999999", 4)]:
        error = refusal(text)
        assert (error.code, error.offset) == ("number-limit", offset), text
        assert "KPISCORE_MAX_NUMBER_DIGITS" in str(error)
    assert refusal("1e9999999999999999999999999").code == "number-limit"


@pytest.mark.parametrize("text", ["round(a, 11)", "round(a, -11)", "round(a, 40)"])
def test_round_keeps_at_most_the_limit_of_decimals(text: str) -> None:
    error = refusal(text)
    assert (error.code, error.offset) == ("formula-limit", 9)
    assert "KPISCORE_MAX_ROUND_DIGITS" in str(error)


@pytest.mark.parametrize("text", ["round(a, 1.5)", "round(a, b)", "round(a, 2 * 1)",
                                  "round(a, min(2))"])
def test_round_decimals_are_a_whole_number_written_in_the_formula(text: str) -> None:
    error = refusal(text)
    assert (error.code, error.offset) == ("formula", 9)
    assert "a whole number written in the formula" in str(error)


def test_round_at_the_limit_is_exact_whatever_the_size() -> None:
    assert ev("round(a, 10)", a="2.00000000005") == Decimal("2.0000000001")
    assert ev("round(a, -2)", a="1250") == 1300
    assert ev("round(a, +2)", a="2.675") == Decimal("2.68")
    # 10^19 to 10 decimals needs 30 digits: more than the 28 arithmetic keeps
    assert ev("round(a, 10)", a="9999999999999999999.00000000005") == \
        Decimal("9999999999999999999.0000000001")
    assert expr.parse("round(a, 40)", Limits(round_digits=40)).eval(
        {"a": Decimal("1.5")}) == Decimal("1.5")


def test_a_divisor_is_named_as_written_without_its_parentheses() -> None:
    with pytest.raises(expr.DivisionByZero) as info:
        ev("a / (b - c) * 2", a="1", b="2", c="2")
    assert info.value.divisor == "b - c"
    with pytest.raises(expr.DivisionByZero) as info:
        ev("a / [the total]", **{"a": "1", "the total": "0"})
    assert info.value.divisor == "[the total]"
    with pytest.raises(expr.DivisionByZero) as info:
        ev("a / -(b)", a="1", b="0")
    assert info.value.divisor == "-(b)"


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KPISCORE_MAX_FORMULA_TERMS", "2")
    assert expr.parse("a + b").names() == {"a", "b"}
    assert expr.parse("a + b + c", Limits()).names() == {"a", "b", "c"}
    with pytest.raises(expr.FormulaError):
        expr.parse("a + b + c")


def test_a_functions_name_is_not_a_term() -> None:
    terms = LIMITS["formula_terms"].default
    assert expr.parse("min(" + ", ".join(["a"] * min(terms, 99)) + ")").names() == {"a"}
    assert expr.parse("+".join(["abs(a)"] * terms)).names() == {"a"}
