"""One row of a card read into an indicator of the draft, with where it came from.

The 评分标准 is read by the first phrasing that knows it (the definition beside it
when the text itself states no rule, a fallback last, the card's rule under the
table for a row without a text); the row's other cells give the target, the
points and the weight. What the draft decided is a note; what the card does not
say is a todo. An indicator whose rule is not read gets a placeholder rule
(``direct``) and a todo, and keeps the rule as far as it was read in
``imported.rule``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import HUNDRED
from kpiscore.draft.grid import Grid
from kpiscore.draft.layout import Part
from kpiscore.draft.names import Ids, ident, number
from kpiscore.draft.names import title as title_of
from kpiscore.draft.phrasings import Context, Match, Reading, first
from kpiscore.draft.phrasings.pass_fail import PER_CASE
from kpiscore.draft.targets import Target, read_target
from kpiscore.draft.text import fold, short
from kpiscore.rules import RULES

Status = Literal["full", "partial", "none"]

NOT_READ = Phrase("no stock phrasing reads this 评分标准: write the rule",
                  "没有识别出这条评分标准的写法:请写出计分规则(rule)")
NO_TEXT = Phrase("the card prints no 评分标准 for this item: write the rule",
                 "考核表没有这一项的评分标准:请写出计分规则(rule)")
NO_TITLE = Phrase("the card prints no name for this item: write its title",
                  "考核表没有这一项的名称:请填写 title")
UNNAMED = Phrase("(no name)", "(无名称)")
NO_TARGET = Phrase("the {kind} rule needs a target and the card prints none: write target:",
                   "{kind} 规则需要目标值,考核表没有给出:请填写 target:")
NO_FULL = Phrase("the card prints no points for this rated item: write full_marks:",
                 "考核表没有给出这一评分项的分值:请填写 full_marks:")
INCOMPLETE = Phrase("complete the rule read from the card (imported.rule) and write it as "
                    "rule: (with better: {better})",
                    "请补全从考核表读出的规则(imported.rule),写到 rule: 中(并写 better: {better})")
TARGETS_DIFFER = Phrase("the 评分标准 says {own}, the target column {printed}: the 评分标准's "
                        "is used", "评分标准写的是 {own},目标列写的是 {printed}:按评分标准")
DIRECTION = Phrase("the target says {target} is better, the 评分标准 {rule}: the 评分标准 "
                   "decides", "目标值表明越{target}越好,评分标准表明越{rule}越好:按评分标准")
WORD = {"higher": Phrase("higher", "高"), "lower": Phrase("lower", "低")}
ON_WEIGHT = Phrase("the card prints no points for it: scored out of its weight, {weight} "
                   "points (a deduction of N points is N of the total)",
                   "考核表没有给出分值:按权重计分,满分 {weight} 分(扣 N 分即总分扣 N 分)")


@dataclass
class DraftIndicator:
    """One row of the card as an indicator of the draft."""

    data: dict[str, Any]  # as the YAML writes it
    status: Status
    cell: str
    title: str
    todo: list[Text] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)


@dataclass(frozen=True)
class CardRule:
    """A rule under the table (000's 超出标准(5分) …) for the rows without their own."""

    cell: str
    text: str
    match: Match


@dataclass
class RowReader:
    """Reads the rows of one card: the ids, the input columns formulas name, and whether
    the card's rule under the table was used, are shared by all its rows."""

    grid: Grid
    ids: Ids
    card_rule: CardRule | None = None
    card_rule_used: bool = False
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def read(self, part: Part, k: int) -> DraftIndicator:
        grid = self.grid

        def cell(role: str) -> str:
            col = part.col(role)
            return grid.cell(k, col) if col is not None else ""

        def where(role: str) -> str:
            return grid.at(k, part.col(role) or 0)

        title = title_of(cell("title"))
        todo: list[Text] = [NO_TITLE()] if not title else []
        notes: list[Text] = []
        ctx = Context(title=fold(title), definition=fold(cell("definition")),
                      rated=bool(part.raters))
        match, text, text_cell = self._scoring(cell, where, ctx)
        data: dict[str, Any] = {"id": self.ids.indicator(title or f"item_{grid.rows[k][0]}"),
                                "title": title or None}
        if cell("definition") and text != cell("definition"):
            data["definition"] = cell("definition").strip()
        if cell("source"):
            data["data_source"] = cell("source").strip()
        reading = match.reading if match else None
        if match is None:
            todo.append(NOT_READ() if fold(text) else NO_TEXT())
        target = read_target(cell("target")) if cell("target") else None
        rule = self._fields(data, reading, target, cell("points"), cell("weight"), todo, notes)
        veto = first(fold(cell("text")), ctx, "modifier") or \
            first(ctx.definition, ctx, "modifier")
        if veto is not None:
            todo.extend(veto.reading.missing)
            if veto.reading.veto is not None:
                data["veto"] = {"when": veto.reading.veto, "outcome": "zero",
                                "reason": short(text, 60)}
        imported: dict[str, Any] = {"cell": where("title")}
        if text:
            imported.update(text=text.strip(), text_cell=text_cell)
        if cell("target"):
            imported["target"] = cell("target")
        if match is not None:
            imported["phrasing"] = match.phrasing
        if rule is not None and not valid_rule(rule):
            imported["rule"] = rule
            todo.append(INCOMPLETE(better=data.get("better", "higher")))
        if rule is None or not valid_rule(rule):
            data.pop("better", None)  # the placeholder has no direction
            rule = {"kind": "direct"}  # a placeholder until the todo is done
        data["rule"] = rule
        imported.update(note=notes, todo=todo)
        data["imported"] = imported
        status: Status = "none" if reading is None else "partial" if todo or notes else "full"
        return DraftIndicator({k: v for k, v in data.items() if v is not None}, status,
                              where("title"), title or str(UNNAMED()), todo, notes)

    def _scoring(self, cell: Any, where: Any, ctx: Context) -> tuple[Match | None, str, str | None]:
        """The phrasing that reads the row's 评分标准, the text it read, and where it is."""
        text = cell("text")
        if not fold(text) and (cell("baseline") or cell("challenge")):
            anchors = f"基准值{cell('baseline')};目标值{cell('target')};挑战值{cell('challenge')}"
            return first(fold(anchors), ctx), anchors, where("baseline")
        match = first(fold(text), ctx)
        if match is None and ctx.definition:
            found = first(ctx.definition, ctx)
            if found is not None:
                return found, cell("definition"), where("definition")
        if match is None:
            match = first(fold(text), ctx, "fallback")
        if match is None and not fold(text) and self.card_rule is not None:
            self.card_rule_used = True
            return self.card_rule.match, self.card_rule.text, self.card_rule.cell
        return match, text, where("text") if text else None

    def _fields(self, data: dict[str, Any], reading: Reading | None, target: Target | None,
                points_text: str, weight_text: str, todo: list[Text],
                notes: list[Text]) -> dict[str, Any] | None:
        """Unit, direction, target, full marks, floor, weight and formula of the indicator
        from its reading and its row; returns the rule (None: not read)."""
        rule = dict(reading.rule) if reading is not None and reading.rule is not None else None
        if reading is not None:
            todo.extend(reading.missing)
            notes.extend(reading.notes)
        if target is not None and target.note is not None:
            notes.append(target.note)
        kind = str(rule["kind"]) if rule else ""
        cls = RULES.get(kind)
        unit = (reading.unit if reading else None) or (target.unit if target else None)
        if reading is not None and not reading.own_target and target is not None and \
                target.value is not None:
            unit = target.unit or unit  # the row's own target, in the row's unit
        if unit:
            data["unit"] = unit
        better, value = _target(reading, target, notes)
        if cls is not None and not cls.directional:
            better, value = None, None
        if better == "lower":
            data["better"] = "lower"
        if value is not None:
            data["target"] = value
        elif cls is not None and cls.needs_target:
            todo.append(target.lost if target is not None and target.lost is not None
                        else NO_TARGET(kind=kind))
        points, weight = number(points_text), number(weight_text)
        full = points if points is not None else (reading.full_marks if reading else None)
        default = cls.model_validate(rule).default_full_marks() \
            if cls is not None and valid_rule(rule) else None
        if full is None and default is None and weight not in (None, HUNDRED) and \
                cls is not None:
            full = weight  # a card of weights in percent whose rules give points
            # a ratio (百分比计分制: weight × achievement) means it; a deduction in points
            # read against the weight is the draft's reading, and said
            if not cls.divides_by_target:
                notes.append(ON_WEIGHT(weight=weight))
        if full is None and cls is not None and cls.is_rating:
            todo.append(NO_FULL())
        if full is not None and full != default:
            data["full_marks"] = full
        if reading is not None and reading.no_floor:
            data["floor"] = "none"
        if weight is not None:
            data["weight"] = weight_text.strip() if weight_text.strip().endswith("%") else weight
        if reading is not None and reading.formula is not None:
            data["formula"] = reading.formula.expression
            for name in reading.formula.inputs:
                self.inputs.setdefault(ident(name), {"id": ident(name), "title": name})
        return rule


def _target(reading: Reading | None, target: Target | None, notes: list[Text]
            ) -> tuple[str | None, Decimal | None]:
    """The direction and the target: the text's own target wins (a note when the target
    column says otherwise in the same unit); a limit the text sets for each case yields
    to the row's target column (a note says so)."""
    printed = target.value if target is not None else None
    printed_better = target.better if target is not None else None
    if reading is None:
        return printed_better, printed
    if target is not None and printed is not None and reading.target is not None and \
            not reading.own_target:  # the text's limit is each case's
        notes.append(PER_CASE(limit=f"{reading.target}{reading.unit or ''}",
                              target=f"{printed}{target.unit or ''}"))
        return printed_better or reading.better, printed
    if reading.better and printed_better and reading.better != printed_better:
        notes.append(DIRECTION(target=WORD[printed_better], rule=WORD[reading.better]))
    better = reading.better or printed_better
    if reading.target is not None:
        if target is not None and printed is not None and printed != reading.target and \
                (target.unit or reading.unit) == reading.unit:
            notes.append(TARGETS_DIFFER(own=reading.target, printed=printed))
        return better, reading.target
    return better, printed


def valid_rule(rule: dict[str, Any] | None) -> bool:
    """Whether ``rule`` is complete: its model accepts it as it is."""
    cls = RULES.get(str(rule.get("kind"))) if rule else None
    if cls is None:
        return False
    try:
        cls.model_validate(rule)
    except ValueError:
        return False
    return True
