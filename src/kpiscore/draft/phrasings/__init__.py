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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kpiscore.base.i18n import Text

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Context:
    """What a phrasing may need beside its text: the row's other cells, folded."""

    title: str = ""
    definition: str = ""
    #: the card has columns for raters' points (自评, 上级, 店长评分, 审核 …)
    rated: bool = False


@dataclass(frozen=True)
class Formula:
    """An actual computed from columns: the expression and the inputs it names."""

    expression: str
    inputs: tuple[str, ...]


@dataclass(frozen=True)
class Reading:
    """What a phrasing read. ``rule`` is the rule as a scheme writes it (``kind`` and its
    parameters); None when the phrasing recognised the text but could not read a
    rule from it (the bands contradict each other): ``missing`` then says why."""

    rule: Mapping[str, object] | None
    #: the target the text itself states (90分及以上为满分); see ``own_target``
    target: Decimal | None = None
    #: whether ``target`` is the indicator's target (True), or only a limit for each
    #: case that the row's own target column, when it has one, takes precedence over
    own_target: bool = True
    better: Better | None = None
    full_marks: Decimal | None = None
    #: "不计上限": deductions may go below 0
    no_floor: bool = False
    unit: str | None = None
    #: a single-item veto: its condition (``">= 1"``), or None when the text does not
    #: say when it fires (then ``missing`` says so)
    veto: str | None = None
    vetoed: bool = False
    formula: Formula | None = None
    #: what the text does not say and a person must add (the draft marks it unfinished)
    missing: tuple[Text, ...] = ()
    #: what the draft decided that the text does not spell out (shown, not blocking)
    notes: tuple[Text, ...] = ()


Role = Literal["rule", "fallback", "modifier"]
Reader = Callable[[str, Context], "Reading | None"]


@dataclass(frozen=True)
class Phrasing:
    name: str
    read: Reader
    role: Role = "rule"

    @property
    def doc(self) -> str:
        return (self.read.__doc__ or "").strip()


def _registry() -> list[Phrasing]:
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

    return [
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


#: Every phrasing, in the order they are tried.
PHRASINGS: list[Phrasing] = _registry()
BY_NAME: dict[str, Phrasing] = {p.name: p for p in PHRASINGS}


@dataclass(frozen=True)
class Match:
    """The phrasing that read a text, and what it read."""

    phrasing: str
    reading: Reading


def first(text: str, ctx: Context, role: Role = "rule") -> Match | None:
    """The first phrasing of ``role`` that reads ``text`` (folded)."""
    if not text:
        return None
    for p in PHRASINGS:
        if p.role != role:
            continue
        reading = p.read(text, ctx)
        if reading is not None:
            return Match(p.name, reading)
    return None
