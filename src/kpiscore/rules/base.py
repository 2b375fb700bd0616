"""What every scoring rule shares: the indicator facts it scores against, and helpers.

A rule says everything that is particular to it, so that nothing outside
``kpiscore.rules`` needs to ask which kind of rule it holds:

- :meth:`Rule.score` gives the points and the rule's own *step*, a
  :class:`~kpiscore.base.i18n.Text` whose values are the numbers of the
  arithmetic (as Decimals) and whose words are :class:`~kpiscore.base.i18n.Phrase`
  objects, so the same step reads in English (the JSON contract) or Chinese;
- :meth:`Rule.summary` says in one line how the indicator is scored, and
  :meth:`Rule.goal` what earns full marks (the 目标 of a printed card);
- :meth:`Rule.numbers` and :meth:`Rule.choices` tell ``whatif`` and templates
  what the actuals look like;
- class-level traits (``reads_labels``, ``is_rating``, ``directional``,
  ``needs_target``, ``divides_by_target``) tell the compiler and the reader
  of a spreadsheet what the rule expects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import ZERO

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Spec:
    """The indicator facts a rule scores against, fixed when a scheme is compiled."""

    target: Decimal | None
    full: Decimal
    floor: Decimal | None  # None: no floor ("不计上限"), points may go negative
    better: Better
    lowest: Decimal | None  # the smallest actual that is valid (domain), if bounded
    highest: Decimal | None  # the largest valid actual, if bounded
    precision: int = 2

    def clamp(self, points: Decimal, upper: Decimal | None = None) -> Decimal:
        top = self.full if upper is None else upper
        if points > top:
            points = top
        if self.floor is not None and points < self.floor:
            points = self.floor
        return points

    def floor_or_zero(self) -> Decimal:
        return ZERO if self.floor is None else self.floor


@dataclass(frozen=True)
class Check:
    """A problem a rule finds in its own configuration (``validate``)."""

    where: tuple[str | int, ...]  # path below the indicator, e.g. ("rule", "bands", 2)
    severity: Literal["error", "warning"]
    code: str
    message: str | Text


class UnknownLevel(ValueError):
    """The rule cannot score this input (an answer naming no level, a label given to a
    rule that reads numbers); the message says why, for the row's errors."""


class Rule(BaseModel):
    """Base of every rule's config model (registered by kind in ``kpiscore.rules``).

    A subclass documents itself in its class docstring (``docs/rules.md`` is
    generated from it), implements :meth:`score` and :meth:`summary`, and sets
    the traits below when they differ from the defaults.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    #: The rule's name in a scheme (``kind: deduct``); each subclass narrows it to its own.
    kind: str

    #: Whether the rule reads a label such as ``4级`` / ``D`` (levels) rather than a
    #: number (every other rule). A label-reading indicator's cell is kept as text,
    #: cannot be summed or averaged, and cannot carry a veto.
    reads_labels: ClassVar[bool] = False
    #: Whether the actual *is* the points (a supervisor's rating, ``direct``): its
    #: valid range is floor..full marks unless the indicator says otherwise, and a
    #: value outside it is reported as "(a rating runs …)".
    is_rating: ClassVar[bool] = False
    #: Whether ``better: higher | lower`` applies. When False (levels, direct: the
    #: points are the answer's own) the compiler refuses ``better: lower`` and does
    #: not warn about titles that sound lower-is-better.
    directional: ClassVar[bool] = True
    #: Whether the indicator must give a ``target``.
    needs_target: ClassVar[bool] = True
    #: Whether the rule divides by the target (a target of 0 is then meaningless).
    divides_by_target: ClassVar[bool] = False

    def default_full_marks(self) -> Decimal | None:
        """Full marks when the indicator gives none (``None``: the scheme default, 100)."""
        return None

    def default_range(self, spec: Spec) -> tuple[Decimal | None, Decimal | None]:
        """Valid actuals when the indicator does not say (``None``: the usual default)."""
        return (None, None)

    def score(self, actual: Decimal | str, spec: Spec) -> tuple[Decimal, Text]:
        """Points for ``actual`` and the rule's own step, a one-line explanation a
        person can check (``str(step)`` in English is the JSON's explanation).

        A numeric rule is given a Decimal, a label-reading rule the cell's text (or
        a Decimal, read as the number it is). An input the rule cannot score raises
        :class:`UnknownLevel`.
        """
        raise NotImplementedError

    def summary(self, precision: int) -> Text:
        """One line saying how the indicator is scored (``deduct 0.5 per 1 (prorate)``),
        for ``kpiscore schemes NAME`` and ``kpiscore explain``. The configuration's
        numbers are shown as written; ``precision`` is the scheme's."""
        raise NotImplementedError

    def goal(self, spec: Spec) -> Text | None:
        """What earns full marks, as the 目标 (target) column of a printed card shows it,
        without the unit: the target, ``≤ 5`` when lower is better (None: no target).
        A rule scored without a target says its own (the best band, the top level)."""
        if spec.target is None:
            return None
        return (GOAL_AT_MOST if spec.better == "lower" else GOAL)(value=spec.target)

    def numbers(self) -> Iterable[Decimal]:
        """The numbers the configuration is written with on the actual's own scale (a
        unit size, anchors, band bounds; not points). ``whatif`` steps through
        actuals no coarser than the finest decimal among them."""
        return ()

    def choices(self) -> list[str] | None:
        """The answers a template offers in a drop-down list (None: any number)."""
        return None

    def best(self, spec: Spec) -> Decimal:
        """The most points any valid actual can earn (for the unreachable check)."""
        return spec.full

    def checks(self, spec: Spec) -> Iterator[Check]:
        """Problems in this rule's configuration for this indicator."""
        return iter(())


# -- words and notes shared by several rules --------------------------------------------

#: How far an actual misses the target, by the direction of ``better``.
SHORT = Phrase("short", "不足")
OVER = Phrase("over", "超出")
#: Optional endings of a step, before its ``→ points``.
STOPS_AT_FLOOR = Phrase(", stops at the floor {floor}", ",不低于保底 {floor}")
CAPPED_AT_FULL = Phrase(", capped at full marks {full}", ",封顶满分 {full}")
OVER_CAP = Phrase(", over the cap {cap}", ",超过封顶 {cap}")
BELOW_FLOOR = Phrase(", below the floor {floor}", ",低于保底 {floor}")
#: A card's target: the number, or at most it when lower is better.
GOAL = Phrase("{value}", "{value}")
GOAL_AT_MOST = Phrase("≤ {value}", "≤ {value}")
#: Items of a list, as a summary shows them (``levels 1级=10, 2级=15``).
LIST = Phrase("{head}, {tail}", "{head},{tail}")
READS_NUMBERS = Phrase("{actual} is not a number: the {kind} rule reads numbers",
                       "{actual} 不是数字:{kind} 规则读取的是数字")


def shortfall(actual: Decimal, spec: Spec) -> Decimal:
    """How far ``actual`` falls short of the target in the direction of ``better`` (≥ 0)."""
    assert spec.target is not None
    gap = spec.target - actual if spec.better == "higher" else actual - spec.target
    return gap if gap > 0 else ZERO


def number(actual: Decimal | str, kind: str) -> Decimal:
    """``actual`` as the number a numeric rule scores; a text is refused."""
    if isinstance(actual, str):
        raise UnknownLevel(str(READS_NUMBERS(actual=repr(actual), kind=kind)))
    return actual


def exact(precision: int, *numbers: Decimal | None) -> int:
    """A precision at which every one of ``numbers`` is shown exactly as written (a
    summary shows the configuration, never a rounded form of it), at least ``precision``."""
    places = precision
    for n in numbers:
        if n is None:
            continue
        exponent = n.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -(places + 2):
            places = -exponent - 2
    return places


def joined(items: list[Text]) -> Text | None:
    """The items as one list text (``a, b, c``), None when there are none."""
    if not items:
        return None
    out = items[-1]
    for item in reversed(items[:-1]):
        out = LIST(item.precision, head=item, tail=out)
    return out
