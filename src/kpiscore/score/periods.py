"""Periods: several periods' actuals rolled into one (months into a quarter, a year …).

The periods come from several actuals files (one period each, named after the
file: ``2024-01.xlsx`` is ``2024-01``) or from a period column (``月份``).
Each indicator rolls up as its ``rollup`` says (default: the scheme
rollup's ``default``):

- ``mean_points``: each period is scored on its own and the indicator's
  points are the mean of the periods' points. When every indicator does this,
  the total is the mean of the periods' totals.
- ``sum``, ``mean``, ``last``: the periods' actuals are summed, averaged or the
  last one taken, and that actual is scored once against the target (so the
  target is the rolled period's: 30 visits a quarter). A computed indicator
  is computed once from its inputs rolled up (each input by its own
  ``rollup``, default ``sum``): a resolution rate over a quarter is the
  quarter's solved cases over the quarter's cases.

With ``rollup.weights`` (months 30/30/40) the means (``mean_points``, ``mean``)
are weighted: Σ weight × value / Σ weight, exactly; with ``missing: present``
the weights of the periods a person has are scaled up to 100. ``sum`` and
``last`` do not weigh.

A veto that fires in any period fires for the rolled period. Rolling up one
period gives exactly that period's points and total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from kpiscore.base.i18n import Joined, Phrase
from kpiscore.base.numbers import HUNDRED, ZERO, round_half_up
from kpiscore.scheme.compile import CompiledScheme
from kpiscore.score.raters import mean
from kpiscore.score.results import PersonResult, RowError, Scored, VetoResult
from kpiscore.score.scorer import NO_ACTUAL, Reading, Scorer

MEAN_POINTS = Phrase("mean of {count} periods ({each}) = {points} → {points}",
                     "{count} 期平均({each})= {points} → {points}")
LAST = Phrase("last of {count} periods: ", "{count} 期中的最后一期:")
SUM = Phrase("sum of {count} periods ({each}) = {actual}: ", "{count} 期合计({each})= {actual}:")
MEAN = Phrase("mean of {count} periods ({each}) = {actual}: ", "{count} 期平均({each})= {actual}:")
COMPUTED = Phrase("computed from {count} periods' inputs: ", "由 {count} 期的输入项计算:")
ROLLED = Phrase("rolled up", "汇总")
POOLED = Phrase("every response of {count} periods pooled: ", "{count} 期的全部回答合并计算:")
WEIGHTED_POINTS = Phrase("weighted mean of {count} periods ({each}) = {points} → {points}",
                         "{count} 期加权平均({each})= {points} → {points}")
WEIGHTED_MEAN = Phrase("weighted mean of {count} periods ({each}) = {actual}: ",
                       "{count} 期加权平均({each})= {actual}:")
SHARE = Phrase("{weight}% × {value}", "{weight}% × {value}")


@dataclass
class PeriodScore:
    """One person's scored period (raters already combined)."""

    label: str | None
    source: str
    rows: list[int]
    scored: list[Scored]
    values: dict[str, Decimal]  # values every rating of the period agrees on
    vetoes: list[VetoResult]
    errors: list[RowError] = field(default_factory=list)

    def total(self, compiled: CompiledScheme) -> Decimal | None:
        sub = compiled.subtotal([s.points for s in self.scored])
        if sub is not None and any(v.outcome == "zero" for v in self.vetoes):
            return ZERO
        return sub


def period_weights(weights: Mapping[str, Decimal] | None,
                   labels: Sequence[str | None]) -> list[Decimal] | None:
    """Each period's weight as applied, in percent: the scheme's, scaled up to 100 over
    the periods given (None without weights, or for a period they do not weigh)."""
    if weights is None or any(label is None or label not in weights for label in labels):
        return None
    given = [weights[str(label)] for label in labels]
    total = sum(given, ZERO)
    if not total:
        return None
    return [w * HUNDRED / total for w in given]


def roll_values(kind: str, values: Sequence[Decimal],
                weights: Sequence[Decimal] | None = None) -> Decimal:
    """The periods' values summed, their last, or their mean (``mean``, ``mean_points``),
    weighted by ``weights`` (percent, adding up to 100) when given."""
    if kind == "sum":
        return sum(values, ZERO)
    if kind in ("last", "pool"):  # pool: the same pooled value in every period
        return values[-1]
    if weights is not None:
        return sum((w * v for w, v in zip(weights, values, strict=True)), ZERO) / HUNDRED
    return sum(values, ZERO) / len(values)


def _shares(weights: Sequence[Decimal], values: Sequence[object], p: int) -> Joined:
    return Joined(tuple(SHARE(p, weight=round_half_up(w, p + 2), value=v)
                        for w, v in zip(weights, values, strict=True)), " + ")


def roll(scorer: Scorer, periods: Sequence[PeriodScore], errors: list[RowError],
         weights: Sequence[Decimal] | None = None) -> tuple[list[Scored], dict[str, Decimal]]:
    """Each indicator's rolled points, and the rolled values pay formulas read;
    ``weights`` are the periods' (percent, adding up to 100), for the means."""
    if len(periods) == 1:
        return list(periods[0].scored), dict(periods[0].values)
    compiled = scorer.compiled
    p = compiled.scheme.precision
    n = len(periods)
    env: dict[str, Decimal] = {}
    kinds: list[tuple[str, str]] = [(inp.id, inp.rollup) for inp in compiled.scheme.inputs]
    kinds += [(ci.id, compiled.rollup_of[ci.id]) for ci in compiled.indicators
              if ci.ind.formula is None]
    for key, kind in kinds:
        got = [ps.values[key] for ps in periods if key in ps.values]
        if len(got) == n:
            env[key] = roll_values(kind, got, weights)
    recompute = {ci.id for ci in compiled.indicators
                 if ci.ind.formula is not None and compiled.rollup_of.get(ci.id) != "mean_points"}
    rolled = ROLLED().render(scorer.lang)
    if recompute:
        holder = Reading(PersonResult(0, None, None, None), env, {}, lambda key: rolled)
        scorer.compute(holder, f"{periods[0].label}..{periods[-1].label}", only=recompute)
        errors.extend(holder.result.errors)
    out: list[Scored] = []
    for i, ci in enumerate(compiled.indicators):
        kind = compiled.rollup_of.get(ci.id, "mean_points")
        each = [ps.scored[i] for ps in periods]
        actuals = {repr(s.actual) for s in each}
        common = each[0].actual if len(actuals) == 1 else None
        if kind == "mean_points":
            pts = [s.points for s in each]
            value = mean(pts)
            if value is None:
                out.append(Scored(common, None, NO_ACTUAL()))
                continue
            if weights is not None:
                value = roll_values(kind, [v for v in pts if v is not None], weights)
                out.append(Scored(common, value, WEIGHTED_POINTS(
                    p, count=n, each=_shares(weights, pts, p), points=value)))
                continue
            out.append(Scored(common, value, MEAN_POINTS(
                p, count=n, each=Joined(tuple(pts), ", ", p), points=value)))
            continue
        if kind == "pool":  # every period has the actual of all their responses pooled
            last = each[-1]
            text = POOLED(count=n).render(scorer.lang) + last.head(scorer.lang)
            out.append(Scored(last.actual, last.points, last.step, POOLED(count=n),
                              last.survey, text))
            continue
        actual: Decimal | str | None
        if ci.ind.formula is not None:
            actual = env.get(ci.id)
            how = COMPUTED(count=n)
        elif kind == "last":
            actual = each[-1].actual
            how = LAST(count=n)
        else:
            nums = [s.actual for s in each]
            if any(not isinstance(a, Decimal) for a in nums):
                out.append(Scored(None, None, NO_ACTUAL()))
                continue
            actual = env.get(ci.id)
            shown = "—" if actual is None else actual
            if kind == "mean" and weights is not None:
                how = WEIGHTED_MEAN(p, count=n, each=_shares(weights, nums, p), actual=shown)
            else:
                how = (SUM if kind == "sum" else MEAN)(
                    p, count=n, each=Joined(tuple(nums), " + " if kind == "sum" else ", ", p),
                    actual=shown)
        if actual is None:
            out.append(Scored(None, None, NO_ACTUAL()))
            continue
        scored = scorer.score_actual(i, actual, errors, lambda key: rolled)
        text = how.render(scorer.lang) + scored.head(scorer.lang)
        out.append(Scored(actual, scored.points, scored.step, how, scored.survey, text))
    return out, env
