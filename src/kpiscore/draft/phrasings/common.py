"""What several phrasings share: numbers, units, floor words, lower-is-better words."""

from __future__ import annotations

import re
from decimal import Decimal

from kpiscore.draft.text import number as num

__all__ = ["LOWER_IS_BETTER", "MINUTES", "NO_FLOOR", "NUM", "UNIT", "in_minutes", "num",
           "unit_of"]

#: A number as the patterns capture it (folded text has ASCII digits).
NUM = r"\d+(?:\.\d+)?"
#: Units a count or a measure is written in.
UNIT = r"(?:个百分点|百分点|%|分钟|小时|天|日|分|次|篇|项|个|件|单|起|处|例|人|元|周|月)"

#: 不计上限 (sic, "no upper limit" on the deductions): no floor, the points may go negative.
#: (扣完为止 and 扣完即止, "stop when used up", are the default floor 0: nothing to read.)
NO_FLOOR = re.compile(r"不计上限|上不封顶|不设下限|不封底|可扣至负分|可为负")

#: Minutes in a unit of time; a deduction counted in time counts each started unit.
MINUTES = {"分钟": Decimal(1), "小时": Decimal(60), "天": Decimal(1440), "日": Decimal(1440)}

#: Words of a quantity where less is better (errors, complaints, costs, delays); a ratio
#: written as actual ÷ target of such a quantity rewards it as printed. (validate's
#: lower-is-better check has its own list, for titles in general.)
LOWER_IS_BETTER = re.compile(r"差错|错误|失误|投诉|事故|流失|成本|费用|延迟|延误|逾期|遗留|违规|"
                             r"违反|缺陷|故障率|返修|退货|退款|纠纷|差评")


def unit_of(text: str | None) -> str | None:
    """The unit as a scheme writes it: % for 个百分点 and 百分点, 天 for 日."""
    if not text:
        return None
    return {"个百分点": "%", "百分点": "%", "日": "天"}.get(text, text)


def in_minutes(value: Decimal, unit: str) -> Decimal:
    return value * MINUTES[unit]
