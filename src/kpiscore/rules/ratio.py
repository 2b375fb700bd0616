from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Literal

from kpiscore.base.fields import Number
from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import HUNDRED
from kpiscore.rules.base import BELOW_FLOOR, OVER_CAP, Check, Rule, Spec, exact, number


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

    def score(self, actual: Decimal | str, spec: Spec) -> tuple[Decimal, Text]:
        actual = number(actual, self.kind)
        assert spec.target is not None
        p = spec.precision
        top = spec.full * self.cap / HUNDRED
        if spec.better == "higher":
            raw, how = spec.full * actual / spec.target, TIMES_ACTUAL
        elif actual <= 0:
            points = spec.clamp(top, top)
            return points, NOTHING_AGAINST(p, actual=actual, target=spec.target, points=points)
        else:
            raw, how = spec.full * spec.target / actual, TIMES_TARGET
        points = spec.clamp(raw, top)
        note = OVER_CAP(p, cap=top) if raw > top else None
        if raw < points:
            note = BELOW_FLOOR(p, floor=points)
        return points, how(p, actual=actual, target=spec.target, full=spec.full, raw=raw,
                           note=note, points=points)

    def summary(self, precision: int) -> Text:
        return SUMMARY(exact(precision, self.cap), cap=self.cap)

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
            yield Check(("rule", "cap"), "error", "bad-parameter", BAD_CAP(cap=self.cap))


#: validate: a cap that is not positive
BAD_CAP = Phrase("cap is a percent of full marks and must be positive, not {cap}",
                 "cap 是满分的百分比,须为正数,而不是 {cap}")
#: A step, better: higher: full marks × actual / target.
TIMES_ACTUAL = Phrase("{actual} vs target {target}: {full} × {actual}/{target} = {raw}{note} "
                      "→ {points}",
                      "{actual} 对比目标 {target}:{full} × {actual}/{target} = {raw}{note} "
                      "→ {points}")
#: A step, better: lower: full marks × target / actual.
TIMES_TARGET = Phrase("{actual} vs target {target}: {full} × {target}/{actual} = {raw}{note} "
                      "→ {points}",
                      "{actual} 对比目标 {target}:{full} × {target}/{actual} = {raw}{note} "
                      "→ {points}")
#: better: lower and nothing (0) against the target: the cap.
NOTHING_AGAINST = Phrase("{actual} vs target {target}: 0 against the target → cap {points}",
                         "{actual} 对比目标 {target}:实际不超过 0 → 封顶 {points}")
SUMMARY = Phrase("ratio to target, cap {cap}%", "按目标比例计分,封顶 {cap}%")
