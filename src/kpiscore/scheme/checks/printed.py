"""Marks of what is not on the printed card (``not_on_card``): each where it means something."""

from __future__ import annotations

from collections.abc import Iterator

from kpiscore.base.i18n import Phrase
from kpiscore.scheme.checks import Context, Problem, check
from kpiscore.scheme.printed import marked

#: Which parts each kind of mark may be on.
PLACES = {"veto": {"veto"}, "grades": {"grade"},
          "item": {"indicator", "dimension", "section", "input"},
          "target": {"indicator"},
          "reading": {"indicator", "dimension", "section", "input", "veto", "grade"}}
MISPLACED = Phrase("a not_on_card mark of kind {kind!r} does not belong on a {part}; it "
                   "marks {places}",
                   "not_on_card 的 {kind!r} 类标记不能用在{part}上;它用于 {places}")
NO_TARGET = Phrase("a not_on_card mark of kind 'target' is on an indicator without a target",
                   "not_on_card 的 'target' 类标记所在的指标没有目标值")


@check("not-on-card")
def marks_fit_their_parts(ctx: Context) -> Iterator[Problem]:
    """A ``not_on_card`` mark says what a part is that the printed card does not have,
    and must fit it: ``veto`` on a veto, ``grades`` on a grade band, ``item`` on an
    indicator, dimension, section or input, ``target`` on an indicator with a target,
    ``reading`` anywhere."""
    for path, part, ident, _, marks in marked(ctx.scheme):
        for k, mark in enumerate(marks):
            where = path + ("not_on_card",) + ((k,) if len(marks) > 1 else ())
            if part not in PLACES[mark.kind]:
                yield Problem(where, MISPLACED(kind=mark.kind, part=part,
                                               places=", ".join(sorted(PLACES[mark.kind]))))
            elif mark.kind == "target" and ident in ctx.compiled.position and \
                    ctx.compiled.indicator(ident).ind.target is None:
                yield Problem(where, NO_TARGET())
