from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from itertools import pairwise
from typing import Literal

from kpiscore.base.numbers import HUNDRED, ZERO
from kpiscore.rules.base import Check, Rule, Spec
from kpiscore.base.fields import Number


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

    def score(self, actual: Decimal, spec: Spec) -> tuple[Decimal, str]:
        a = self._achievement(actual, spec)
        head = f"{spec.num(actual)} vs target {spec.num(spec.target or ZERO)}"
        if a is None:
            return spec.clamp(self.exceed), f"{head}: 0 against the target, exceeds → {self.exceed}"
        if spec.better == "lower" and actual < 0:
            a = None
        pct = f"{spec.num(a * HUNDRED)}%" if a is not None else "n/a"
        if a is None or a > 1:
            points, word = self.exceed, "exceeds"
        elif a == 1:
            points, word = self.meet, "meets"
        elif a >= self.near / HUNDRED:
            points, word = self.near_points, f"≥ {spec.num(self.near)}%"
        else:
            points, word = self.below, f"< {spec.num(self.near)}%"
        points = spec.clamp(points)
        return points, f"{head}: achievement {pct}, {word} → {spec.num(points)}"

    def best(self, spec: Spec) -> Decimal:
        if spec.target is None or spec.target == 0:
            return spec.full
        can_exceed = (spec.highest is None or spec.highest > spec.target) \
            if spec.better == "higher" else (spec.lowest is None or spec.lowest < spec.target)
        return min(spec.full, self.exceed if can_exceed else self.meet)

    def checks(self, spec: Spec) -> Iterator[Check]:
        order = [self.exceed, self.meet, self.near_points, self.below]
        if any(a < b for a, b in pairwise(order)):
            yield Check(("rule",), "error", "not-monotone",
                        "threshold points must not rise as achievement falls: "
                        f"exceed {self.exceed}, meet {self.meet}, near {self.near_points}, "
                        f"below {self.below}")
        if not 0 < self.near < 100:
            yield Check(("rule", "near"), "error", "bad-parameter",
                        f"near is a percent of the target between 0 and 100, not {self.near}")
