from __future__ import annotations

from decimal import Decimal
from typing import Literal

from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import ZERO
from kpiscore.rules.base import Rule, Spec, number


class Direct(Rule):
    """Direct points (由销售经理评分 · 主观考核 0–5分).

    The actual *is* the points: a rating a supervisor gives, between the
    floor and full marks. A rating outside that range is an error naming the
    cell, never silently clipped.

    Example (cooperation with sales, rated by the sales manager, full marks 10)::

        full_marks: 10
        rule: {kind: direct}
        # 8 → 8; 12 → error "12 is above the largest valid value 10"
    """

    kind: Literal["direct"]

    needs_target = False
    is_rating = True
    directional = False

    def default_range(self, spec: Spec) -> tuple[Decimal | None, Decimal | None]:
        return (spec.floor if spec.floor is not None else ZERO, spec.full)

    def score(self, actual: Decimal | str, spec: Spec) -> tuple[Decimal, Text]:
        actual = number(actual, self.kind)
        points = spec.clamp(actual)
        return points, RATED(spec.precision, actual=actual, points=points)

    def goal(self, spec: Spec) -> Text | None:
        """The range of ratings: ``0–10``."""
        return RANGE(low=spec.floor if spec.floor is not None else ZERO, full=spec.full)

    def summary(self, precision: int) -> Text:
        return SUMMARY(precision)


#: A step: the rating given and the points it is worth.
RATED = Phrase("rated {actual} → {points}", "评分 {actual} → {points}")
SUMMARY = Phrase("direct", "直接评分")
RANGE = Phrase("rated {low}–{full}", "评分 {low}–{full}")
