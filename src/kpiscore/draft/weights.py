"""Weights and points as printed: where they do not add up, the draft says so (with both
numbers) and keeps them; validate reports the same with the draft's lines."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import HUNDRED, ZERO
from kpiscore.draft.grid import Grid
from kpiscore.draft.layout import Card, Part
from kpiscore.draft.names import number
from kpiscore.draft.text import fold

ITEMS_SUM = Phrase("{where}: its weight is {weight} but its items' weights add up to {total} "
                   "(kept as printed)",
                   "{where}:权重为 {weight},但其各项权重合计为 {total}(按原表保留)")
LEVEL_SUM = Phrase("{what} add up to {total}, not 100 (kept as printed)",
                   "{what}合计为 {total},不是 100(按原表保留)")
POINTS_SUM = Phrase("{where}: printed as {points} points but its items' points add up to "
                    "{total} (kept as printed)",
                    "{where}:原表为 {points} 分,但各项分值合计为 {total}(按原表保留)")
TOTAL_ROW = Phrase("the total row says {points} but the items add up to {total}",
                   "合计行为 {points},但各项合计为 {total}")
LINE_WEIGHTS = Phrase("a line under the table gives {name} {weight}%, the table {table}",
                      "表下说明写 {name} {weight}%,表中为 {table}")
SECTIONS = Phrase("the sections' weights", "各部分权重")
WEIGHTS_OF = {"dims": Phrase("the dimensions' weights of {name}", "{name}的各维度权重"),
              "items": Phrase("the items' weights of {name}", "{name}的各项权重")}
THE_CARD = Phrase("the card", "考核表")
AS_PRINTED = Phrase("to score the card as printed, write weights: normalise (each level's "
                    "weights × 100/their sum; docs/scheme.md)",
                    "如要按原表计分,请写 weights: normalise(每一层的权重各乘以 100/其合计;"
                    "见 docs/scheme.md)")


def weight_notes(scheme: dict[str, Any], card: Card, grid: Grid) -> Iterator[Text]:
    """Every level of the draft whose weights or points do not add up (the sections, the
    dimensions or items of each body, each dimension's items, each 80分 group's points,
    each total row), and how to score the card as printed when any weights do not."""
    found = list(_mismatches(scheme))
    yield from found
    if found:
        yield AS_PRINTED()
    for part in card.parts:
        yield from _total_row(part, grid)


def _mismatches(scheme: dict[str, Any]) -> Iterator[Text]:
    if "sections" in scheme:
        total = _sum(s.get("weight") for s in scheme["sections"])
        if total is not None and total != HUNDRED:
            yield LEVEL_SUM(what=SECTIONS, total=total)
    for body in scheme.get("sections") or [scheme]:
        dims = body.get("dimensions")
        parts = dims if dims is not None else body.get("indicators", [])
        total = _sum(p.get("weight") for p in parts)
        if total is not None and total != HUNDRED:
            yield LEVEL_SUM(what=_whose(body, "items" if dims is None else "dims"), total=total)
        for dim in dims or []:
            yield from _dimension(dim)


def line_weight_notes(scheme: dict[str, Any], shares: tuple[tuple[str, Decimal], ...]
                      ) -> Iterator[Text]:
    """Weights restated under the table (权重分配为 …) that the table's do not agree with."""
    dims = {fold(d["title"]): d for body in scheme.get("sections") or [scheme]
            for d in body.get("dimensions") or []}
    for name, weight in shares:
        dim = dims.get(fold(name))
        if dim is not None and number(str(dim.get("weight", ""))) != weight:
            yield LINE_WEIGHTS(name=name, weight=weight, table=dim.get("weight", "—"))


def _sum(values: Any) -> Decimal | None:
    """The sum of weights as printed, None unless every one is given."""
    numbers = [number(str(v)) if v is not None else None for v in values]
    if not numbers or any(n is None for n in numbers):
        return None
    return sum((n for n in numbers if n is not None), ZERO)


def _dimension(dim: dict[str, Any]) -> Iterator[Text]:
    items = dim["indicators"]
    weight, total = number(str(dim.get("weight", ""))), _sum(i.get("weight") for i in items)
    if weight is not None and total is not None and total != weight:
        yield ITEMS_SUM(where=dim["title"], weight=weight, total=total)
    points = number(str(dim.get("description", "")))
    fulls = [i.get("full_marks") for i in items]
    if points is not None and all(isinstance(f, Decimal) for f in fulls):
        total = sum(fulls, ZERO)
        if total != points:
            yield POINTS_SUM(where=dim["title"], points=points, total=total)


def _total_row(part: Part, grid: Grid) -> Iterator[Text]:
    col = part.col("points")
    if part.total is None or col is None:
        return
    printed = number(grid.cell(part.total, col))
    total = _sum(grid.cell(i.k, col) or None for g in part.groups for i in g.items)
    if printed is not None and total is not None and total != printed:
        yield TOTAL_ROW(points=printed, total=total)


def _whose(body: dict[str, Any], what: str) -> Text:
    """Whose weights: a section's (by its title) or the card's."""
    name = body.get("title") if "kpiscore" not in body else None
    return WEIGHTS_OF[what](name=repr(name) if name else THE_CARD)
