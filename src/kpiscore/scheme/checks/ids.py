"""Ids: every indicator, input, dimension, pay line, survey and rater has a name of its own."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from kpiscore.base.i18n import Phrase
from kpiscore.scheme.checks import Context, Problem, check, reserved
from kpiscore.scheme.yamlload import Path

RESERVED = Phrase("{id!r} is reserved for {what} in formulas; choose another id",
                  "{id!r} 在公式中保留作{what};请换一个编号")
RESERVED_FOR = {"total": Phrase("the total score", "总分"),
                "grade_coefficient": Phrase("the grade's coefficient", "等级系数"),
                "passed": Phrase("1 when the total passes, else 0", "合格为 1、不合格为 0 的值")}
DUPLICATE = Phrase("duplicate id {id!r} (also used at line {line})",
                   "编号 {id!r} 重复(第 {line} 行也用了它)")
DIMENSION = Phrase("dimension id {id!r} is used {count} times", "维度编号 {id!r} 用了 {count} 次")
PAY_LINE = Phrase("pay line id {id!r} is already the name of an input, indicator or earlier "
                  "pay line", "工资项编号 {id!r} 已经是某个输入项、指标或前面工资项的名字")
SURVEY = Phrase("survey id {id!r} is given twice", "问卷编号 {id!r} 出现了两次")
QUESTION = Phrase("question id {id!r} is given twice", "题目编号 {id!r} 出现了两次")
RATER = Phrase("{name!r} names both rater {first!r} and {second!r}",
               "{name!r} 同时指评价人 {first!r} 和 {second!r}")


def _named(ctx: Context) -> list[tuple[str, Path]]:
    named = [(ci.id, ci.path) for ci in ctx.compiled.indicators]
    return named + [(inp.id, ("inputs", k)) for k, inp in enumerate(ctx.scheme.inputs)]


@check("reserved-id")
def ids_not_reserved(ctx: Context) -> Iterator[Problem]:
    """An indicator or input is not named ``total`` (nor ``grade_coefficient`` with grades,
    nor ``passed`` with a pass mark): formulas use those names."""
    names = reserved(ctx.scheme)
    for ident, path in _named(ctx):
        if ident in names:
            yield Problem(path + ("id",), RESERVED(id=ident, what=RESERVED_FOR[ident]))


@check("duplicate-id")
def ids_unique(ctx: Context) -> Iterator[Problem]:
    """Ids are unique: indicators and inputs together (formulas name them), dimensions,
    pay lines (also against inputs, indicators, ``total`` …), surveys, a survey's
    questions; and no name of a rater (id, title, ``names``) names two raters."""
    seen: dict[str, Path] = {}
    for ident, path in _named(ctx):
        if ident in seen:
            yield Problem(path + ("id",), DUPLICATE(id=ident, line=ctx.line(seen[ident])))
        else:
            seen[ident] = path
    for name, count in Counter(g.id for g in ctx.compiled.dimensions).items():
        if count > 1:
            yield Problem(("dimensions",), DIMENSION(id=name, count=count), key=True)
    yield from _pay_lines(ctx)
    yield from _surveys(ctx)
    yield from _raters(ctx)


def _pay_lines(ctx: Context) -> Iterator[Problem]:
    s = ctx.scheme
    if s.pay is None:
        return
    taken = reserved(s) | {"pay"} | {ident for ident, _ in _named(ctx)}
    for k, line in enumerate(s.pay_lines):
        if line.id in taken:
            yield Problem(("pay_lines", k, "id"), PAY_LINE(id=line.id))
        taken.add(line.id)


def _surveys(ctx: Context) -> Iterator[Problem]:
    seen: set[str] = set()
    for k, sv in enumerate(ctx.scheme.surveys):
        if sv.id in seen:
            yield Problem(("surveys", k, "id"), SURVEY(id=sv.id))
        seen.add(sv.id)
        questions: set[str] = set()
        for j, q in enumerate(sv.questions):
            if q.id in questions:
                yield Problem(("surveys", k, "questions", j, "id"), QUESTION(id=q.id))
            questions.add(q.id)


def _raters(ctx: Context) -> Iterator[Problem]:
    r = ctx.scheme.raters
    if r is None:
        return
    from kpiscore.io.table import header_key  # the readers' module: validate needs it only here

    names: dict[str, str] = {}
    for k, role in enumerate(r.roles):
        for name in [role.id, role.title or role.id, *role.names]:
            key = header_key(name)
            if key in names and names[key] != role.id:
                yield Problem(("raters", "roles", k), RATER(name=name, first=names[key],
                                                            second=role.id), key=True)
            names.setdefault(key, role.id)
