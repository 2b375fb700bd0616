"""What every sheet of a report knows: the results, the scheme's facts the results do
not carry, the language and the period, and the numbers' shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from kpiscore.base.i18n import Phrase
from kpiscore.base.numbers import plain, round_half_up
from kpiscore.outputs.report import labels as L
from kpiscore.score.results import PersonResult, Report

if TYPE_CHECKING:
    from kpiscore.scheme.load import LoadedScheme


@dataclass
class Context:
    report: Report
    lang: str
    period: str | None
    title: str
    scheme_id: str
    scale: Decimal = Decimal(100)
    grades: list[str] = field(default_factory=list)
    pay_title: str = ""
    #: each indicator's target as a card shows it (with its unit), by indicator id
    goals: dict[str, str] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)  # section id → title
    #: what the scheme has that the printed card does not (docs/scheme.md), as lines
    not_on_card: list[str] = field(default_factory=list)

    def say(self, phrase: Phrase, **values: object) -> str:
        return phrase(**values).render(self.lang) if values else phrase.pick(self.lang)

    def heading(self, what: str) -> str:
        """A sheet's title line: the scheme's title, the period, what the sheet is."""
        parts = [self.title, self.period, what] if self.period else [self.title, what]
        return " · ".join(parts)

    def status(self, r: PersonResult) -> str:
        if r.status != "ok":
            return self.say(L.NOT_SCORED)
        return self.say(L.VETOED) if r.vetoes else self.say(L.SCORED)

    @property
    def precision(self) -> int:
        return self.report.precision


def context(report: Report, loaded: LoadedScheme | None, lang: str,
            period: str | None) -> Context:
    """The context of a report; ``loaded`` adds what the results do not carry (units,
    targets, grades, the scale)."""
    period = period.strip() if period and period.strip() else None
    out = Context(report, lang, period, report.scheme_title, report.scheme_id)
    out.pay_title = L.PAY.pick(lang)
    out.grades = [g for g, _ in report.summary.grades]
    if loaded is None:
        return out
    s, compiled = loaded.scheme, loaded.compiled
    out.title, out.scale = s.title, s.scale
    out.grades = [g.name for g in s.grades]
    if s.pay is not None and s.pay.title:
        out.pay_title = s.pay.title
    out.sections = {g.id: g.title for g in compiled.sections}
    if compiled.departures:
        from kpiscore.scheme.describe import departure_lines

        out.not_on_card = departure_lines(compiled.departures, lang)
    for ci in compiled.indicators:
        unit = ci.ind.unit
        out.units[ci.id] = unit
        goal = ci.rule.goal(ci.spec)
        text = "" if goal is None else goal.render(lang)
        if text and unit and not ci.rule.reads_labels:
            text += unit
        out.goals[ci.id] = text
    return out


def fixed(value: Decimal | None, precision: int) -> Decimal | None:
    """A number as the report stores it: rounded half up to ``precision``."""
    return None if value is None else round_half_up(value, precision)


def short(value: Decimal | str | None, precision: int) -> str:
    """A number rounded half up, written without padding zeros (``98.5``)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return plain(round_half_up(value, precision))


def number_format(precision: int, thousands: bool = False, pad: bool = False) -> str:
    """``0.00`` for two decimals; ``#,##0.00`` with thousands separators (pay); ``pad``:
    a space's width after the number, so that it never touches the next cell's text
    (every spreadsheet honours ``_ ``; not all indent right-aligned numbers)."""
    head = "#,##0" if thousands else "0"
    text = head if precision <= 0 else head + "." + "0" * precision
    return text + "_ " if pad else text
