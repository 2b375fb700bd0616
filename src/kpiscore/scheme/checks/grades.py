"""Grades: named once each, from the best down."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from kpiscore.base.i18n import Phrase
from kpiscore.scheme.checks import Context, Problem, check

TWICE = Phrase("grade {name!r} is given twice", "等级 {name!r} 出现了两次")
ONLY_LAST = Phrase("only the last grade may leave out min (grade {name!r} catches every total, "
                   "so later grades never apply)",
                   "只有最后一个等级可以不写 min(等级 "
                   "{name!r} 会接住所有总分,其后的等级永远用不上)")
DOWNWARDS = Phrase("grades run from the best down: min {min} of {name!r} should be below "
                   "{previous}", "等级从高到低排列:{name!r} 的 min {min} 应低于 {previous}")


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
