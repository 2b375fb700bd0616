"""One person's printable card, laid out like the paper forms the schemes come from
(title, person fields, the indicator table grouped by section and dimension, total
and grade, pay, vetoes, a box for comments, signature lines), on a sheet of its own
fitted to exactly one A4 page: whatever fonts the machine that prints it has, the
page scales to the card (a card per sheet, because Excel ignores manual page breaks
on a sheet fitted to pages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from kpiscore.base.numbers import plain, round_half_up
from kpiscore.outputs.report import labels as L
from kpiscore.outputs.report.book import Book, Cell, Style
from kpiscore.outputs.report.context import Context, fixed, number_format, short
from kpiscore.outputs.report.sheets import ERROR_RED, HEAD_FILL
from kpiscore.outputs.report.text import lines_needed, sheet_name
from kpiscore.score.results import GroupResult, IndicatorResult, PersonResult

#: Card columns: indicator, weight, target, actual, points, explanation.
WIDTHS: tuple[float, ...] = (22, 8, 11, 10, 9, 40)
GROUP_FILL = "#EDEDED"
SECTION_FILL = "#D0D0D0"
BODY = 10.0  # font size of the card's body
SMALL = 9.0  # font size of the explanations
LINE = 13.0  # points per line of body text


class CardStyles:
    def __init__(self, precision: int) -> None:
        b = BODY
        self.title = Style(bold=True, size=16, align="center")
        self.label = Style(bold=True, size=b, fill=GROUP_FILL, border=True, align="center",
                           wrap=True)
        self.value = Style(size=b, border=True, align="left", wrap=True, indent=1)
        self.head = Style(bold=True, size=b, fill=HEAD_FILL, border=True, align="center",
                          wrap=True)
        self.section = Style(bold=True, size=b, fill=SECTION_FILL, border=True, align="left",
                             indent=1)
        self.group = Style(bold=True, size=b, fill=GROUP_FILL, border=True, align="left",
                           indent=1)
        self.name = Style(size=b, border=True, align="left", wrap=True, indent=1)
        self.cell = Style(size=b, border=True, align="center", wrap=True)
        self.points = Style(size=b, border=True, align="center", num=number_format(precision))
        self.explain = Style(size=SMALL, border=True, align="left", wrap=True, indent=1)
        self.total = Style(bold=True, size=12, border=True, align="center",
                           num=number_format(precision))
        self.grade = Style(bold=True, size=12, border=True, align="center")
        self.alert = Style(size=b, border=True, align="left", wrap=True, color=ERROR_RED,
                           indent=1)
        self.sign = Style(size=b, align="right")
        self.line = Style(size=b, line=True)
        self.note = Style(size=8, color="#808080", align="left")
        self._pay: dict[int, Style] = {}
        #: the row of an indicator result people share, by its id (the object lives on)
        self.shared: dict[int, CardRow] = {}

    def pay(self, precision: int) -> Style:
        if precision not in self._pay:
            self._pay[precision] = Style(bold=True, size=BODY, border=True, align="center",
                                         num=number_format(precision, True))
        return self._pay[precision]


@dataclass
class CardRow:
    cells: list[Cell | None]
    height: float
    merges: list[tuple[int, int]] = field(default_factory=list)
    #: the same row on every card with it (an indicator result people share)
    key: int | None = None


def _t(value: str | None, style: Style | None) -> Cell:
    return ("" if value is None else value, style)


def _height(lines: int) -> float:
    """The height of a card row of ``lines`` lines of body text."""
    return max(LINE + 7, lines * LINE + 5)


def card_rows(r: PersonResult, ctx: Context, cs: CardStyles) -> list[CardRow]:
    """The rows of ``r``'s card."""
    say, p, w = ctx.say, ctx.precision, WIDTHS
    report = ctx.report
    rows: list[CardRow] = []
    last = len(w) - 1

    def add(cells: list[Cell | None], height: float = LINE + 7,
            merges: list[tuple[int, int]] | None = None) -> None:
        rows.append(CardRow(cells, height, merges or []))

    def band(text: str, style: Style, height: float = LINE + 7) -> None:
        """A text across the card."""
        add([_t(text, style)], height, [(0, last)])

    def pairs(a: str, x: Cell, b: str, y: Cell, height: float = LINE + 7) -> None:
        """Two labels, each with a value two columns wide."""
        add([_t(a, cs.label), x, None, _t(b, cs.label), y], height, [(1, 2), (4, 5)])

    def noted(label: str, value: Cell, note: str = "") -> None:
        """A label, a value two columns wide and a note across the rest."""
        add([_t(label, cs.label), value, None, _t(note, cs.value)], merges=[(1, 2), (3, last)])

    def wide(label: str, text: str, style: Style) -> None:
        """A label and a text across the rest of the card."""
        add([_t(label, cs.label), _t(text, style)],
            _height(lines_needed(text, sum(w[1:]), BODY)), [(1, last)])

    band(ctx.title, cs.title, 30)
    pairs(say(L.CARD_EMPLOYEE), _t(r.name, cs.value), say(L.ID), _t(r.id, cs.value))
    pairs(say(L.DEPARTMENT), _t(r.department, cs.value), say(L.CARD_PERIOD),
          _t(ctx.period, cs.value))
    add([_t(say(h), cs.head) for h in (L.CARD_INDICATOR, L.CARD_WEIGHT, L.CARD_TARGET,
                                         L.ACTUAL, L.POINTS, L.CARD_HOW)], LINE + 9)
    dims = {d.id: d for d in r.dimensions}
    sections = {s.id: s for s in r.sections}
    per_section: dict[str | None, int] = {}
    for g in r.dimensions:
        per_section[g.section] = per_section.get(g.section, 0) + 1
    show_groups = len(r.dimensions) > 1 or report.has_sections
    section: str | None = None
    dimension: str | None = None
    for ind in r.indicators:
        d = dims.get(ind.dimension)
        if report.has_sections and d is not None and d.section != section:
            section = d.section
            part = sections.get(d.section or "")
            if part is not None:
                band(_group_text(ctx, part), cs.section)
        alone = d is not None and report.has_sections and per_section.get(d.section) == 1
        if show_groups and d is not None and ind.dimension != dimension:
            dimension = ind.dimension
            if not alone:  # a section of one dimension: its row above says it all
                band(_group_text(ctx, d), cs.group)
        row = cs.shared.get(id(ind)) if ind.shared else None
        if row is None:
            row = _indicator_row(ind, ctx, cs)
            if ind.shared and len(cs.shared) < 65536:
                cs.shared[id(ind)] = row
        rows.append(row)
    total = (fixed(r.total, p), cs.total)
    c = r.calibration
    if report.has_grades:  # the grade by the bands (a calibrated grade comes below)
        pairs(say(L.TOTAL), total, say(L.GRADE), _t(c.banded if c else r.grade, cs.grade), 24)
    else:
        pairs(say(L.TOTAL), total, say(L.CARD_FULL), (ctx.scale, cs.total), 24)
    if r.rank is not None:
        overall = say(L.CARD_RANK, rank=r.rank.overall, of=r.rank.of)
        if r.rank.department is not None:
            pairs(say(L.RANK), _t(overall, cs.value), say(L.DEPARTMENT_RANK),
                  _t(say(L.CARD_RANK, rank=r.rank.department, of=r.rank.department_of),
                     cs.value))
        else:
            noted(say(L.RANK), _t(overall, cs.value))
    if r.quota_grade is not None:
        noted(say(L.QUOTA_GRADE), _t(c.quota if c else r.quota_grade, cs.grade))
    if c is not None:
        by = say(L.CALIBRATION_BY, by=c.by) if c.by else ""
        noted(say(L.CALIBRATED_GRADE), _t(c.after, cs.grade),
              say(L.CALIBRATION_NOTE, before=c.before, reason=c.reason, by=by))
    if r.passed is not None:
        noted(say(L.PASSED), _t(say(L.YES) if r.passed else say(L.NO), cs.grade))
    for title, amount, precision, note in _pay_lines(r, ctx):
        noted(title, (fixed(amount, precision), cs.pay(precision)), note)
    if r.vetoes:
        wide(say(L.CARD_VETO), "; ".join(f"{v.title}: {v.reason}" for v in r.vetoes), cs.alert)
    if r.status != "ok":
        wide(say(L.NOT_SCORED), "; ".join(str(e) for e in r.errors), cs.alert)
    add([_t(say(L.CARD_COMMENTS), cs.label), _t("", cs.value)], 54, [(1, last)])
    add([], 18)
    for who in (L.CARD_SIGNED_EMPLOYEE, L.CARD_SIGNED_ASSESSOR):
        add([_t(say(who), cs.sign), ("", cs.line), None, _t(say(L.CARD_DATE), cs.sign),
             ("", cs.line)], 30, [(1, 2), (4, 5)])
    person = f"{say(L.ID)} {r.id}" if r.id else say(L.CARD_ROW, row=r.row)
    band(say(L.CARD_FOOTER, who=person, scheme=ctx.scheme_id), cs.note, LINE + 3)
    return rows


def _indicator_row(ind: IndicatorResult, ctx: Context, cs: CardStyles) -> CardRow:
    """An indicator's line: title, weight, target, actual, points, explanation."""
    p, w = ctx.precision, WIDTHS
    target = ctx.goals.get(ind.id, "")
    if not target and ind.target is not None:
        target = short(ind.target, p) + ctx.units.get(ind.id, "")
    actual = short(ind.actual, p)
    if actual and not isinstance(ind.actual, str):
        actual += ctx.units.get(ind.id, "")
    lines = max(lines_needed(ind.title, w[0], BODY), lines_needed(ind.explanation, w[5], SMALL),
                lines_needed(target, w[2], BODY), lines_needed(actual, w[3], BODY))
    return CardRow([_t(ind.title, cs.name), _t(f"{plain(round_half_up(ind.weight, p))}%", cs.cell),
                    _t(target, cs.cell), _t(actual, cs.cell), (fixed(ind.points, p), cs.points),
                    _t(ind.explanation, cs.explain)], _height(lines),
                   key=id(ind) if ind.shared else None)


def _group_text(ctx: Context, g: GroupResult) -> str:
    """A section's or dimension's line: its title, weight, score and what it counts."""
    p = ctx.precision
    weight = plain(round_half_up(g.weight, p))
    score = g.score()
    if score is None or g.contribution is None:
        return ctx.say(L.CARD_GROUP_UNSCORED, title=g.title, weight=weight)
    return ctx.say(L.CARD_GROUP, title=g.title, weight=weight,
                   score=str(round_half_up(score, p)),
                   counts=str(round_half_up(g.contribution, p)))


def _pay_lines(r: PersonResult, ctx: Context) -> list[tuple[str, Decimal | None, int, str]]:
    """``(title, amount, precision, note)`` of each pay line of a person."""
    if r.pay_lines is not None:
        notes = {"min": ctx.say(L.CARD_AT_MIN), "max": ctx.say(L.CARD_AT_MAX)}
        return [(line.title, line.amount, line.precision, notes.get(line.capped or "", ""))
                for line in r.pay_lines]
    if ctx.report.has_pay:
        return [(ctx.pay_title, r.pay, ctx.report.pay_precision, "")]
    return []


def card_title(r: PersonResult, ctx: Context) -> str:
    """The name of a card's sheet (and file): the id and the name, else the row."""
    if r.id is None:
        return ctx.say(L.CARD_ROW, row=r.row)
    return f"{r.id} {r.name}" if r.name else r.id


def write_card(book: Book, r: PersonResult, ctx: Context, cs: CardStyles,
               taken: set[str]) -> None:
    """``r``'s card on a sheet of its own, printed on exactly one A4 page."""
    ws = book.sheet(sheet_name(card_title(r, ctx), taken), WIDTHS, card=True)
    for row in card_rows(r, ctx, cs):
        ws.row(row.cells, height=row.height, merges=row.merges, key=row.key)
    ws.finish(print_area=True)
