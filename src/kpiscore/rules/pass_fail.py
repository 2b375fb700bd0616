from __future__ import annotations

from decimal import Decimal
from typing import Literal

from kpiscore.base.fields import Number
from kpiscore.base.i18n import Phrase, Text
from kpiscore.rules.base import Rule, Spec, number


class PassFail(Rule):
    """Pass/fail (客户信息反馈应在1小时内,超过1小时0分;没有超过10分).

    Meeting the target (at least it for ``better: higher``, at most it for
    ``better: lower``) earns full marks; anything else earns ``fail_points``
    (default: the indicator's floor, 0).

    Example (feedback within 1 hour, full marks 10)::

        unit: h
        better: lower
        target: 1
        full_marks: 10
        rule: {kind: pass_fail}
        # 0.5 → 10, 1 → 10, 1.5 → 0
    """

    kind: Literal["pass_fail"]
    fail_points: Number | None = None

    def score(self, actual: Decimal | str, spec: Spec) -> tuple[Decimal, Text]:
        actual = number(actual, self.kind)
        assert spec.target is not None
        ok = actual >= spec.target if spec.better == "higher" else actual <= spec.target
        sign = ("≥" if ok else "<") if spec.better == "higher" else ("≤" if ok else ">")
        if ok:
            points = spec.full
        else:
            points = spec.floor_or_zero() if self.fail_points is None \
                else spec.clamp(self.fail_points)
        return points, (PASS if ok else FAIL)(spec.precision, actual=actual, sign=sign,
                                              target=spec.target, points=points)

    def summary(self, precision: int) -> Text:
        return SUMMARY(precision)


#: A step: the actual against the target, and the points.
PASS = Phrase("{actual} {sign} target {target}: pass → {points}",
              "{actual} {sign} 目标 {target}:达标 → {points}")
FAIL = Phrase("{actual} {sign} target {target}: fail → {points}",
              "{actual} {sign} 目标 {target}:未达标 → {points}")
SUMMARY = Phrase("pass_fail", "达标与否(达标得满分)")
