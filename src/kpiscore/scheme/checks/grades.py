"""Grades and pay: grades named once each, from the best down; pay lines follow pay,
their caps make sense, and coefficients exist where pay uses them."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from kpiscore.base.i18n import Phrase
from kpiscore.scheme.checks import Context, Problem, check
from kpiscore.scheme.formula import FormulaError
from kpiscore.scheme.yamlload import Path

TWICE = Phrase("grade {name!r} is given twice", "等级 {name!r} 出现了两次")
ONLY_LAST = Phrase("only the last grade may leave out min (grade {name!r} catches every total, "
                   "so later grades never apply)",
                   "只有最后一个等级可以不写 min(等级 "
                   "{name!r} 会接住所有总分,其后的等级永远用不上)")
DOWNWARDS = Phrase("grades run from the best down: min {min} of {name!r} should be below "
                   "{previous}", "等级从高到低排列:{name!r} 的 min {min} 应低于 {previous}")
NEEDS_PAY = Phrase("pay_lines are further lines after pay: give pay as well",
                   "pay_lines 是 pay 之后的其他工资项:请同时给出 pay")
CAPS = Phrase("min {min} is above max {max}", "min {min} 大于 max {max}")
COEFFICIENT = Phrase("grade {name!r} has no coefficient, but the formula at line {line} uses "
                     "grade_coefficient",
                     "等级 {name!r} 没有系数(coefficient),但第"
                     " {line} 行的公式用到了 grade_coefficient")


@check("duplicate-grade")
def grades_named_once(ctx: Context) -> Iterator[Problem]:
    """Each grade has its own name (and, in a forced distribution, one quota)."""
    names: set[str] = set()
    for k, g in enumerate(ctx.scheme.grades):
        if g.name in names:
            yield Problem(("grades", k, "name"), TWICE(name=g.name))
        names.add(g.name)


@check("grade-order")
def grades_run_downwards(ctx: Context) -> Iterator[Problem]:
    """Grades are listed from the best down, each ``min`` below the one before; only the
    last may leave out ``min`` (it takes every total below the others)."""
    grades = ctx.scheme.grades
    previous: Decimal | None = None
    for k, g in enumerate(grades):
        if g.min is None and k != len(grades) - 1:
            yield Problem(("grades", k), ONLY_LAST(name=g.name), key=True)
        if g.min is not None and previous is not None and g.min >= previous:
            yield Problem(("grades", k, "min"), DOWNWARDS(min=g.min, name=g.name,
                                                          previous=previous))
        if g.min is not None:
            previous = g.min


def _lines(ctx: Context) -> Iterator[tuple[Path, str, object, object]]:
    s = ctx.scheme
    if s.pay is not None:
        yield ("pay",), s.pay.formula, s.pay.min, s.pay.max
    for k, line in enumerate(s.pay_lines):
        yield ("pay_lines", k), line.formula, line.min, line.max


@check("missing-field")
def pay_lines_follow_pay(ctx: Context) -> Iterator[Problem]:
    """Further pay lines (bonus …) come after ``pay:``, which must be given."""
    if ctx.scheme.pay_lines and ctx.scheme.pay is None:
        yield Problem(("pay_lines",), NEEDS_PAY(), key=True)


@check("bad-range")
def pay_caps(ctx: Context) -> Iterator[Problem]:
    """A pay line's ``min`` (floor) is not above its ``max`` (cap)."""
    for path, _, low, high in _lines(ctx):
        if low is not None and high is not None and low > high:  # type: ignore[operator]
            yield Problem(path + ("min",), CAPS(min=low, max=high))


@check("missing-coefficient")
def coefficients_given(ctx: Context) -> Iterator[Problem]:
    """When a pay formula uses ``grade_coefficient``, every grade gives its coefficient."""
    user: Path | None = None
    for path, text, _, _ in _lines(ctx):
        node = ctx.compiled.formula(text)
        if not isinstance(node, FormulaError) and "grade_coefficient" in node.names():
            user = path
            break
    if user is None:
        return
    for k, g in enumerate(ctx.scheme.grades):
        if g.coefficient is None:
            yield Problem(("grades", k), COEFFICIENT(name=g.name,
                                                     line=ctx.line(user + ("formula",))),
                          key=True)
