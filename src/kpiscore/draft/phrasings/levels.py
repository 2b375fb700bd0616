"""1级10分 … 5级40分 · A非常满意(5分) … E不满意(1分): the levels rule."""

from __future__ import annotations

import re

from kpiscore.draft.phrasings.common import NUM, num
from kpiscore.draft.phrasings.reading import Context, Reading

_NUMBERED = re.compile(rf"(\d+)级[:=]?[((]?({NUM})分")
_LETTERED = re.compile(rf"(?<![A-Za-z])([A-Ea-e])[.:、]?([^\d()A-Za-z,;]{{0,8}}?)\(?({NUM})分\)?")


def read(text: str, ctx: Context) -> Reading | None:
    """**Levels** (seed 001 行为考核, seed 000 公司卡): ``1级10分2级15分3级20分4级30分
    5级40分`` → ``levels`` with ``{level: 1, points: 10}`` …; ``A非常满意(5分) B基本满意
    (4分) … E不满意(1分)`` → ``{code: A, label: 非常满意, points: 5}`` …. At least two
    levels, each named once; full marks are the highest level's points."""
    levels: list[dict[str, object]] = []
    numbered = _NUMBERED.findall(text)
    if len(numbered) >= 2:
        levels = [{"level": int(n), "points": num(p)} for n, p in numbered]
        names = [lv["level"] for lv in levels]
    else:
        lettered = _LETTERED.findall(text)
        if len(lettered) < 2:
            return None
        for code, label, points in lettered:
            level: dict[str, object] = {"code": code.upper()}
            if label:
                level["label"] = label
            level["points"] = num(points)
            levels.append(level)
        names = [lv["code"] for lv in levels]
    if len(set(names)) != len(names):
        return None
    return Reading({"kind": "levels", "levels": levels})
