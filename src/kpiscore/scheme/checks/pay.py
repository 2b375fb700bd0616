"""Pay: pay lines follow pay, caps make sense, coefficients exist where they are used."""

from __future__ import annotations

from collections.abc import Iterator

from kpiscore.base.i18n import Phrase
from kpiscore.scheme.checks import Context, Problem, check
from kpiscore.scheme.compile import parse
from kpiscore.scheme.formula import FormulaError
from kpiscore.scheme.yamlload import Path

NEEDS_PAY = Phrase("pay_lines are further lines after pay: give pay as well",
                   "pay_lines 是 pay 之后的其他工资项:请同时给出 pay")
CAPS = Phrase("min {min} is above max {max}", "min {min} 大于 max {max}")
COEFFICIENT = Phrase("grade {name!r} has no coefficient, but the formula at line {line} uses "
                     "grade_coefficient",
                     "等级 {name!r} 没有系数(coefficient),但第"
                     " {line} 行的公式用到了 grade_coefficient")


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
        node = parse(text)
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
