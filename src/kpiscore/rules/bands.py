from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kpiscore.base.fields import Number
from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import plain
from kpiscore.rules.base import Check, Rule, Spec, exact, joined, number


class Band(BaseModel):
    """One step: the points for actuals within its bounds (any bound may be left out)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    at_least: Number | None = None  # ≥
    above: Number | None = None  # >
    at_most: Number | None = None  # ≤
    below: Number | None = None  # <
    points: Number
    label: str | None = None


@dataclass(frozen=True)
class Interval:
    index: int  # position in the scheme's list
    lo: Decimal | None
    lo_incl: bool
    hi: Decimal | None
    hi_incl: bool
    points: Decimal

    def contains(self, x: Decimal) -> bool:
        if self.lo is not None and (x < self.lo or (x == self.lo and not self.lo_incl)):
            return False
        return not (self.hi is not None and (x > self.hi or (x == self.hi and not self.hi_incl)))

    def bounds(self) -> Text:
        """The band's bounds (``≥ 95 and < 99``), its numbers as the scheme writes them."""
        p = exact(0, self.lo, self.hi)
        lo = None if self.lo is None else (AT_LEAST if self.lo_incl else ABOVE)(p, value=self.lo)
        hi = None if self.hi is None else (AT_MOST if self.hi_incl else BELOW)(p, value=self.hi)
        if lo is not None and hi is not None:
            return BETWEEN(p, lo=lo, hi=hi)
        return lo or hi or ANY_VALUE(p)

    def describe(self) -> Text:
        """The bounds, for validate's messages (in the language of the run)."""
        return self.bounds()


#: validate: bands that overlap, leave gaps, fall or give more than full marks
OVERLAP = Phrase("band {band} ({bounds}) overlaps band {other} ({other_bounds}): an actual "
                 "would match both",
                 "第 {band} 档({bounds})与第 {other} 档({other_bounds})重叠:"
                 "一个实际值会同时落入两档")
GAP = Phrase("bands {band} ({bounds}) and {other} ({other_bounds}) leave a gap: {low} to {high} "
             "matches no band",
             "第 {band} 档({bounds})与第 {other} 档({other_bounds})之间有空隙:"
             "{low} 到 {high} 不属于任何一档")
EARNS_LESS = Phrase("band {band} ({bounds}, {points} points) earns less than band {other} "
                    "({other_bounds}, {other_points} points) although higher is better",
                    "第 {band} 档({bounds},{points} 分)得分低于第 {other} 档({other_bounds},"
                    "{other_points} 分),但本指标越高越好")
EARNS_MORE = Phrase("band {band} ({bounds}, {points} points) earns more than band {other} "
                    "({other_bounds}, {other_points} points) although lower is better",
                    "第 {band} 档({bounds},{points} 分)得分高于第 {other} 档({other_bounds},"
                    "{other_points} 分),但本指标越低越好")
ABOVE_FULL = Phrase("band {band} gives {points} points, more than the indicator's full marks "
                    "{full}", "第 {band} 档给 {points} 分,超过指标的满分 {full}")
UNCOVERED_BELOW = Phrase("no band covers actuals below {bound}: they would earn {floor} (the "
                         "floor); add a band for them",
                         "低于 {bound} 的实际值不属于任何一档:它们会得 {floor} 分(保底分);"
                         "请为它们加一档")
UNCOVERED_ABOVE = Phrase("no band covers actuals above {bound}: they would earn {floor} (the "
                         "floor); add a band for them",
                         "高于 {bound} 的实际值不属于任何一档:它们会得 {floor} 分(保底分);"
                         "请为它们加一档")


class Bands(Rule):
    """Step bands (大于99%得25分;低于99%得20分;低于95%得10分;低于90%得0分).

    Each band gives its points to actuals within its bounds, written with
    ``at_least`` (≥), ``above`` (>), ``at_most`` (≤) and ``below`` (<). The
    common shorthand gives only ``at_least`` for ``better: higher`` (or only
    ``at_most`` for ``better: lower``): each band then runs up to the next one,
    and a band with no bound catches the rest. An actual outside every band
    earns the indicator's floor. Full marks default to the highest band.
    ``validate`` reports bands that overlap, leave gaps, or whose points do
    not rise in the direction of ``better``.

    Example (统一服务行为模式执行率, full marks 25)::

        rule:
          kind: bands
          bands:
            - {at_least: 99, points: 25}
            - {at_least: 95, points: 20}
            - {at_least: 90, points: 10}
            - {points: 0}
        # 99.2 → 25, 97 → 20, 95 → 20, 92 → 10, 89.9 → 0

    Example (客户回访率: 100 → 10, [90, 100) → 5, below 90 → 0)::

        rule:
          kind: bands
          bands:
            - {at_least: 100, points: 10}
            - {at_least: 90, below: 100, points: 5}
            - {below: 90, points: 0}
    """

    kind: Literal["bands"]
    bands: list[Band] = Field(min_length=1)

    needs_target = False

    def default_full_marks(self) -> Decimal | None:
        return max(b.points for b in self.bands)

    @cached_property
    def intervals(self) -> list[Interval]:
        """Bands as intervals sorted from the lowest actual up, shorthand resolved."""
        raw = [Interval(i, b.at_least if b.at_least is not None else b.above,
                        b.at_least is not None,
                        b.at_most if b.at_most is not None else b.below,
                        b.at_most is not None, b.points)
               for i, b in enumerate(self.bands)]
        lower_only = all(iv.hi is None for iv in raw)
        upper_only = all(iv.lo is None for iv in raw)
        if lower_only and not upper_only:
            # ≥99, ≥95, ≥90, rest: each band runs up to the next higher bound
            by_lo = sorted((iv for iv in raw if iv.lo is not None), key=lambda iv: iv.lo)  # type: ignore[arg-type,return-value]
            rest = [Interval(iv.index, None, False, by_lo[0].lo, not by_lo[0].lo_incl, iv.points)
                    for iv in raw if iv.lo is None]
            return rest + [Interval(iv.index, iv.lo, iv.lo_incl, None if nxt is None else nxt.lo,
                                    nxt is not None and not nxt.lo_incl, iv.points)
                           for iv, nxt in zip(by_lo, [*by_lo[1:], None], strict=True)]
        if upper_only and not lower_only:
            # ≤1, ≤3, ≤5, rest: each band runs down to the next lower bound
            by_hi = sorted((iv for iv in raw if iv.hi is not None), key=lambda iv: iv.hi)  # type: ignore[arg-type,return-value]
            rest = [Interval(iv.index, by_hi[-1].hi, not by_hi[-1].hi_incl, None, False, iv.points)
                    for iv in raw if iv.hi is None]
            return [Interval(iv.index, None if prev is None else prev.hi,
                             prev is not None and not prev.hi_incl, iv.hi, iv.hi_incl, iv.points)
                    for prev, iv in zip([None, *by_hi[:-1]], by_hi, strict=True)] + rest

        def key(iv: Interval) -> tuple[int, Decimal, int]:
            if iv.lo is None:
                return (0, Decimal(0), 0)
            return (1, iv.lo, 0 if iv.lo_incl else 1)

        return sorted(raw, key=key)

    def score(self, actual: Decimal | str, spec: Spec) -> tuple[Decimal, Text]:
        actual = number(actual, self.kind)
        p = spec.precision
        for iv in self.intervals:
            if iv.contains(actual):
                points = spec.clamp(iv.points)
                return points, IN_BAND(p, actual=actual, bounds=iv.bounds(), points=points)
        points = spec.floor_or_zero()
        return points, OUTSIDE(p, actual=actual, points=points)

    def summary(self, precision: int) -> Text:
        items = [ITEM(exact(precision, iv.points), bounds=iv.bounds(), points=iv.points)
                 for iv in reversed(self.intervals)]
        return SUMMARY(precision, bands=joined(items))

    def goal(self, spec: Spec) -> Text | None:
        """The bounds of the band worth the most points (the first such in the scheme)."""
        best = max(self.intervals, key=lambda iv: (iv.points, -iv.index))
        return best.bounds()

    def numbers(self) -> Iterable[Decimal]:
        for b in self.bands:
            yield from (n for n in (b.at_least, b.above, b.at_most, b.below) if n is not None)

    def checks(self, spec: Spec) -> Iterator[Check]:
        ivs = self.intervals
        for a, b in pairwise(ivs):
            where = ("rule", "bands", b.index)
            if a.hi is None or (b.lo is not None and a.hi > b.lo) or b.lo is None or \
                    (a.hi == b.lo and a.hi_incl and b.lo_incl):
                yield Check(where, "error", "bands-overlap", OVERLAP(
                    band=b.index + 1, bounds=b.describe(), other=a.index + 1,
                    other_bounds=a.describe()))
            elif a.hi < b.lo or (a.hi == b.lo and not a.hi_incl and not b.lo_incl):
                yield Check(where, "error", "bands-gap", GAP(
                    band=a.index + 1, bounds=a.describe(), other=b.index + 1,
                    other_bounds=b.describe(), low=plain(a.hi), high=plain(b.lo)))
        for a, b in pairwise(ivs):
            falls = b.points < a.points if spec.better == "higher" else b.points > a.points
            if falls:
                yield Check(("rule", "bands", b.index), "error", "not-monotone",
                            (EARNS_LESS if spec.better == "higher" else EARNS_MORE)(
                                band=b.index + 1, bounds=b.describe(), points=plain(b.points),
                                other=a.index + 1, other_bounds=a.describe(),
                                other_points=plain(a.points)))
        yield from self._edges(ivs, spec)
        for iv in ivs:
            if iv.points > spec.full:
                yield Check(("rule", "bands", iv.index, "points"), "error", "above-full-marks",
                            ABOVE_FULL(band=iv.index + 1, points=plain(iv.points),
                                       full=plain(spec.full)))

    def _edges(self, ivs: list[Interval], spec: Spec) -> Iterator[Check]:
        """Actuals outside every band earn the floor: fine at the worse end (below
        "else 0"), never at the better end, where the points would fall."""
        first, last = ivs[0], ivs[-1]
        below = first.lo is not None and (
            spec.lowest is None or spec.lowest < first.lo
            or (spec.lowest == first.lo and not first.lo_incl))
        above = last.hi is not None and (
            spec.highest is None or spec.highest > last.hi
            or (spec.highest == last.hi and not last.hi_incl))
        outside = spec.floor_or_zero()
        for open_end, iv, word, better_end in (
                (below, first, "below", spec.better == "lower"),
                (above, last, "above", spec.better == "higher")):
            if not open_end:
                continue
            bound = iv.lo if word == "below" else iv.hi
            assert bound is not None
            worst = min(b.points for b in ivs)
            if spec.floor is not None:
                worst = max(worst, spec.floor)  # band points are clamped to the floor too
            if better_end or worst < outside:
                yield Check(("rule", "bands", iv.index), "error", "bands-gap",
                            (UNCOVERED_BELOW if word == "below" else UNCOVERED_ABOVE)(
                                bound=plain(bound), floor=plain(outside)))

    def best(self, spec: Spec) -> Decimal:
        reachable = [iv.points for iv in self.intervals
                     if (spec.highest is None or iv.lo is None or iv.lo < spec.highest
                         or (iv.lo == spec.highest and iv.lo_incl))
                     and (spec.lowest is None or iv.hi is None or iv.hi > spec.lowest
                          or (iv.hi == spec.lowest and iv.hi_incl))]
        return min(spec.full, max(reachable, default=spec.full))


#: A step: the band the actual falls in.
IN_BAND = Phrase("{actual} is {bounds} → {points}", "{actual} 落在「{bounds}」一档 → {points}")
OUTSIDE = Phrase("{actual} is outside every band → {points}", "{actual} 不在任何一档内 → {points}")
#: A band's bounds.
AT_LEAST = Phrase("≥ {value}", "≥ {value}")
ABOVE = Phrase("> {value}", "> {value}")
AT_MOST = Phrase("≤ {value}", "≤ {value}")
BELOW = Phrase("< {value}", "< {value}")
BETWEEN = Phrase("{lo} and {hi}", "{lo} 且 {hi}")
ANY_VALUE = Phrase("any value", "任意值")
#: The summary: each band's bounds and points, from the best actuals down.
ITEM = Phrase("{bounds}→{points}", "{bounds}→{points}")
SUMMARY = Phrase("bands {bands}", "分档 {bands}")
