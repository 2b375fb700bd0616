"""大于99%得25分;低于99%得20分;低于95%得10分;低于90%得0分: step bands."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal

from kpiscore.base.i18n import Phrase, Text
from kpiscore.draft.phrasings.common import NUM, UNIT, num, unit_of
from kpiscore.draft.phrasings.reading import Better, Context, Reading

_BEFORE = {"大于": ">", "高于": ">", "超过": ">", "超出": ">", "多于": ">", ">": ">",
           "不低于": ">=", "不少于": ">=", "≥": ">=", ">=": ">=", "达到": ">=",
           "低于": "<", "小于": "<", "少于": "<", "不足": "<", "<": "<",
           "不超过": "<=", "不高于": "<=", "≤": "<=", "<=": "<=",
           "等于": "=", "=": "="}
_AFTER = {"以上": ">=", "及以上": ">=", "以下": "<=", "及以下": "<=", "以内": "<="}
_OPS = "|".join(sorted(map(re.escape, _BEFORE), key=len, reverse=True))
_SUFFIX = "|".join(sorted(map(re.escape, _AFTER), key=len, reverse=True))
_CLAUSE = re.compile(rf"(?:({_OPS})({NUM})({UNIT})?(?:({_SUFFIX}))?|({NUM})({UNIT})?({_SUFFIX}))"
                     rf"[^;,得]{{0,6}}?得({NUM})分")
_POINTS = re.compile(rf"得({NUM})分")

CONTRADICT = Phrase("the bands contradict each other ({a} and {b})",
                    "各档相互矛盾({a} 与 {b})")
GAP = Phrase("the bands leave actuals between {lo} and {hi} without points",
             "各档之间 {lo} 到 {hi} 的实际值没有对应得分")
NOT_MONOTONE = Phrase("the points do not rise or fall steadily with the actual: check the "
                      "bands and better:", "得分并非随实际值单调升降:请核对各档及 better:")


@dataclass(frozen=True)
class _Clause:
    op: str  # > >= < <= =
    x: Decimal
    points: Decimal
    text: str

    def holds(self, v: Decimal) -> bool:
        return {">": v > self.x, ">=": v >= self.x, "<": v < self.x, "<=": v <= self.x,
                "=": v == self.x}[self.op]


@dataclass(frozen=True)
class _Region:
    lo: Decimal | None
    hi: Decimal | None  # a point when lo == hi
    points: Decimal | None

    @property
    def point(self) -> bool:
        return self.lo is not None and self.lo == self.hi


def read(text: str, ctx: Context) -> Reading | None:
    """**Step bands** (seed 001 客服主管, DOMAIN §3): clauses ``大于99%得25分;低于99%得20分;
    低于95%得10分;低于90%得0分`` → ``bands`` ≥99 → 25, ≥95 → 20, ≥90 → 10, else 0.
    Each clause is a comparison (大于/高于/超过 >, 低于/小于/不足 <, 等于 =, X以上 ≥,
    X以下 ≤) and its points; a value is given the points of the tightest clause that
    holds for it ("低于95%得10分" beats "低于99%得20分" at 92). A bound both sides of
    which are written strictly (大于99 / 低于99) goes to the better side, as the card's
    own requirement (达到99%以上) says. Points rising with the actual are written
    with ``at_least`` (better: higher), falling ones with ``at_most`` (better:
    lower: 超过1%得0分;低于1%得5分 → ≤1 → 5). Clauses that contradict each other
    (大于3次得0分,高于3次得10分) or leave a gap are not read: the indicator is left
    unfinished with the reason."""
    clauses = [_clause(m) for m in _CLAUSE.finditer(text)]
    if len(clauses) < 2 or len(clauses) != len(_POINTS.findall(text)):
        return None
    unit = next((unit_of(m.group(3) or m.group(6)) for m in _CLAUSE.finditer(text)
                 if m.group(3) or m.group(6)), None)
    regions, problem = _regions(clauses)
    if problem is not None:
        return Reading(None, unit=unit, missing=(problem,))
    covered = [r for r in regions if r.points is not None]
    points = [r.points for r in covered if r.points is not None]
    rising = all(a <= b for a, b in itertools.pairwise(points))
    falling = all(a >= b for a, b in itertools.pairwise(points))
    if rising == falling:  # all equal, or up and down
        return Reading(None, unit=unit, missing=(NOT_MONOTONE(),))
    better: Better = "higher" if rising else "lower"
    filled = _filled(regions, better)
    if filled is None:
        inside = [k for k, r in enumerate(regions) if r.points is not None]
        gap = next(r for r in regions[inside[0]:inside[-1]] if r.points is None)
        return Reading(None, unit=unit, missing=(GAP(lo=gap.lo, hi=gap.hi),))
    bands = _shorthand(filled, better)
    return Reading({"kind": "bands", "bands": bands}, better=better, unit=unit)


def _clause(m: re.Match[str]) -> _Clause:
    if m.group(1):  # 大于99%(以上): the word before decides
        op, x = _BEFORE[m.group(1)], m.group(2)
    else:
        op, x = _AFTER[m.group(7)], m.group(5)
    return _Clause(op, num(x), num(m.group(8)), m.group(0))


def _regions(clauses: list[_Clause]) -> tuple[list[_Region], Text | None]:
    """The actuals cut at every bound: each open stretch and each bound on its own,
    with the points of the tightest clause that holds there (None: no clause)."""
    cuts = sorted({c.x for c in clauses})
    pieces: list[tuple[Decimal | None, Decimal | None, Decimal]] = []
    pieces.append((None, cuts[0], cuts[0] - 1))
    for a, b in itertools.pairwise(cuts):
        pieces += [(a, a, a), (a, b, (a + b) / 2)]
    pieces += [(cuts[-1], cuts[-1], cuts[-1]), (cuts[-1], None, cuts[-1] + 1)]
    out = []
    for lo, hi, probe in pieces:
        chosen = _tightest([c for c in clauses if c.holds(probe)])
        if isinstance(chosen, tuple):
            return [], CONTRADICT(a=chosen[0].text, b=chosen[1].text)
        out.append(_Region(lo, hi, None if chosen is None else chosen.points))
    return out, None


def _tightest(holding: list[_Clause]) -> _Clause | tuple[_Clause, _Clause] | None:
    """The clause that decides a value: an ``=`` clause, else the nearest bound (the
    largest lower bound, or the smallest upper bound). Two clauses that would decide
    it differently are a contradiction."""
    if not holding:
        return None
    equal = [c for c in holding if c.op == "="]
    lower = [c for c in holding if c.op in (">", ">=")]
    upper = [c for c in holding if c.op in ("<", "<=")]
    if equal:
        deciders = equal
    elif lower and upper:
        deciders = [max(lower, key=lambda c: c.x), min(upper, key=lambda c: c.x)]
    elif lower:
        top = max(c.x for c in lower)
        deciders = [c for c in lower if c.x == top]
    else:
        bottom = min(c.x for c in upper)
        deciders = [c for c in upper if c.x == bottom]
    for other in deciders[1:]:
        if other.points != deciders[0].points:
            return (deciders[0], other)
    return deciders[0]


def _filled(regions: list[_Region], better: str) -> list[_Region] | None:
    """Fill what no clause covers: a bound between two stretches takes the better
    side's points (the one worth more); beyond the best value a clause names, the
    best band; beyond the worst, nothing (the indicator's floor). None when a
    stretch inside is left without points (a gap)."""
    out = list(regions)
    for k in range(1, len(out) - 1):
        r = out[k]
        if r.points is None and r.point and out[k - 1].points is not None \
                and out[k + 1].points is not None:  # 大于99 / 低于99: 99 goes to the better
            sides = [p for p in (out[k - 1].points, out[k + 1].points) if p is not None]
            out[k] = _Region(r.lo, r.hi, max(sides))
    order = range(len(out) - 1, -1, -1) if better == "higher" else range(len(out))
    best: Decimal | None = None
    for k in order:  # from the best end inwards, up to the first covered region
        if out[k].points is not None:
            best = out[k].points
            break
    for k in order:
        if out[k].points is not None:
            break
        out[k] = _Region(out[k].lo, out[k].hi, best)
    covered = [k for k, r in enumerate(out) if r.points is not None]
    if any(out[k].points is None for k in range(covered[0], covered[-1])):
        return None
    return out


def _shorthand(regions: list[_Region], better: str) -> list[dict[str, object]]:
    """The filled regions as the bands shorthand: lower bounds from the best band down
    (better: higher), or upper bounds from the best band up (better: lower); an
    unbounded worst band is written with no bound."""
    runs: list[list[_Region]] = []
    for r in regions:
        if runs and runs[-1][-1].points == r.points:
            runs[-1].append(r)
        else:
            runs.append([r])
    bands: list[dict[str, object]] = []
    scored = [run for run in runs if run[0].points is not None]
    if better == "higher":
        for run in reversed(scored):
            first = run[0]
            if first.lo is None:
                bands.append({"points": first.points})
            else:
                bands.append({"at_least" if first.point else "above": first.lo,
                              "points": first.points})
    else:
        for run in scored:
            last = run[-1]
            if last.hi is None:
                bands.append({"points": last.points})
            else:
                bands.append({"at_most" if last.point else "below": last.hi,
                              "points": last.points})
    return bands
