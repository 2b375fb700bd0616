"""合格得20分,提(减)1个百分点加(减)1分 · 严格执行到位得8分,违反一次扣1分: the pass line."""

from __future__ import annotations

import re

from kpiscore.base.i18n import Phrase
from kpiscore.draft.phrasings.common import NUM, UNIT, num, unit_of
from kpiscore.draft.phrasings.reading import Context, Reading

# 一次合格率达到90%为合格,合格得20分。提(减)1个百分点加(减)1分
_LINE = re.compile(rf"(?:达到|≥)?({NUM})({UNIT})?(?:及以上)?为合格[,;]?(?:合格)?得({NUM})分[,;]?"
                   rf"(?:每)?(?:提高?|增加|上升)\((?:减|降)(?:少|低)?\)({NUM})({UNIT})"
                   rf"(?:加\(减\)|加\(扣\))({NUM})分")
# 严格执行到位得8分,违反一次扣1分
_RULES = re.compile(rf"(?:严格)?执行到位得({NUM})分[,;]?(?:每)?(?:违反|违规)({NUM})?次扣({NUM})分")
# 每超过1%扣2分,扣完即止;每降低1%加2分 (and the other way round)
_STEP = "超过|超出|增加|上升|提高|降低|减少|下降"
_BOTH = re.compile(rf"每({_STEP})({NUM})({UNIT})(?:扣|减)({NUM})分"
                   rf"[^;]*?;?每({_STEP})({NUM})({UNIT})加({NUM})分")
_UP = ("超过", "超出", "增加", "上升", "提高")
_PREVIOUS = re.compile(r"与上(?:一)?(?:时段|期|月|季度?|年度?)(?:对比|相比|比较)|环比|较上期")

NO_BASE = Phrase("the points at the pass line (no change from the previous period) are not "
                 "on the card: write base"
                 ":", "考核表没有写明合格线(与上期持平)时的得分:请填写 base:")
NO_LINE = Phrase("the pass line (target) is not on the card: write target:",
                 "考核表没有写明合格线(目标):请填写 target:")
CHANGE = Phrase("the actual is the change from the previous period, in {unit} (this period "
                "minus the last): enter it, or compute it with a formula",
                "实际值为与上期相比的变化({unit},本期减上期):直接填写,或用公式计算")


def read(text: str, ctx: Context) -> Reading | None:
    """**Pass line ± per unit** (seed 001 全屋定制卡): ``一次合格率达到90%为合格,合格得
    20分。提(减)1个百分点加(减)1分`` → ``pass_line`` with ``base: 20`` at the target 90,
    ``per: 1, points: 1``; ``严格执行到位得8分,违反一次扣1分`` → ``base: 8`` at 0
    violations (better: lower), −1 each; ``与上时段对比,每超过1%扣2分,扣完即止;
    每降低1%加2分`` → ``per: 1, points: 2``, lower is better, the actual being the change
    from the previous period (target 0) — the card does not say what no change earns,
    so ``base`` is left for a person (unfinished)."""
    m = _LINE.search(text)
    if m:
        rule: dict[str, object] = {"kind": "pass_line", "base": num(m.group(3))}
        _per_points(rule, num(m.group(4)), num(m.group(6)))
        return Reading(rule, target=num(m.group(1)), better="higher",
                       unit=unit_of(m.group(2) or m.group(5)))
    m = _RULES.search(text)
    if m:
        rule = {"kind": "pass_line", "base": num(m.group(1))}
        _per_points(rule, num(m.group(2) or "1"), num(m.group(3)))
        return Reading(rule, target=num("0"), better="lower", unit="次")
    m = _BOTH.search(text)
    if m and (m.group(1) in _UP) != (m.group(5) in _UP):
        up_costs = m.group(1) in _UP
        per, off, on = num(m.group(2)), num(m.group(4)), num(m.group(8))
        if per != num(m.group(6)) or off != on:
            return None
        rule = {"kind": "pass_line"}
        _per_points(rule, per, off)
        unit = unit_of(m.group(3)) or ""
        missing = [NO_BASE()]
        notes = []
        target = None  # 扣完即止 is the rule's own floor (0): nothing to add
        if _PREVIOUS.search(text):
            target = num("0")
            notes.append(CHANGE(unit=unit))
        else:
            missing.append(NO_LINE())
        return Reading(rule, target=target, better="lower" if up_costs else "higher",
                       unit=unit, missing=tuple(missing), notes=tuple(notes))
    return None


def _per_points(rule: dict[str, object], per: object, points: object) -> None:
    """Write ``per`` and ``points`` only when they are not the rule's default 1."""
    if per != num("1"):
        rule["per"] = per
    if points != num("1"):
        rule["points"] = points
