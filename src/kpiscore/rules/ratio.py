from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Literal

from kpiscore.base.numbers import HUNDRED
from kpiscore.rules.base import Check, Rule, Spec
from kpiscore.base.fields import Number


class Ratio(Rule):
    """Linear ratio (得分=20×(个人实际销售额÷个人目标销售额)).

    ``points = full × actual / target`` for ``better: higher``, and
    ``full × target / actual`` for ``better: lower`` (an actual of 0 earns the
    cap). Points stop at ``cap`` percent of full marks (default 100: full
    marks; 120 lets over-achievement earn up to 120%). A target of 0 is
    rejected by ``validate``. The seed's error-rate item (20 × actual error
    rate ÷ target error rate) rewards errors; write such an item with
    ``better: lower``.

    Example (sales attainment, full marks 20)::

        target: 100000
        full_marks: 20
        rule: {kind: ratio}
        # 85000 → 17, 120000 → 20 (capped)

    Example (quality-check phone survey out of 100, full marks 20)::

        target: 100
        full_marks: 20
        rule: {kind: ratio}
        # 85 → 17

    Example (installation error rate, lower is better, cap 120%)::

        better: lower
        target: 2
        full_marks: 20
        rule: {kind: ratio, cap: 120}
        # 2.5 → 16, 1 → 24 (capped at 120% of 20)
    """

    kind: Literal["ratio"]
    #: Upper limit on points, in percent of full marks.
    cap: Number = HUNDRED

    divides_by_target = True

    def score(self, actual: Decimal, spec: Spec) -> tuple[Decimal, str]:
        assert spec.target is not None
        top = spec.full * self.cap / HUNDRED
        head = f"{spec.num(actual)} vs target {spec.num(spec.target)}"
        if spec.better == "higher":
            raw = spec.full * actual / spec.target
            how = f"{spec.num(spec.full)} × {spec.num(actual)}/{spec.num(spec.target)}"
        elif actual <= 0:
            points = spec.clamp(top, top)
            return points, f"{head}: 0 against the target → cap {spec.num(points)}"
        else:
            raw = spec.full * spec.target / actual
            how = f"{spec.num(spec.full)} × {spec.num(spec.target)}/{spec.num(actual)}"
        points = spec.clamp(raw, top)
        note = f", over the cap {spec.num(top)}" if raw > top else ""
        if raw < points:
            note = f", below the floor {spec.num(points)}"
        return points, f"{head}: {how} = {spec.num(raw)}{note} → {spec.num(points)}"

    def best(self, spec: Spec) -> Decimal:
        top = spec.full * self.cap / HUNDRED
        if spec.target is None or spec.target <= 0:
            return top
        if spec.better == "higher" and spec.highest is not None:
            return min(top, spec.full * spec.highest / spec.target)
        if spec.better == "lower" and spec.lowest is not None and spec.lowest > 0:
            return min(top, spec.full * spec.target / spec.lowest)
        return top

    def checks(self, spec: Spec) -> Iterator[Check]:
        if self.cap <= 0:
            yield Check(("rule", "cap"), "error", "bad-parameter",
                        f"cap is a percent of full marks and must be positive, not {self.cap}")
