"""每月由销售经理评分 · 根据《…》进行评分 · 主观考核: a rating given by a person."""

from __future__ import annotations

import re

from kpiscore.draft.phrasings.reading import Context, Reading

_RATED = re.compile(r"评分|打分|评定|主观考核|主观评价|主观评分|酌情给分|酌情|评价打分")


def read(text: str, ctx: Context) -> Reading | None:
    """**Rated by a person** (seed 001 安装卡 与销售的配合度, 安装师 考勤): ``每月由销售经理
    评分``, ``根据《员工考勤记录表》进行评分``, ``主观考核`` → ``direct``: the rating is
    the points, from 0 to the row's points (分值, 满分) — or its weight on a card
    whose items score their weight. Only when the text states no rule of points
    (no 扣N分, 得N分)."""
    if not _RATED.search(text) or re.search(r"(?:扣|得|加)\d", text):
        return None
    return Reading({"kind": "direct"})
