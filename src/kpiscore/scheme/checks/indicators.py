"""Indicators: full marks, floors, ranges, targets, the rule's own checks, vetoes."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kpiscore.base.i18n import Phrase
from kpiscore.scheme.checks import Context, Problem, check
from kpiscore.scheme.compile import CompiledIndicator, full_marks

FULL = Phrase("full marks must be positive, not {full}", "满分必须大于 0,不能是 {full}")
FLOOR = Phrase("floor {floor} is above full marks {full}", "保底分 {floor} 高于满分 {full}")
RANGE = Phrase("min_value {lo} is above max_value {hi}", "min_value {lo} 大于 max_value {hi}")
NEEDS_TARGET = Phrase("indicator {label!r} uses the {kind} rule, which needs a target",
                      "指标 {label!r} 使用 {kind} 规则,需要给出目标值(target)")
ZERO_TARGET = Phrase("a target of 0 makes the {kind} rule's ratio meaningless (it divides by "
                     "the target)", "目标为 0 时 {kind} 规则的比值没有意义(它要除以目标)")
NEGATIVE_TARGET = Phrase("the {kind} rule divides by the target, which must be positive, "
                         "not {target}", "{kind} 规则要除以目标,目标必须大于 0,不能是 {target}")
UNREACHABLE = Phrase(
    "full marks {full} of {label!r} can never be reached: the best valid actual earns {best} "
    "(add 'unreachable-full-marks' to allow if the card means it)",
    "{label!r} 的满分 {full} 永远拿不到:最好的有效实际值只得 {best} 分(若考核表本意如此,"
    "在 allow 中加入 'unreachable-full-marks')")
VETO_ON_LABELS = Phrase("a veto compares a number, but the {kind} rule reads labels; put the "
                        "veto on a numeric column under vetoes:",
                        "否决条件比较的是数字,而 {kind} 规则读取的是等级文字;请把否决放到 "
                        "vetoes: 下的数字列上")
LOWEST_GRADE = Phrase("outcome lowest_grade needs grades: the scheme defines none",
                      "outcome lowest_grade 需要等级,但方案没有定义等级(grades)")
NOT_DIRECTIONAL = Phrase("better: lower does not apply to the {kind} rule: its points are the "
                         "rating's own (remove better:)",
                         "better: lower 不适用于 {kind} 规则:它的分数就是评定的分数(删除 better:)")
SOUNDS_LOWER = Phrase(
    "{label!r} sounds like a quantity where less is better, but its score rises with the "
    "actual; set better: lower (or add 'higher-is-better' to allow)",
    "{label!r} 听起来是越少越好的量,但它的得分随实际值升高;请设置 better: lower"
    "(或在 allow 中加入 'higher-is-better')")

# Words that name a quantity where less is better; a score that rises with such an
# actual is probably a mistake (the seed's error-rate formula) ...
_LOWER_IS_BETTER = re.compile(
    r"差错|错误|失误|投诉|事故|流失|成本|费用|时长|耗时|延迟|延误|逾期|遗留|违规|违反|缺陷|故障率|"
    r"返修|退货|退款|纠纷|差评|error|defect|complaint|incident|churn|attrition|cost|delay|"
    r"latency|overdue|violation", re.IGNORECASE)
# ... unless the title names the good side of it (投诉解决率, 成本节约, 事故处理及时率)
_GOOD_SIDE = re.compile(r"解决|处理率|关闭|闭环|及时|满意|达标|完成|采纳|节约|节省|覆盖|培训|学时|"
                        r"报告|提交|分析|resol|saving|on.time|closed|closure|training|report",
                        re.IGNORECASE)


def _target_ok(ci: CompiledIndicator) -> bool:
    """Whether the rule has the target it needs (else only the target is reported)."""
    rule, target = ci.rule, ci.ind.target
    if rule.needs_target and target is None:
        return False
    return not (rule.divides_by_target and target is not None and target <= 0)


@check("bad-full-marks")
def full_marks_positive(ctx: Context) -> Iterator[Problem]:
    """An indicator's full marks are more than 0."""
    for ci in ctx.compiled.indicators:
        full = full_marks(ci.ind)
        if full <= 0:
            yield Problem(ci.path + ("full_marks",), FULL(full=full))


@check("bad-floor")
def floor_below_full_marks(ctx: Context) -> Iterator[Problem]:
    """An indicator's floor (its lowest points) is not above its full marks."""
    for ci in ctx.compiled.indicators:
        floor = ci.spec.floor
        if floor is not None and floor > ci.spec.full:
            yield Problem(ci.path + ("floor",), FLOOR(floor=floor, full=ci.spec.full))


@check("bad-range")
def valid_range(ctx: Context) -> Iterator[Problem]:
    """The valid range of an indicator's actual (min_value … max_value, or its rule's
    own) is not empty."""
    for ci in ctx.compiled.indicators:
        lo, hi = ci.spec.lowest, ci.spec.highest
        if lo is not None and hi is not None and lo > hi:
            yield Problem(ci.path + ("min_value",), RANGE(lo=lo, hi=hi))


@check("missing-target")
def target_given(ctx: Context) -> Iterator[Problem]:
    """A rule that compares the actual with a target has one."""
    for ci in ctx.compiled.indicators:
        if ci.rule.needs_target and ci.ind.target is None:
            yield Problem(ci.path, NEEDS_TARGET(label=ci.ind.label, kind=ci.rule.kind), key=True)


@check("zero-target")
def target_not_zero(ctx: Context) -> Iterator[Problem]:
    """A rule that divides by the target (threshold 5/4/3/2, ratio) has a target other
    than 0 (DOMAIN §1: the ratio would be meaningless)."""
    for ci in ctx.compiled.indicators:
        if ci.rule.divides_by_target and ci.ind.target == 0:
            yield Problem(ci.path + ("target",), ZERO_TARGET(kind=ci.rule.kind))


@check("negative-target")
def target_not_negative(ctx: Context) -> Iterator[Problem]:
    """A rule that divides by the target has a positive target."""
    for ci in ctx.compiled.indicators:
        target = ci.ind.target
        if ci.rule.divides_by_target and target is not None and target < 0:
            yield Problem(ci.path + ("target",), NEGATIVE_TARGET(kind=ci.rule.kind, target=target))


@check("rule", severity="error")
def rules_own_checks(ctx: Context) -> Iterator[Problem]:
    """Each rule checks its own configuration (docs/rules.md): bands that overlap, leave
    gaps or do not rise in the direction of ``better`` (bands-overlap, bands-gap,
    not-monotone), points above the full marks (above-full-marks), anchors out of order
    (anchors-order), a level given twice (duplicate-level), a parameter out of its
    range (bad-parameter)."""
    for ci in ctx.compiled.indicators:
        if not _target_ok(ci):
            continue
        for c in ci.rule.checks(ci.spec):
            yield Problem(ci.path + c.where, c.message, code=c.code, severity=c.severity)


@check("unreachable-full-marks", severity="warning")
def full_marks_reachable(ctx: Context) -> Iterator[Problem]:
    """Some valid actual earns the full marks (the 全屋定制卡's "严格执行到位得8分" of 10:
    the top 2 points can never be earned). Allow it when the card means it."""
    for ci in ctx.compiled.indicators:
        if not _target_ok(ci):
            continue
        best = ci.rule.best(ci.spec)
        if best < ci.spec.full:
            written = ci.ind.full_marks is not None
            yield Problem(ci.path + ("full_marks",) if written else ci.path,
                          UNREACHABLE(full=ci.spec.full, label=ci.ind.label, best=best),
                          key=not written)


@check("bad-veto")
def vetoes_can_fire(ctx: Context) -> Iterator[Problem]:
    """A veto compares a number (not a level's label), and ``outcome: lowest_grade`` has
    grades to give."""
    grades = bool(ctx.scheme.grades)
    for ci in ctx.compiled.indicators:
        veto = ci.ind.veto
        if veto is None:
            continue
        if ci.rule.reads_labels:
            yield Problem(ci.path + ("veto",), VETO_ON_LABELS(kind=ci.rule.kind), key=True)
        if veto.outcome == "lowest_grade" and not grades:
            yield Problem(ci.path + ("veto", "outcome"), LOWEST_GRADE())
    for k, sv in enumerate(ctx.scheme.vetoes):
        if sv.outcome == "lowest_grade" and not grades:
            yield Problem(("vetoes", k, "outcome"), LOWEST_GRADE())


@check("bad-parameter")
def direction_applies(ctx: Context) -> Iterator[Problem]:
    """``better: lower`` is refused on rules whose points are the answer's own (levels,
    direct ratings)."""
    for ci in ctx.compiled.indicators:
        if ci.ind.better == "lower" and not ci.rule.directional:
            yield Problem(ci.path, NOT_DIRECTIONAL(kind=ci.rule.kind), key=True)


@check("lower-is-better", severity="warning")
def direction_sounds_right(ctx: Context) -> Iterator[Problem]:
    """An indicator whose id or title names a quantity where less is better (差错, 投诉,
    成本, 时长 …, unless it names the good side: 投诉解决率, 成本节约) but whose score rises
    with the actual: the seed's error-rate formula rewards errors (DOMAIN §5). Set
    ``better: lower``, or allow ``higher-is-better``."""
    for ci in ctx.compiled.indicators:
        ind, rule = ci.ind, ci.rule
        words = f"{ind.id} {ind.title or ''}"
        if (ind.better == "higher" and rule.directional and not rule.reads_labels
                and _LOWER_IS_BETTER.search(words) and not _GOOD_SIDE.search(words)
                and "higher-is-better" not in ind.allow):
            yield Problem(ci.path, SOUNDS_LOWER(label=ind.label), key=True)
