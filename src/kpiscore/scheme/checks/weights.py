"""Weights: what the parts of a scheme weigh must add up."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import HUNDRED, ZERO, plain
from kpiscore.scheme.checks import Context, Problem, check
from kpiscore.scheme.models import Dimension, Indicator
from kpiscore.scheme.yamlload import Path

SECTIONS = Phrase("section weights add up to {total}, not 100", "各部分权重合计为 {total},不是 100")
IN_SCOPE = Phrase("{what} in {scope} add up to {total}, not 100{hint}",
                  "{scope}的{what}合计为 {total},不是 100{hint}")
DIMENSION_WEIGHTS = Phrase("dimension weights", "维度权重")
INDICATOR_WEIGHTS = Phrase("indicator weights", "指标权重")
THE_SCHEME = Phrase("the scheme", "方案")
SECTION = Phrase("section {id!r}", "部分 {id!r} ")
FRACTIONS = Phrase(" (weights are percents: write 40 or 40%, not 0.4)",
                   "(权重是百分数:写 40 或 40%,不要写 0.4)")
DIMENSION_SUM = Phrase(
    "dimension {title!r} has weight {weight} but its indicators' weights add up to {total}",
    "维度 {title!r} 的权重为 {weight},但其指标权重合计为 {total}")
DIMENSION_TAKEN = Phrase(
    "dimension {title!r} has weight {weight} but its weighted indicators already take {total}",
    "维度 {title!r} 的权重为 {weight},但已给权重的指标合计已达 {total}")
NORMALISED = Phrase(
    "{what}: scored as printed (weights: normalise), each of these weights × {wanted}/{total}",
    "{what}:按原表计分(weights: normalise),这些权重各乘以 {wanted}/{total}")
SOME_MISSING = Phrase(
    "some indicators of {title!r} have a weight and some do not; give every one a weight, "
    "or give the dimension a weight to share",
    "{title!r} 的指标有的给了权重、有的没有;请给每个指标权重,或给维度一个权重由指标均分")


def _bodies(ctx: Context) -> Iterator[
        tuple[str | None, Path, list[Dimension] | None, list[Indicator] | None]]:
    """Each section (or the scheme): its id, where it is, and its dimensions or (written
    without dimensions) its indicators."""
    s = ctx.scheme
    if s.sections is None:
        yield None, (), s.dimensions, s.indicators
    for k, sec in enumerate(s.sections or []):
        yield sec.id, ("sections", k), sec.dimensions, sec.indicators


@dataclass(frozen=True)
class _Mismatch:
    """A level whose weights do not add up to what they should."""

    path: Path
    key: bool
    message: Text
    total: Decimal
    wanted: Decimal
    #: whether ``weights: normalise`` can scale it (not a dimension half-given)
    scalable: bool = True


def _mismatches(ctx: Context) -> Iterator[_Mismatch]:
    s = ctx.scheme
    if s.sections is not None:
        total = sum((sec.weight for sec in s.sections), ZERO)
        if total != HUNDRED:
            yield _Mismatch(("sections",), False, SECTIONS(total=total), total, HUNDRED)
    groups = ctx.compiled.dimensions
    for sid, base, dims, _ in _bodies(ctx):
        total = sum((g.share for g in groups if g.section == sid), ZERO)
        if total != HUNDRED:
            what = INDICATOR_WEIGHTS if dims is None else DIMENSION_WEIGHTS
            scope = SECTION(id=sid) if sid else THE_SCHEME
            hint = FRACTIONS if total == 1 else ""
            yield _Mismatch(base + ("indicators" if dims is None else "dimensions",), True,
                            IN_SCOPE(what=what, scope=scope, total=total, hint=hint), total,
                            HUNDRED)
    for dim, path in _dimensions(ctx):
        if dim.weight is None:
            continue
        given = [i.weight for i in dim.indicators if i.weight is not None]
        total = sum(given, ZERO)
        title = dim.title or dim.id
        if len(given) == len(dim.indicators) and total != dim.weight:
            yield _Mismatch(path + ("weight",), False, DIMENSION_SUM(
                title=title, weight=dim.weight, total=total), total, dim.weight)
        elif len(given) < len(dim.indicators) and total > dim.weight:
            yield _Mismatch(path + ("weight",), False, DIMENSION_TAKEN(
                title=title, weight=dim.weight, total=total), total, dim.weight, False)


def _normalised(ctx: Context, m: _Mismatch) -> bool:
    return ctx.scheme.weights == "normalise" and m.scalable and m.total > 0


@check("weights-sum")
def weights_add_up(ctx: Context) -> Iterator[Problem]:
    """The weights of a level add up to 100: the sections of a composite card, the
    dimensions of a section or scheme (or, without dimensions, its indicators), and
    the quota percents of a forced distribution; a dimension that has a weight and
    whose indicators all have one must agree with their sum (000 as published: 内部流程
    says 45 while its KPIs add up to 55). Both numbers are given. A card whose printed
    weights do not add up is scored as printed with ``weights: normalise`` (then
    ``weights-normalised`` says by how much)."""
    for m in _mismatches(ctx):
        if not _normalised(ctx, m):
            yield Problem(m.path, m.message, key=m.key)


@check("weights-normalised", severity="warning")
def weights_normalised(ctx: Context) -> Iterator[Problem]:
    """With ``weights: normalise``, each level whose weights do not add up is scored as
    printed, every weight of it multiplied by the factor named here, exactly (001
    客服主管's performance items add up to 105: each × 100/105, so 25 counts 23.81%).
    Accept it with ``allow`` where that is the card's own arithmetic."""
    for m in _mismatches(ctx):
        if _normalised(ctx, m):
            yield Problem(m.path, NORMALISED(what=m.message, wanted=plain(m.wanted),
                                             total=plain(m.total)), key=m.key)


@check("weights-missing")
def weights_all_or_none(ctx: Context) -> Iterator[Problem]:
    """In a dimension without a weight of its own, either every indicator has a weight or
    none has (a points card, where each item weighs its full marks)."""
    for dim, path in _dimensions(ctx):
        given = [i.weight for i in dim.indicators if i.weight is not None]
        if dim.weight is None and 0 < len(given) < len(dim.indicators):
            yield Problem(path + ("indicators",), SOME_MISSING(title=dim.title or dim.id), key=True)


def _dimensions(ctx: Context) -> Iterator[tuple[Dimension, Path]]:
    """Each dimension and where it is (a body without dimensions is one)."""
    for sid, base, dims, inds in _bodies(ctx):
        if dims is None:
            yield Dimension(id=sid or "main", title=None if sid else ctx.scheme.title,
                            indicators=inds or []), base
        for d, dim in enumerate(dims or []):
            yield dim, base + ("dimensions", d)
