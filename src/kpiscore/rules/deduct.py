from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Literal

from kpiscore.base.fields import Number
from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import ONE
from kpiscore.rules.base import (
    OVER,
    SHORT,
    STOPS_AT_FLOOR,
    Check,
    Rule,
    Spec,
    exact,
    number,
    shortfall,
)


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

    def score(self, actual: Decimal | str, spec: Spec) -> tuple[Decimal, Text]:
        actual = number(actual, self.kind)
        assert spec.target is not None
        p = spec.precision
        gap = shortfall(actual, spec)
        if gap == 0:
            return spec.full, TARGET_MET(p, actual=actual, target=spec.target, points=spec.full)
        count = gap / self.per
        if self.units != "prorate":
            rounding = ROUND_CEILING if self.units == "started" else ROUND_FLOOR
            count = count.to_integral_value(rounding=rounding)
        loss = count * self.points
        points = spec.clamp(spec.full - loss)
        note = None
        if spec.floor is not None and spec.full - loss < spec.floor:
            note = STOPS_AT_FLOOR(p, floor=spec.floor)
        side = SHORT if spec.better == "higher" else OVER
        values = {"actual": actual, "target": spec.target, "gap": gap, "side": side,
                  "each": self.points, "loss": loss, "note": note, "points": points}
        if self.per == 1 and self.units == "prorate":
            return points, SHORT_BY(p, **values)
        return points, SHORT_BY_STEPS(p, count=count, units=UNITS[self.units], per=self.per,
                                      **values)

    def summary(self, precision: int) -> Text:
        return SUMMARY(exact(precision, self.points, self.per), points=self.points, per=self.per,
                       units=UNIT_NAMES[self.units])

    def numbers(self) -> Iterable[Decimal]:
        return (self.per,)

    def checks(self, spec: Spec) -> Iterator[Check]:
        if self.per <= 0:
            yield Check(("rule", "per"), "error", "bad-parameter", BAD_PER(per=self.per))
        if self.points <= 0:
            yield Check(("rule", "points"), "error", "bad-parameter",
                        BAD_POINTS(points=self.points))


#: validate: a unit or a deduction that is not positive
BAD_PER = Phrase("per must be a positive unit size, not {per}",
                 "per 须是正的单位大小,而不是 {per}")
BAD_POINTS = Phrase("points deducted per unit must be positive, not {points}",
                    "每单位扣的分(points)须为正数,而不是 {points}")
#: A step at or beyond the target.
TARGET_MET = Phrase("{actual} vs target {target}: target met → {points}",
                    "{actual} 对比目标 {target}:达标 → {points}")
#: A step short of the target, in units of 1 prorated.
SHORT_BY = Phrase("{actual} vs target {target}: {gap} {side} × {each} = −{loss}{note} → {points}",
                  "{actual} 对比目标 {target}:{side} {gap} × {each} = −{loss}{note} → {points}")
#: A step short of the target in units of ``per`` (or counting started / whole units).
SHORT_BY_STEPS = Phrase("{actual} vs target {target}: {gap} {side} = {count}{units} steps of "
                        "{per} × {each} = −{loss}{note} → {points}",
                        "{actual} 对比目标 {target}:{side} {gap},每 {per} 计一次{units},"
                        "共 {count} 次 × {each} = −{loss}{note} → {points}")
#: How partial units are counted, inside a step.
UNITS: dict[str, Phrase | None] = {"prorate": None,
                                   "started": Phrase(" started", "(不满一次也计一次)"),
                                   "whole": Phrase(" whole", "(不满一次不计)")}
#: How partial units are counted, in the summary.
UNIT_NAMES = {"prorate": Phrase("prorate", "按比例折算"),
              "started": Phrase("started", "不满一次也计一次"),
              "whole": Phrase("whole", "不满一次不计")}
SUMMARY = Phrase("deduct {points} per {per} ({units})", "每 {per} 扣 {points}({units})")
