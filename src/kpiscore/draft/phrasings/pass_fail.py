"""超过1小时0分;没有超过10分: pass or fail."""

from __future__ import annotations

import re

from kpiscore.base.i18n import Phrase
from kpiscore.draft.phrasings.common import NUM, UNIT, num, unit_of
from kpiscore.draft.phrasings.reading import Better, Context, Reading

_FAILS_ABOVE = ("超过", "超出", "高于", "多于", "大于")
_WORD = r"超过|超出|高于|多于|大于|低于|少于|小于|不足|未达到"
# 超过1小时0分;没有超过10分
_FAIL_FIRST = re.compile(rf"({_WORD})({NUM})({UNIT})?得?({NUM})分[,;]?"
                         rf"(?:没有|未|不)(?:{_WORD}|达到)?(?:{NUM}{UNIT})?得?({NUM})分")
# 达到100%得10分,否则0分
_PASS_FIRST = re.compile(rf"(?:达到|满足|完成|在)({NUM})?({UNIT})?(?:及以上|以上|以内|内)?"
                         rf"得({NUM})分[,;]?(?:否则|未达到|未完成|不满足|超过|超出)"
                         rf"(?:{NUM}{UNIT})?得?({NUM})分")

PER_CASE = Phrase("the card's limit ({limit}) is each case's; the target is the row's own "
                  "({target})", "考核表中的时限({limit})针对每一项;目标取该行的目标({target})")


def read(text: str, ctx: Context) -> Reading | None:
    """**Pass/fail** (seed 001 客服主管, DOMAIN §4): ``客户信息反馈应在1小时内,超过1小时0分;
    没有超过10分`` → ``pass_fail`` with full marks 10: meeting the target earns the
    full marks, anything else 0 (or the points the text gives for failing, as
    ``fail_points``). The limit in the text (1小时, better: lower since exceeding it
    fails) is the target unless the row has a target of its own: then the limit is
    read as each case's, and the row's target (及时传递率 100%) is the indicator's."""
    m = _FAIL_FIRST.search(text)
    if m:
        limit, unit, fail, full = num(m.group(2)), m.group(3), num(m.group(4)), num(m.group(5))
        better: Better = "lower" if m.group(1) in _FAILS_ABOVE else "higher"
    else:
        m = _PASS_FIRST.search(text)
        if not m or m.group(1) is None:
            return None
        limit, unit, full, fail = num(m.group(1)), m.group(2), num(m.group(3)), num(m.group(4))
        better = "lower" if "内" in m.group(0).split("得")[0] else "higher"
    if full <= fail:
        return None
    rule: dict[str, object] = {"kind": "pass_fail"}
    if fail != 0:
        rule["fail_points"] = fail
    return Reading(rule, target=limit, own_target=False, better=better, full_marks=full,
                   unit=unit_of(unit))
