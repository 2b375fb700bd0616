"""A worksheet's rows read straight from its XML, fast, with openpyxl's own meaning.

A strict regular expression reads the cells of the shapes spreadsheet programs
write (``<c r="B7" s="3" t="s"><v>12</v></c>``, inline strings, booleans,
errors, formulas with or without a saved value); a row with anything else in
it (rich text, entities, other attributes, a namespace prefix, a cell without
``r``) is handed to openpyxl's own row parser, so every value is the one
openpyxl gives (``tests/test_sheet_fast.py`` compares them cell by cell on
generated workbooks). Numbers become exact ``Decimal`` from the cell's text
(through a binary float only past 15 characters, as openpyxl's floats are
read elsewhere), which is what :func:`kpiscore.io.cells.read_number` makes of
openpyxl's value.

The sheet is read in bounded chunks; a part that declares a document type or
entities anywhere is refused, as defusedxml refuses it; a part in another
encoding than UTF-8 is left to openpyxl (and defusedxml) whole.
"""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from kpiscore.base.i18n import Phrase
from kpiscore.io.cells import LARGEST, SMALLEST, FormulaWithoutValue, UnreadableCell
from kpiscore.io.numfmt import Section, scales
from kpiscore.io.table import Row, column_letter

#: One cell of the regular shapes. Groups: column letters, style (before or after the
#: type), type, the formula (if any) and its text, the saved value, the inline string
#: (if any) and its text. Unmatched groups are "" (``findall``).
_CELL = re.compile(
    r'<c r="([A-Z]{1,3})[0-9]{1,7}"(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?'
    r'(?: s="([0-9]{1,9})")?(?:/>|>(?:(<f>([^<]*)</f>|<f(?: [^>]*)?/>))?'
    r'(?:<v>([^<]*)</v>|<v/>|(<is><t(?: xml:space="preserve")?>([^<]*)</t></is>))?</c>)')
_ROW_START = re.compile(rb'<row\b([^>]*?)(/?)>')
_LAST_CELL = re.compile(r'<c r="([A-Z]{1,3})[0-9]')
#: a row's attributes when they need nothing of openpyxl: a plain row number, others
#: that do not change the values (spans, heights, x14ac:dyDescent …)
_PLAIN_ROW = re.compile(rb'(?: r="[0-9]{1,7}")?(?: (?!r=)[a-zA-Z][\w:.-]*="[^"]*")*\s*')
_ROW_NUMBER = re.compile(rb'\br="([0-9]{1,7})"')
_ROW_END = b"</row>"
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: what the fast path does not read: comments and CDATA (a "<row" or "</row>" inside)
_UNREAD = re.compile(rb"<!--|<!\[CDATA\[")
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet\b[^>]*>")
_NAMESPACES = re.compile(rb'\sxmlns(?::[\w.-]+)?="[^"]*"')
#: text a cell may hold that the fast path leaves to the real parser
_ODD = re.compile(r"[&\r]")


#: how many distinct number texts a sheet's reader remembers the value of
NUMBERS = 65_536

#: column letters → number, for the columns met so far (rows repeat them)
_COLUMNS: dict[str, int] = {}


def _column(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ord(ch) - 64
    if len(_COLUMNS) < 20_000:
        _COLUMNS[letters] = number
    return number


class Refused(Exception):
    """The part declares a document type or entities."""


class Unsupported(Exception):
    """The sheet is written in a way the fast path does not read (a namespace prefix,
    comments, CDATA): read it with openpyxl instead, from the start."""


def utf8(head: bytes) -> bool:
    """Whether a part's first bytes say it is UTF-8 (no BOM of another encoding, no
    declaration naming one)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00", b"\x3c\x00")):
        return False
    declared = re.match(rb'<\?xml[^>]*encoding="([^"]*)"', head.lstrip(b"\xef\xbb\xbf"))
    return declared is None or declared.group(1).lower().replace(b"_", b"-") in (b"utf-8",
                                                                              b"utf8")


def number(text: str) -> Decimal | float:
    """openpyxl's ``_cast_number``, as an exact Decimal: a float for a value with a point
    or an exponent, else an int (raises ValueError as it does). A float out of the range
    kpiscore reads (or not finite) stays a float, so that its refusal quotes it as ever."""
    if "." in text or "e" in text or "E" in text:
        value = float(text)
        if not SMALLEST <= abs(value) < LARGEST:
            return value
        return Decimal(text) if len(text) <= 15 else Decimal(repr(value))
    return Decimal(int(text))


class Skim:
    """Rows a reader needs one column of: another process reads them whole (scoring on
    several processes, :mod:`kpiscore.score.workers`). Once :meth:`set`, a row whose
    number ``keep`` refuses gives only that column's cell (the rest None, no percent
    formats) when the row and the cell are of the regular shapes; any other row is read
    whole, as ever."""

    def __init__(self) -> None:
        self.keep: Callable[[int], bool] | None = None
        self.cell: re.Pattern[str] | None = None

    def set(self, keep: Callable[[int], bool], column: int) -> None:
        letters = column_letter(column)
        self.cell = re.compile(rf'<c r="{letters}[0-9]{{1,7}}"[^>]*?(?:/>|>.*?</c>)')
        self.keep = keep


class FastRows:
    """The rows of one worksheet as :class:`~kpiscore.io.table.Row` s: the regular rows by
    the fast path, the others by openpyxl's ``parse_row`` (``slow``)."""

    def __init__(self, slow: Callable[[Any], tuple[int, list[dict[str, Any]]]],
                 shared: list[str], styles: Styles, limits: Callable[[int, int], None],
                 max_row_bytes: int, skim: Skim | None = None) -> None:
        self.slow_row = slow
        self.skim = skim
        self.shared = shared
        self.styles = styles
        self.limits = limits  # (row number, cells in the row) → raises over a limit
        self.max_row_bytes = max_row_bytes
        self.counter = 0  # the last row number (openpyxl counts rows without r)
        self.wrap = b"<worksheet>"
        #: each number's value per cell text (most cells repeat: 95, 100, 0)
        self.numbers: dict[str, Decimal | float] = {}

    def read(self, chunks: Iterator[bytes]) -> Iterator[Row]:
        """The rows of the sheet whose XML comes in ``chunks`` (the last one empty)."""
        buffer = b""
        tail = b""
        started = False
        while True:
            data = next(chunks, b"")
            if _DECLARATION.search(tail + data):
                raise Refused
            if _UNREAD.search(tail + data):
                raise Unsupported
            tail = data[-32:]
            buffer += data
            if not started:
                root = _ROOT.search(buffer)
                if root is None:
                    if not data:
                        return
                    continue
                if root.group(0)[1:10] != b"worksheet":
                    raise Unsupported  # a prefixed <x:worksheet>: its rows are <x:row>
                self.wrap = b"<worksheet" + b"".join(_NAMESPACES.findall(root.group(0))) + b">"
                buffer = buffer[root.end():]
                started = True
            pos = 0
            while True:
                start = _ROW_START.search(buffer, pos)
                if start is None:
                    break
                if start.group(2):  # <row .../>: no cells
                    self.advance(start.group(1), 0)
                    pos = start.end()
                    continue
                end = buffer.find(_ROW_END, start.end())
                if end < 0:
                    if len(buffer) - start.start() > self.max_row_bytes:
                        self.limits(self.counter + 1, 1 << 30)
                    break
                row = self.row(buffer, start, end)
                if row is not None:
                    yield row
                pos = end + len(_ROW_END)
            buffer = buffer[pos:] if pos else buffer
            if not data:
                return

    def advance(self, attrs: bytes, cells: int) -> int:
        m = _ROW_NUMBER.search(attrs)
        self.counter = int(m.group(1)) if m else self.counter + 1
        self.limits(self.counter, cells)
        return self.counter

    def row(self, buffer: bytes, start: re.Match[bytes], end: int) -> Row | None:
        skim = self.skim
        if skim is not None and skim.keep is not None:
            m = _ROW_NUMBER.search(start.group(1))
            if not skim.keep(int(m.group(1)) if m else self.counter + 1):
                done, got = self.skimmed(buffer, start, end, skim)
                if done:
                    return got
        try:
            body = buffer[start.end():end].decode()
        except UnicodeDecodeError:
            body = None
        if body is not None and _PLAIN_ROW.fullmatch(start.group(1)) \
                and not _ODD.search(body) and not _CELL.sub("", body):
            values, percent = self.fast(body)
            number = self.advance(start.group(1), len(values))
            return Row(number, values, frozenset(percent)) if values else None
        return self.slow(buffer[start.start():end + len(_ROW_END)])

    def skimmed(self, buffer: bytes, start: re.Match[bytes], end: int,
                skim: Skim) -> tuple[bool, Row | None]:
        """Whether the row is skimmed (not: an irregular row or cell, read whole), and
        the one cell :class:`Skim` asks for (None: the row has no such cell)."""
        try:
            body = buffer[start.end():end].decode()
        except UnicodeDecodeError:
            return False, None
        attrs = start.group(1)
        # every cell must say its column (openpyxl counts those that do not), and only
        # one be in the column asked for
        if not _PLAIN_ROW.fullmatch(attrs) or _ODD.search(body) \
                or body.count("<c") != body.count('<c r="'):
            return False, None
        assert skim.cell is not None
        cell = skim.cell.search(body)
        values: list[Any] = []
        if cell is not None:
            if not _CELL.fullmatch(cell.group(0)) or skim.cell.search(body, cell.end()):
                return False, None
            values = self.fast(cell.group(0))[0]
        last = _LAST_CELL.search(body, body.rfind('<c r="'))  # the row's width, for limits
        width = _column(last.group(1)) if last else 0
        number = self.advance(attrs, width)
        return True, Row(number, values) if values else None

    def fast(self, body: str) -> tuple[list[Any], list[int]]:
        """The values (by column) and percent-formatted columns of a row body that is
        regular cells only. The common cells (numbers, shared strings) are read here;
        the others by :meth:`value`."""
        values: list[Any] = []
        percent: list[int] = []
        columns = _COLUMNS
        numbers = self.numbers
        shared = self.shared
        styles = self.styles
        dates = styles.dates
        for letters, s1, kind, s2, formula, ftext, value, inline, itext in _CELL.findall(body):
            column = columns.get(letters) or _column(letters)
            style = int(s1 or s2) if s1 or s2 else 0
            got: Any
            if value and (not kind or kind == "n") and style not in dates:
                got = numbers.get(value)
                if got is None:
                    try:
                        got = number(value)
                    except (ValueError, OverflowError) as exc:
                        got = unreadable("n", value, exc)
                    else:
                        if len(numbers) < NUMBERS:
                            numbers[value] = got
            elif value and kind == "s":
                try:
                    got = shared[int(value)]
                except (ValueError, IndexError) as exc:
                    got = unreadable("s", value, exc)
            else:
                got = self.value(style, kind, formula, ftext, value, inline, itext)
            if column > len(values):
                if column > len(values) + 1:
                    values.extend([None] * (column - len(values) - 1))
                values.append(got)
            else:
                values[column - 1] = got
            if style and style in styles.scaling and isinstance(got, (Decimal, float)) \
                    and styles.scaled(style, got):
                percent.append(column - 1)
        return values, percent

    def value(self, style: int, kind: str, formula: str, ftext: str, value: str,
              inline: str, itext: str) -> Any:
        """A cell's value as openpyxl's parse_cell (with kpiscore's formula rule) gives it."""
        data_type = kind or "n"
        got: Any = None
        if data_type == "inlineStr":
            got = itext if inline else None
        elif value:
            try:
                got = self.convert(value, data_type)
            except (ValueError, IndexError, OverflowError, TypeError) as exc:
                return unreadable(data_type, value, exc)
            if data_type == "n" and style in self.styles.dates:
                got = self.date(value, style)
        if got is None and formula:
            got = FormulaWithoutValue(ftext)
        return got

    def convert(self, text: str, data_type: str) -> Any:
        if data_type == "n":
            return number(text)
        if data_type == "s":
            return self.shared[int(text)]
        if data_type == "b":
            return bool(int(text))
        if data_type == "d":
            from openpyxl.utils.datetime import from_ISO8601

            return from_ISO8601(text)
        return text  # e (an error's text), str (a formula's text result)

    def date(self, text: str, style: int) -> Any:
        from openpyxl.utils.datetime import from_excel

        raw = float(text) if "." in text or "e" in text or "E" in text else int(text)
        try:
            return from_excel(raw, self.styles.epoch, timedelta=style in self.styles.durations)
        except (OverflowError, ValueError):
            return "#VALUE!"

    def slow(self, xml: bytes) -> Row | None:
        """A row openpyxl's own parser reads (with the root's namespaces)."""
        element = ET.fromstring(self.wrap + xml + b"</worksheet>")[0]
        parser = getattr(self.slow_row, "__self__", None)
        if parser is not None:  # a row without r="" follows the rows read here, not its own
            parser.row_counter = self.counter
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            number, cells = self.slow_row(element)
        self.counter = number
        width = max((c["column"] for c in cells), default=0)
        self.limits(number, max(width, len(cells)))
        if not cells:
            return None
        values: list[Any] = [None] * width
        percent = []
        for c in cells:
            values[c["column"] - 1] = c["value"]
            if self.styles.scales_cell(c):
                percent.append(c["column"] - 1)
        return Row(number, values, frozenset(percent))


@dataclass(frozen=True)
class Styles:
    """The cell styles that change a value's meaning: percent formats (every value
    scaled, or by its sign: :mod:`kpiscore.io.numfmt`), date and duration formats,
    and the workbook's date epoch."""

    percent: frozenset[int]
    dates: frozenset[int]
    durations: frozenset[int]
    epoch: Any
    #: styles whose format scales some values only (``0;-0%``), by the sections that say
    signed: Mapping[int, tuple[Section, ...]] = field(default_factory=dict)

    @cached_property
    def scaling(self) -> frozenset[int]:
        """The styles that scale at least some values."""
        return self.percent | frozenset(self.signed)

    def scaled(self, style: int, value: Decimal | float) -> bool:
        """Whether a number in this style is shown multiplied by 100."""
        return style in self.percent or (style in self.signed
                                         and scales(self.signed[style], value))

    def scales_cell(self, cell: Mapping[str, Any]) -> bool:
        """:meth:`scaled` for a cell as openpyxl's parser gives it."""
        value, style = cell["value"], cell["style_id"]
        return style in self.scaling and isinstance(value, (int, float)) \
            and not isinstance(value, bool) and self.scaled(style, value)


NO_SHARED_STRING = Phrase("it refers to a shared string the workbook does not have",
                         "它引用了工作簿中不存在的共享字符串")
THOUSANDS_OF_DIGITS = Phrase("its number has thousands of digits", "它的数字有数千位")
VALUE_NOT_A_NUMBER = Phrase("its value {value} is not a number", "它的值 {value} 不是数字")
DAMAGED = Phrase("the cell is damaged ({detail})", "单元格已损坏({detail})")


def unreadable(data_type: str | None, text: str, exc: Exception) -> UnreadableCell:
    """A cell openpyxl cannot read, as kpiscore reports it (see xlsx_table)."""
    if data_type == "s" and isinstance(exc, (IndexError, ValueError)):
        return UnreadableCell(NO_SHARED_STRING())
    if "digits" in str(exc):
        return UnreadableCell(THOUSANDS_OF_DIGITS())
    if isinstance(exc, ValueError) and text and len(text) <= 40:
        return UnreadableCell(VALUE_NOT_A_NUMBER(value=repr(text)))
    return UnreadableCell(DAMAGED(detail=str(exc).split("\n")[0] or type(exc).__name__))
