"""Raters and periods (a result from several rows): rater weights add up and raters rate
something read from a column; each indicator rolls up over the periods in a way that fits it."""

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
NO_ROLLUP = Phrase("rollup needs the scheme's rollup: (which period the periods roll into)",
                   "rollup 需要方案的 rollup:(各期汇总成哪个周期)")
LABELS = Phrase("{label!r} reads labels, which cannot be {how}: use mean_points or last",
                "{label!r} 读取的是等级文字,不能{how}:请用 mean_points 或 last")
SUMMED = Phrase("summed", "相加")
AVERAGED = Phrase("averaged", "取平均")
SURVEY = Phrase("a survey's result cannot be summed over periods: use mean_points, mean or last",
                "问卷结果不能跨期相加:请用 mean_points、mean 或 last")
POOL = Phrase("{label!r} takes no survey's result: only a survey indicator pools its "
              "responses over the periods (rollup: pool)",
              "{label!r} 不取自问卷:只有问卷指标才能把各期回答合并(rollup: pool)")
RATED = Phrase("{label!r} is rated: its periods roll up by mean_points (ratings are not summed)",
               "{label!r} 由评价人评分:各期按 mean_points 汇总(评分不相加)")


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


@check("rollup")
def rollups_make_sense(ctx: Context) -> Iterator[Problem]:
    """An indicator's ``rollup`` needs the scheme's ``rollup:``; labels (levels) cannot be
    summed or averaged, a survey's result cannot be summed, only a survey's indicator
    pools its responses (``pool``), and rated indicators roll up by ``mean_points``."""
    ru = ctx.scheme.rollup
    for ci in ctx.compiled.indicators:
        kind = ci.ind.rollup or (ru.default if ru is not None else "mean_points")
        own = ci.ind.rollup is not None
        path = ci.path + ("rollup",) if own else ci.path
        label = ci.ind.label
        if own and ru is None:
            yield Problem(path, NO_ROLLUP())
        elif kind == "pool" and ci.ind.survey is None:
            yield Problem(path, POOL(label=label))
        elif ci.rule.reads_labels and kind in ("sum", "mean"):
            yield Problem(path, LABELS(label=label, how=SUMMED if kind == "sum" else AVERAGED),
                          key=not own)
        elif ci.ind.survey is not None and kind == "sum":
            yield Problem(path, SURVEY(), key=not own)
        elif ci.id in ctx.compiled.rated and kind != "mean_points":
            yield Problem(path, RATED(label=label), key=not own)


SINGLE = Phrase("{option} needs several raters of this kind: set multiple: true",
                "{option} 需要同类的多位评价人:请设置 multiple: true")
TOO_FEW_TO_DROP = Phrase("drop_extremes drops 2 of the ratings and needs at least 3: min_raters "
                         "{min} would let fewer through (write min_raters: 3 or more)",
                         "drop_extremes 去掉 2 个评分,至少需要 3 个:min_raters {min} "
                         "会放过更少的评分(请写 min_raters: 3 或更多)")


@check("bad-raters")
def rater_options(ctx: Context) -> Iterator[Problem]:
    """A kind of rater that drops the highest and lowest rating (``drop_extremes``, 去掉
    一个最高分、一个最低分) or needs more than one rating (``min_raters``) is a ``multiple``
    kind; with ``drop_extremes``, a ``min_raters`` is at least 3 (two are dropped, at least
    one is averaged)."""
    r = ctx.scheme.raters
    if r is None:
        return
    for k, role in enumerate(r.roles):
        path = ("raters", "roles", k)
        if role.drop_extremes and not role.multiple:
            yield Problem(path + ("drop_extremes",), SINGLE(option="drop_extremes"), key=True)
        if role.min_raters is not None and role.min_raters > 1 and not role.multiple:
            yield Problem(path + ("min_raters",), SINGLE(option=f"min_raters {role.min_raters}"),
                          key=True)
        elif role.drop_extremes and role.min_raters is not None and role.min_raters < 3:
            yield Problem(path + ("min_raters",), TOO_FEW_TO_DROP(min=role.min_raters))


PERIOD_WEIGHTS = Phrase("period weights add up to {total}, not 100",
                        "各期权重合计为 {total},不是 100")
ZERO_WEIGHT = Phrase("the weight of period {period!r} is 0: leave the period out of the "
                     "roll-up instead", "期间 {period!r} 的权重为 0:请不要把该期纳入汇总")
EXPECT = Phrase("rollup.expect is {expect} but rollup.weights names {count} period(s)",
                "rollup.expect 为 {expect},但 rollup.weights 列出了 {count} 期")


@check("weights-sum")
def period_weights(ctx: Context) -> Iterator[Problem]:
    """The weights of a roll-up's periods (``rollup.weights``, months 30/30/40) add up to
    100."""
    ru = ctx.scheme.rollup
    if ru is not None and ru.weights is not None:
        total = sum(ru.weights.values(), ZERO)
        if total != HUNDRED:
            yield Problem(("rollup", "weights"), PERIOD_WEIGHTS(total=total), key=True)


@check("rollup")
def period_weights_name_the_periods(ctx: Context) -> Iterator[Problem]:
    """Each weighted period weighs more than 0, and ``rollup.expect`` (when given) is the
    number of weighted periods."""
    ru = ctx.scheme.rollup
    if ru is None or ru.weights is None:
        return
    for name, weight in ru.weights.items():
        if weight == 0:
            yield Problem(("rollup", "weights", name), ZERO_WEIGHT(period=name))
    if ru.expect is not None and ru.expect != len(ru.weights):
        yield Problem(("rollup", "expect"), EXPECT(expect=ru.expect, count=len(ru.weights)))
