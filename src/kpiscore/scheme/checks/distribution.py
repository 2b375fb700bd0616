"""Forced distribution: quotas for the scheme's grades, adding up to 100."""

from __future__ import annotations

from collections.abc import Iterator

from kpiscore.base.i18n import Phrase
from kpiscore.base.numbers import HUNDRED, ZERO
from kpiscore.scheme.checks import Context, Problem, check, did_you_mean

NO_GRADES = Phrase("a forced distribution gives grades: the scheme defines none",
                   "强制分布分配的是等级,但方案没有定义等级(grades)")
UNKNOWN = Phrase("quota for {grade!r}, which is not a grade{hint} (grades: {grades})",
                 "{grade!r} 的配额,但它不是等级{hint}(等级:{grades})")
TWICE = Phrase("grade {grade!r} has two quotas", "等级 {grade!r} 有两个配额")
PERCENTS = Phrase("quota percents add up to {total}, not 100", "配额百分比合计为 {total},不是 100")
TIE_BREAK = Phrase("tie_break: {id!r} is not an indicator or input{hint} (indicators and "
                   "inputs: {ids})",
                   "tie_break:{id!r} 不是指标或输入项{hint}(指标和输入项:{ids})")
TIE_TWICE = Phrase("tie_break names {id!r} twice", "tie_break 两次写了 {id!r}")


@check("bad-distribution")
def distribution_has_grades(ctx: Context) -> Iterator[Problem]:
    """A forced distribution needs the scheme's grades (it gives them by quota)."""
    if ctx.scheme.distribution is not None and not ctx.scheme.grades:
        yield Problem(("distribution",), NO_GRADES(), key=True)


@check("unknown-name")
def quotas_name_grades(ctx: Context) -> Iterator[Problem]:
    """Each quota names one of the scheme's grades."""
    d = ctx.scheme.distribution
    names = [g.name for g in ctx.scheme.grades]
    if d is None or not names:
        return
    for k, q in enumerate(d.quotas):
        if q.grade not in names:
            yield Problem(("distribution", "quotas", k, "grade"), UNKNOWN(
                grade=q.grade, hint=did_you_mean(q.grade, names), grades=", ".join(names)))


@check("duplicate-grade")
def one_quota_a_grade(ctx: Context) -> Iterator[Problem]:
    """A grade has at most one quota."""
    d = ctx.scheme.distribution
    names = {g.name for g in ctx.scheme.grades}
    if d is None or not names:
        return
    seen: set[str] = set()
    for k, q in enumerate(d.quotas):
        if q.grade in names and q.grade in seen:
            yield Problem(("distribution", "quotas", k, "grade"), TWICE(grade=q.grade))
        seen.add(q.grade)


@check("weights-sum")
def quotas_add_up(ctx: Context) -> Iterator[Problem]:
    """The quota percents of a forced distribution add up to 100."""
    d = ctx.scheme.distribution
    if d is None or not ctx.scheme.grades:
        return
    total = sum((q.percent for q in d.quotas), ZERO)
    if total != HUNDRED:
        yield Problem(("distribution", "quotas"), PERCENTS(total=total), key=True)


@check("unknown-name")
def tie_break_names_fields(ctx: Context) -> Iterator[Problem]:
    """Each ``tie_break`` id names an indicator (ordered by its points) or an input (by its
    value), once."""
    d = ctx.scheme.distribution
    if d is None:
        return
    known = [ci.id for ci in ctx.compiled.indicators] + [i.id for i in ctx.scheme.inputs]
    seen: set[str] = set()
    for k, name in enumerate(d.tie_break):
        if name not in known:
            yield Problem(("distribution", "tie_break", k), TIE_BREAK(
                id=name, hint=did_you_mean(name, known), ids=", ".join(known)))
        elif name in seen:
            yield Problem(("distribution", "tie_break", k), TIE_TWICE(id=name))
        seen.add(name)
