"""A card read into a scheme draft: its tables, groups and rows, the lines under it.

Nothing is guessed silently. Each indicator keeps the cell of its row and the
scoring text as printed (``imported:``, :mod:`kpiscore.draft.row`); what the
draft had to decide is a ``note``; what the card does not say is a ``todo``,
which makes ``validate`` refuse the draft (code ``unfinished``) until a person
completes it. Weights are kept as printed, and where they do not add up the
draft says so with both numbers (:mod:`kpiscore.draft.weights`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import HUNDRED
from kpiscore.draft.grid import Grid
from kpiscore.draft.layout import Card, Part
from kpiscore.draft.lines import LineReading, read_line
from kpiscore.draft.names import Ids, ident, in_formula, number, one_line, percent, slug
from kpiscore.draft.phrasings import Context, first
from kpiscore.draft.row import CardRule, DraftIndicator, RowReader, Status
from kpiscore.draft.text import fold, simplified
from kpiscore.draft.weights import line_weight_notes, weight_notes

__all__ = ["Draft", "DraftIndicator", "Status", "build_draft"]

NO_SECTION_WEIGHT = Phrase("the weight of part {name!r} is blank on the card (总分 = … × %): "
                           "write its weight:", "考核表上部分 {name!r} 的权重为空(总分 = … × %):"
                           "请填写 weight:")
SECTIONS_UNSAID = Phrase("the card has {count} tables but does not say how they make the "
                         "total: write each section's weight:",
                         "考核表有 {count} 个表,但没有写明如何合成总分:请填写各部分的 weight:")
RATER_COLUMNS = Phrase("the card has columns for {names} but does not weight them: the draft "
                       "scores one set of ratings (add raters: to score each, docs/scheme.md)",
                       "考核表有 {names} 列,但没有给出各自的权重:草稿只按一套评分计分"
                       "(如需分别计分,请添加 raters:,见 docs/scheme.md)")
WHOLE_CARD = Phrase("every item without a 评分标准 of its own is scored by the card's rule "
                    "under the table", "没有单独评分标准的各项,均按表下的评分规则计分")
OTHERS = Phrase("other", "其他")
LINE_READ = Phrase("{cell}: {what} read from the line under the table",
                   "{cell}:{what} 读自表下的说明")
#: 奖金系数 = 员工评分合计 × 30% + 上级评分合计 × 70%: the raters a draft names, and the
#: names their rows or columns may have.
RATERS = {"self": ("自评", ["自评", "员工", "员工评分", "本人"]),
          "supervisor": ("上级", ["上级", "上级评分", "领导评分", "主管评分"])}
_PERIODS = {"月度": "月", "季度": "季度", "半年度": "半年", "年度": "年"}


@dataclass
class Draft:
    """The whole draft: the scheme as the YAML writes it, and what the summary says."""

    scheme: dict[str, Any]
    indicators: list[DraftIndicator]
    #: card-wide: (where, what it is, what to do); each makes the draft unfinished
    todo: list[tuple[str, str, Text]]
    #: card-wide remarks: weights that do not add up, raters not weighted …
    notes: list[Text]
    source: str
    sheet: str

    @property
    def where(self) -> str:
        """The card's file and sheet (a CSV file is its own sheet)."""
        return self.source if self.sheet == self.source else f"{self.source} ({self.sheet})"

    def count(self, status: Status) -> int:
        return sum(1 for i in self.indicators if i.status == status)

    @property
    def unfinished(self) -> bool:
        return bool(self.todo) or any(i.todo for i in self.indicators)


def build_draft(grid: Grid, card: Card) -> Draft:
    """The draft of ``card``, found in ``grid`` (:func:`kpiscore.draft.layout.find_card`)."""
    return _Builder(grid, card).run()


@dataclass(frozen=True)
class _Line:
    cell: str
    text: str
    rule: CardRule | None  # a row phrasing read it
    reading: LineReading | None  # a card-wide line reader read it


class _Builder:
    def __init__(self, grid: Grid, card: Card) -> None:
        self.grid, self.card = grid, card
        self.ids = Ids()
        self.todo: list[tuple[str, str, Text]] = []
        self.notes: list[Text] = list(grid.notes)  # how the file was read, first
        self.lines = list(self._lines())
        self.rows = RowReader(grid, self.ids, next((ln.rule for ln in self.lines if ln.rule),
                                                   None))
        self.indicators: list[DraftIndicator] = []

    def run(self) -> Draft:
        card, grid = self.card, self.grid
        title = one_line(card.title) if card.title else grid.sheet
        scheme: dict[str, Any] = {"kpiscore": 1, "id": slug(title), "title": title,
                                  "source": grid.source if grid.sheet == grid.source
                                  else f"{grid.source} ({grid.sheet})"}
        period = next((p for word, p in _PERIODS.items() if word in f"{title} {card.preface}"),
                      None)
        if period:
            scheme["period"] = period
        readings = [(ln.cell, ln.reading) for ln in self.lines if ln.reading is not None]
        bodies = [self._body(part) for part in card.parts]
        if len(bodies) == 1:
            scheme.update(bodies[0])
        else:
            scheme["sections"] = self._sections(bodies, readings)
        self._card_lines(scheme, readings)
        if self.rows.inputs:
            scheme["inputs"] = list(self.rows.inputs.values())
        if self.rows.card_rule_used:
            self.notes.insert(0, WHOLE_CARD())
        raters = sorted({r for part in card.parts for r in part.raters})
        if raters and "raters" not in scheme:
            self.notes.append(RATER_COLUMNS(names="、".join(raters)))
        self.notes += weight_notes(scheme, card, grid)
        imported: dict[str, Any] = {"file": grid.source, "sheet": grid.sheet}
        if self.todo:
            imported["todo"] = [{"cell": c, "text": t, "todo": what} for c, t, what in self.todo]
        scheme["imported"] = imported
        return Draft(scheme, self.indicators, self.todo, self.notes, grid.source, grid.sheet)

    def _lines(self) -> Iterator[_Line]:
        """Each sentence of the lines under the tables, read by a card-wide reader
        (总分 = …) or as the rule of every row without one (000's 超出标准(5分) …)."""
        for k, i, text in self.card.lines:
            cell = self.grid.at(k, i)
            for sentence in re.split(r"[;。\n]", simplified(text)):
                folded = fold(sentence)
                if not folded:
                    continue
                reading = read_line(folded)
                match = None if reading else first(folded, Context())
                rule = CardRule(cell, text.strip(), match) \
                    if match is not None and match.reading.rule is not None else None
                yield _Line(cell, text, rule, reading)

    def _sections(self, bodies: list[dict[str, Any]],
                  readings: list[tuple[str, LineReading]]) -> list[dict[str, Any]]:
        """The card's tables as sections, weighted as 总分 = A × a% + B × b% says; a blank
        weight (or none said) is an equal share for now and a todo."""
        given = next((r.sections for _, r in readings if r.sections), ())
        out = []
        for n, (part, body) in enumerate(zip(self.card.parts, bodies, strict=True)):
            name = one_line(part.title) if part.title else f"part {n + 1}"
            weight = given[n][1] if n < len(given) else None
            if weight is None:
                weight = HUNDRED / len(bodies)
                if weight == weight.to_integral_value():
                    weight = weight.quantize(Decimal(1))
                where = self.grid.at(*(part.title_cell or (part.header, 0)))
                self.todo.append((where, name, NO_SECTION_WEIGHT(name=name) if given
                                  else SECTIONS_UNSAID(count=len(bodies))))
            out.append({"id": slug(name), "title": name, "weight": percent(weight), **body})
        return out

    def _card_lines(self, scheme: dict[str, Any],
                    readings: list[tuple[str, LineReading]]) -> None:
        """What the lines under the table say about the whole card: raters, a pass mark,
        pay, the weights restated (each said in a note, with where)."""
        for cell, r in readings:
            if r.raters and "raters" not in scheme:
                scheme["raters"] = {"roles": [
                    {"id": who, "title": RATERS[who][0], "weight": percent(w),
                     "names": RATERS[who][1]} for who, w in r.raters]}
                self.notes.append(LINE_READ(cell=cell, what="raters: " + ", ".join(
                    f"{RATERS[who][0]} {percent(w)}" for who, w in r.raters)))
            self.notes += line_weight_notes(scheme, r.weights)
            if r.pass_mark is not None:
                scheme["pass_mark"] = r.pass_mark
                self.notes.append(LINE_READ(cell=cell, what=f"pass_mark: {r.pass_mark}"))
            if r.pay is not None:
                divisor, base = r.pay
                self.rows.inputs.setdefault(ident(base), {"id": ident(base), "title": base,
                                                          "unit": "元"})
                scheme["pay"] = {"formula": f"total / {divisor} * {in_formula(ident(base))}"}
                self.notes.append(LINE_READ(cell=cell, what=f"pay: {scheme['pay']['formula']}"))

    def _body(self, part: Part) -> dict[str, Any]:
        """A table's rows: dimensions when its groups have titles, else indicators."""
        if not any(g.title for g in part.groups):
            return {"indicators": [self._indicator(part, item.k)
                                   for g in part.groups for item in g.items]}
        dims = []
        for g in part.groups:
            name = one_line(g.title) if g.title else str(OTHERS())
            dim: dict[str, Any] = {"id": self.ids.new(slug(name)), "title": name}
            if g.weight and number(g.weight) is not None:
                dim["weight"] = g.weight
            if g.points:
                dim["description"] = f"{g.points}分"
            dim["indicators"] = [self._indicator(part, item.k) for item in g.items]
            dims.append(dim)
        return {"dimensions": dims}

    def _indicator(self, part: Part, k: int) -> dict[str, Any]:
        found = self.rows.read(part, k)
        self.indicators.append(found)
        return found.data
