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
from kpiscore.base.i18n import Phrase
from kpiscore.base.limits import Limits

#: a start tag's local name (``<x:numFmt`` → ``numFmt``); ``</``, ``<?`` and ``<!`` are not
_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)")
#: a tag cut by the end of a chunk is counted with the next one (names are short)
_CARRY = 128

#: the lists of the styles part, each bounded by the styles limit
STYLE_LISTS = {b"xf": Phrase("cell formats", "单元格格式"),
               b"numFmt": Phrase("number formats", "数字格式"), b"font": Phrase("fonts", "字体"),
               b"fill": Phrase("fills", "填充"), b"border": Phrase("borders", "边框"),
               b"cellStyle": Phrase("named styles", "命名样式"),
               b"dxf": Phrase("differential formats", "差异格式")}
PART_TOO_BIG = Phrase("{name}: the part {part} is {size} bytes once decompressed, over the limit "
                      "of {limit} bytes for a part read whole ({advice})",
                      "{name}:部件 {part} 解压后有 {size} 字节,"
                      "超过整体读取的部件的上限 {limit} 字节({advice})")
XML_ELEMENTS = Phrase("XML elements", "个 XML 元素")
SHARED_STRINGS = Phrase("shared strings", "个共享字符串")
SHEETS = Phrase("sheets", "个工作表")
PARTS_HOLD = Phrase("the workbook's parts read whole hold", "整体读取的工作簿部件中有")
PART_HOLDS = Phrase("the part {part} holds", "部件 {part} 中有")
OVER = Phrase("{name}: {who} more than {value} {what}, over the limit ({advice})",
              "{name}:{who}超过 {value} {what},超出上限({advice})")
OVER_AT = Phrase("{name}: {who} more than {value} {what} (at {part}), over the limit ({advice})",
                 "{name}:{who}超过 {value} {what}(在 {part}),超出上限({advice})")
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
            raise InputUnreadable(str(PART_TOO_BIG(name=self.name, part=repr(part), size=size,
                                                   limit=limit,
                                                   advice=self.limits.advice("part_bytes"))))
        return PartCount(self, part)

    def check(self, part: str) -> None:
        counts, limits = self.counts, self.limits
        if self.elements > limits.xml_elements:
            raise self._over(part, "xml_elements", limits.xml_elements, XML_ELEMENTS,
                             PARTS_HOLD)
        if counts[b"si"] + counts[b"r"] > limits.shared_strings:
            raise self._over(part, "shared_strings", limits.shared_strings, SHARED_STRINGS)
        if counts[SHEET] > limits.sheets:
            raise self._over(part, "sheets", limits.sheets, SHEETS)
        for tag, what in STYLE_LISTS.items():
            if counts[tag] > limits.styles:
                raise self._over(part, "styles", limits.styles, what)

    def _over(self, part: str, limit: str, value: int, what: Phrase,
              holder: Phrase | None = None) -> InputUnreadable:
        advice = self.limits.advice(limit)
        if holder is None:
            return InputUnreadable(str(OVER(name=self.name, who=PART_HOLDS(part=repr(part)),
                                            value=value, what=what, advice=advice)))
        return InputUnreadable(str(OVER_AT(name=self.name, who=holder, value=value, what=what,
                                           part=repr(part), advice=advice)))


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
