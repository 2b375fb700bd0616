"""5分 · 3-4分 · 1-2分 · 0分 after descriptions: a rated rubric."""

from __future__ import annotations

import re

from kpiscore.draft.phrasings.common import NUM, num
from kpiscore.draft.phrasings.reading import Context, Reading

_GRADE = re.compile(rf"({NUM})(?:-({NUM}))?分(?=$|[;,]|\d+[,.:])")


def read(text: str, ctx: Context) -> Reading | None:
    """**Rubric, rated** (seed 001 售后主管 部门协作, 领导能力): descriptions each ending in
    the points or range of points they earn (``十分积极主动…,5分; 能主动积极配合…,3-4分;
    团结协作性一般…,1-2分; 不注重团结协作…,0分``) → ``direct``: the rater's points are
    the actual, from 0 to the highest the rubric names (full marks 5). At least two
    graded descriptions, no deductions (扣), no 得N分 and no levels (级)."""
    if "扣" in text or re.search(r"得\d|\d级", text):
        return None
    grades = _GRADE.findall(text)
    if len(grades) < 2:
        return None
    top = max(num(hi or lo) for lo, hi in grades)
    if top <= 0:
        return None
    return Reading({"kind": "direct"}, full_marks=top)
