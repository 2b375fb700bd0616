"""Raters: weights add up, and they rate something read from a column."""

from __future__ import annotations

from collections.abc import Iterator

from kpiscore.base.i18n import Phrase
from kpiscore.base.numbers import HUNDRED, ZERO
from kpiscore.scheme.checks import Context, Problem, check, did_you_mean

WEIGHTS = Phrase("rater weights add up to {total}, not 100", "评价人权重合计为 {total},不是 100")
COMPUTED = Phrase("{id!r} is computed (a formula or a survey), not read from a column: rate the "
                  "columns it uses",
                  "{id!r} 是计算出来的(公式或问卷),不是从列读取的:请对它用到的列评分")
UNKNOWN = Phrase("{id!r} is neither a section, a dimension nor an indicator{hint}",
                 "{id!r} 既不是部分、维度,也不是指标{hint}")
NOTHING = Phrase("the raters rate nothing: every indicator is computed",
                 "评价人没有可评的内容:每个指标都是计算出来的")


@check("weights-sum")
def rater_weights(ctx: Context) -> Iterator[Problem]:
    """The raters' weights add up to 100 (003: self 30 + supervisor 70)."""
    r = ctx.scheme.raters
    if r is not None:
        total = sum((role.weight for role in r.roles), ZERO)
        if total != HUNDRED:
            yield Problem(("raters", "roles"), WEIGHTS(total=total), key=True)


def _readable(ctx: Context) -> list[str]:
    return [ci.id for ci in ctx.compiled.indicators
            if ci.ind.formula is None and ci.ind.survey is None]


@check("unknown-name")
def rated_named(ctx: Context) -> Iterator[Problem]:
    """``raters.rated`` names sections, dimensions or indicators of the scheme."""
    r = ctx.scheme.raters
    if r is None or r.rated is None:
        return
    groups = sorted({g.id for g in ctx.compiled.sections + ctx.compiled.dimensions})
    known = groups + sorted(_readable(ctx))
    ids = {ci.id for ci in ctx.compiled.indicators}
    for k, ident in enumerate(r.rated):
        if ident not in groups and ident not in ids:
            yield Problem(("raters", "rated", k), UNKNOWN(id=ident,
                                                          hint=did_you_mean(ident, known)))


@check("bad-rated")
def raters_rate_columns(ctx: Context) -> Iterator[Problem]:
    """Raters rate values read from columns: not a computed indicator (a formula or a
    survey: rate the columns it uses), and at least one."""
    r = ctx.scheme.raters
    if r is None:
        return
    readable = set(_readable(ctx))
    groups = {g.id for g in ctx.compiled.sections + ctx.compiled.dimensions}
    ids = {ci.id for ci in ctx.compiled.indicators}
    problem = False
    for k, ident in enumerate(r.rated or []):
        if ident not in groups and ident not in readable:
            problem = True
            if ident in ids:
                yield Problem(("raters", "rated", k), COMPUTED(id=ident))
    if not ctx.compiled.rated and not problem:
        yield Problem(("raters",), NOTHING(), key=True)
