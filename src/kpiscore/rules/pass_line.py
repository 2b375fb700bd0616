from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from kpiscore.base.fields import Number
from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import ONE
from kpiscore.rules.base import CAPPED_AT_FULL, STOPS_AT_FLOOR, Check, Rule, Spec, exact, number


class PassLine(Rule):
    """Pass line ± per unit (一次合格率达到90%为合格,合格得20分。提(减)1个百分点加(减)1分).

    At the target (the pass line) the indicator earns ``base`` points; each
    ``per`` units better adds ``points``, each unit worse subtracts them;
    the result stays within [floor, full marks]. ``units: whole`` counts only
    complete units (default ``prorate``). ``validate`` warns when full marks
    can never be reached from the valid range of actuals.

    Example (first-pass installation rate, full marks 30, pass line 90% → 20)::

        unit: "%"
        target: 90
        full_marks: 30
        rule: {kind: pass_line, base: 20}
        # 90 → 20, 94 → 24, 85 → 15, 100 → 30

    Example (warehouse rules, 8 of 10 at 0 violations, −1 each)::

        better: lower
        target: 0
        full_marks: 10
        rule: {kind: pass_line, base: 8}
        # 0 → 8, 1 → 7; the top 2 points can never be earned (validate warns)
    """

    kind: Literal["pass_line"]
    #: Points earned exactly at the pass line (the indicator's target).
    base: Number
    per: Number = ONE
    points: Number = ONE
    units: Literal["prorate", "whole"] = "prorate"

    def _steps(self, actual: Decimal, spec: Spec) -> Decimal:
        assert spec.target is not None
        diff = actual - spec.target if spec.better == "higher" else spec.target - actual
        steps = diff / self.per
        if self.units == "whole":
            steps = abs(steps).to_integral_value(rounding=ROUND_FLOOR) * (1 if steps >= 0 else -1)
        return steps

    def score(self, actual: Decimal | str, spec: Spec) -> tuple[Decimal, Text]:
        actual = number(actual, self.kind)
        assert spec.target is not None
        p = spec.precision
        steps = self._steps(actual, spec)
        change = steps * self.points
        raw = self.base + change
        points = spec.clamp(raw)
        if steps == 0:
            return points, AT_LINE(p, actual=actual, target=spec.target, points=points)
        note = None
        if raw > points:
            note = CAPPED_AT_FULL(p, full=spec.full)
        elif raw < points:
            note = STOPS_AT_FLOOR(p, floor=points)
        values = {"actual": actual, "target": spec.target, "steps": abs(steps),
                  "direction": BETTER if steps > 0 else WORSE, "each": self.points,
                  "sign": "+" if change >= 0 else "−", "change": abs(change),
                  "base": self.base, "note": note, "points": points}
        if self.per == 1:
            return points, OFF_LINE(p, **values)
        return points, OFF_LINE_PER(p, per=self.per, **values)

    def summary(self, precision: int) -> Text:
        return SUMMARY(exact(precision, self.base, self.points, self.per), base=self.base,
                       points=self.points, per=self.per)

    def numbers(self) -> Iterable[Decimal]:
        return (self.per,)

    def best(self, spec: Spec) -> Decimal:
        edge = spec.highest if spec.better == "higher" else spec.lowest
        if edge is None or spec.target is None:
            return spec.full
        return spec.clamp(self.base + self._steps(edge, spec) * self.points)

    def checks(self, spec: Spec) -> Iterator[Check]:
        if self.per <= 0 or self.points <= 0:
            yield Check(("rule",), "error", "bad-parameter", NOT_POSITIVE())
        if self.base > spec.full:
            yield Check(("rule", "base"), "error", "above-full-marks",
                        BASE_ABOVE_FULL(base=self.base, full=spec.full))


#: validate: steps that are not positive, a base above full marks
NOT_POSITIVE = Phrase("per and points must be positive", "per 和 points 须为正数")
BASE_ABOVE_FULL = Phrase("base {base} is more than the full marks {full}",
                         "base {base} 超过满分 {full}")
#: A step exactly at the pass line.
AT_LINE = Phrase("{actual} vs pass line {target}: at the pass line → {points}",
                 "{actual} 对比合格线 {target}:恰在合格线 → {points}")
#: A step above or below the pass line, in units of 1.
OFF_LINE = Phrase("{actual} vs pass line {target}: {steps} {direction} × {each} = "
                  "{sign}{change} on {base}{note} → {points}",
                  "{actual} 对比合格线 {target}:{direction} {steps} × {each} = "
                  "{sign}{change},基础分 {base}{note} → {points}")
#: A step above or below the pass line, in units of ``per``.
OFF_LINE_PER = Phrase("{actual} vs pass line {target}: {steps} × {per} {direction} × {each} = "
                      "{sign}{change} on {base}{note} → {points}",
                      "{actual} 对比合格线 {target}:{direction} {steps} 次(每 {per} 计一次)"
                      "× {each} = {sign}{change},基础分 {base}{note} → {points}")
BETTER = Phrase("better", "优于合格线")
WORSE = Phrase("worse", "差于合格线")
SUMMARY = Phrase("pass line: {base} at target, ±{points} per {per}",
                 "合格线:达到目标得 {base},每 {per} 加减 {points}")
