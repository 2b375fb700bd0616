"""基准值 · 目标值 · 挑战值: the baseline / target / challenge rule."""

from __future__ import annotations

import re

from kpiscore.draft.phrasings.common import NUM, UNIT, num, unit_of
from kpiscore.draft.phrasings.reading import Better, Context, Reading

_ANCHOR = r"[:=为]?(≥|≤|>|<)?({num})({unit})?"
_TEXT = re.compile("基准值?" + _ANCHOR.format(num=NUM, unit=UNIT) + r"[,;]?"
                   + "目标值?" + _ANCHOR.format(num=NUM, unit=UNIT) + r"[,;]?"
                   + "挑战值?" + _ANCHOR.format(num=NUM, unit=UNIT))


def read(text: str, ctx: Context) -> Reading | None:
    """**Baseline / target / challenge** (seed 002): ``基准值90%,目标值95%,挑战值98%``
    → ``anchors`` with ``baseline: 90, challenge: 98`` and target 95 (the anchors'
    points stay at their defaults, 60/100/120 percent of full marks). A challenge
    below the baseline means lower is better (budget deviation ±5/±4/±3%). A card
    that prints the three values in columns of their own (基准值 | 目标值 | 挑战值) is
    read the same way."""
    m = _TEXT.search(text)
    if not m:
        return None
    baseline, target, challenge = num(m.group(2)), num(m.group(5)), num(m.group(8))
    if baseline == target or target == challenge:
        return None
    if not (baseline < target < challenge or baseline > target > challenge):
        return None
    better: Better = "higher" if baseline < challenge else "lower"
    unit = unit_of(m.group(6) or m.group(3) or m.group(9))
    return Reading({"kind": "anchors", "baseline": baseline, "challenge": challenge},
                   target=target, better=better, unit=unit)
