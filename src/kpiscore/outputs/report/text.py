"""Text in a workbook: what it may hold, how wide it prints, legal sheet and file names."""

from __future__ import annotations

import math
import re
from functools import lru_cache

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_FILE_FORBIDDEN = re.compile(r'[\x00-\x1f/\\:*?"<>|]')
#: Names Windows keeps for devices, whatever the extension (CON.xlsx is the console).
_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(1, 10)),
            *(f"LPT{n}" for n in range(1, 10))}


def clean_text(text: str) -> str:
    """Text a workbook can hold: XML-illegal control characters become U+FFFD."""
    return _ILLEGAL.sub("\ufffd", text)


#: East Asian wide and full-width characters (unicodedata.east_asian_width W or F).
_WIDE = re.compile("[\u1100-\u115f\u231a-\u231b\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf"
                   "\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                   "\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]")
_DIGITS = re.compile(r"[0-9A-Z%]")
_NARROW = re.compile(r"[ .,:;'!|()\[\]ijlrtf-]")


def text_width(text: str) -> float:
    """Display width in Excel character units (the width of a digit), a little generous:
    CJK and full-width characters 1.8, digits and capitals 1, narrow letters,
    spaces and punctuation 0.55, other letters and symbols 0.85 (Arial 10)."""
    if text.isdigit() and text.isascii():
        return float(len(text))
    wide = 0 if text.isascii() else len(_WIDE.findall(text))
    digits = len(_DIGITS.findall(text))
    narrow = len(_NARROW.findall(text))
    return 1.8 * wide + digits + 0.55 * narrow + 0.85 * (len(text) - wide - digits - narrow)


@lru_cache(maxsize=65536)  # a card's titles and explanations repeat from person to person
def lines_needed(text: str, width: float, size: float = 10) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide, in a font
    of ``size`` points (the widths above are for 10 points)."""
    usable = max(width - 1.5, 1) * 10 / size
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def sheet_name(title: str, taken: set[str]) -> str:
    """A legal, unique worksheet name (31 characters, no []:*?/\\); ``taken`` holds the
    names given so far, case-folded as Excel compares them."""
    base = (_SHEET_FORBIDDEN.sub("_", clean_text(title)).strip().strip("'") or "sheet")[:31]
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    taken.add(name.casefold())
    return name


def file_name(stem: str, suffix: str, taken: set[str]) -> str:
    """A file name safe on Windows, macOS and Linux, unique in its folder even where
    names ignore case: unsafe characters become ``_``, a device name (CON) gets a
    ``_`` in front, a repeated name gets `` (2)``; at most 100 characters."""
    base = _FILE_FORBIDDEN.sub("_", clean_text(stem)).strip().rstrip(". ").lstrip(".")[:100]
    base = base or "_"
    if base.split(".")[0].upper() in _DEVICES:
        base = "_" + base
    name, n = base + suffix, 2
    while name.casefold() in taken:
        name = f"{base} ({n}){suffix}"
        n += 1
    taken.add(name.casefold())
    return name
