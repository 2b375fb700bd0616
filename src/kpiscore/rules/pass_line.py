from __future__ import annotations

from collections.abc import Iterator
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from kpiscore.base.numbers import ONE
from kpiscore.rules.base import Check, Rule, Spec
from kpiscore.base.fields import Number


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

    def score(self, actual: Decimal, spec: Spec) -> tuple[Decimal, str]:
        assert spec.target is not None
        steps = self._steps(actual, spec)
        change = steps * self.points
        raw = self.base + change
        points = spec.clamp(raw)
        head = f"{spec.num(actual)} vs pass line {spec.num(spec.target)}"
        if steps == 0:
            return points, f"{head}: at the pass line → {spec.num(points)}"
        word = "better" if steps > 0 else "worse"
        sign = "+" if change >= 0 else "−"
        note = ""
        if raw > points:
            note = f", capped at full marks {spec.num(spec.full)}"
        elif raw < points:
            note = f", stops at the floor {spec.num(points)}"
        unit = "" if self.per == 1 else f" × {spec.num(self.per)}"
        return points, (f"{head}: {spec.num(abs(steps))}{unit} {word} × "
                        f"{spec.num(self.points)} = {sign}{spec.num(abs(change))} on "
                        f"{spec.num(self.base)}{note} → {spec.num(points)}")

    def best(self, spec: Spec) -> Decimal:
        edge = spec.highest if spec.better == "higher" else spec.lowest
        if edge is None or spec.target is None:
            return spec.full
        return spec.clamp(self.base + self._steps(edge, spec) * self.points)

    def checks(self, spec: Spec) -> Iterator[Check]:
        if self.per <= 0 or self.points <= 0:
            yield Check(("rule",), "error", "bad-parameter",
                        "per and points must be positive")
        if self.base > spec.full:
            yield Check(("rule", "base"), "error", "above-full-marks",
                        f"base {self.base} is more than the full marks {spec.full}")
