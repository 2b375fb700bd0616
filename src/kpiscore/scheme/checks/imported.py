"""Drafts: a scheme written by ``kpiscore import`` is finished before it is used."""

from __future__ import annotations

from collections.abc import Iterator

from kpiscore.base.i18n import Phrase
from kpiscore.scheme.checks import Context, Problem, check

UNFINISHED = Phrase("{label!r} is unfinished (kpiscore import, {cell}): {todo}",
                    "{label!r} 尚未完成(kpiscore import,{cell}):{todo}")
CARD_UNFINISHED = Phrase("the draft is unfinished (kpiscore import, {cell}): {todo}",
                         "草稿尚未完成(kpiscore import,{cell}):{todo}")


@check("unfinished")
def drafts_are_finished(ctx: Context) -> Iterator[Problem]:
    """A draft written by ``kpiscore import`` has no ``todo:`` left: each says what the
    card does not (a phrasing no pattern reads, a lost target or name, a blank
    weight), where the card is, and what to write. Complete the scheme, then delete
    the todo (docs/import.md)."""
    for ci in ctx.compiled.indicators:
        found = ci.ind.imported
        if found is None:
            continue
        for k, todo in enumerate(found.todo):
            yield Problem(ci.path + ("imported", "todo", k),
                          UNFINISHED(label=ci.ind.label, cell=found.cell, todo=todo))
    card = ctx.scheme.imported
    for k, item in enumerate(card.todo if card else []):
        yield Problem(("imported", "todo", k, "todo"),
                      CARD_UNFINISHED(cell=item.cell, todo=item.todo))
