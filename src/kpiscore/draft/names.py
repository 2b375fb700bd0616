"""Ids, numbers and percentages as a draft writes them from the card's texts."""

from __future__ import annotations

import re
from decimal import Decimal

from kpiscore.base.numbers import parse_number, plain
from kpiscore.draft.text import simplified

_ID_BAD = re.compile(r"[\[\]`\s]+")
_BRACKETED = re.compile(r"[((][^()()]*[))]$")
_BARE = re.compile(r"[^\W\d][\w.]*")
_NUMBERING = re.compile(r"^(?:\d+[、.,)]|[((]\d+[))]|[一二三四五六七八九十]+[、.])\s*")


def one_line(text: str) -> str:
    """A cell's text on one line (a cell wrapped over lines is one title)."""
    return re.sub(r"\s*\n\s*", "", text).strip()


def title(text: str) -> str:
    """An item's title as printed, without its numbering (1、 (2) 三.)."""
    return one_line(_NUMBERING.sub("", text))


def slug(text: str) -> str:
    """A scheme, section or dimension id: its title, simplified, without spaces."""
    return _ID_BAD.sub("-", simplified(one_line(text))).strip("-") or "card"


def ident(text: str) -> str:
    """An indicator or input id: the title simplified, without what an id cannot hold
    (brackets, back-quotes, white space), not starting with a digit."""
    out = _ID_BAD.sub("_", simplified(one_line(text))).strip("_")
    return out if out and not out[0].isdigit() else f"k{out}"


def in_formula(name: str) -> str:
    """An id as a formula writes it: bare, or bracketed when it is not a bare name."""
    return name if _BARE.fullmatch(name) else f"[{name}]"


def number(text: str) -> Decimal | None:
    """A weight or points cell as a number: ``25%``, ``5``, ``30分``; None otherwise."""
    parsed = parse_number(text.strip().removesuffix("分")) if text else None
    return parsed[0] if parsed else None


def percent(value: Decimal) -> str:
    return f"{plain(value)}%"


class Ids:
    """Unique ids in one draft (a second 客户满意度 is 客户满意度_2)."""

    def __init__(self) -> None:
        self.taken: set[str] = set()

    def new(self, base: str) -> str:
        out, n = base, 2
        while out in self.taken:
            out, n = f"{base}_{n}", n + 1
        self.taken.add(out)
        return out

    def indicator(self, text: str) -> str:
        """An indicator's id from its title, without a bracketed aside (内部客户满意度(如…))."""
        return self.new(ident(_BRACKETED.sub("", text) or text))
