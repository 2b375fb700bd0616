"""超出标准(5分) 达标(4分) 标准的80%(3分) 低于标准的80%(2分): the threshold rule."""

from __future__ import annotations

import re
from decimal import Decimal

from kpiscore.draft.phrasings.common import NUM, num
from kpiscore.draft.phrasings.reading import Context, Reading

_POINTS = rf"\(?({NUM})分\)?"
_TEXT = re.compile(rf"超(?:出|过)(?:标准|目标)?{_POINTS}[,;]?"
                   rf"(?:达标|达到(?:标准|目标)|达成){_POINTS}[,;]?(?:标准|目标)的({NUM})%{_POINTS}[,;]?(?:低于|不足|小于)(?:标准|目标)的"
                   rf"({NUM})%(?:以下)?{_POINTS}")
_DEFAULTS = {"exceed": Decimal(5), "meet": Decimal(4), "near_points": Decimal(3),
             "below": Decimal(2), "near": Decimal(80)}


def read(text: str, ctx: Context) -> Reading | None:
    """**Threshold 5/4/3/2** (seed 000): ``超出标准(5分) 达标(4分) 标准的80%(3分)
    低于标准的80%(2分)`` → ``rule: threshold``, with the card's own points and
    percentage when they are not 5/4/3/2 and 80 (``超出标准(10分) 达标(8分) 标准的
    90%(6分) 低于标准的90%(4分)``). The target is the row's 标准 (衡量标准, 目标值);
    the two percentages must agree."""
    m = _TEXT.search(text)
    if not m or m.group(3) != m.group(5):
        return None
    values = {"exceed": num(m.group(1)), "meet": num(m.group(2)), "near": num(m.group(3)),
              "near_points": num(m.group(4)), "below": num(m.group(6))}
    rule: dict[str, object] = {"kind": "threshold"}
    rule.update({k: v for k, v in values.items() if v != _DEFAULTS[k]})
    return Reading(rule)
