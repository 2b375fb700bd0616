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
import sys
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

#: ``+`` makes a repeat possessive (Python 3.11 on): it never gives back what it took.
#: The cell pattern never needs it to (each repeat is followed by a character it cannot
#: take, and each optional part by text it cannot start), so the pattern accepts the
#: same text with the same groups either way, in about two thirds of the steps; on
#: Python 3.10 it is read as the plain greedy pattern (``tests/test_sheet_fast.py``
#: compares the two).
_POSSESSIVE = "+" if sys.version_info >= (3, 11) else ""

#: One cell of the regular shapes (``~``: possessive, above). Groups: the column letters,
#: the attributes after r (a style and a type, the style before or after the type:
#: :meth:`FastRows.classify`), the formula element if any, the saved value, the inline
#: string's text. A group that takes no part is None (``split``): no ``<v>`` and ``<v/>``
#: alike, but an empty ``<t></t>`` is "" and no ``<is>`` None.
CELL_PATTERN = (
    r'<c r="([A-Z]{1,3}~)[0-9]{1,7}~"'
    r'((?: s="[0-9]{1,9}~")?~(?: t="[a-zA-Z]{1,9}~")?~(?: s="[0-9]{1,9}~")?~)'
    r'(?:/>|>(<f>[^<]*~</f>|<f(?: [^>]*)?/>)?~'
    r'(?:<v>([^<]*~)</v>|<v/>|<is><t(?: xml:space="preserve")?~>([^<]*~)</t></is>)?~</c>)')
_CELL = re.compile(CELL_PATTERN.replace("~", _POSSESSIVE))
_CELL_BYTES = re.compile(CELL_PATTERN.replace("~", _POSSESSIVE).encode())
#: a row body split by _CELL: the text between cells (all "" in a regular row), then the
#: cell's 5 groups, and so on
_STRIDE = 6
#: a cell's attributes after r (they matched _CELL's second group): style, type, style
_ATTRS = re.compile(r'(?: s="([0-9]{1,9})")?(?: t="([a-zA-Z]{1,9})")?(?: s="([0-9]{1,9})")?')
#: a row's start. First, when its attributes need nothing of openpyxl: a plain row number
#: (group 1), others that do not change the values (spans, heights, x14ac:dyDescent …),
#: and "/" (group 2) for a row without cells; else any row (attributes, "/": 3, 4), which
#: openpyxl's parser reads. Both find the same rows ``<row\b[^>]*?/?>`` finds.
_ROW_START = re.compile(
    rb'<row(?: r="([0-9]{1,7})")?(?: (?!r=)[a-zA-Z][\w:.-]*="[^">]*")*\s*(/?)>'
    rb'|<row\b([^>]*?)(/?)>')
_LAST_CELL = re.compile(rb'<c r="([A-Z]{1,3})[0-9]')
_ROW_NUMBER = re.compile(rb'\br="([0-9]{1,7})"')
_ROW_END = b"</row>"
_DECLARATION = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: what the fast path does not read: comments and CDATA (a "<row" or "</row>" inside)
_UNREAD = re.compile(rb"<!--|<!\[CDATA\[")
_ROOT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?worksheet\b[^>]*>")
_NAMESPACES = re.compile(rb'\sxmlns(?::[\w.-]+)?="[^"]*"')
_NO_PERCENT: frozenset[int] = frozenset()


#: how many distinct number texts a sheet's reader remembers the value of
NUMBERS = 65_536
#: how many distinct cell attributes (style and type) it remembers the meaning of
ATTRIBUTES = 4_096

#: column letters → number, for the columns met so far (rows repeat them)
_COLUMNS: dict[str, int] = {}
#: the letters of the first columns, in order (a row that has every cell from A on)
_LETTERS = [column_letter(k) for k in range(702)]

#: what a cell's attributes make of it (:meth:`FastRows.classify`): a number read as a
#: number (no date format, no percent), a shared string, an inline string, anything else
NUMBER, SHARED, INLINE, OTHER = 1, 2, 4, 8


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


class Numbers(dict[str | None, Any]):
    """Each number's value per cell text (most cells repeat: 95, 100, 0), remembered up
    to :data:`NUMBERS` texts; a cell with no text (no ``<v>``, ``<v/>``, ``<v></v>``) is
    None, and a text that is not a number its :class:`UnreadableCell` (not remembered)."""

    def __init__(self) -> None:
        super().__init__({None: None, "": None})

    def __missing__(self, text: str) -> Any:
        try:
            got = number(text)
        except (ValueError, OverflowError) as exc:
            return unreadable("n", text, exc)
        if len(self) < NUMBERS:
            self[text] = got
        return got


class Skim:
    """Rows a reader needs one column of: another process reads them whole (scoring on
    several processes, :mod:`kpiscore.score.workers`). Once :meth:`set`, a row whose
    number ``keep`` refuses gives only that column's cell (the rest None, no percent
    formats) when the row and the cell are of the regular shapes; any other row is read
    whole, as ever."""

    def __init__(self) -> None:
        self.keep: Callable[[int], bool] | None = None
        self.column = 0
        #: the first cell from a place on that does not start with its column, or that is
        #: in the column (group 1)
        self.scan = re.compile(rb"<c(?! r=\")").search

    def set(self, keep: Callable[[int], bool], column: int) -> None:
        self.column = column
        letters = column_letter(column).encode()
        self.scan = re.compile(rb'<c(?:(?! r=")|( r="' + letters + rb'[0-9]))').search
        self.keep = keep


#: :meth:`FastRows.skimmed`'s answer for a row it is not sure of
_WHOLE = Row(0, [])


class FastRows:
    """The rows of one worksheet as :class:`~kpiscore.io.table.Row` s: the regular rows by
    the fast path, the others by openpyxl's ``parse_row`` (``slow``)."""

    def __init__(self, slow: Callable[[Any], tuple[int, list[dict[str, Any]]]],
                 shared: list[str], styles: Styles, limits: Callable[[int, int], None],
                 max_row_bytes: int, skim: Skim | None = None) -> None:
        self.slow_row = slow
        self.skim = skim if skim is not None else Skim()
        self.shared = shared
        self.styles = styles
        self.limits = limits  # (row number, cells in the row) → raises over a limit
        self.max_row_bytes = max_row_bytes
        self.counter = 0  # the last row number (openpyxl counts rows without r)
        self.wrap = b"<worksheet>"
        self.numbers = Numbers()
        #: cell attributes → (what they make of the cell, style, type): :meth:`classify`
        self.kinds: dict[str, tuple[int, int, str]] = {}
        self.numeric: set[str] = set()  # the attributes of cells read as numbers
        self.inline: set[str] = set()  # … of inline strings (the others: shared strings)
        self.widths: dict[bytes, int] = {}  # column letters → number, for skimmed rows
        self.skim_kinds: dict[bytes, int] = {}  # cell attributes → classify's first

    def read(self, chunks: Iterator[bytes]) -> Iterator[Row]:
        """The rows of the sheet whose XML comes in ``chunks`` (the last one empty)."""
        buffer = b""
        tail = b""
        started = False
        row_start = _ROW_START.search
        skim = self.skim
        while True:
            data = next(chunks, b"")
            if b"!" in data or b"!" in tail:  # else no "<!" (both searches: a pass each)
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
                start = row_start(buffer, pos)
                if start is None:
                    break
                given, plain, attrs, other = start.groups()
                if plain or other:  # <row .../>: no cells
                    if plain is None:
                        m = _ROW_NUMBER.search(attrs)
                        given = m.group(1) if m else None
                    self.counter = int(given) if given is not None else self.counter + 1
                    self.limits(self.counter, 0)
                    pos = start.end()
                    continue
                body = start.end()
                end = buffer.find(_ROW_END, body)
                if end < 0:
                    if len(buffer) - start.start() > self.max_row_bytes:
                        self.limits(self.counter + 1, 1 << 30)
                    break
                pos = end + len(_ROW_END)
                if plain is None:  # attributes openpyxl must read
                    row = self.slow(buffer[start.start():pos])
                else:
                    number = int(given) if given is not None else self.counter + 1
                    keep = skim.keep
                    row = _WHOLE if keep is None or keep(number) \
                        else self.skimmed(buffer, body, end, number, skim)
                    if row is _WHOLE:
                        row = self.row(buffer, start.start(), body, end, number)
                if row is not None:
                    yield row
            buffer = buffer[pos:] if pos else buffer
            if not data:
                return

    def row(self, buffer: bytes, start: int, body: int, end: int, number: int) -> Row | None:
        """Row ``number``, at ``buffer[start:end + 6]`` (its body from ``body``), whose
        attributes are plain (its start matched _ROW_START's first way)."""
        try:
            text = buffer[body:end].decode()
        except UnicodeDecodeError:
            text = "&"  # not UTF-8: the slow path says what is wrong
        if "&" not in text and "\r" not in text:
            parts = _CELL.split(text)
            if not any(parts[::_STRIDE]):  # nothing but regular cells
                values, percent = self.fast(parts)
                self.counter = number
                self.limits(number, len(values))
                return Row(number, values, percent) if values else None
        return self.slow(buffer[start:end + len(_ROW_END)])

    def skimmed(self, buffer: bytes, start: int, end: int, number: int,
                skim: Skim) -> Row | None:
        """The one cell :class:`Skim` asks for of the row whose body is
        ``buffer[start:end]`` (None: the row has no such cell), or _WHOLE when the row
        or the cell is not of the regular shapes (read it whole). Only that cell's text is
        decoded: the rest is ASCII tags (each byte of a character beyond ASCII is above
        127, so none is taken for one) around text that says nothing of the cell."""
        # every cell must say its column first (openpyxl counts those that do not), and
        # only one be in the column asked for: scan finds the first that does not, or
        # the first in the column
        find = buffer.find
        if find(b"&", start, end) >= 0 or find(b"\r", start, end) >= 0:
            return _WHOLE
        scan = skim.scan
        hit = scan(buffer, start, end)
        row = None
        if hit is not None:
            if hit.group(1) is None:
                return _WHOLE
            cell = _CELL_BYTES.match(buffer, hit.start(), end)
            if cell is None or scan(buffer, cell.end(), end) is not None:
                return _WHOLE
            _, attrs, formula, value, itext = cell.groups()
            how = self.skim_kinds.get(attrs) or self.skim_kind(attrs)
            got: Any
            try:
                if formula is not None:
                    got = self.one(cell)
                elif how == INLINE:
                    got = None if itext is None else itext.decode()
                elif how == NUMBER:
                    got = self.numbers[None if value is None else value.decode()]
                elif how == SHARED:
                    try:
                        got = self.shared[int(value)]
                    except (ValueError, TypeError, IndexError):
                        got = self.one(cell)  # as the general way says
                else:
                    got = self.one(cell)
            except UnicodeDecodeError:
                return _WHOLE
            row = Row(number, [None] * skim.column + [got] if skim.column else [got])
        last = buffer.rfind(b'<c r="', start, end)  # the row's width, for limits
        width = 0
        if last >= 0:
            letters = buffer[last + 6:last + 9]  # and a digit or two, or the quote
            width = self.widths.get(letters) or self.width(buffer, last, end, letters)
        self.counter = number
        self.limits(number, width)
        return row

    def width(self, buffer: bytes, last: int, end: int, key: bytes) -> int:
        """The column of the cell at ``last`` (0: none), remembered by ``key``, the
        reference's first three characters (when they are the letters and a digit)."""
        m = _LAST_CELL.match(buffer, last, end)
        if m is None:
            return 0
        letters = m.group(1).decode()
        got = _COLUMNS.get(letters) or _column(letters)
        if len(letters) < 3 and len(self.widths) < ATTRIBUTES:
            self.widths[key] = got
        return got

    def skim_kind(self, attrs: bytes) -> int:
        """:meth:`classify`'s first, for attributes as bytes."""
        how = self.classify(attrs.decode())[0]
        if len(self.skim_kinds) < ATTRIBUTES:
            self.skim_kinds[attrs] = how
        return how

    def one(self, cell: re.Match[bytes]) -> Any:
        """The value of a skimmed row's one cell (matched by _CELL_BYTES), the general
        way (raises UnicodeDecodeError for text that is not UTF-8)."""
        parts = [None if g is None else g.decode() for g in cell.groups()]
        return self.general(["", *parts])[0][-1]

    def classify(self, attrs: str) -> tuple[int, int, str]:
        """What a cell's attributes make of it: NUMBER (a number, neither a date nor a
        percent), SHARED or INLINE (a string), or OTHER; its style and type."""
        m = _ATTRS.fullmatch(attrs)
        assert m is not None  # they matched the same pattern in _CELL
        s1, kind, s2 = m.groups("")
        style = int(s1 or s2) if s1 or s2 else 0
        styles = self.styles
        how = OTHER
        if not kind or kind == "n":
            if style not in styles.dates and not (style and style in styles.scaling):
                how = NUMBER
        elif kind == "s":
            how = SHARED
        elif kind == "inlineStr":
            how = INLINE
        if len(self.kinds) >= ATTRIBUTES:
            return OTHER, style, kind  # not remembered: read by the general way
        self.kinds[attrs] = how, style, kind
        if how == NUMBER:
            self.numeric.add(attrs)
        elif how == INLINE:
            self.inline.add(attrs)
        return how, style, kind

    def fast(self, parts: list[Any]) -> tuple[list[Any], frozenset[int]]:
        """The values (by column) and percent-formatted columns of a row body that is
        regular cells only, split by _CELL. A row of numbers (no dates, no percents),
        shared and inline strings is read here; any other by :meth:`general`."""
        attrs = parts[2::_STRIDE]
        kinds = self.kinds
        how = 0
        for a in set(attrs):
            how |= (kinds.get(a) or self.classify(a))[0]
        if how & OTHER or any(parts[3::_STRIDE]):  # or a formula
            return self.general(parts)
        numbers = self.numbers
        values: list[Any]
        if how == NUMBER:
            values = [numbers[v] for v in parts[4::_STRIDE]]
        else:
            numeric, inline, shared = self.numeric, self.inline, self.shared
            try:
                values = [numbers[v] if a in numeric else t if a in inline else shared[int(v)]
                          for a, v, t in zip(attrs, parts[4::_STRIDE], parts[5::_STRIDE],
                                             strict=True)]
            except (ValueError, TypeError, IndexError):  # a shared string that is not
                return self.general(parts)
        letters = parts[1::_STRIDE]
        if letters == _LETTERS[:len(letters)]:
            return values, _NO_PERCENT
        columns = _COLUMNS
        at = [columns.get(c) or _column(c) for c in letters]
        placed: list[Any] = [None] * max(at)
        for column, value in zip(at, values, strict=True):
            placed[column - 1] = value
        return placed, _NO_PERCENT

    def general(self, parts: list[Any]) -> tuple[list[Any], frozenset[int]]:
        """:meth:`fast` for any row of regular cells: cell by cell."""
        values: list[Any] = []
        percent: list[int] = []
        columns = _COLUMNS
        kinds = self.kinds
        numbers = self.numbers
        shared = self.shared
        styles = self.styles
        dates = styles.dates
        for k in range(1, len(parts), _STRIDE):
            letters, attrs, formula, value, itext = parts[k:k + 5]
            column = columns.get(letters) or _column(letters)
            _, style, kind = kinds.get(attrs) or self.classify(attrs)
            got: Any
            if value and (not kind or kind == "n") and style not in dates:
                got = numbers[value]
            elif value and kind == "s":
                try:
                    got = shared[int(value)]
                except (ValueError, IndexError) as exc:
                    got = unreadable("s", value, exc)
            else:
                got = self.value(style, kind, formula, value, itext)
            if column > len(values):
                if column > len(values) + 1:
                    values.extend([None] * (column - len(values) - 1))
                values.append(got)
            else:
                values[column - 1] = got
            if style and style in styles.scaling and isinstance(got, (Decimal, float)) \
                    and styles.scaled(style, got):
                percent.append(column - 1)
        return values, frozenset(percent) if percent else _NO_PERCENT

    def value(self, style: int, kind: str, formula: str | None, value: str | None,
              itext: str | None) -> Any:
        """A cell's value as openpyxl's parse_cell (with kpiscore's formula rule) gives it."""
        data_type = kind or "n"
        got: Any = None
        if data_type == "inlineStr":
            got = itext  # None without <is>
        elif value:
            try:
                got = self.convert(value, data_type)
            except (ValueError, IndexError, OverflowError, TypeError) as exc:
                return unreadable(data_type, value, exc)
            if data_type == "n" and style in self.styles.dates:
                got = self.date(value, style)
        if got is None and formula:
            got = FormulaWithoutValue(formula[3:-4] if formula.startswith("<f>") else "")
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
