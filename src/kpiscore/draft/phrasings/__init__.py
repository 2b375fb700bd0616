"""The registry of stock phrasings of 评分标准: one small module per phrasing.

A phrasing reads the scoring text of one row of a card (already :func:`folded
<kpiscore.draft.text.fold>`) and answers with a :class:`Reading`: the rule kind and
its numbers, and what else the text says (the target, the direction, full marks,
"不计上限"), or None when the text is not written that way. Its ``read``
function's docstring is its documentation (docs/import.md lists them); its golden
cases are data, in ``tests/draft/phrasings/<name>.yaml`` (phrasing → expected
reading, and near-misses that must not match).

The registry is in order: the first *rule* phrasing that reads a text wins, so a
more particular phrasing comes before a more general one (合格得20分 … 提(减)1个百分点
before 违反一次扣1分). *Fallback* phrasings are tried only when no rule phrasing
reads the scoring text or the definition beside it; *modifiers* (单项否决) add to
whatever rule was read.

Adding a phrasing is one module with a ``read`` function, one line in
:data:`PHRASINGS`, and its golden file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from kpiscore.draft.phrasings import (
    anchors,
    bands,
    deduct_each,
    deduct_over,
    deduct_short,
    levels,
    pass_fail,
    pass_line,
    percent,
    rated,
    ratio,
    requirements,
    rubric,
    threshold,
    veto,
)
from kpiscore.draft.phrasings.reading import Better, Context, Formula, Reading

__all__ = ["BY_NAME", "PHRASINGS", "Better", "Context", "Formula", "Match", "Phrasing",
           "Reading", "first"]

Role = Literal["rule", "fallback", "modifier"]
Reader = Callable[[str, Context], Reading | None]


@dataclass(frozen=True)
class Phrasing:
    name: str
    read: Reader
    role: Role = "rule"

    @property
    def doc(self) -> str:
        return (self.read.__doc__ or "").strip()


#: Every phrasing, in the order they are tried.
PHRASINGS: list[Phrasing] = [
    Phrasing("threshold", threshold.read),
    Phrasing("levels", levels.read),
    Phrasing("anchors", anchors.read),
    Phrasing("pass_line", pass_line.read),
    Phrasing("deduct_over", deduct_over.read),
    Phrasing("deduct_short", deduct_short.read),
    Phrasing("deduct_each", deduct_each.read),
    Phrasing("bands", bands.read),
    Phrasing("pass_fail", pass_fail.read),
    Phrasing("ratio", ratio.read),
    Phrasing("rubric", rubric.read),
    Phrasing("rated", rated.read),
    Phrasing("percent", percent.read, role="fallback"),
    Phrasing("requirements", requirements.read, role="fallback"),
    Phrasing("veto", veto.read, role="modifier"),
]
BY_NAME: dict[str, Phrasing] = {p.name: p for p in PHRASINGS}


#: A stock phrasing is a sentence or two: a longer text (a pasted document) is not read,
#: which also keeps every pattern's time linear in the card's size.
MAX_TEXT = 1000


@dataclass(frozen=True)
class Match:
    """The phrasing that read a text, and what it read."""

    phrasing: str
    reading: Reading


def first(text: str, ctx: Context, role: Role = "rule") -> Match | None:
    """The first phrasing of ``role`` that reads ``text`` (folded; at most
    :data:`MAX_TEXT` characters)."""
    if not text or len(text) > MAX_TEXT:
        return None
    for p in PHRASINGS:
        if p.role != role:
            continue
        reading = p.read(text, ctx)
        if reading is not None:
            return Match(p.name, reading)
    return None
