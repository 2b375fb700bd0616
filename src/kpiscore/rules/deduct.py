from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Literal

from kpiscore.base.numbers import ONE
from kpiscore.rules.base import Check, Rule, Spec, better_word, shortfall
from kpiscore.base.fields import Number


class Deduct(Rule):
    """Deduct per unit short (每低1分扣0.5分 · 每发生1次扣5分 · 每超出15分钟扣1分).

    Full marks at or beyond the target; each ``per`` units short of it (below
    it for ``better: higher``, above it for ``better: lower``) takes ``points``
    off. ``units`` says how a partial unit counts: ``prorate`` (default, 2.5
    units short costs 2.5 × points), ``started`` (each started unit counts
    whole: 40 minutes over in steps of 15 is 3) or ``whole`` (only complete
    units: 40 minutes is 2). Points stop at the indicator's ``floor`` (0,
    "扣完为止") unless it says ``floor: none`` ("不计上限"), when they can go
    negative and pull the total down.

    Example (key-customer satisfaction, 90 and above full marks, −0.5 a point)::

        target: 90
        full_marks: 100
        rule: {kind: deduct, per: 1, points: 0.5}
        # 86 → 98 ("86 vs target 90: 4 short × 0.5 = −2 → 98")

    Example (complex cases handled within 2 hours, −1 per started 15 minutes)::

        unit: min
        better: lower
        target: 120
        rule: {kind: deduct, per: 15, points: 1, units: started}
        # 160 → 97 (40 over = 3 started steps of 15)

    Example (each complaint −5, no floor)::

        better: lower
        target: 0
        full_marks: 20
        floor: none
        rule: {kind: deduct, points: 5}
        # 5 complaints → −5
    """

    kind: Literal["deduct"]
    #: Size of one unit, in the indicator's unit (1 point, 1%, 15 minutes …).
    per: Number = ONE
    #: Points taken off for each unit.
    points: Number
    units: Literal["prorate", "started", "whole"] = "prorate"

    def units_short(self, actual: Decimal, spec: Spec) -> Decimal:
        count = shortfall(actual, spec) / self.per
        if self.units == "started":
            return count.to_integral_value(rounding=ROUND_CEILING)
        if self.units == "whole":
            return count.to_integral_value(rounding=ROUND_FLOOR)
        return count

    def score(self, actual: Decimal, spec: Spec) -> tuple[Decimal, str]:
        assert spec.target is not None
        head = f"{spec.num(actual)} vs target {spec.num(spec.target)}"
        gap = shortfall(actual, spec)
        if gap == 0:
            return spec.full, f"{head}: target met → {spec.num(spec.full)}"
        count = self.units_short(actual, spec)
        loss = count * self.points
        points = spec.clamp(spec.full - loss)
        if self.per == 1 and self.units == "prorate":
            steps = f"{spec.num(gap)} {better_word(spec)}"
        else:
            word = {"prorate": "", "started": " started", "whole": " whole"}[self.units]
            steps = (f"{spec.num(gap)} {better_word(spec)} = {spec.num(count)}{word} "
                     f"steps of {spec.num(self.per)}")
        note = ""
        if spec.floor is not None and spec.full - loss < spec.floor:
            note = f", stops at the floor {spec.num(spec.floor)}"
        return points, (f"{head}: {steps} × {spec.num(self.points)} = −{spec.num(loss)}"
                        f"{note} → {spec.num(points)}")

    def checks(self, spec: Spec) -> Iterator[Check]:
        if self.per <= 0:
            yield Check(("rule", "per"), "error", "bad-parameter",
                        f"per must be a positive unit size, not {self.per}")
        if self.points <= 0:
            yield Check(("rule", "points"), "error", "bad-parameter",
                        f"points deducted per unit must be positive, not {self.points}")
