from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kpiscore.base.fields import Number
from kpiscore.base.i18n import LIST_SEP, Joined, Phrase, Text
from kpiscore.base.numbers import normalise_text, plain
from kpiscore.rules.base import Check, Rule, Spec, UnknownLevel, exact, joined


class Level(BaseModel):
    """One answer: its number (``4`` / ``4级``), letter (``D``), label (``不太满意``), points."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    level: int | None = None
    code: str | None = Field(default=None, max_length=8)
    label: str | None = None
    points: Number

    def name(self) -> str:
        parts = [f"{self.level}级" if self.level is not None else "", self.code or "",
                 self.label or ""]
        return "".join(parts) or plain(self.points)


__all__ = ["Level", "Levels", "UnknownLevel"]

_LEVEL = re.compile(r"^(\d+|[一二三四五六七八九十]+)\s*(?:级|級|等|level)?$", re.IGNORECASE)
_DIGITS = {c: n for n, c in enumerate("一二三四五六七八九", start=1)}


def level_number(text: str) -> int | None:
    """The number ``4``, ``4级``, ``四``, ``四级``, ``4等`` or ``十二级`` names (Chinese
    numerals up to 九十九), or None."""
    m = _LEVEL.match(text)
    if m is None:
        return None
    digits = m.group(1)
    if digits.isdigit():
        return int(digits)
    tens, ten, ones = digits.partition("十")
    if not ten:
        return _DIGITS[digits] if len(digits) == 1 else None
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return None
    return (_DIGITS[tens] if tens else 1) * 10 + (_DIGITS[ones] if ones else 0)
_CODE = re.compile(r"^([A-Za-z])(?:\s*[.:、)]?\s*(.*))?$")


class Levels(Rule):
    """Levels and ratings (1级10分 … 5级40分 · A非常满意(5分) … E不满意(1分)).

    A categorical answer maps to points. Each level may have a number
    (``level: 4``, recognised from ``4``, ``4级``, ``4等``, ``四`` or ``四级``), a
    letter (``code: D``, recognised from ``D`` or ``d``), and a label (``label: 不太满意``,
    recognised alone or after its letter: ``D不太满意``). A letter with the
    wrong label (``D非常满意``) or anything unknown is an error naming the
    cell. Full marks default to the highest level's points.

    Example (客服主管 behaviour item 以客户为中心, full marks 40)::

        rule:
          kind: levels
          levels:
            - {level: 1, points: 10}
            - {level: 2, points: 15}
            - {level: 3, points: 20}
            - {level: 4, points: 30}
            - {level: 5, points: 40}
        # "4" → 30, "4级" → 30, "四" → 30, "五级" → 40

    Example (survey answer A–E worth 5/4/3/2/1)::

        rule:
          kind: levels
          levels:
            - {code: A, label: 非常满意, points: 5}
            - {code: B, label: 满意, points: 4}
            - {code: C, label: 一般, points: 3}
            - {code: D, label: 不太满意, points: 2}
            - {code: E, label: 不满意, points: 1}
        # "D" → 2, "D不太满意" → 2, "不太满意" → 2
    """

    kind: Literal["levels"]
    levels: list[Level] = Field(min_length=1)

    reads_labels = True
    directional = False
    needs_target = False

    def default_full_marks(self) -> Decimal | None:
        return max(lv.points for lv in self.levels)

    @cached_property
    def _index(self) -> tuple[dict[int, Level], dict[str, Level], dict[str, Level]]:
        by_number = {lv.level: lv for lv in self.levels if lv.level is not None}
        by_code = {normalise_text(lv.code).upper(): lv for lv in self.levels if lv.code}
        by_label = {normalise_text(lv.label): lv for lv in self.levels if lv.label}
        # the full name kpiscore itself shows (templates offer it): 5级A非常满意
        for lv in self.levels:
            by_label.setdefault(normalise_text(lv.name()), lv)
        return by_number, by_code, by_label

    def known(self) -> Joined:
        return Joined(tuple(lv.name() for lv in self.levels), LIST_SEP)

    def lookup(self, answer: str) -> Level:
        """The level an answer names; raises :class:`UnknownLevel` otherwise."""
        by_number, by_code, by_label = self._index
        text = normalise_text(answer)
        if text.endswith(".0") and text[:-2].isdigit():  # a number cell read as 4.0
            text = text[:-2]
        if text in by_label:
            return by_label[text]
        number = level_number(text)
        if number is not None and number in by_number:
            return by_number[number]
        m = _CODE.match(text)
        if m and m.group(1).upper() in by_code:
            level = by_code[m.group(1).upper()]
            rest = (m.group(2) or "").strip()
            if not rest or (level.label and normalise_text(level.label) == rest):
                return level
            raise UnknownLevel(str(LETTER_MISMATCH(answer=repr(answer), letter=m.group(1),
                                                   level=level.name(), rest=repr(rest))))
        raise UnknownLevel(str(NOT_A_LEVEL(answer=repr(answer), known=self.known())))

    def score(self, actual: Decimal | str, spec: Spec) -> tuple[Decimal, Text]:
        """Points for an answer (``4级``, ``四级``, ``D``, ``不太满意``; a number is read as
        its level number)."""
        answer = actual if isinstance(actual, str) else plain(actual)
        level = self.lookup(answer)
        points = spec.clamp(level.points)
        return points, ANSWER(spec.precision, answer=answer.strip(), level=level.name(),
                              points=points)

    def summary(self, precision: int) -> Text:
        items = [ITEM(exact(precision, lv.points), level=lv.name(), points=lv.points)
                 for lv in self.levels]
        return SUMMARY(precision, levels=joined(items))

    def goal(self, spec: Spec) -> Text | None:
        """The level worth the most points (the first such in the scheme)."""
        best = max(self.levels, key=lambda lv: lv.points)
        return TOP(level=best.name())

    def choices(self) -> list[str] | None:
        return [lv.name() for lv in self.levels]

    def checks(self, spec: Spec) -> Iterator[Check]:
        seen: dict[str, int] = {}
        for i, lv in enumerate(self.levels):
            for key, what in ((f"level {lv.level}", LEVEL_NUMBER(level=lv.level))
                              if lv.level is not None else (None, None),
                              (f"code {lv.code.upper()}", LEVEL_CODE(code=lv.code.upper()))
                              if lv.code else (None, None),
                              (f"label {lv.label}", LEVEL_LABEL(label=lv.label))
                              if lv.label else (None, None)):
                if key is None:
                    continue
                if key in seen:
                    yield Check(("rule", "levels", i), "error", "duplicate-level",
                                TWICE(what=what, first=seen[key] + 1, second=i + 1))
                seen[key] = i
            if lv.level is None and not lv.code and not lv.label:
                yield Check(("rule", "levels", i), "error", "bad-parameter", NEEDS_NAME())
            if lv.points > spec.full:
                yield Check(("rule", "levels", i, "points"), "error", "above-full-marks",
                            LEVEL_ABOVE_FULL(level=lv.name(), points=plain(lv.points),
                                             full=plain(spec.full)))


#: validate: a level given twice, without a name, above full marks
LEVEL_NUMBER = Phrase("level {level}", "等级数字 {level}")
LEVEL_CODE = Phrase("code {code}", "代码 {code}")
LEVEL_LABEL = Phrase("label {label}", "标签 {label}")
TWICE = Phrase("{what} is given twice (levels {first} and {second})",
               "{what} 出现了两次(第 {first} 个和第 {second} 个等级)")
NEEDS_NAME = Phrase("a level needs a level number, a code or a label",
                    "等级须有等级数字(level)、代码(code)或标签(label)")
LEVEL_ABOVE_FULL = Phrase("{level} gives {points} points, more than the full marks {full}",
                          "{level} 给 {points} 分,超过满分 {full}")
#: A step: the answer, the level it names, the points.
LETTER_MISMATCH = Phrase("{answer}: the letter {letter} is {level}, but the text says {rest}",
                        "{answer}:字母 {letter} 是 {level},但文字写的是 {rest}")
NOT_A_LEVEL = Phrase("{answer} is not a known level (known: {known})",
                     "{answer} 不是已知的等级(已知等级:{known})")
ANSWER = Phrase("{answer} = {level} → {points}", "{answer} 即 {level} → {points}")
#: The summary: each level and its points.
ITEM = Phrase("{level}={points}", "{level}={points}")
SUMMARY = Phrase("levels {levels}", "等级 {levels}")
TOP = Phrase("{level}", "{level}")
