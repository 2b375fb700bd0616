"""A standard without a rule of points, on a card of rated items (a fallback)."""

from __future__ import annotations

import re

from kpiscore.base.i18n import Phrase
from kpiscore.draft.phrasings.reading import Context, Reading

AGAINST = Phrase("the card prints a standard but no rule of points: rated 0 to full marks "
                 "against it by the card's raters",
                 "考核表只列出标准、没有计分规则:由评分人对照标准在 0 到满分之间评分")


def read(text: str, ctx: Context) -> Reading | None:
    """**A standard to rate against** (seed 001 售后部经理, 安装师 清洁卫生): on a card
    with columns for raters' points (自评, 考核, 审核, 店长评分 …), a 考核标准 that lists
    requirements but no rule of points (``1、及时掌握客户的使用情况。2、了解同类产品
    的客户使用情况。``) → ``direct``, rated from 0 to the row's points. The draft says
    so (read partly): the card gives the standard, the raters give the points."""
    if not ctx.rated or re.search(r"\d+(?:\.\d+)?分", text) or len(text) < 4:
        return None
    return Reading({"kind": "direct"}, notes=(AGAINST(),))
