"""A card read into a scheme draft: each row an indicator with where it came from.

Nothing is guessed silently. Each indicator keeps the cell of its row and the
scoring text as printed (``imported:``); what the draft had to decide is a
``note``; what the card does not say is a ``todo``, which makes ``validate``
refuse the draft (code ``unfinished``) until a person completes it. Weights are
kept as printed, and where they do not add up the draft says so with both
numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import HUNDRED, ZERO, parse_number
from kpiscore.draft.grid import Grid
from kpiscore.draft.layout import Card, Group, Item, Part
from kpiscore.draft.lines import LineReading, read_line
from kpiscore.draft.phrasings import Context, Match, Reading, first
from kpiscore.draft.targets import read_target
from kpiscore.draft.text import fold, short, simplified
from kpiscore.rules import RULES

Status = Literal["full", "partial", "none"]

NOT_READ = Phrase("no stock phrasing reads this 评分标准: write the rule",
                  "没有识别出这条评分标准的写法:请写出计分规则(rule)")
NO_TEXT = Phrase("the card prints no 评分标准 for this item: write the rule",
                 "考核表没有这一项的评分标准:请写出计分规则(rule)")
NO_TITLE = Phrase("the card prints no name for this item: write its title",
                  "考核表没有这一项的名称:请填写 title")
NO_TARGET = Phrase("the {kind} rule needs a target and the card prints none: write target:",
                   "{kind} 规则需要目标值,考核表没有给出:请填写 target:")
NO_FULL = Phrase("the card prints no points for this rated item: write full_marks:",
                 "考核表没有给出这一评分项的分值:请填写 full_marks:")
INCOMPLETE = Phrase("complete the rule read from the card (imported.rule) and write it as "
                    "rule: (with better: {better})", "请补全从考核表读出的规则(imported.rule),"
                    "写到 rule: 中(并写 better: {better})")
BETTER = {"higher": "higher", "lower": "lower"}
TARGETS_DIFFER = Phrase("the 评分标准 says {own}, the target column {printed}: the 评分标准's "
                        "is used", "评分标准写的是 {own},目标列写的是 {printed}:按评分标准")
DIRECTION = Phrase("the target says {target} is better, the 评分标准 {rule}: the 评分标准 "
                   "decides", "目标值表明越{target}越好,评分标准表明越{rule}越好:按评分标准")
WORD = {"higher": Phrase("higher", "高"), "lower": Phrase("lower", "低")}
ITEMS_SUM = Phrase("{where}: its weight is {weight} but its items' weights add up to {total} "
                   "(kept as printed)",
                   "{where}:权重为 {weight},但其各项权重合计为 {total}(按原表保留)")
LEVEL_SUM = Phrase("{what} add up to {total}, not 100 (kept as printed)",
                   "{what}合计为 {total},不是 100(按原表保留)")
POINTS_SUM = Phrase("{where}: printed as {points} points but its items' points add up to "
                    "{total} (kept as printed)", "{where}:原表为 {points} 分,但各项分值合计为 "
                    "{total}(按原表保留)")
TOTAL_ROW = Phrase("the total row says {points} but the items add up to {total}",
                   "合计行为 {points},但各项合计为 {total}")
LINE_WEIGHTS = Phrase("a line under the table gives {name} {weight}%, the table {table}",
                      "表下说明写 {name} {weight}%,表中为 {table}")
NO_SECTION_WEIGHT = Phrase("the weight of part {name!r} is blank on the card (总分 = … × %): "
                           "write its weight:", "考核表上部分 {name!r} 的权重为空(总分 = … × %):"
                           "请填写 weight:")
SECTIONS_UNSAID = Phrase("the card has {count} tables but does not say how they make the total: "
                         "write each section's weight"
                         ":", "考核表有 {count} 个表,但没有写明如何合成总分:"
                         "请填写各部分的 weight:")
RATER_COLUMNS = Phrase("the card has columns for {names} but does not weight them: the draft "
                       "scores one set of ratings (add raters: to score each, docs/scheme.md)",
                       "考核表有 {names} 列,但没有给出各自的权重:草稿只按一套评分计分"
                       "(如需分别计分,请添加 raters:,见 docs/scheme.md)")
UNNAMED = Phrase("(no name)", "(无名称)")
WHOLE_CARD = Phrase("every item without a 评分标准 of its own is scored by the card's rule "
                    "under the table", "没有单独评分标准的各项,均按表下的评分规则计分")
ON_WEIGHT = Phrase("the card prints no points for it: scored out of its weight, {weight} "
                   "points (a deduction of N points is N of the total)",
                   "考核表没有给出分值:按权重计分,满分 {weight} 分(扣 N 分即总分扣 N 分)")

_NUMBERING = re.compile(r"^(?:\d+[、.,)]|[((]\d+[))]|[一二三四五六七八九十]+[、.])\s*")
_ID_BAD = re.compile(r"[\[\]`\s]+")
_PERIODS = {"月度": "月", "季度": "季度", "半年度": "半年", "年度": "年"}


@dataclass
class DraftIndicator:
    """One row of the card as an indicator of the draft."""

    data: dict[str, Any]
    status: Status
    cell: str
    title: str
    todo: list[Text] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)


@dataclass
class Draft:
    """The whole draft: the scheme as the YAML writes it, and what the summary says."""

    scheme: dict[str, Any]
    indicators: list[DraftIndicator]
    #: card-wide: (where, what to do) that make the draft unfinished
    todo: list[tuple[str, str, Text]]
    #: card-wide remarks: weights that do not add up, raters not weighted …
    notes: list[Text]
    source: str
    sheet: str

    def count(self, status: Status) -> int:
        return sum(1 for i in self.indicators if i.status == status)

    @property
    def unfinished(self) -> bool:
        return bool(self.todo) or any(i.todo for i in self.indicators)


def build_draft(grid: Grid, card: Card) -> Draft:
    return _Builder(grid, card).run()


class _Builder:
    def __init__(self, grid: Grid, card: Card) -> None:
        self.grid, self.card = grid, card
        self.ids: set[str] = set()
        self.indicators: list[DraftIndicator] = []
        self.todo: list[tuple[str, str, Text]] = []
        self.notes: list[Text] = []
        self.inputs: dict[str, dict[str, Any]] = {}
        self.lines = list(self._lines())
        self.card_rule = next(((k, i, text, m) for k, i, text, m, _ in self.lines if m), None)
        self.card_rule_used = False

    # -- the card ----------------------------------------------------------------------

    def run(self) -> Draft:
        card, grid = self.card, self.grid
        title = _one_line(card.title) if card.title else grid.sheet
        scheme: dict[str, Any] = {"kpiscore": 1, "id": _slug(title), "title": title,
                                  "source": f"{grid.source} ({grid.sheet})"}
        period = _period(f"{title} {card.preface}")
        if period:
            scheme["period"] = period
        bodies = [self._body(part) for part in card.parts]
        readings = [r for *_, r in self.lines if r is not None]
        if len(bodies) == 1:
            scheme.update(bodies[0])
        else:
            scheme["sections"] = self._sections(bodies, readings)
        self._card_lines(scheme, readings)
        if self.inputs:
            scheme = _insert_after(scheme, "period" if period else "source",
                                   "inputs", list(self.inputs.values()))
        if self.card_rule is not None and self.card_rule_used:
            self.notes.insert(0, WHOLE_CARD())
        raters = sorted({r for part in card.parts for r in part.raters})
        if raters and "raters" not in scheme:
            self.notes.append(RATER_COLUMNS(names="、".join(raters)))
        self._check_weights(scheme)
        imported: dict[str, Any] = {"file": grid.source, "sheet": grid.sheet}
        if self.todo:
            imported["todo"] = [{"cell": c, "text": t, "todo": what} for c, t, what in self.todo]
        scheme = _insert_after(scheme, "source", "imported", imported)
        return Draft(scheme, self.indicators, self.todo, self.notes, grid.source, grid.sheet)

    def _lines(self) -> Iterator[tuple[int, int, str, Match | None, LineReading | None]]:
        """Each sentence of the lines under the tables, read as a rule for every row
        (000's 超出标准(5分) …) or as a card-wide line (总分 = …)."""
        for k, i, text in self.card.lines:
            for sentence in re.split(r"[;。]", simplified(text).replace("\n", ";")):
                folded = fold(sentence)
                if not folded:
                    continue
                line = read_line(folded)
                match = None if line else first(folded, Context())
                if match is not None and match.reading.rule is None:
                    match = None
                yield k, i, text, match, line

    def _sections(self, bodies: list[dict[str, Any]], readings: list[LineReading]
                  ) -> list[dict[str, Any]]:
        given = next((r.sections for r in readings if r.sections), ())
        out = []
        for n, (part, body) in enumerate(zip(self.card.parts, bodies, strict=True)):
            name = _one_line(part.title) if part.title else f"part {n + 1}"
            weight = given[n][1] if n < len(given) else None
            where = self.grid.at(*part.title_cell) if part.title_cell \
                else self._cell(part.header, 0)
            if weight is None:
                weight = (HUNDRED / len(bodies)).quantize(Decimal(1)) \
                    if HUNDRED % len(bodies) == 0 else HUNDRED / len(bodies)
                self.todo.append((where, name, NO_SECTION_WEIGHT(name=name) if given
                                  else SECTIONS_UNSAID(count=len(bodies))))
            out.append({"id": _slug(name), "title": name, "weight": _percent(weight), **body})
        return out

    def _card_lines(self, scheme: dict[str, Any], readings: list[LineReading]) -> None:
        for r in readings:
            if r.raters and "raters" not in scheme:
                titles = {"self": ("自评", ["自评", "员工", "员工评分", "本人"]),
                          "supervisor": ("上级", ["上级", "上级评分", "领导评分", "主管评分"])}
                scheme["raters"] = {"roles": [
                    {"id": who, "title": titles[who][0], "weight": _percent(w),
                     "names": titles[who][1]} for who, w in r.raters]}
            for name, weight in r.weights:
                self._check_line_weight(scheme, name, weight)
            if r.pass_mark is not None:
                scheme["pass_mark"] = r.pass_mark
            if r.pay is not None:
                divisor, base = r.pay
                name = _ident(base)
                self.inputs.setdefault(name, {"id": name, "title": base, "unit": "元"})
                scheme["pay"] = {"formula": f"total / {divisor} * {_formula_name(name)}"}

    def _check_line_weight(self, scheme: dict[str, Any], name: str, weight: Decimal) -> None:
        """A weight restated under the table (权重分配为 …) agrees with the table's."""
        dims = [d for body in scheme.get("sections") or [scheme]
                for d in body.get("dimensions") or []]
        for dim in dims:
            if fold(dim["title"]) == fold(name):
                table = _number(str(dim.get("weight", "")))
                if table != weight:
                    self.notes.append(LINE_WEIGHTS(name=name, weight=weight,
                                                   table=dim.get("weight", "—")))
                return

    # -- a table -----------------------------------------------------------------------

    def _body(self, part: Part) -> dict[str, Any]:
        titled = [g for g in part.groups if g.title]
        if not titled:
            return {"indicators": [self._indicator(part, g, item)
                                   for g in part.groups for item in g.items]}
        dims = []
        for g in part.groups:
            name = _one_line(g.title) if g.title else "其他"
            dim: dict[str, Any] = {"id": self._dimension_id(name), "title": name}
            if g.weight and _number(g.weight) is not None:
                dim["weight"] = g.weight
            if g.points:
                dim["description"] = f"{g.points}分"
            dim["indicators"] = [self._indicator(part, g, item) for item in g.items]
            dims.append(dim)
        return {"dimensions": dims}

    def _dimension_id(self, name: str) -> str:
        base = _slug(name)
        out, n = base, 2
        while out in self.ids:
            out, n = f"{base}_{n}", n + 1
        self.ids.add(out)
        return out

    def _cell(self, k: int, col: int | None) -> str:
        return self.grid.at(k, col if col is not None else 0)

    def _indicator(self, part: Part, group: Group, item: Item) -> dict[str, Any]:
        grid, k = self.grid, item.k

        def cell(role: str) -> str:
            col = part.col(role)
            return grid.cell(k, col) if col is not None else ""

        title = _one_line(_NUMBERING.sub("", cell("title")))
        todo: list[Text] = []
        notes: list[Text] = []
        if not title:
            todo.append(NO_TITLE())
        text, text_col = cell("text"), part.col("text")
        definition = cell("definition")
        ctx = Context(title=fold(title), definition=fold(definition), rated=bool(part.raters))
        text_cell = self._cell(k, text_col) if text else None
        if not fold(text) and (cell("baseline") or cell("challenge")):
            text = f"基准值{cell('baseline')};目标值{cell('target')};挑战值{cell('challenge')}"
            text_cell = self._cell(k, part.col("baseline"))
        match = first(fold(text), ctx)
        if match is None and definition:
            match = first(fold(definition), ctx)
            if match is not None:
                text, text_cell = definition, self._cell(k, part.col("definition"))
        if match is None:
            match = first(fold(text), ctx, "fallback")
        if match is None and not fold(text) and self.card_rule is not None:
            ck, ci, ctext, cmatch = self.card_rule
            match, text, text_cell = cmatch, ctext, self._cell(ck, ci)
            self.card_rule_used = True
        modifier = first(fold(cell("text")), ctx, "modifier") or \
            first(fold(definition), ctx, "modifier")
        data: dict[str, Any] = {"id": self._indicator_id(title or f"item_{grid.rows[k][0]}"),
                                "title": title or None}
        if definition and text != definition:
            data["definition"] = _one_line(definition)
        if cell("source"):
            data["data_source"] = _one_line(cell("source"))
        reading = match.reading if match else None
        status: Status = "none" if match is None or reading is None else "full"
        if match is None:
            todo.append(NOT_READ() if fold(text) else NO_TEXT())
        target = read_target(cell("target")) if cell("target") else None
        rule = self._fields(data, reading, target, cell("points"), cell("weight"), todo, notes)
        if modifier is not None:
            self._veto(data, modifier.reading, text, todo)
        imported: dict[str, Any] = {"cell": self._cell(k, part.col("title"))}
        if text:
            imported["text"] = text.strip()
            imported["text_cell"] = text_cell
        if cell("target"):
            imported["target"] = cell("target")
        if match is not None:
            imported["phrasing"] = match.phrasing
        if rule is not None and not _valid_rule(rule):
            imported["rule"] = rule
            todo.append(INCOMPLETE(better=BETTER[data.pop("better", "higher")]))
        if rule is None or not _valid_rule(rule):
            data.pop("better", None)  # the placeholder has no direction
            rule = {"kind": "direct"}  # a placeholder until the todo is done
        data["rule"] = rule
        if notes:
            imported["note"] = notes
        if todo:
            imported["todo"] = todo
        data["imported"] = imported
        if status == "full" and (todo or notes):
            status = "partial"
        where = imported["cell"]
        self.indicators.append(DraftIndicator(data, status, where, title or str(UNNAMED()),
                                              todo, notes))
        return {key: value for key, value in data.items() if value is not None}

    def _indicator_id(self, title: str) -> str:
        base = _ident(_BRACKETED.sub("", title) or title)
        out, n = base, 2
        while out in self.ids:
            out, n = f"{base}_{n}", n + 1
        self.ids.add(out)
        return out

    def _fields(self, data: dict[str, Any], reading: Reading | None, target: Any,
                points_text: str, weight_text: str, todo: list[Text],
                notes: list[Text]) -> dict[str, Any] | None:
        """Unit, direction, target, full marks, floor, weight and formula of one
        indicator from what its scoring text and its row say; the rule (None: not read)."""
        rule = dict(reading.rule) if reading is not None and reading.rule is not None else None
        if reading is not None:
            todo.extend(reading.missing)
            notes.extend(reading.notes)
        if target is not None and target.note is not None:
            notes.append(target.note)
        kind = str(rule["kind"]) if rule else None
        cls = RULES.get(kind) if kind else None
        unit = (reading.unit if reading else None) or (target.unit if target else None)
        if reading is not None and not reading.own_target and target is not None and \
                target.value is not None:
            unit = target.unit or unit  # the row's target, in the row's unit
        if unit:
            data["unit"] = unit
        better, value = self._target(reading, target, notes)
        if cls is not None and not cls.directional:
            better, value = None, None
        if better == "lower":
            data["better"] = "lower"
        if value is not None:
            data["target"] = value
        elif cls is not None and cls.needs_target:
            todo.append(target.lost if target is not None and target.lost is not None
                        else NO_TARGET(kind=kind))
        points = _number(points_text)
        weight = _number(weight_text)
        full = points if points is not None else (reading.full_marks if reading else None)
        default = cls.model_validate(rule).default_full_marks() if cls and _valid_rule(rule) \
            else None
        if full is None and default is None and weight is not None and cls is not None:
            full = weight  # a card of weights in percent that scores in points
            if reading is not None and reading.formula is None and kind != "ratio":
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
                ident = _ident(name)
                self.inputs.setdefault(ident, {"id": ident, "title": name})
        return rule

    def _target(self, reading: Reading | None, target: Any, notes: list[Text]
                ) -> tuple[str | None, Decimal | None]:
        printed = target.value if target is not None else None
        printed_better = target.better if target is not None else None
        if reading is None:
            return printed_better, printed
        if reading.target is not None and reading.own_target:
            if printed is not None and printed != reading.target and \
                    (target.unit or None) == (reading.unit or target.unit or None):
                notes.append(TARGETS_DIFFER(own=reading.target, printed=printed))
            better = reading.better or printed_better
            if reading.better and printed_better and reading.better != printed_better:
                notes.append(DIRECTION(target=WORD[printed_better], rule=WORD[reading.better]))
            return better, reading.target
        if printed is not None:
            if reading.target is not None:  # the text's limit is each case's
                from kpiscore.draft.phrasings.pass_fail import PER_CASE

                notes.append(PER_CASE(limit=f"{reading.target}{reading.unit or ''}",
                                      target=f"{printed}{target.unit or ''}"))
                return printed_better or reading.better, printed
            better = reading.better or printed_better
            if reading.better and printed_better and reading.better != printed_better:
                notes.append(DIRECTION(target=WORD[printed_better], rule=WORD[reading.better]))
            return better, printed
        return reading.better, reading.target

    def _veto(self, data: dict[str, Any], reading: Reading, text: str, todo: list[Text]) -> None:
        todo.extend(reading.missing)
        if reading.veto is not None:
            data["veto"] = {"when": reading.veto, "outcome": "zero",
                            "reason": short(text, 60) or "单项否决"}

    # -- weights -----------------------------------------------------------------------

    def _check_weights(self, scheme: dict[str, Any]) -> None:
        """Report every level whose weights or points do not add up (kept as printed)."""
        bodies = scheme.get("sections") or [scheme]
        if "sections" in scheme:
            total = sum((_number(str(s["weight"])) or ZERO for s in scheme["sections"]), ZERO)
            if total != HUNDRED:
                self.notes.append(LEVEL_SUM(what=Phrase("the sections' weights", "各部分权重"),
                                            total=total))
        for body in bodies:
            dims = body.get("dimensions")
            if dims is None:
                weights = [_number(str(i.get("weight", ""))) for i in body.get("indicators", [])]
                if weights and all(w is not None for w in weights):
                    total = sum((w for w in weights if w is not None), ZERO)
                    if total != HUNDRED:
                        self.notes.append(LEVEL_SUM(what=_scope(body, "items"), total=total))
                continue
            dim_weights = [_number(str(d.get("weight", ""))) for d in dims]
            if all(w is not None for w in dim_weights):
                total = sum((w for w in dim_weights if w is not None), ZERO)
                if total != HUNDRED:
                    self.notes.append(LEVEL_SUM(what=_scope(body, "dims"), total=total))
            for dim in dims:
                self._check_dimension(dim)
        for part in self.card.parts:
            if part.total is not None and part.col("points") is not None:
                self._check_total(part)

    def _check_dimension(self, dim: dict[str, Any]) -> None:
        items = dim["indicators"]
        weights = [_number(str(i.get("weight", ""))) for i in items]
        weight = _number(str(dim.get("weight", "")))
        if weight is not None and all(w is not None for w in weights):
            total = sum((w for w in weights if w is not None), ZERO)
            if total != weight:
                self.notes.append(ITEMS_SUM(where=dim["title"], weight=weight, total=total))
        points = _number(str(dim.get("description", "")).removesuffix("分"))
        fulls = [i.get("full_marks") for i in items]
        if points is not None and all(isinstance(f, Decimal) for f in fulls):
            total = sum(fulls, ZERO)
            if total != points:
                self.notes.append(POINTS_SUM(where=dim["title"], points=points, total=total))

    def _check_total(self, part: Part) -> None:
        assert part.total is not None
        col = part.col("points")
        printed = _number(self.grid.cell(part.total, col)) if col is not None else None
        items = [_number(self.grid.cell(i.k, col)) for g in part.groups for i in g.items] \
            if col is not None else []
        if printed is not None and items and all(p is not None for p in items):
            total = sum((p for p in items if p is not None), ZERO)
            if total != printed:
                self.notes.append(TOTAL_ROW(points=printed, total=total))


_WEIGHTS_OF = {"dims": Phrase("the dimensions' weights of {name}", "{name}的各维度权重"),
               "items": Phrase("the items' weights of {name}", "{name}的各项权重")}


def _scope(body: dict[str, Any], what: str) -> Text:
    """Whose weights: a section's (by its title) or the card's."""
    name = body.get("title") if "kpiscore" not in body else None
    return _WEIGHTS_OF[what](name=repr(name) if name else Phrase("the card", "考核表"))


_BRACKETED = re.compile(r"[((][^()()]*[))]$")
_BARE = re.compile(r"[^\W\d][\w.]*")


def _one_line(text: str) -> str:
    return re.sub(r"\s*\n\s*", "", text).strip()


def _slug(text: str) -> str:
    slug = _ID_BAD.sub("-", simplified(_one_line(text))).strip("-")
    return slug or "card"


def _ident(text: str) -> str:
    """An indicator or input id from its title: the title itself, without what an id
    cannot hold (brackets, back-quotes, white space) and not starting with a digit."""
    out = _ID_BAD.sub("_", simplified(_one_line(text))).strip("_")
    if not out or out[0].isdigit():
        out = f"k{out}"
    return out


def _formula_name(name: str) -> str:
    return name if _BARE.fullmatch(name) else f"[{name}]"


def _number(text: str) -> Decimal | None:
    """A weight or points cell as a number: ``25%``, ``5``, ``30分``."""
    parsed = parse_number(text.strip().removesuffix("分")) if text else None
    return parsed[0] if parsed else None


def _percent(value: Decimal) -> str:
    from kpiscore.base.numbers import plain

    return f"{plain(value)}%"


def _valid_rule(rule: dict[str, Any] | None) -> bool:
    if rule is None:
        return False
    cls = RULES.get(str(rule.get("kind")))
    if cls is None:
        return False
    try:
        cls.model_validate(rule)
    except ValueError:
        return False
    return True


def _period(text: str) -> str | None:
    for word, period in _PERIODS.items():
        if word in text:
            return period
    return None


def _insert_after(mapping: dict[str, Any], after: str, key: str, value: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in mapping.items():
        out[k] = v
        if k == after:
            out[key] = value
    out.setdefault(key, value)
    return out
