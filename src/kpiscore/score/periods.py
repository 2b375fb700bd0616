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

A veto that fires in any period fires for the rolled period. Rolling up one
period gives exactly that period's points and total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from kpiscore.base.numbers import ZERO, plain, round_half_up
from kpiscore.score.raters import Combined, mean
from kpiscore.score.results import RowError, VetoResult

if TYPE_CHECKING:
    from kpiscore.score.engine import CompiledScheme, Scored


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
    combined: Combined | None = None

    def total(self, compiled: CompiledScheme) -> Decimal | None:
        sub = compiled.subtotal([s.points for s in self.scored])
        if sub is not None and any(v.outcome == "zero" for v in self.vetoes):
            return ZERO
        return sub


def roll_values(kind: str, values: Sequence[Decimal]) -> Decimal:
    if kind == "sum":
        return sum(values, ZERO)
    if kind == "mean":
        return sum(values, ZERO) / len(values)
    return values[-1]


def _num(value: Decimal, precision: int) -> str:
    if value == value.quantize(Decimal(1).scaleb(-(precision + 2))):
        return plain(value)
    return plain(round_half_up(value, precision))


def roll(compiled: CompiledScheme, periods: Sequence[PeriodScore],
         errors: list[RowError]) -> tuple[list[Scored], dict[str, Decimal]]:
    """Each indicator's rolled points, and the rolled values pay formulas read."""
    from kpiscore.score.engine import Reading, Scored

    if len(periods) == 1:
        return list(periods[0].scored), dict(periods[0].values)
    p = compiled.scheme.precision
    n = len(periods)
    env: dict[str, Decimal] = {}
    for inp in compiled.scheme.inputs:
        got = [ps.values.get(inp.id) for ps in periods]
        if all(g is not None for g in got):
            env[inp.id] = roll_values(inp.rollup, [g for g in got if g is not None])
    for ci in compiled.indicators:
        if ci.ind.formula is not None:
            continue
        kind = compiled.rollup_of.get(ci.id, "mean_points")
        got = [ps.values.get(ci.id) for ps in periods]
        if all(g is not None for g in got):
            env[ci.id] = roll_values("mean" if kind == "mean_points" else kind,
                                     [g for g in got if g is not None])
    recompute = {ci.id for ci in compiled.indicators
                 if ci.ind.formula is not None and compiled.rollup_of.get(ci.id) != "mean_points"}
    if recompute:
        from kpiscore.score.results import PersonResult

        holder = Reading(PersonResult(0, None, None, None), env, {}, lambda key: "rolled up")
        compiled.compute(holder, f"{periods[0].label}..{periods[-1].label}", only=recompute)
        errors.extend(holder.result.errors)
    out: list[Scored] = []
    for i, ci in enumerate(compiled.indicators):
        kind = compiled.rollup_of.get(ci.id, "mean_points")
        each = [ps.scored[i] for ps in periods]
        actuals = {repr(s.actual) for s in each}
        common = each[0].actual if len(actuals) == 1 else None
        if kind == "mean_points":
            pts = [s.points for s in each]
            if any(x is None for x in pts):
                out.append(Scored(common, None, "no usable actual"))
                continue
            value = mean([x for x in pts if x is not None])
            out.append(Scored(common, value, f"mean of {n} periods (" + ", ".join(
                _num(x, p) for x in pts if x is not None) + f") = {_num(value, p)} →"
                f" {_num(value, p)}"))
            continue
        actual: Decimal | str | None
        if ci.ind.formula is not None:
            actual = env.get(ci.id)
            how = f"computed from {n} periods' inputs: "
        elif kind == "last":
            actual = each[-1].actual
            how = f"last of {n} periods: "
        else:
            nums = [s.actual for s in each]
            if any(not isinstance(a, Decimal) for a in nums):
                out.append(Scored(None, None, "no usable actual"))
                continue
            actual = env.get(ci.id)
            sign = " + " if kind == "sum" else ", "
            how = (f"{kind} of {n} periods (" + sign.join(_num(a, p) for a in nums
                                                          if isinstance(a, Decimal))
                   + f") = {_num(actual, p) if actual is not None else '—'}: ")
        if actual is None:
            out.append(Scored(None, None, "no usable actual"))
            continue
        points, explanation = compiled.score_actual(ci, actual, errors, lambda key: "rolled up")
        out.append(Scored(actual, points, how + explanation))
    return out, env
