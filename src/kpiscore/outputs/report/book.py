"""The report's workbook: XlsxWriter writes the package, kpiscore writes the rows.

XlsxWriter makes everything around the cells — styles, column widths, frozen
panes, merges, filters, print setup, defined names, charts, the zip — in its
``constant_memory`` mode, where each worksheet's rows go to a file of their own
as they are made. Its cell-by-cell path costs about 3.5 µs a cell, and the
summary and dimension sheets of 100 000 people hold 7 million cells; so
:class:`Sheet` formats each row's XML itself (inline strings, numbers as their
exact decimal text), remembers the XML of values that repeat, and appends rows,
in order, to the worksheet's row file, exactly where XlsxWriter's own rows would
go. What this touches inside XlsxWriter is in :class:`_Rows`, and every test that
reads a report back checks it.

Every text is written as a string cell, never as a formula, whatever it starts
with.
"""

from __future__ import annotations

import datetime as _dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kpiscore.base.numbers import round_half_up
from kpiscore.outputs.report.text import clean_text

#: The font of every cell: Arial is on Windows and macOS, and Linux maps it to the
#: metric-compatible Liberation Sans; Chinese text falls back to the system's CJK
#: font in Excel, WPS and LibreOffice alike. At 10 points its digits are as wide as
#: Calibri 11's, so column widths mean the same.
FONT = "Arial"
FONT_SIZE = 10
#: Fixed document date, so that the same inputs give a byte-identical workbook.
FIXED_DATE = _dt.datetime(2000, 1, 1, 0, 0, 0)
#: Every sheet's margins when printed: left, right, top, bottom, in inches.
MARGINS = (0.4, 0.4, 0.5, 0.5)
A4 = 9  # XlsxWriter's paper code

Value = str | int | float | Decimal | None


@dataclass(frozen=True, eq=False)
class Style:
    """How a cell looks; each style object becomes one format in the workbook (styles
    compare by identity, so make each once and reuse it)."""

    bold: bool = False
    size: float | None = None
    fill: str | None = None  # "#RRGGBB"
    border: bool = False  # thin border all round
    line: bool = False  # bottom border only: a line to write on
    align: str | None = None  # left, center, right
    valign: str = "vcenter"
    wrap: bool = False
    num: str | None = None  # number format
    color: str | None = None  # font colour
    indent: int = 0  # a little room between the text and the cell's edge


Cell = tuple[Value, Style | None]

#: The XlsxWriter format property of each field of a :class:`Style`.
_FORMAT = {"bold": "bold", "size": "font_size", "fill": "bg_color", "border": "border",
           "line": "bottom", "align": "align", "valign": "valign", "wrap": "text_wrap",
           "num": "num_format", "color": "font_color", "indent": "indent"}

#: XML's own characters, and line breaks as references: a row's XML is one line.
_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\n": "&#10;",
                         "\r": "&#13;"})
#: Values whose cell XML is remembered, at most (ids and names seldom repeat).
_MEMO = 200_000


def column(c: int) -> str:
    """A column's letters (0: A)."""
    name = ""
    c += 1
    while c:
        c, rest = divmod(c - 1, 26)
        name = chr(65 + rest) + name
    return name


def number_text(value: int | float | Decimal) -> str:
    """A number as the XML of a cell holds it: a Decimal digit for digit, without
    padding zeros (the cell's number format shows them: ``0.00``)."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    return repr(value)


class Tails:
    """The XML of cells after their ``<c r="A1"``, remembering the XML of values that
    repeat; :meth:`xf` gives a style's `` s="N"`` (a :class:`Book`'s own, or one fixed
    ahead, :class:`FixedTails`, for a process that makes rows for another's book)."""

    def __init__(self) -> None:
        self._xf: dict[Style | None, str] = {None: ""}
        #: the XML after ``<c r="A1"`` of a (value, style) already written
        self._memo: dict[tuple[object, Value, Style | None], str] = {}

    def xf(self, style: Style | None) -> str:
        """The `` s="N"`` of a style's cells (N: its index among the workbook's formats)."""
        raise NotImplementedError

    def cell_tail(self, value: Value, style: Style | None) -> str:
        """The XML of a cell after its ``<c r="A1"``; "" for an unstyled empty cell.
        Remembered, for values that repeat (use :meth:`text_tail` for those that do not)."""
        key = (type(value), value, style)
        tail = self._memo.get(key)
        if tail is None:
            if isinstance(value, str) and value:
                tail = self.text_tail(value, style)
            elif value is None or value == "":
                s = self.xf(style)
                tail = f"{s}/>" if s else ""
            else:
                tail = f"{self.xf(style)}><v>{number_text(value)}</v></c>"
            if len(self._memo) < _MEMO:
                self._memo[key] = tail
        return tail

    def text_tail(self, text: str | None, style: Style | None) -> str:
        """:meth:`cell_tail` of a text, not remembered (ids, names)."""
        if not text:
            return self.cell_tail(None, style)
        text = clean_text(text).translate(_ESCAPE)
        space = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
        return f'{self.xf(style)} t="inlineStr"><is><t{space}>{text}</t></is></c>'

    def number_tail(self, value: Decimal | None, style: Style, precision: int) -> str:
        """:meth:`cell_tail` of a number rounded half up to ``precision``, remembered by
        the number as it was before rounding."""
        key = (precision, value, style)
        tail = self._memo.get(key)
        if tail is None:
            tail = self.cell_tail(None if value is None else round_half_up(value, precision),
                                  style)
            if len(self._memo) < _MEMO:
                self._memo[key] = tail
        return tail


def _workbook(path: Any, small: bool) -> Any:
    import xlsxwriter  # type: ignore[import-untyped,unused-ignore]

    return xlsxwriter.Workbook(path, {
        "constant_memory": not small, "in_memory": small, "strings_to_numbers": False,
        "strings_to_formulas": False, "strings_to_urls": False,
        "default_format_properties": {"font_name": FONT, "font_size": FONT_SIZE}})


def _properties(style: Style) -> dict[str, Any]:
    """A style's XlsxWriter format properties."""
    props = {_FORMAT[k]: v for k, v in vars(style).items()
             if v is not None and v is not False and v != 0}
    props["font_name"] = FONT
    props.setdefault("font_size", FONT_SIZE)
    if style.fill is not None:
        props["pattern"] = 1
    return props


class FixedTails(Tails):
    """:class:`Tails` whose styles' indices are fixed ahead: those a :class:`Book` gives
    ``styles`` when they are the first formats it uses (:meth:`Book.first`), in order.
    A worker process makes a book's rows with it (outputs/report_xlsx.py)."""

    def __init__(self, styles: Sequence[Style]) -> None:
        super().__init__()
        scratch = _workbook(None, True)  # never written: it only numbers the formats
        for style in styles:
            self._xf[style] = f' s="{_Rows.index(scratch.add_format(_properties(style)))}"'

    @property
    def fixed(self) -> dict[Style | None, str]:
        """Each style's `` s="N"``."""
        return {k: v for k, v in self._xf.items() if k is not None}

    def xf(self, style: Style | None) -> str:
        return self._xf[style]  # a style not fixed ahead is a mistake: KeyError


class Book(Tails):
    """One workbook being written (see the module's docstring). A ``small`` one (a
    file of cards) is made in memory, cell by cell, with no temporary file at all."""

    def __init__(self, path: str, *, small: bool = False) -> None:
        super().__init__()
        self.small = small
        self.wb = _workbook(path, small)
        self.wb.set_properties({"created": FIXED_DATE, "comments": "kpiscore"})
        self._formats: dict[Style, Any] = {}
        #: whole rows by (key, row number), made once (Sheet.row)
        self.rows: dict[tuple[int, int], str] = {}

    def format(self, style: Style | None) -> Any:
        if style is None:
            return None
        f = self._formats.get(style)
        if f is None:
            f = self._formats[style] = self.wb.add_format(_properties(style))
        return f

    def xf(self, style: Style | None) -> str:
        attr = self._xf.get(style)
        if attr is None:
            attr = self._xf[style] = f' s="{_Rows.index(self.format(style))}"'
        return attr

    def first(self, styles: Sequence[Style]) -> dict[Style | None, str]:
        """Number ``styles`` first, in order, before any other format is used: their
        `` s="N"`` are then those of :class:`FixedTails` of the same ``styles``."""
        if len(self._xf) > 1:
            raise RuntimeError("formats were used before the fixed ones")
        return {style: self.xf(style) for style in styles}

    def sheet(self, name: str, widths: Sequence[float], *,
              freeze: tuple[int, int] | None = None, card: bool = False) -> Sheet:
        """A sheet printed on A4, centred: landscape and as wide as the page, or, for a
        ``card``, portrait and fitted to exactly one page."""
        ws = self.wb.add_worksheet(name)
        sheet = Sheet(self, ws, 0)
        sheet.widths(widths)
        if freeze is not None:
            sheet.freeze(*freeze)
        ws.set_paper(A4)
        left, right, top, bottom = MARGINS
        ws.set_margins(left=left, right=right, top=top, bottom=bottom)
        ws.center_horizontally()
        if card:
            ws.set_portrait()
            ws.fit_to_pages(1, 1)
            ws.hide_gridlines(2)
        else:
            ws.set_landscape()
            ws.fit_to_pages(1, 0)
        return sheet

    def column_chart(self, sheet: Sheet, title: str, axis: str, first: int, last: int,
                     at: tuple[int, int], most: int) -> None:
        """A chart at cell ``at`` of rows ``first`` to ``last``: labels in column A, counts
        in B (the largest is ``most``), on an axis of whole numbers."""
        chart = self.wb.add_chart({"type": "column"})
        name = sheet.ws.name
        chart.add_series({"name": title, "categories": [name, first, 0, last, 0],
                          "values": [name, first, 1, last, 1], "data_labels": {"value": True},
                          "fill": {"color": "#4472C4"}, "gap": 60})
        chart.set_title({"name": title, "name_font": {"size": 12, "name": FONT}})
        chart.set_legend({"none": True})
        step = whole_step(most)
        chart.set_y_axis({"name": axis, "major_gridlines": {"visible": True}, "min": 0,
                          "max": max(step, -(-most // step) * step), "major_unit": step,
                          "num_format": "0", "num_font": {"name": FONT},
                          "name_font": {"name": FONT}})
        chart.set_x_axis({"num_font": {"name": FONT}})
        sheet.ws.insert_chart(at[0], at[1], chart, {"x_scale": 1.3, "y_scale": 1.1})

    def close(self) -> None:
        _Rows.store(self.wb)


def whole_step(most: int) -> int:
    """A step between an axis's ticks for counts up to ``most``: a whole number (1, 2, 5,
    10, 20, 50 …) giving at most 8 steps, so no tick falls between two people."""
    scale = 1
    while True:
        for base in (1, 2, 5):
            if most <= 8 * base * scale:
                return base * scale
        scale *= 10


class Sheet:
    """Rows written in order, each through :meth:`row`."""

    def __init__(self, book: Book, ws: Any, width: int) -> None:
        self.book = book
        self.ws = ws
        self.rows = _Rows(ws) if not book.small else None
        self.next = 0  # the row the next call to row() writes (0-based)
        self.width = width
        self._refs = [column(c) for c in range(26)]
        self._buffer: list[str] = []

    def widths(self, widths: Sequence[float]) -> None:
        """The columns' widths, in characters (may be set once the rows are written)."""
        for c, width in enumerate(widths):
            self.ws.set_column(c, c, width)
        self.width = max(self.width, len(widths))

    def freeze(self, rows: int, columns: int) -> None:
        """Keep the first ``rows`` and ``columns`` in view when scrolling."""
        self.ws.freeze_panes(rows, columns)

    def refs(self, count: int) -> list[str]:
        """Column letters of the first ``count`` columns."""
        while len(self._refs) < count:
            self._refs.append(column(len(self._refs)))
        return self._refs

    def row(self, cells: Sequence[Cell | None], *, height: float | None = None,
            merges: Sequence[tuple[int, int]] = (), key: int | None = None) -> None:
        """Write the next row; ``merges`` are column spans of it. A merged span takes
        its first cell's style across (so its border is drawn all round). Rows of the
        same ``key`` at the same place are the same XML, made once."""
        if self.rows is None:
            self._cells_row(cells, height, merges)
            return
        made = None if key is None else self.book.rows.get((key, self.next))
        if made is not None:
            self.made(made, len(cells))
            return
        tail = self.book.cell_tail
        covered: dict[int, Style | None] = {}
        for c1, c2 in merges:
            first = cells[c1] if c1 < len(cells) else None
            for c in range(c1 + 1, c2 + 1):
                covered[c] = first[1] if first is not None else None
            self.rows.merge(self.next, c1, c2)
        tails: list[str] = []
        for c in range(max(len(cells), 1 + max(covered, default=-1))):
            if c in covered:
                tails.append(tail(None, covered[c]))
            else:
                cell = cells[c] if c < len(cells) else None
                tails.append("" if cell is None else tail(cell[0], cell[1]))
        xml_cells = self._cells(tails)
        xml = self._xml(xml_cells, height)
        if key is not None and xml is not None and len(self.book.rows) < _MEMO:
            self.book.rows[(key, self.next)] = xml
        self.made(xml, len(tails) if xml_cells else 0)

    def _cells_row(self, cells: Sequence[Cell | None], height: float | None,
                   merges: Sequence[tuple[int, int]]) -> None:
        """:meth:`row` through XlsxWriter's own cells (a small book, in memory)."""
        ws, fmt, r = self.ws, self.book.format, self.next
        if height is not None:
            ws.set_row(r, height)
        for c1, c2 in merges:
            first = cells[c1] if c1 < len(cells) else None
            ws.merge_range(r, c1, r, c2, "", fmt(first[1] if first is not None else None))
        spans = {c1 for c1, _ in merges}
        covered = {c for c1, c2 in merges for c in range(c1 + 1, c2 + 1)}
        for c, cell in enumerate(cells):
            if cell is None or c in covered:
                continue
            value, style = cell
            if isinstance(value, str) and value:
                ws.write_string(r, c, clean_text(value), fmt(style))  # text, whatever it is
            elif value is None or isinstance(value, str):
                if style is not None and c not in spans:
                    ws.write_blank(r, c, None, fmt(style))
            else:
                ws.write_number(r, c, float(value), fmt(style))
        self.width = max(self.width, len(cells), 1 + max(covered, default=-1))
        self.next += 1

    def tails(self, tails: Sequence[str], height: float | None = None) -> None:
        """Write the next row from each column's :meth:`Book.cell_tail` ("" for none)."""
        cells = self._cells(tails)
        self.made(self._xml(cells, height), len(tails) if cells else 0)

    def _cells(self, tails: Sequence[str]) -> list[str]:
        number = str(self.next + 1)
        refs = self.refs(len(tails))[:len(tails)]
        return [f'<c r="{ref}{number}"{t}' for ref, t in zip(refs, tails, strict=True) if t]

    def _xml(self, cells: list[str], height: float | None) -> str | None:
        """The next row's XML (None for an empty row of the default height)."""
        head = f'<row r="{self.next + 1}"'
        if height is not None:
            head += f' ht="{height:g}" customHeight="1"'
        if cells:
            return f"{head}>{''.join(cells)}</row>"
        return f"{head}/>" if height is not None else None

    def made(self, xml: str | None, width: int) -> None:
        """Write the next row from its XML (None: nothing to write); ``width``: the
        columns its cells reach (0: it has none)."""
        if xml is not None:
            self._buffer.append(xml)
        if width:
            assert self.rows is not None
            self.rows.extent(self.next, width - 1)
            self.width = max(self.width, width)
        self.next += 1
        if len(self._buffer) >= 512:
            self.flush()

    def run(self, xml: str, count: int, width: int) -> None:
        """Write the next ``count`` rows from their XML, each row's cells reaching
        ``width`` columns."""
        if count:
            assert self.rows is not None
            self.flush()
            self.rows.extent(self.next, width - 1)
            self.rows.extent(self.next + count - 1, width - 1)
            self.width = max(self.width, width)
            self.rows.write(xml)
            self.next += count

    def flush(self) -> None:
        if self._buffer:
            assert self.rows is not None
            self.rows.write("".join(self._buffer))
            self._buffer.clear()

    def finish(self, *, breaks: Sequence[int] = (), autofilter_row: int | None = None,
               print_area: bool = False, repeat: tuple[int, int] | None = None) -> None:
        """The rows are all written: a filter on a header row, the print area, header
        rows repeated on every printed page."""
        self.flush()
        ws = self.ws
        last_row, last_col = self.next - 1, self.width - 1
        if breaks:
            ws.set_h_pagebreaks(list(breaks))
        if autofilter_row is not None and last_row > autofilter_row:
            ws.autofilter(autofilter_row, 0, last_row, last_col)
        if print_area and last_row >= 0:
            ws.print_area(0, 0, last_row, last_col)
        if repeat is not None and last_row > repeat[1]:
            ws.repeat_rows(*repeat)
        if self.rows is not None:
            self.rows.close()


class _Rows:
    """A worksheet's row file and what XlsxWriter knows of its rows (its private parts,
    all here): the ``constant_memory`` row file, the used range, the merged ranges,
    a format's index; closing the row file once the sheet is done, so that a workbook
    of many sheets does not hold a file open for each."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.fh = ws.row_data_fh

    @staticmethod
    def index(fmt: Any) -> int:
        return int(fmt._get_xf_index())

    def write(self, text: str) -> None:
        self.fh.write(text)

    def merge(self, row: int, c1: int, c2: int) -> None:
        self.ws.merge.append([row, c1, row, c2])

    def extent(self, row: int, col: int) -> None:
        ws = self.ws
        if ws.dim_rowmin is None:
            ws.dim_rowmin, ws.dim_colmin = row, 0
        ws.dim_rowmax = row
        ws.dim_colmax = col if ws.dim_colmax is None else max(ws.dim_colmax, col)

    def close(self) -> None:
        self.ws._opt_close()

    @staticmethod
    def store(wb: Any) -> None:
        """Close the workbook, zipped at the fastest compression: the rows' XML is most
        of a report, and level 1 deflates it three times faster than the default for
        a file about a third larger."""
        from xlsxwriter import workbook as module  # type: ignore[import-untyped,unused-ignore]

        original = module.ZipFile
        module.ZipFile = functools.partial(original, compresslevel=1)
        try:
            wb.close()
        finally:
            module.ZipFile = original
