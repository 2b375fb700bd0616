"""A target cell as printed (目标值, 衡量标准, 指标要求) read into a number, unit, direction."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from kpiscore.base.i18n import Phrase, Text
from kpiscore.draft.phrasings.common import NUM, UNIT, num, unit_of
from kpiscore.draft.phrasings.reading import Better
from kpiscore.draft.text import fold

_ASIDE = re.compile(r"\([^()]*\)")
_RANGE = re.compile(rf"({NUM})-({NUM})({UNIT}(?:/[^\d,;]{{1,4}})?)?")
_VALUE = re.compile(rf"({NUM})\s*({UNIT}(?:/[^\d,;]{{1,4}})?)?")
#: Words around a target's number that say which way is better, negated ones first.
_WORDS: tuple[tuple[str, Better], ...] = (
    ("不超过", "lower"), ("不大于", "lower"), ("不高于", "lower"), ("不低于", "higher"),
    ("不少于", "higher"), ("以下", "lower"), ("以内", "lower"), ("之内", "lower"),
    ("≤", "lower"), ("<=", "lower"), ("以上", "higher"), ("≥", "higher"), (">=", "higher"),
    ("<", "lower"), (">", "higher"), ("小于", "lower"), ("低于", "lower"), ("少于", "lower"),
    ("控制在", "lower"), ("大于", "higher"), ("高于", "higher"), ("超过", "higher"),
    ("达到", "higher"), ("多于", "higher"), ("内", "lower"))
_BUDGET = re.compile(r"^(?:不大于|不超过|不高于|≤|控制在)(?:预算|预算内|预算以内)"
                     r"|^预算(?:以内|内)$")
_LOST = re.compile(r"^(?:>|<|≥|≤|>=|<=)?%$")

BUDGET = Phrase("the target is the budget: the actual is the spending in percent of it "
                "(100 = on budget)",
                "目标为预算:实际值按实际费用占预算的百分比填写(100 = 恰好等于预算)")
LOST = Phrase("the target's number is not printed ({text!r})", "目标值的数字缺失({text!r})")


@dataclass(frozen=True)
class Target:
    value: Decimal | None
    unit: str | None = None
    better: Better | None = None
    note: Text | None = None
    #: the cell names a target but its number is not there
    lost: Text | None = None


def read_target(printed: str) -> Target | None:
    """The target a cell states: ``>1次/半个月`` → 1 次/半个月 (higher); ``≤2小时`` →
    2 小时 (lower); ``0-5%`` → 5 % (lower: a range from 0); ``90分以上`` → 90 分;
    ``在1%以下`` → 1 % (lower); ``不大于预算`` → 100 % of budget (lower); ``> %`` →
    the number is lost. The first number outside brackets is the target; None for a
    cell that states none."""
    text = fold(printed)
    if not text:
        return None
    if _BUDGET.search(text):
        return Target(num("100"), "%", "lower", note=BUDGET())
    if _LOST.match(text):
        return Target(None, lost=LOST(text=printed.strip()))
    bare = _ASIDE.sub("", text)
    m = _RANGE.search(bare)
    if m and num(m.group(1)) == 0:
        return Target(num(m.group(2)), unit_of(m.group(3)), "lower")
    m = _VALUE.search(bare) or _VALUE.search(text)
    if not m:
        return None
    value, unit = num(m.group(1)), unit_of(m.group(2))
    around = bare[max(0, m.start() - 4): m.end() + 4]
    better = next((d for word, d in _WORDS if word in around), None)
    if better is None and value == 0:
        better = "lower"  # 0次: occurrences, none is best
    return Target(value, unit, better)
