from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from kpiscore.base.fields import Number
from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import HUNDRED, ZERO
from kpiscore.rules.base import Check, Rule, Spec, exact, number


class Anchors(Rule):
    """Baseline / target / challenge (基准值 · 目标值 · 挑战值).

    Three anchors earn ``baseline_points``, ``target_points`` and
    ``challenge_points`` percent of full marks (default 60 / 100 / 120),
    linear between them; worse than the baseline earns ``below_points``
    (default 0) and better than the challenge stays at the challenge's points.
    The target is the indicator's ``target``. Points can therefore exceed full
    marks (up to the challenge), and the indicator's contribution its weight.
    For a two-sided tolerance (budget within ±5/±4/±3%) score the absolute
    deviation with ``better: lower`` and a formula using ``abs``.

    Example (rent collection rate, weight 10)::

        target: 95
        weight: 10
        rule: {kind: anchors, baseline: 90, challenge: 98}
        # 93 → 84% of full → 8.40; 97 → 113.33% → 11.33

    Example (budget deviation within ±5/±4/±3 percent)::

        better: lower
        formula: abs((spent - budget) / budget * 100)
        target: 4
        rule: {kind: anchors, baseline: 5, challenge: 3}
        # deviation 3.5 → 110%
    """

    kind: Literal["anchors"]
    baseline: Number
    challenge: Number
    baseline_points: Number = Decimal(60)
    target_points: Number = HUNDRED
    challenge_points: Number = Decimal(120)
    below_points: Number = Decimal(0)

    def _percent(self, actual: Decimal, spec: Spec) -> tuple[Decimal, Phrase]:
        assert spec.target is not None
        sign = 1 if spec.better == "higher" else -1
        x = actual * sign
        b, t, c = self.baseline * sign, spec.target * sign, self.challenge * sign
        if x < b:
            return self.below_points, WORSE_THAN_BASELINE
        if x >= c:
            return self.challenge_points, AT_CHALLENGE
        if x == t:
            return self.target_points, AT_TARGET
        if x == b:
            return self.baseline_points, AT_BASELINE
        if x < t:
            pct = self.baseline_points + (x - b) / (t - b) * (self.target_points
                                                             - self.baseline_points)
            return pct, BASELINE_TO_TARGET
        pct = self.target_points + (x - t) / (c - t) * (self.challenge_points - self.target_points)
        return pct, TARGET_TO_CHALLENGE

    def score(self, actual: Decimal | str, spec: Spec) -> tuple[Decimal, Text]:
        actual = number(actual, self.kind)
        pct, where = self._percent(actual, spec)
        top = spec.full * self.challenge_points / HUNDRED
        points = spec.clamp(spec.full * pct / HUNDRED, top)
        return points, STEP(spec.precision, actual=actual, where=where, baseline=self.baseline,
                            target=spec.target or ZERO, challenge=self.challenge, percent=pct,
                            full=spec.full, points=points)

    def summary(self, precision: int) -> Text:
        return SUMMARY(exact(precision, self.baseline, self.challenge, self.baseline_points,
                             self.target_points, self.challenge_points),
                       baseline=self.baseline, challenge=self.challenge,
                       baseline_points=self.baseline_points, target_points=self.target_points,
                       challenge_points=self.challenge_points)

    def numbers(self) -> Iterable[Decimal]:
        return (self.baseline, self.challenge)

    def best(self, spec: Spec) -> Decimal:
        edge = spec.highest if spec.better == "higher" else spec.lowest
        top = spec.full * self.challenge_points / HUNDRED
        if edge is None or spec.target is None:
            return top
        return spec.clamp(spec.full * self._percent(edge, spec)[0] / HUNDRED, top)

    def checks(self, spec: Spec) -> Iterator[Check]:
        if spec.target is None:
            return
        sign = 1 if spec.better == "higher" else -1
        if not self.baseline * sign < spec.target * sign < self.challenge * sign:
            order = "<" if sign == 1 else ">"
            yield Check(("rule",), "error", "anchors-order", ANCHORS_ORDER(
                better=spec.better, order=order, baseline=self.baseline, target=spec.target,
                challenge=self.challenge))
        pts = [self.below_points, self.baseline_points, self.target_points, self.challenge_points]
        if any(a > b for a, b in pairwise(pts)):
            yield Check(("rule",), "error", "not-monotone",
                        ANCHOR_POINTS_FALL(points=", ".join(str(p) for p in pts)))


#: validate: the anchors out of order, their points falling
ANCHORS_ORDER = Phrase("with better: {better} the anchors must run baseline {order} target "
                       "{order} challenge; got {baseline}, {target}, {challenge}",
                       "better: {better} 时各锚点须满足 baseline {order} target {order} "
                       "challenge;现为 {baseline}、{target}、{challenge}")
ANCHOR_POINTS_FALL = Phrase("below/baseline/target/challenge points must not fall: {points}",
                            "below/baseline/target/challenge 的分数不得下降:{points}")
#: A step: where the actual lies among the anchors, and the percent of full marks.
STEP = Phrase("{actual} {where} ({baseline}/{target}/{challenge}): {percent}% of {full} "
              "→ {points}",
              "{actual} {where}({baseline}/{target}/{challenge}):满分 {full} 的 {percent}% "
              "→ {points}")
WORSE_THAN_BASELINE = Phrase("worse than the baseline", "未达基准值")
AT_CHALLENGE = Phrase("at or beyond the challenge", "达到或超过挑战值")
AT_TARGET = Phrase("at the target", "恰为目标值")
AT_BASELINE = Phrase("at the baseline", "恰为基准值")
BASELINE_TO_TARGET = Phrase("between baseline and target", "介于基准值与目标值之间")
TARGET_TO_CHALLENGE = Phrase("between target and challenge", "介于目标值与挑战值之间")
SUMMARY = Phrase("anchors {baseline}/target/{challenge} → {baseline_points}/{target_points}/"
                 "{challenge_points}%",
                 "基准/目标/挑战 {baseline}/目标值/{challenge} → {baseline_points}/"
                 "{target_points}/{challenge_points}%")
