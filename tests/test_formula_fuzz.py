"""Fuzzing formulas: whatever a formula holds, validate refuses it at its place or it
evaluates to what exact arithmetic says, and scoring never raises.

Hypothesis builds formula trees (numbers of every size, names, signs, the four
operations, min, max, abs, round with any decimals), writes each as a person would
(spaces or none, × and ÷, parentheses only where needed, or more), and checks:

- the parser refuses it when it passes a limit (length, nesting, numbers and names,
  the digits of a number, round's decimals), with a :class:`FormulaError` at an
  offset inside the text, else parses it;
- what it parsed evaluates exactly as a small reference evaluator computes the tree
  with Python's ``Decimal`` in the same context (the same value, or the same signal:
  a division by zero, a number past 10^100 or too close to 0);
- as a scheme's computed actual, the formula is a ``validate`` finding at
  ``file:line:col``, or scores every row (``ok``, or an error row), never an exception.

Random token soup (unbalanced parentheses, stray operators, runs of thousands of
``(`` or ``-``) only has to be refused or parsed, and then evaluated without raising
anything but a division by zero or a decimal signal.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, DecimalException, localcontext
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpiscore.api import evaluate_file
from kpiscore.base.errors import SchemeInvalid
from kpiscore.base.fields import number_problem
from kpiscore.base.limits import Limits
from kpiscore.base.numbers import SCORING
from kpiscore.scheme import formula
from kpiscore.scheme.load import load_scheme
from kpiscore.score.scorer import evaluate

LIMITS = Limits()
SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
#: the names a generated formula reads: as a formula writes them, and their column
NAMES = {"a": "a", "b": "b", "解决数": "解决数", "[total x]": "total x"}
PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}
CODES = {"formula", "formula-limit", "number-limit", "unknown-name"}


# -- trees and a reference evaluator -------------------------------------------------------

@dataclass(frozen=True)
class Tree:
    kind: str  # num, name, neg, bin, call, round
    value: Decimal | str = ""
    children: tuple[Tree, ...] = ()
    places: int = 0


def reference(tree: Tree, env: dict[str, Decimal]) -> Decimal:
    """The tree's value computed directly with Decimal, in the scoring context."""
    if tree.kind == "num":
        assert isinstance(tree.value, Decimal)
        return tree.value
    if tree.kind == "name":
        return env[NAMES[str(tree.value)]]
    values = [reference(child, env) for child in tree.children]
    if tree.kind == "neg":
        return -values[0]
    if tree.kind == "call":
        name = str(tree.value)
        return min(values) if name == "min" else max(values) if name == "max" else abs(values[0])
    if tree.kind == "round":
        exact = Context(prec=400, Emax=10**6, Emin=-10**6)
        return values[0].quantize(Decimal(1).scaleb(-tree.places), rounding=ROUND_HALF_UP,
                                  context=exact)
    left, right = values
    if tree.value == "/" and right == 0:
        raise formula.DivisionByZero("?")
    op = tree.value
    return left + right if op == "+" else left - right if op == "-" else \
        left * right if op == "*" else left / right


def outcome(compute: object) -> Decimal | type[Exception]:
    """The value, or the kind of failure: a division by zero or a decimal signal."""
    try:
        with localcontext(SCORING):
            return compute()  # type: ignore[operator, no-any-return]
    except formula.DivisionByZero:
        return formula.DivisionByZero
    except DecimalException as exc:
        return type(exc)


NUMBERS = st.one_of(
    st.integers(0, 10**6).map(Decimal),
    st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False),
    st.integers(-45, 45).map(lambda e: Decimal(f"1e{e}")),  # past the digits limit at ±21
    st.integers(1, 30).map(lambda n: Decimal("9" * n)),
    st.integers(1, 30).map(lambda n: Decimal("0." + "0" * (n - 1) + "7")),
    st.just(Decimal("1e999999")),
)
LEAVES = st.one_of(NUMBERS.map(lambda d: Tree("num", d)),
                   st.sampled_from(sorted(NAMES)).map(lambda n: Tree("name", n)))


def _extend(inner: st.SearchStrategy[Tree]) -> st.SearchStrategy[Tree]:
    return st.one_of(
        inner.map(lambda t: Tree("neg", children=(t,))),
        st.tuples(st.sampled_from("+-*/"), inner, inner).map(
            lambda x: Tree("bin", x[0], (x[1], x[2]))),
        st.tuples(st.sampled_from(["min", "max"]), st.lists(inner, min_size=1, max_size=4)).map(
            lambda x: Tree("call", x[0], tuple(x[1]))),
        inner.map(lambda t: Tree("call", "abs", (t,))),
        st.tuples(inner, st.integers(-14, 14)).map(
            lambda x: Tree("round", children=(x[0],), places=x[1])),
    )


def _power(base: Tree, times: int) -> Tree:
    """``base × base × …``: past 10^100 (or too close to 0) soon enough."""
    tree = base
    for _ in range(times - 1):
        tree = Tree("bin", "*", (tree, base))
    return tree


SMALL_TREES = st.recursive(LEAVES, _extend, max_leaves=12)
TREES = st.one_of(
    st.recursive(LEAVES, _extend, max_leaves=40),
    st.tuples(SMALL_TREES, st.integers(2, 14)).map(lambda x: _power(*x)),  # signals
    st.tuples(SMALL_TREES, st.sampled_from(sorted(NAMES))).map(  # x / (a - a)
        lambda x: Tree("bin", "/", (x[0], Tree("bin", "-", (Tree("name", x[1]),
                                                             Tree("name", x[1])))))),
)


@dataclass
class Written:
    text: str
    depth: int  # the deepest nesting of parentheses, functions and signs
    terms: int  # numbers and names
    numbers: list[Decimal]
    places: list[int]


def write(tree: Tree, draw: st.DrawFn) -> Written:
    """The tree as a person may write it: parentheses where precedence needs them (and
    sometimes where it does not), spaces or none, × ÷ for * /. ``depth`` counts what the
    parser counts: each sign, each parenthesised group, each function's arguments."""
    space = draw(st.sampled_from(["", " ", "  "]))
    numbers: list[Decimal] = []
    places: list[int] = []
    terms = 0

    def go(t: Tree, depth: int) -> tuple[str, int]:
        """The text of ``t`` written at nesting ``depth``, and the deepest level in it."""
        nonlocal terms
        if t.kind in ("num", "name"):
            terms += 1
            if isinstance(t.value, Decimal):
                numbers.append(t.value)
            return str(t.value), depth
        if t.kind == "neg":
            child = t.children[0]
            if child.kind == "bin" or (child.kind != "neg" and draw(st.booleans())):
                text, deepest = go(child, depth + 2)
                return f"-({text})", deepest
            text, deepest = go(child, depth + 1)
            return "-" + text, max(deepest, depth + 1)
        if t.kind in ("call", "round"):
            parts = [go(c, depth + 1) for c in t.children]
            args = [text for text, _ in parts]
            deepest = max(d for _, d in parts)
            if t.kind == "round":
                places.append(t.places)
                args.append(str(t.places) if t.places >= 0 else f"-{-t.places}")
                deepest = max(deepest, depth + (2 if t.places < 0 else 1))
            name = str(t.value) if t.kind == "call" else "round"
            return f"{name}({(',' + space).join(args)})", deepest
        op = str(t.value)
        texts: list[str] = []
        deepest = depth
        for side, child in enumerate(t.children):
            needs = child.kind == "bin" and (PRECEDENCE[str(child.value)] < PRECEDENCE[op] or (
                side == 1 and PRECEDENCE[str(child.value)] <= PRECEDENCE[op]))
            if needs or (child.kind == "bin" and draw(st.booleans())):
                text, d = go(child, depth + 1)
                text = f"({text})"
            else:
                text, d = go(child, depth)
            texts.append(text)
            deepest = max(deepest, d)
        shown = {"*": draw(st.sampled_from(["*", "×"])),
                 "/": draw(st.sampled_from(["/", "÷"]))}.get(op, op)
        return f"{texts[0]}{space}{shown}{space}{texts[1]}", deepest

    text, depth = go(tree, 0)
    return Written(text, depth, terms, numbers, places)


def over_a_limit(w: Written) -> bool:
    return (len(w.text) > LIMITS.formula_length or w.depth > LIMITS.formula_depth
            or w.terms > LIMITS.formula_terms
            or any(number_problem(n, LIMITS) for n in w.numbers)
            or any(abs(p) > LIMITS.round_digits for p in w.places))


VALUES = st.one_of(st.integers(-1000, 10**6).map(Decimal),
                   st.decimals(min_value=-1000, max_value=10**6, places=2, allow_nan=False,
                               allow_infinity=False),
                   st.sampled_from([Decimal(0), Decimal("999999999999999"),
                                    Decimal("0.000000000000001")]))
ENVS = st.fixed_dictionaries({column: VALUES for column in NAMES.values()})


@st.composite
def written_trees(draw: st.DrawFn) -> tuple[Tree, Written]:
    tree = draw(TREES)
    return tree, write(tree, draw)


@SLOW
@given(written_trees(), ENVS)
def test_a_formula_is_refused_over_a_limit_or_evaluates_as_exact_arithmetic_says(
        written: tuple[Tree, Written], env: dict[str, Decimal]) -> None:
    tree, w = written
    try:
        node = formula.parse(w.text, LIMITS)
    except formula.FormulaError as exc:
        assert over_a_limit(w), f"{w.text!r} refused: {exc}"
        assert exc.code in ("formula-limit", "number-limit")
        assert 0 <= exc.offset <= len(w.text)
        return
    assert not over_a_limit(w), f"{w.text!r} (depth {w.depth}) was not refused"
    by_name = {name: env[column] for name, column in NAMES.items()}
    by_name = {key.strip("[]"): value for key, value in by_name.items()}
    assert node.names() <= by_name.keys()
    assert outcome(lambda: node.eval(by_name)) == outcome(lambda: reference(tree, env))


# -- hostile shapes: deep, long, and token soup -----------------------------------------------

SOUP = ["(", ")", "-", "+", "*", "/", "×", "÷", ",", "min(", "max(", "abs(", "round(", "a",
        "b", "0", "1", "2.5", "1e999999", "1e-999999", "9" * 25, "0." + "0" * 25 + "1", " ",
        "%", "[x", "]", "`", "解决数", "\n", "**", "__import__", "'", "1e", ".", "(" * 200,
        "-" * 200, "+a" * 300, "round(a, 40)", "round(a, -3)", "round(a, b)", "（", "）"]


@SLOW
@given(st.lists(st.sampled_from(SOUP), max_size=60).map("".join), ENVS)
def test_token_soup_is_refused_at_an_offset_or_evaluates_without_raising(
        text: str, env: dict[str, Decimal]) -> None:
    try:
        node = formula.parse(text, LIMITS)
    except formula.FormulaError as exc:
        assert 0 <= exc.offset <= len(text)
        assert str(exc)
        return
    values = {name: env["a"] for name in node.names()}
    try:
        evaluate(node, values)
    except (formula.DivisionByZero, DecimalException):
        pass  # the scorer makes these the row's error


@SLOW
@given(st.sampled_from(["(", "-", "+", "abs(", "- (", "min(1, "]), st.integers(0, 3000),
       st.integers(1, 3000), st.sampled_from([" + ", "*", " - ", "/"]))
def test_deep_and_long_formulas_are_refused_by_their_limit_without_recursing(
        opening: str, depth: int, terms: int, op: str) -> None:
    closing = ")" * opening.count("(")
    text = opening * depth + op.join(["a"] * terms) + closing * depth
    levels = depth * (opening.count("(") + opening.count("-") + opening.count("+"))
    try:
        node = formula.parse(text, LIMITS)
    except formula.FormulaError as exc:
        assert exc.code == "formula-limit"
        assert len(text) > LIMITS.formula_length or levels > LIMITS.formula_depth or \
            terms + depth * opening.count("1") > LIMITS.formula_terms
        return
    assert levels <= LIMITS.formula_depth and terms <= LIMITS.formula_terms
    try:
        evaluate(node, {"a": Decimal(2)})
    except DecimalException:
        assert op in ("*", "/")  # 2^500 is past 10^100; 2^-500 too close to 0


# -- end to end: validate finds it at file:line:col, or every row is scored ------------------

@contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="kpiscore-formula-") as name:
        yield Path(name)


def scheme_with(text: str) -> str:
    inputs = "".join(f"  - {{id: {json.dumps(column, ensure_ascii=False)}}}\n"
                     for column in NAMES.values())
    return (f"id: fuzz\ntitle: fuzz\ninputs:\n{inputs}indicators:\n  - id: computed\n"
            f"    formula: {json.dumps(text, ensure_ascii=False)}\n    target: 90\n"
            "    min_value: -1e19\n    max_value: 1e19\n    weight: 100\n    rule: ratio\n")


@SLOW
@given(st.one_of(written_trees().map(lambda tw: tw[1].text),
                 st.lists(st.sampled_from(SOUP), max_size=30).map("".join)),
       st.lists(ENVS, min_size=1, max_size=3))
def test_a_formula_in_a_scheme_is_a_located_finding_or_every_row_is_scored(
        text: str, rows: list[dict[str, Decimal]]) -> None:
    with folder() as tmp:
        (tmp / "s.yaml").write_text(scheme_with(text), encoding="utf-8")
        columns = list(NAMES.values())
        lines = [",".join(["工号", *columns])]
        lines += [",".join([f"E{k}", *(str(row[c]) for c in columns)])
                  for k, row in enumerate(rows)]
        (tmp / "a.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
        try:
            loaded = load_scheme(tmp / "s.yaml")
        except SchemeInvalid as exc:
            for f in exc.findings:
                assert f.line >= 1 and f.column >= 1, str(f)
                assert f.code in CODES or f.code.startswith(("yaml", "bad-", "number")), str(f)
            return
        report = evaluate_file(loaded, tmp / "a.csv")
        assert [r.id for r in report.results] == [f"E{k}" for k in range(len(rows))]
        for r in report.results:
            assert r.status in ("ok", "error") and (r.total is None) == (r.status == "error")
