"""Stream rows out of an actuals file (.xlsx or .csv) with their cell references.

The first non-blank row is the header. Each data row comes with its
spreadsheet row number so that every message can name ``sheet!cell``.
Heavy modules (openpyxl) are imported only when an .xlsx is opened.
"""

from __future__ import annotations

import codecs
import csv
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from kpiscore.errors import InputUnreadable
from kpiscore.values import FormulaWithoutValue, is_blank

#: Actuals files larger than this are refused (raise with --max-bytes).
MAX_INPUT_BYTES = 200 * 1024 * 1024


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Row:
    number: int  # 1-based row number in the sheet / file
    values: list[Any]
    percent: frozenset[int] = frozenset()  # columns whose cell is formatted as a percentage


@dataclass
class Table:
    name: str  # sheet name, or file name for CSV
    header: list[Any]
    header_row: int
    rows: Iterator[Row]

    def where(self, col: int, row: int | None = None) -> str:
        return f"{self.name}!{column_letter(col)}{row if row is not None else self.header_row}"


def _first_header(rows: Iterator[Row]) -> tuple[Row | None, Iterator[Row]]:
    for row in rows:
        if any(not is_blank(v) for v in row.values):
            return row, rows
    return None, rows


def _check_size(path: str, limit: int) -> None:
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise InputUnreadable(f"{path}: cannot read: {exc.strerror}") from None
    if os.path.isdir(path):
        raise InputUnreadable(f"{path}: is a folder, not an actuals file")
    if size > limit:
        raise InputUnreadable(f"{path}: the file is {size} bytes, over the limit of {limit} "
                              "(raise it with --max-bytes)")


def _csv_encoding(path: str, encoding: str | None) -> str:
    """Check the whole file decodes; a silent mis-decode would corrupt titles and ids."""
    enc = encoding or "utf-8-sig"
    try:
        decoder = codecs.getincrementaldecoder(enc)()
    except LookupError:
        raise InputUnreadable(f"unknown encoding {enc!r}") from None
    offset = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                at = offset + exc.start
                hint = " (a CSV saved by Excel in China is often GBK: try --encoding gbk)" \
                    if encoding is None else ""
                raise InputUnreadable(f"{path}: byte {at} is not valid {enc}{hint}") from None
            if not chunk:
                break
            offset += len(chunk)
    return enc


def _csv_rows(path: str, encoding: str) -> Iterator[Row]:
    with open(path, encoding=encoding, newline="") as fh:
        try:
            sample = fh.read(8192)
            fh.seek(0)
            try:
                dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
            except csv.Error:
                dialect = csv.excel
            reader = csv.reader(fh, dialect)
            for values in reader:
                yield Row(reader.line_num, list(values))
        except csv.Error as exc:
            raise InputUnreadable(f"{path}: not a readable CSV file: {exc}") from None


def _xlsx_rows(ws: Any) -> Iterator[Row]:
    """Rows of a read-only worksheet, straight from openpyxl's sheet parser.

    Going below ``iter_rows`` lets us see a formula whose value was never
    saved (openpyxl's data-only mode reads it as an empty cell) and skips
    building a cell object per value. Falls back to the public API if the
    internals ever change.
    """
    wb = ws.parent
    try:
        from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE
        from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

        styles = wb._cell_styles
        custom = wb._number_formats
        source = ws._get_source
        strings = ws._shared_strings
    except (ImportError, AttributeError):  # pragma: no cover - other openpyxl versions
        yield from _xlsx_rows_public(ws)
        return

    percent_styles = set()
    for index, style in enumerate(styles):
        fid = style.numFmtId
        fmt = BUILTIN_FORMATS.get(fid, "General") if fid < BUILTIN_FORMATS_MAX_SIZE \
            else custom[fid - BUILTIN_FORMATS_MAX_SIZE]
        if "%" in fmt:
            percent_styles.add(index)

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def parse_cell(self, element: Any) -> Any:
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = FormulaWithoutValue(element.findtext(FORMULA_TAG) or "")
            return cell

    with source() as src:
        parser = Parser(src, strings, data_only=True, epoch=wb.epoch,
                        date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for number, cells in parser.parse():
            if not cells:
                continue
            width = max(c["column"] for c in cells)
            values: list[Any] = [None] * width
            percent = []
            for c in cells:
                i = c["column"] - 1
                values[i] = c["value"]
                if c["style_id"] in percent_styles and isinstance(c["value"], (int, float)):
                    percent.append(i)
            yield Row(number, values, frozenset(percent))


def _xlsx_rows_public(ws: Any) -> Iterator[Row]:  # pragma: no cover - fallback
    for cells in ws.iter_rows():
        values = []
        percent = []
        number = None
        for i, cell in enumerate(cells):
            values.append(cell.value)
            if number is None:
                number = getattr(cell, "row", None)
            fmt = getattr(cell, "number_format", None)
            if fmt and "%" in fmt and isinstance(cell.value, (int, float)):
                percent.append(i)
        if number is None:
            continue
        yield Row(number, values, frozenset(percent))


@contextmanager
def open_actuals(path: str | os.PathLike[str], *, encoding: str | None = None,
                 sheet: str | None = None,
                 max_bytes: int = MAX_INPUT_BYTES) -> Iterator[Table]:
    """Open an actuals file and yield a :class:`Table` whose rows stream lazily."""
    name = os.fspath(path)
    _check_size(name, max_bytes)
    ext = os.path.splitext(name)[1].lower()
    if ext in (".csv", ".txt", ".tsv"):
        enc = _csv_encoding(name, encoding)
        rows = _csv_rows(name, enc)
        header, rows = _first_header(rows)
        if header is None:
            raise InputUnreadable(f"{name}: the file has no header row (it is empty)")
        yield Table(os.path.basename(name), header.values, header.number, rows)
        return
    if ext == ".xls":
        raise InputUnreadable(f"{name}: old .xls workbooks are not supported; save it as .xlsx")
    if not zipfile.is_zipfile(name):
        with open(name, "rb") as fh:
            magic = fh.read(8)
        if magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":  # an OLE compound file
            raise InputUnreadable(f"{name}: an encrypted (password-protected) or old .xls "
                                  "workbook; remove the password and save it as .xlsx")
        raise InputUnreadable(f"{name}: not an .xlsx workbook (it is not a zip file); "
                              "use .xlsx or .csv")
    import openpyxl  # heavy: only when a workbook is actually read

    try:
        wb = openpyxl.load_workbook(name, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken package
        raise InputUnreadable(f"{name}: cannot open the workbook: {exc}") from None
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise InputUnreadable(f"{name}: no sheet named {sheet!r} (sheets: "
                                      f"{', '.join(wb.sheetnames)})")
            ws = wb[sheet]
        else:
            visible = [w for w in wb.worksheets if getattr(w, "sheet_state", "visible")
                       == "visible"]
            if not visible:
                raise InputUnreadable(f"{name}: the workbook has no visible worksheet")
            ws = visible[0]
        rows = _xlsx_rows(ws)
        try:
            header, rows = _first_header(rows)
        except Exception as exc:
            raise InputUnreadable(f"{name}: cannot read sheet {ws.title!r}: {exc}") from None
        if header is None:
            raise InputUnreadable(f"{name}: sheet {ws.title!r} is empty (no header row)")
        yield Table(ws.title, header.values, header.number, rows)
    finally:
        wb.close()
