"""The lines under a card's table: each stock phrasing of a card-wide rule is one
reader here (总分 = 业绩 × a% + 行为 × b%, 奖金系数 = 员工 × 30% + 上级 × 70%,
80分为合格, 实际工资 = 实际得分/80 × 基本工资, 权重分配为 …). A line no reader knows is
left alone (signatures, dates); a line that a row phrasing reads (000's
超出标准(5分) … under the table) is the rule of every row without one of its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from kpiscore.draft.phrasings import MAX_TEXT
from kpiscore.draft.phrasings.common import NUM, num


@dataclass(frozen=True)
class LineReading:
    """What one line says about the whole card."""

    #: 总分 = A × a% + B × b%: the parts in order, each with its weight (None: blank)
    sections: tuple[tuple[str, Decimal | None], ...] = ()
    #: 奖金系数 = 员工评分合计 × 30% + 上级评分合计 × 70%: (who, weight)
    raters: tuple[tuple[str, Decimal], ...] = ()
    pass_mark: Decimal | None = None
    #: 实际工资 = 实际得分 / 80 × 基本工资: the divisor and the base pay's name
    pay: tuple[Decimal, str] | None = None
    #: 权重分配为: 客户满意度40%, 问题解决能力30% …: (group, weight)
    weights: tuple[tuple[str, Decimal], ...] = ()
    #: 最终得分 = Σ(指标得分 × 权重): what kpiscore does anyway
    plain_total: bool = False


_COMPOSITE = re.compile(rf"^(?:总分|总得分|综合得分|最终得分)=([^=+]+?)\*({NUM})?%\+([^=+]+?)\*"
                        rf"({NUM})?%"
                        rf"(?:=.*)?$")


def composite(text: str) -> LineReading | None:
    """**Composite total** (seed 001 客服主管): ``总分=业绩考核得分×a%+行为考核得分×b%`` →
    the card's tables are sections weighted a% and b%, in order; a blank percentage
    (``× %``) is left for a person (unfinished)."""
    m = _COMPOSITE.match(text)
    if not m:
        return None
    return LineReading(sections=((m.group(1), _maybe(m.group(2))),
                                 (m.group(3), _maybe(m.group(4)))))


_RATERS = re.compile(rf"^[^=]*(?:系数|得分|总分)=\(?([^=+()*]*?(?:员工|自评|本人)[^=+()*]*?)\*"
                     rf"({NUM})%\)?"
                     rf"\+\(?([^=+()*]*?(?:上级|领导|主管)[^=+()*]*?)\*({NUM})%\)?=?$")


def raters(text: str) -> LineReading | None:
    """**Raters** (seed 003, DOMAIN §13): ``奖金系数=(员工评分合计*30%)+(上级评分合计*70%)``
    → ``raters``: self 30, supervisor 70 (each scores the card on their own row)."""
    m = _RATERS.match(text)
    if not m:
        return None
    return LineReading(raters=(("self", num(m.group(2))), ("supervisor", num(m.group(4)))))


_PASS = re.compile(rf"({NUM})分(?:及以上)?为合格")
_PAY = re.compile(rf"(?:实际工资|实发工资|绩效工资|应发工资)=(?:实际得分|考核得分|得分|总分)"
                  rf"/({NUM})分?\*([^;,=]+?)(?:$|[;,])")


def pay(text: str) -> LineReading | None:
    """**Pass mark and pay** (seed 001 全屋定制卡, DOMAIN §14): ``80分为合格`` →
    ``pass_mark: 80``; ``实际工资=实际得分/80分*基本工资`` → ``pay: {formula: total / 80
    * 基本工资}`` with 基本工资 as an input column."""
    passed, paid = _PASS.search(text), _PAY.search(text)
    if not passed and not paid:
        return None
    return LineReading(pass_mark=num(passed.group(1)) if passed else None,
                       pay=(num(paid.group(1)), paid.group(2)) if paid else None)


_SHARE = re.compile(rf"([^,;:=%\d]+?)({NUM})%")


def weights(text: str) -> LineReading | None:
    """**Weights restated** (seed 003): ``权重分配为:客户满意度40%,问题解决能力30%,…`` →
    checked against the table's own weights (a difference is reported)."""
    if not text.startswith(("权重分配为:", "权重分配:", "权重为:")):
        return None
    shares = tuple((name, num(value)) for name, value in _SHARE.findall(text.split(":", 1)[1]))
    return LineReading(weights=shares) if shares else None


def plain_total(text: str) -> LineReading | None:
    """**Weighted sum** (seed 003): ``最终得分=Σ(指标得分*权重)`` is how kpiscore totals
    any card: nothing to add."""
    if re.match(r"^(?:最终得分|总分|总得分)=(?:Σ|∑|sum)\(?指标得分\*权重\)?$", text):
        return LineReading(plain_total=True)
    return None


def _maybe(text: str | None) -> Decimal | None:
    return num(text) if text else None


#: Every reader of a line under the table, in the order they are tried.
LINES: list[Callable[[str], LineReading | None]] = [composite, raters, pay, weights, plain_total]


def read_line(text: str) -> LineReading | None:
    """The first reader that reads ``text`` (folded; one sentence of a line)."""
    if len(text) > MAX_TEXT:
        return None
    for reader in LINES:
        found = reader(text)
        if found is not None:
            return found
    return None
