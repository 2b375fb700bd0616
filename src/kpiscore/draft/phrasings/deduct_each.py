"""每发生1次扣5分 · 每次投诉扣5分,不计上限 · 违反一次扣1分,扣完即止: per occurrence."""

from __future__ import annotations

import re

from kpiscore.draft.phrasings.common import MINUTES, NO_FLOOR, NUM, num, unit_of
from kpiscore.draft.phrasings.reading import Context, Reading

_COUNTED = r"次|起|单|件|处|项|例|个|天|日|小时"
_EACH = re.compile(rf"每[^\d;扣]{{0,6}}?({NUM})?({_COUNTED})[^;扣]{{0,12}}?扣({NUM})分")
_EVENT = re.compile(rf"(?:违反|违规|出现|发生|拖延|推迟|延迟|延误|逾期|超时|迟到|遗漏)({NUM})"
                    rf"({_COUNTED})[^;扣]{{0,16}}?扣({NUM})分")
_AFTER = re.compile(rf"扣每({_COUNTED}|人)[^\d;]{{0,4}}({NUM})分")
_FULL = re.compile(rf"(?<!扣)得({NUM})分")
#: 没出现一次…扣1分 says "not once … −1": garbled, not read (a person decides).
_NEGATED = re.compile(r"(?:没|未|不|没有)(?:出现|发生|违反|违规)\d")


def read(text: str, ctx: Context) -> Reading | None:
    """**Deduct per occurrence** (seed 001, seed 003): ``每发生1次扣5分`` (0次为满分),
    ``每次投诉扣5分,不计上限``, ``违反一次扣1分,扣完即止``, ``每推迟1单扣2分``,
    ``如有延迟、遗漏扣每次/人2分``, ``拖延一天扣5分,扣完为止`` → ``deduct`` with
    ``points`` per occurrence, the actual being the number of occurrences: target 0,
    better: lower. A delay counted in days or hours counts each started one
    (``units: started``). ``不计上限`` → ``floor: none`` (the points may go below 0);
    扣完为止 / 扣完即止 is the default floor 0. A text that also gives the points for
    none (``24小时内解决得10分``) gives the full marks. A negated event
    (``没出现一次未完整归档的情况扣1分``, seed 001 安装师) is garbled: not read."""
    if _NEGATED.search(text):
        return None
    m = _EACH.search(text) or _EVENT.search(text)
    if m:
        per, counted, points = m.group(1), m.group(2), m.group(3)
    else:
        after = _AFTER.search(text)
        if not after:
            return None
        per, counted, points = None, after.group(1), after.group(2)
    rule: dict[str, object] = {"kind": "deduct", "points": num(points)}
    if per is not None and num(per) != 1:
        rule["per"] = num(per)
    unit = "次" if counted in ("次", "人", "起", "例") else unit_of(counted)
    if counted in MINUTES:
        rule["units"] = "started"
    full = [num(f) for f in _FULL.findall(text)]
    return Reading(rule, target=num("0"), better="lower", unit=unit,
                   full_marks=full[0] if len(full) == 1 else None,
                   no_floor=bool(NO_FLOOR.search(text)))
