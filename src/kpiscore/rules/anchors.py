from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from kpiscore.base.numbers import HUNDRED
from kpiscore.rules.base import Check, Rule, Spec
from kpiscore.base.fields import Number


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

    def _percent(self, actual: Decimal, spec: Spec) -> tuple[Decimal, str]:
        assert spec.target is not None
        sign = 1 if spec.better == "higher" else -1
        x = actual * sign
        b, t, c = self.baseline * sign, spec.target * sign, self.challenge * sign
        if x < b:
            return self.below_points, "worse than the baseline"
        if x >= c:
            return self.challenge_points, "at or beyond the challenge"
        if x == t:
            return self.target_points, "at the target"
        if x == b:
            return self.baseline_points, "at the baseline"
        if x < t:
            pct = self.baseline_points + (x - b) / (t - b) * (self.target_points
                                                             - self.baseline_points)
            return pct, "between baseline and target"
        pct = self.target_points + (x - t) / (c - t) * (self.challenge_points - self.target_points)
        return pct, "between target and challenge"

    def score(self, actual: Decimal, spec: Spec) -> tuple[Decimal, str]:
        pct, where = self._percent(actual, spec)
        top = spec.full * self.challenge_points / HUNDRED
        points = spec.clamp(spec.full * pct / HUNDRED, top)
        return points, (f"{spec.num(actual)} {where} ({spec.num(self.baseline)}/"
                        f"{spec.num(spec.target or Decimal(0))}/{spec.num(self.challenge)}): "
                        f"{spec.num(pct)}% of {spec.num(spec.full)} → {spec.num(points)}")

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
            yield Check(("rule",), "error", "anchors-order",
                        f"with better: {spec.better} the anchors must run baseline {order} "
                        f"target {order} challenge; got {self.baseline}, {spec.target}, "
                        f"{self.challenge}")
        pts = [self.below_points, self.baseline_points, self.target_points, self.challenge_points]
        if any(a > b for a, b in pairwise(pts)):
            yield Check(("rule",), "error", "not-monotone",
                        "below/baseline/target/challenge points must not fall: "
                        + ", ".join(str(p) for p in pts))
