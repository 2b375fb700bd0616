"""Periods: how each indicator rolls up over several periods."""

from __future__ import annotations

from collections.abc import Iterator

from kpiscore.base.i18n import Phrase
from kpiscore.scheme.checks import Context, Problem, check

NO_ROLLUP = Phrase("rollup needs the scheme's rollup: (which period the periods roll into)",
                   "rollup 需要方案的 rollup:(各期汇总成哪个周期)")
LABELS = Phrase("{label!r} reads labels, which cannot be {how}: use mean_points or last",
                "{label!r} 读取的是等级文字,不能{how}:请用 mean_points 或 last")
SUMMED = Phrase("summed", "相加")
AVERAGED = Phrase("averaged", "取平均")
SURVEY = Phrase("a survey's result cannot be summed over periods: use mean_points, mean or last",
                "问卷结果不能跨期相加:请用 mean_points、mean 或 last")
RATED = Phrase("{label!r} is rated: its periods roll up by mean_points (ratings are not summed)",
               "{label!r} 由评价人评分:各期按 mean_points 汇总(评分不相加)")


@check("rollup")
def rollups_make_sense(ctx: Context) -> Iterator[Problem]:
    """An indicator's ``rollup`` needs the scheme's ``rollup:``; labels (levels) cannot be
    summed or averaged, a survey's result cannot be summed, and rated indicators roll
    up by ``mean_points``."""
    ru = ctx.scheme.rollup
    for ci in ctx.compiled.indicators:
        kind = ci.ind.rollup or (ru.default if ru is not None else "mean_points")
        own = ci.ind.rollup is not None
        path = ci.path + ("rollup",) if own else ci.path
        label = ci.ind.label
        if own and ru is None:
            yield Problem(path, NO_ROLLUP())
        elif ci.rule.reads_labels and kind in ("sum", "mean"):
            yield Problem(path, LABELS(label=label, how=SUMMED if kind == "sum" else AVERAGED),
                          key=not own)
        elif ci.ind.survey is not None and kind == "sum":
            yield Problem(path, SURVEY(), key=not own)
        elif ci.id in ctx.compiled.rated and kind != "mean_points":
            yield Problem(path, RATED(label=label), key=not own)
