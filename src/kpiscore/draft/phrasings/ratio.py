"""得分=20×(个人实际销售额÷个人目标销售额): a linear ratio."""

from __future__ import annotations

import re

from kpiscore.base.i18n import Phrase
from kpiscore.draft.phrasings.common import LOWER_IS_BETTER, NUM, num
from kpiscore.draft.phrasings.reading import Context, Formula, Reading

_FULL_FIRST = re.compile(rf"(?:得分|分数|分值)?[=:]({NUM})\*\(?([^/()=*]+)/([^()=*]+?)\)?"
                         rf"(?:\*100%?)?(?:$|[;,])")
_FULL_LAST = re.compile(rf"(?:得分|分数|分值)?[=:]\(?([^/()=*]+)/([^()=*]+?)\)?\*({NUM})(?:分)?"
                        rf"(?:$|[;,])")
_GENERIC_ACTUAL = re.compile(r"^(?:个人)?(?:实际|实际值|实际完成|实际完成值|完成值|实际数|实绩)$")
_GENERIC_TARGET = re.compile(r"^(?:个人)?(?:目标|目标值|计划|计划值|计划数|指标)$")

REWARDS = Phrase("as printed, the card's formula gives more points for more {what}; drafted "
                 "as lower is better (points = full × target ÷ actual)",
                 "按原文公式,{what}越多得分越高;草稿按越低越好计分(得分 = 满分 × 目标 ÷ 实际)")


def read(text: str, ctx: Context) -> Reading | None:
    """**Linear ratio** (seed 001 安装师, DOMAIN §5): ``得分=20×(个人实际销售额÷个人目标
    销售额)`` → ``ratio`` with full marks 20, the actual computed by a formula over the
    two columns named (``个人实际销售额 / 个人目标销售额 * 100``, target 100; the inputs
    are listed). Written with generic words (``得分=20×(实际÷目标)``) the actual and
    target are the indicator's own. A quantity where less is better (差错率, 投诉 …)
    written as actual ÷ target rewards it as printed: the draft scores it
    ``better: lower`` and says so."""
    m = _FULL_FIRST.search(text)
    if m:
        full, actual, target = num(m.group(1)), m.group(2), m.group(3)
    else:
        m = _FULL_LAST.search(text)
        if not m:
            return None
        actual, target, full = m.group(1), m.group(2), num(m.group(3))
    words = f"{ctx.title} {actual}"
    lower = bool(LOWER_IS_BETTER.search(words))
    notes = (REWARDS(what=LOWER_IS_BETTER.search(words).group(0)),) if lower else ()  # type: ignore[union-attr]
    if _GENERIC_ACTUAL.match(actual) and _GENERIC_TARGET.match(target):
        return Reading({"kind": "ratio"}, full_marks=full,
                       better="lower" if lower else "higher", notes=notes)
    formula = Formula("{0} / {1} * 100", (actual, target))
    return Reading({"kind": "ratio"}, target=num("100"), full_marks=full,
                   better="lower" if lower else "higher", unit="%", formula=formula,
                   notes=notes)
