"""The parts of a workbook openpyxl reads whole, counted as their bytes go by.

openpyxl parses every part but the worksheets whole (the content types, the
relationships, the workbook, its styles) into objects, at tens of
microseconds and a few hundred bytes an element, and the shared strings into
a list: a 2.7 MB workbook whose styles hold a million cell formats took 18 s
and 1 GB. While a workbook is loaded, every part read goes through a
:class:`Budget` that checks the part's declared size and counts its elements
as they stream by, and refuses the workbook as soon as a count passes its
limit (docs/security.md), before openpyxl builds what the rest would cost.
Worksheets are read afterwards, row by row, under the rows and columns limits.
"""

from __future__ import annotations

import re
from collections import Counter

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.limits import Limits

#: a start tag's local name (``<x:numFmt`` → ``numFmt``); ``</``, ``<?`` and ``<!`` are not
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
#: a tag cut by the end of a chunk is counted with the next one (names are short)
_CARRY = 128

#: the lists of the styles part, each bounded by the styles limit
STYLE_LISTS = {b"xf": "cell formats", b"numFmt": "number formats", b"font": "fonts",
               b"fill": "fills", b"border": "borders", b"cellStyle": "named styles",
               b"dxf": "differential formats"}
#: shared strings and their rich-text runs: the shared-strings limit
STRINGS = (b"si", b"r")
#: a string's text: its cost is its size, bounded by the part's
TEXT = b"t"
SHEET = b"sheet"


class Budget:
    """What the parts read so far hold; refuses the workbook ``name`` over a limit."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name = name
        self.limits = limits
        self.counts: Counter[bytes] = Counter()
        self.elements = 0
        self.last: str | None = None  # the part read last, for a message about it

    def part(self, part: str, size: int) -> PartCount:
        """Start reading ``part``, of ``size`` bytes declared by the zip directory."""
        self.last = part
        limit = self.limits.part_bytes
        if size > limit:
            raise InputUnreadable(
                f"{self.name}: the part {part!r} is {size} bytes once decompressed, over the "
                f"limit of {limit} bytes for a part read whole "
                f"({self.limits.refusal('part_bytes')})")
        return PartCount(self, part)

    def check(self, part: str) -> None:
        counts, limits = self.counts, self.limits
        if self.elements > limits.xml_elements:
            raise self._over(part, "xml_elements", limits.xml_elements, "XML elements",
                             "the workbook's parts read whole hold")
        if counts[b"si"] + counts[b"r"] > limits.shared_strings:
            raise self._over(part, "shared_strings", limits.shared_strings, "shared strings")
        if counts[SHEET] > limits.sheets:
            raise self._over(part, "sheets", limits.sheets, "sheets")
        for tag, what in STYLE_LISTS.items():
            if counts[tag] > limits.styles:
                raise self._over(part, "styles", limits.styles, what)

    def _over(self, part: str, limit: str, value: int, what: str,
              holder: str | None = None) -> InputUnreadable:
        who = holder or f"the part {part!r} holds"
        at = f" (at {part!r})" if holder else ""
        return InputUnreadable(f"{self.name}: {who} more than {value} {what}{at}, over the "
                               f"limit ({self.limits.refusal(limit)})")


class PartCount:
    """The elements of one part, counted chunk by chunk into its :class:`Budget`."""

    def __init__(self, budget: Budget, part: str) -> None:
        self.budget = budget
        self.part = part
        self.carry = b""

    def feed(self, data: bytes) -> None:
        if not data:
            return
        buf = self.carry + data
        cut = buf.rfind(b"<", max(0, len(buf) - _CARRY))
        if cut >= 0:
            buf, self.carry = buf[:cut], buf[cut:]
        else:
            self.carry = b""
        tags = _TAG.findall(buf)
        if not tags:
            return
        budget = self.budget
        found = Counter(tags)
        budget.counts.update(found)
        budget.elements += len(tags) - found[TEXT] - found[b"si"] - found[b"r"]
        budget.check(self.part)
