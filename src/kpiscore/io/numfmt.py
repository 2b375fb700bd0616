"""Which number formats show a value as a percentage, as Excel draws them.

Excel multiplies a number by 100 when the section of the format that draws it
holds a ``%`` outside quotes (``0%``, ``0.0%``, ``#,##0.00%``). A ``%`` that is
text does not scale: quoted (``0"%"``), escaped (``0\\%``), after ``_`` (a space
as wide as it) or ``*`` (a fill character), or inside brackets (``[Red]``,
``[$%-409]``). A format has up to four sections separated by ``;`` (positive;
negative; zero; text), or sections chosen by conditions (``[>=100]0;0%``).

:func:`sections` reads a format code once into what each section does;
:func:`scales` says whether one value is drawn scaled. Both worksheet readers
use them through :class:`kpiscore.io.sheet_fast.Styles`, so they agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

#: what is text in a format code, and so never scales: quoted strings, escaped
#: characters, the character after _ (a space that wide) or * (a fill), brackets
_LITERAL = re.compile(r'"[^"]*"?|\\.|[_*].|\[[^\]]*\]?', re.DOTALL)
_CONDITION = re.compile(r"\[(<=|>=|<>|<|>|=)\s*(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)\]")
_SPLIT = re.compile(r'"[^"]*"?|\\.|[_*].|\[[^\]]*\]?|;', re.DOTALL)

Op = Literal["<=", ">=", "<>", "<", ">", "="]


@dataclass(frozen=True)
class Section:
    """One section of a format: whether it scales by 100, and its condition if any."""

    percent: bool
    condition: tuple[Op, Decimal] | None = None

    def holds(self, value: Decimal | float) -> bool:
        if self.condition is None:
            return True
        op, bound = self.condition
        v = Decimal(value) if isinstance(value, float) else value
        return {"<": v < bound, ">": v > bound, "<=": v <= bound, ">=": v >= bound,
                "=": v == bound, "<>": v != bound}[op]


def split(code: str) -> list[str]:
    """The sections of a format code (a ``;`` inside quotes or brackets is text)."""
    out: list[str] = []
    start = 0
    for m in _SPLIT.finditer(code):
        if m.group(0) == ";":
            out.append(code[start:m.start()])
            start = m.end()
    out.append(code[start:])
    return out


def _section(text: str) -> Section:
    condition = None
    m = _CONDITION.search(text)
    if m is not None:
        try:
            condition = (m.group(1), Decimal(m.group(2)))
        except ArithmeticError:  # pragma: no cover - the pattern only matches numbers
            condition = None
    return Section("%" in _LITERAL.sub("", text), condition)  # type: ignore[arg-type]


def sections(code: str) -> tuple[Section, ...]:
    """The sections that draw numbers (at most three; the fourth is for text)."""
    return tuple(_section(s) for s in split(code)[:3])


def scales(parts: tuple[Section, ...], value: Decimal | float) -> bool:
    """Whether ``value`` is drawn multiplied by 100 by a format of these sections."""
    if not parts:
        return False
    try:
        return _scales(parts, value)
    except ArithmeticError:  # NaN: refused as a value anyway
        return parts[0].percent


def _scales(parts: tuple[Section, ...], value: Decimal | float) -> bool:
    if any(p.condition is not None for p in parts):
        for p in parts:
            if p.holds(value):
                return p.percent
        return parts[-1].percent
    if value < 0 and len(parts) >= 2:
        return parts[1].percent
    if value == 0 and len(parts) >= 3:
        return parts[2].percent
    return parts[0].percent


def kind(code: str) -> Literal["percent", "plain", "signed"]:
    """``percent`` when every value is drawn scaled, ``plain`` when none is, else
    ``signed`` (the sign or a condition decides: :func:`scales`)."""
    drawn = {p.percent for p in sections(code)}
    if drawn == {True}:
        return "percent"
    if True not in drawn:
        return "plain"
    return "signed"
