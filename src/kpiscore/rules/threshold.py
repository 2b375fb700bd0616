from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from kpiscore.base.fields import Number
from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import HUNDRED, ZERO
from kpiscore.rules.base import Check, Rule, Spec, exact, number


class Threshold(Rule):
    """Threshold 5/4/3/2 (超出标准5分 · 达标4分 · 标准的80% 3分 · 低于80% 2分).

    Achievement is ``actual / target`` (``better: higher``) or ``target / actual``
    (``better: lower``; an actual of 0 against a positive target counts as
    exceeding). Above 1 earns ``exceed``, exactly 1 ``meet``, from ``near``
    percent up to 1 ``near_points``, below that ``below``. Full marks default
    to ``exceed`` (5). A target of 0 is rejected by ``validate``.

    Example (supplier meetings, target 10 a year)::

        target: 10
        rule: {kind: threshold}
        # 12 → 5, 10 → 4, 8 → 3, 7 → 2

    Example (department spend, lower is better, budget 100000)::

        better: lower
        target: 100000
        rule: {kind: threshold}
        # 95000 → 5, 100000 → 4, 120000 → 3 (a = 0.833), 130000 → 2 (a = 0.769)
    """

    kind: Literal["threshold"]
    exceed: Number = Decimal(5)
    meet: Number = Decimal(4)
    near_points: Number = Decimal(3)
    below: Number = Decimal(2)
    #: Lowest achievement, in percent of target, that still earns ``near_points``.
    near: Number = Decimal(80)

    divides_by_target = True

    def default_full_marks(self) -> Decimal | None:
        return self.exceed

    def _achievement(self, actual: Decimal, spec: Spec) -> Decimal | None:
        assert spec.target is not None
        if spec.better == "higher":
            return actual / spec.target
        if actual == 0:
            return None  # nothing spent against a positive budget: exceeds
        return spec.target / actual

    def score(self, actual: Decimal | str, spec: Spec) -> tuple[Decimal, Text]:
        actual = number(actual, self.kind)
        a = self._achievement(actual, spec)
        target = spec.target or ZERO
        p = spec.precision
        if a is None:
            # the line shows the exceed points as configured, as it always has (even when
            # full marks or the floor move them); the points are in the step's values too
            points = spec.clamp(self.exceed)
            return points, NOTHING_AGAINST(p, actual=actual, target=target, exceed=self.exceed,
                                           points=points)
        if spec.better == "lower" and actual < 0:
            a = None
        verdict: Phrase | Text
        if a is None or a > 1:
            points, verdict = self.exceed, EXCEEDS
        elif a == 1:
            points, verdict = self.meet, MEETS
        elif a >= self.near / HUNDRED:
            points, verdict = self.near_points, AT_LEAST_NEAR(p, near=self.near)
        else:
            points, verdict = self.below, BELOW_NEAR(p, near=self.near)
        points = spec.clamp(points)
        if a is None:
            return points, NO_ACHIEVEMENT(p, actual=actual, target=target, verdict=verdict,
                                          points=points)
        return points, ACHIEVEMENT(p, actual=actual, target=target, achievement=a * HUNDRED,
                                   verdict=verdict, points=points)

    def summary(self, precision: int) -> Text:
        values = (self.exceed, self.meet, self.near_points, self.below)
        return SUMMARY(exact(precision, *values), exceed=self.exceed, meet=self.meet,
                       near_points=self.near_points, below=self.below)

    def best(self, spec: Spec) -> Decimal:
        if spec.target is None or spec.target == 0:
            return spec.full
        can_exceed = (spec.highest is None or spec.highest > spec.target) \
            if spec.better == "higher" else (spec.lowest is None or spec.lowest < spec.target)
        return min(spec.full, self.exceed if can_exceed else self.meet)

    def checks(self, spec: Spec) -> Iterator[Check]:
        order = [self.exceed, self.meet, self.near_points, self.below]
        if any(a < b for a, b in pairwise(order)):
            yield Check(("rule",), "error", "not-monotone", RISES(
                exceed=self.exceed, meet=self.meet, near=self.near_points, below=self.below))
        if not 0 < self.near < 100:
            yield Check(("rule", "near"), "error", "bad-parameter", BAD_NEAR(near=self.near))


#: validate: points that rise as achievement falls, a near outside 0..100
RISES = Phrase("threshold points must not rise as achievement falls: exceed {exceed}, meet "
               "{meet}, near {near}, below {below}",
               "threshold 的分数不得随达成率下降而上升:exceed {exceed}、meet {meet}、"
               "near {near}、below {below}")
BAD_NEAR = Phrase("near is a percent of the target between 0 and 100, not {near}",
                  "near 是目标的百分比,须在 0 与 100 之间,而不是 {near}")
#: A step: achievement against the target and the points it earns.
ACHIEVEMENT = Phrase("{actual} vs target {target}: achievement {achievement}%, {verdict} "
                     "→ {points}",
                     "{actual} 对比目标 {target}:达成率 {achievement}%,{verdict} → {points}")
#: A negative actual with better: lower: no meaningful ratio, counted as exceeding.
NO_ACHIEVEMENT = Phrase("{actual} vs target {target}: achievement n/a, {verdict} → {points}",
                        "{actual} 对比目标 {target}:达成率无法计算,{verdict} → {points}")
#: Nothing spent (better: lower, actual 0) against a positive target.
NOTHING_AGAINST = Phrase("{actual} vs target {target}: 0 against the target, exceeds → {exceed}",
                         "{actual} 对比目标 {target}:实际为 0,超出目标 → {exceed}")
EXCEEDS = Phrase("exceeds", "超出目标")
MEETS = Phrase("meets", "达标")
AT_LEAST_NEAR = Phrase("≥ {near}%", "不低于 {near}%")
BELOW_NEAR = Phrase("< {near}%", "低于 {near}%")
SUMMARY = Phrase("threshold {exceed}/{meet}/{near_points}/{below}",
                 "达成率计分 {exceed}/{meet}/{near_points}/{below}")
