"""≤2小时为满分,每超出15分钟扣1分 · 超出5%部分每增加1%扣3分: deduct above a limit."""

from __future__ import annotations

import re

from kpiscore.draft.phrasings.common import (
    MINUTES,
    NO_FLOOR,
    NUM,
    UNIT,
    in_minutes,
    num,
    unit_of,
)
from kpiscore.draft.phrasings.reading import Context, Reading

_LIMIT = re.compile(rf"(?:≤|<=|不超过|不高于|小于等于|控制在)?(?:({NUM})-)?({NUM})({UNIT})?"
                    rf"(?:以内|以下|之内|内)?(?:为满分|得满分)")
_STEP = re.compile(rf"(?:(?:超出|超过|高于)({NUM})({UNIT})?(?:的)?部分)?"
                   rf"每(?:增加|超出|超过|延长|多|高出)({NUM})({UNIT})(?:扣|减)({NUM})分")


def read(text: str, ctx: Context) -> Reading | None:
    """**Deduct above a limit** (seed 003): ``≤2小时为满分,每超出15分钟扣1分`` →
    ``deduct`` with ``per: 15, points: 1``, better: lower, target 120 minutes (a limit
    and a step in different units of time are both written in the smaller one);
    ``0-5%为满分,超出5%部分每增加1%扣3分`` → ``per: 1, points: 3``, target 5. A step
    of time counts each started unit whole (``units: started``: 2h40m is 3 started
    quarters over, DOMAIN §12); other steps are prorated. ``不计上限`` lets the points
    go below 0 (``floor: none``). Without a limit in the text the row's target is
    used."""
    step = _STEP.search(text)
    if not step:
        return None
    per, step_unit, points = num(step.group(3)), step.group(4), num(step.group(5))
    limit = _LIMIT.search(text)
    target = unit = None
    if limit and (limit.group(1) is None or num(limit.group(1)) == 0):
        target, unit = num(limit.group(2)), limit.group(3)
    elif step.group(1):
        target, unit = num(step.group(1)), step.group(2)
    unit = unit or step_unit
    rule: dict[str, object] = {"kind": "deduct", "per": per, "points": points}
    if step_unit in MINUTES:
        if unit in MINUTES and unit != step_unit and target is not None:
            smaller = min((unit, step_unit), key=lambda u: MINUTES[u])
            target = in_minutes(target, unit) / MINUTES[smaller]
            rule["per"] = in_minutes(per, step_unit) / MINUTES[smaller]
            unit = smaller
        rule["units"] = "started"
    return Reading(rule, target=target, better="lower", unit=unit_of(unit),
                   no_floor=bool(NO_FLOOR.search(text)))
