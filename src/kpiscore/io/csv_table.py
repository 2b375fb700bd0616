"""CSV (and .txt, .tsv) actuals: text, one row a line, the first non-blank row the header.

Messages are pinned by the bad-input corpus (tests/bad/cases/). A file is
refused, before its first row is read, when it does not decode in its encoding
(the whole file is checked); a line or a row over the column limit, or more rows
than the row limit, is refused while reading.
"""

from __future__ import annotations

import codecs
import csv
import os
from collections.abc import Generator, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple, NoReturn, TextIO

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.limits import Limits
from kpiscore.io.table import (
    Row,
    Table,
    TableOptions,
    check_size,
    column_letter,
    first_header,
    too_long,
    too_wide,
)

#: CSV: a line may hold this many characters per allowed column.
CSV_CHARS_PER_COLUMN = 512

EMPTY = Phrase("{path}: the file has no header row (it is empty)",
               "{path}:文件没有表头行(文件是空的)")
UNKNOWN_ENCODING = Phrase("unknown encoding {name}", "未知的编码 {name}")
BOM_CONTRADICTS = Phrase("{path}: the file starts with a {family} byte-order mark, but "
                         "--encoding {encoding} was given; leave --encoding out",
                         "{path}:文件以 {family} 字节顺序标记(BOM)开头,却给了 --encoding "
                         "{encoding};请去掉 --encoding")
NOT_VALID = Phrase("{path}: byte {at} is not valid {encoding}{hint}",
                   "{path}:第 {at} 个字节不是有效的 {encoding}{hint}")
HINT_UTF8 = Phrase(" (the file is UTF-8 text: leave --encoding out)",
                   "(文件是 UTF-8 文本:请去掉 --encoding)")
HINT_GBK = Phrase(" (a CSV saved by Excel in China is often GBK: try --encoding gbk)",
                  "(中文版 Excel 保存的 CSV 常为 GBK:请试 --encoding gbk)")
HINT_NEITHER = Phrase(" (nor GB18030 or GBK, which a CSV saved by Excel in China would be: "
                      "name its encoding with --encoding)",
                      "(也不是中文版 Excel 保存 CSV 时所用的 GB18030 或 GBK:请用 --encoding "
                      "指明文件的编码)")
#: Told (not refused) when a file that is not UTF-8 is read as GB18030.
READ_AS_GB18030 = Phrase("not UTF-8 text: read as GB18030 (GBK), the encoding Excel in China "
                         "saves CSV in; if a name looks wrong, name the file's encoding with "
                         "--encoding",
                         "不是 UTF-8 文本:已按 GB18030(GBK,中文版 Excel 保存 CSV 所用的编码)"
                         "读取;如果姓名显示不对,请用 --encoding 指明文件的编码")
HINT_UTF16 = Phrase(" (it holds NUL bytes: UTF-16 text without a byte-order mark? try "
                    "--encoding utf-16-le)",
                    "(其中有 NUL 字节:是没有字节顺序标记(BOM)的 UTF-16 文本吗?"
                    "请试 --encoding utf-16-le)")
NO_BOM = Phrase("{path}: cannot read it as {encoding}: the file does not start with the "
                "byte-order mark {encoding} needs; name the byte order (--encoding "
                "{encoding}-le or {encoding}-be)",
                "{path}:无法按 {encoding} 读取:文件开头没有 {encoding} 所需的字节顺序标记"
                "(BOM);请指明字节顺序(--encoding {encoding}-le 或 {encoding}-be)")
OVER_BYTES = Phrase("{path}: the file is over the limit of {limit} bytes ({advice})",
                    "{path}:文件超过 {limit} 字节的上限({advice})")
UTF8_AS_OTHER = Phrase("{path}: the file is UTF-8 text, so reading it as {encoding} would "
                       "garble its non-ASCII text; leave --encoding out",
                       "{path}:文件是 UTF-8 文本,按 {encoding} 读取会使其中的中文等非 ASCII "
                       "文字变成乱码;请去掉 --encoding")

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


@contextmanager
def open_csv(path: str, options: TableOptions) -> Iterator[Table]:
    """CSV text: ``.csv``, ``.txt``, ``.tsv``.

    Options: ``encoding`` (default UTF-8, or GB18030 for a file that is not UTF-8
    but is GB18030, which ``Table.notes`` then tells; a UTF-8, UTF-16 or UTF-32
    byte-order mark decides by itself, and the whole file must decode). ``sheet`` and
    ``table`` do not apply. The delimiter is ``,``, ``;`` or a tab, whichever the
    header line uses most outside quotes.

    Locations: ``<file name>!<column letter><line>``, e.g. ``actuals.csv!B7``
    (the physical line number, as a spreadsheet shows it). ``Table.name`` is
    the file's base name.
    """
    limits = options.limits
    check_size(path, limits)
    enc, note = _csv_encoding(path, options.encoding, limits)
    delimiter = _sniff(path, enc)
    rows = _csv_rows(path, enc, delimiter, limits)
    try:
        header, rest = first_header(rows)
        if header is None:
            raise InputUnreadable(str(EMPTY(path=path)))
        base = os.path.basename(path)
        yield CsvTable(base, header.values, header.number, rest, source=base, kind="csv",
                       delimiter=delimiter, notes=[note] if note is not None else [])
    finally:
        rows.close()


def _csv_encoding(path: str, encoding: str | None, limits: Limits) -> tuple[str, Text | None]:
    """The encoding to read ``path`` with, after checking the whole file decodes, and
    what to tell about it (None: nothing).

    A byte-order mark decides by itself (UTF-8, UTF-16, UTF-32). Without one the
    default is UTF-8; ``--encoding`` names another. A file that is not UTF-8 and
    was given no ``--encoding`` is read as GB18030 (a superset of GBK: what Excel
    in China saves CSV in) when all of it decodes so and it holds no NUL byte
    (UTF-16 without a mark would), and that is told. A silent mis-decode would
    corrupt titles and ids, so any other file that is not valid in the chosen
    encoding is refused, and so is a file that is valid UTF-8 with non-ASCII text
    while another encoding was asked for (GBK would read its bytes as other
    characters).
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
    bom = next((name for mark, name in _BOMS if head.startswith(mark)), None)
    if bom is not None and encoding is not None:
        try:
            asked = codecs.lookup(encoding).name
        except LookupError:
            raise InputUnreadable(str(UNKNOWN_ENCODING(name=repr(encoding)))) from None
        family = bom.removesuffix("-sig")
        if not asked.startswith(family):
            raise InputUnreadable(str(BOM_CONTRADICTS(path=path, family=family.upper(),
                                                      encoding=encoding)))
    enc = bom or encoding or "utf-8"
    try:
        decoder = codecs.getincrementaldecoder(enc)()
    except LookupError:
        raise InputUnreadable(str(UNKNOWN_ENCODING(name=repr(enc)))) from None
    check_utf8 = bom is None and codecs.lookup(enc).name not in ("utf-8", "utf-8-sig", "ascii")
    utf8 = codecs.getincrementaldecoder("utf-8")() if check_utf8 else None
    utf8_ok, non_ascii = True, False
    offset = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(1 << 20)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                at = offset + exc.start
                hint: Text | str = ""
                if utf8 is not None and _decodes(path, "utf-8"):
                    hint = HINT_UTF8()
                if encoding is None and bom is None:
                    if b"\x00" in chunk[:4096]:
                        hint = HINT_UTF16()
                    elif _decodes(path, "gb18030", limits):
                        return "gb18030", READ_AS_GB18030()
                    else:
                        hint = HINT_NEITHER()
                raise InputUnreadable(str(NOT_VALID(path=path, at=at, encoding=enc,
                                                    hint=hint))) from None
            except UnicodeError:  # utf-16 or utf-32 asked for, no byte-order mark
                raise InputUnreadable(str(NO_BOM(path=path, encoding=enc))) from None
            if utf8 is not None and utf8_ok:
                non_ascii = non_ascii or not chunk.isascii()
                try:
                    utf8.decode(chunk, final=not chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            if not chunk:
                break
            offset += len(chunk)
            if offset > limits.input_bytes:  # a pipe or a device: no size to check first
                raise InputUnreadable(str(OVER_BYTES(path=path, limit=limits.input_bytes,
                                                     advice=limits.advice("input_bytes"))))
    if utf8 is not None and utf8_ok and non_ascii:
        raise InputUnreadable(str(UTF8_AS_OTHER(path=path, encoding=encoding)))
    return enc, None


def _decodes(path: str, encoding: str, limits: Limits | None = None) -> bool:
    """Whether the whole of ``path`` is valid ``encoding``; with ``limits``, also within
    the size limit and without NUL bytes (UTF-16 text is not GB18030)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    size = 0
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                size += len(chunk)
                if limits is not None and (b"\x00" in chunk or size > limits.input_bytes):
                    return False
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


#: A record's problem when a quoted cell spans lines (a row error, so that a quote
#: closed a line late never scores one person with the next one's numbers).
SPANS = Phrase("a quote opened on line {open} closes on line {close}, so lines {start}-{end} "
               "are read as one row: a closing quote missing there would merge the people "
               "on those lines; a line break inside a CSV cell is not read (remove it, or "
               "save the sheet as .xlsx)",
               "第 {open} 行开始的引号到第 {close} 行才结束,因此第 {start}-{end} 行被读成了一行:"
               "若那里少了右引号,这几行上的人就会被合并;CSV 单元格中的换行不予读取"
               "(请删除换行,或把表格另存为 .xlsx)")
#: A record with more fields than the header row (a decimal comma: 9,5 for 9.5).
WIDER = Phrase("line {line} has {fields} fields but the header row (line {header}) has "
               "{columns}: {sep} inside a number or a name (9,5 for 9.5?) moves every value "
               "after it, or a column has no header; quote that cell, remove the extra "
               "separator, or give the column a header",
               "第 {line} 行有 {fields} 个字段,但表头行(第 {header} 行)只有 {columns} 个:"
               "数字或姓名中的{sep}(如把 9.5 写成 9,5)会使其后的每个值错位,也可能是某一列"
               "没有表头;请给该单元格加上引号、删去多余的分隔符,或为该列写上表头")
SEPARATORS = {",": Phrase("a comma (,)", "英文逗号"), ";": Phrase("a semicolon (;)", "分号"),
              "\t": Phrase("a tab", "制表符")}
UNCLOSED = Phrase("{path}: a quote opened in column {column} of line {line} is never closed: "
                  "the rest of the file (lines {line}-{last}) would be read as one cell; close "
                  "the quote or remove it",
                  "{path}:第 {line} 行第 {column} 列开始的引号一直没有结束:文件其余部分"
                  "(第 {line}-{last} 行)会被读成一个单元格;请补上右引号或删去该引号")
LINE_TOO_LONG = Phrase("{path}: line {line} is longer than {limit} characters, the limit for "
                       "a line ({per} characters for each of the {columns} columns allowed; "
                       "{advice})",
                       "{path}:第 {line} 行超过 {limit} 个字符,超出一行的上限"
                       "(允许的 {columns} 列每列 {per} 个字符;{advice})")
ROW_TOO_LONG = Phrase("{path}: the row that starts on line {start} is longer than {limit} "
                      "characters by line {line}{why}; a row may hold {per} characters for "
                      "each of the {columns} columns allowed ({advice})",
                      "{path}:从第 {start} 行开始的一行到第 {line} 行已超过 {limit} 个字符{why};"
                      "一行最多可有允许的 {columns} 列每列 {per} 个字符({advice})")
ROW_TOO_WIDE = Phrase("{path}: the row that starts on line {start} has more than {columns} "
                      "columns by line {line}{why}; {advice}",
                      "{path}:从第 {start} 行开始的一行到第 {line} 行已超过 {columns} 列{why};"
                      "{advice}")
#: Why a row over several lines is over a limit: a quote still open.
STILL_OPEN = Phrase(": the quote opened in column {column} of line {open} is not closed (a "
                    "closing quote missing?)",
                    ":第 {open} 行第 {column} 列开始的引号没有结束(少了右引号?)")
NOT_CSV = Phrase("{path}: line {line} is not readable CSV: {why}",
                 "{path}:第 {line} 行不是可读的 CSV:{why}")


class _Quote(NamedTuple):
    """A quoted cell of a record that does not end on the line it starts on: its
    column, the line it opens on and the line it closes on (None: still open), counted
    from the record's first line (0)."""

    column: int
    opens: int
    closes: int | None


def _spanning(lines: Sequence[str], delimiter: str) -> list[_Quote]:
    """The quoted cells of one record's physical ``lines`` that span lines, as
    :func:`csv.reader` reads them (the ``excel`` dialect: a ``"`` opens a quoted cell
    only at the start of a field, ``""`` inside one is a quote, the next ``"`` closes
    it; text after the closing quote joins the cell)."""
    out: list[_Quote] = []
    column, quoted, start = 0, False, True
    opened = 0
    for k, line in enumerate(lines):
        i, n = 0, len(line)
        while i < n:
            ch = line[i]
            if quoted:
                if ch == '"':
                    if i + 1 < n and line[i + 1] == '"':
                        i += 2
                        continue
                    quoted = False
                    if k > opened:
                        out.append(_Quote(column, opened, k))
            elif ch == delimiter:
                column, start = column + 1, True
                i += 1
                continue
            elif ch == '"' and start:
                quoted, opened = True, k
            start = False
            i += 1
    if quoted:
        out.append(_Quote(column, opened, None))
    return out


class _Lines:
    """A CSV file's physical lines, handed to :func:`csv.reader` one at a time, and the
    lines of the record being read: a line or a record over the length limit, a record
    over the columns limit, more lines than the rows limit and a quote never closed are
    refused here, naming the line."""

    def __init__(self, fh: TextIO, path: str, delimiter: str, limits: Limits) -> None:
        self.fh, self.path, self.delimiter, self.limits = fh, path, delimiter, limits
        self.max_line = limits.columns * CSV_CHARS_PER_COLUMN
        self.read = 0  # physical lines read
        self.record: list[str] = []  # the lines of the record being read
        self.chars = 0  # its characters, but for the line break that ends it
        self.delimiters = 0

    @property
    def start(self) -> int:
        """The line the record being read starts on."""
        return self.read - len(self.record) + 1

    def done(self) -> None:
        """The record is read: the next line starts another."""
        self.record.clear()
        self.chars = self.delimiters = 0

    def __iter__(self) -> Iterator[str]:
        limits, max_line = self.limits, self.max_line
        while True:
            # a line of max_line characters and its line break fit; a longer one is cut,
            # refused below before the rest of it is read
            line = self.fh.readline(max_line + 3)
            if not line:
                if self.record:  # csv.reader is inside a quoted cell at the end
                    self._unclosed()
                return
            self.read += 1
            self.record.append(line)
            ending = 2 if line.endswith("\r\n") else 1 if line.endswith(("\n", "\r")) else 0
            self.chars += len(line)
            if self.chars - ending > max_line:
                self._too_long()
            self.delimiters += line.count(self.delimiter)
            if self.delimiters >= limits.columns:
                self._too_wide()
            if self.read > limits.rows:
                raise too_long(self.path, limits)
            yield line

    def _open_quote(self) -> _Quote | None:
        """The quoted cell still open at the end of the lines read (None: none is)."""
        quotes = _spanning(self.record, self.delimiter)
        return next((q for q in quotes if q.closes is None), None)

    def _why(self) -> Text | str:
        """Why the record being read is over a limit, when a quote left open may be it."""
        quote = self._open_quote()
        if quote is None:
            return ""
        return STILL_OPEN(column=column_letter(quote.column), open=self.start + quote.opens)

    def _too_wide(self) -> NoReturn:
        if len(self.record) == 1:
            raise too_wide(self.path, self.read, self.limits, "line")
        raise InputUnreadable(str(ROW_TOO_WIDE(
            path=self.path, start=self.start, columns=self.limits.columns, line=self.read,
            why=self._why(), advice=self.limits.advice("columns"))))

    def _unclosed(self) -> NoReturn:
        quote = self._open_quote() or _Quote(0, 0, None)
        raise InputUnreadable(str(UNCLOSED(path=self.path, line=self.start + quote.opens,
                                           column=column_letter(quote.column),
                                           last=self.read)))

    def _too_long(self) -> NoReturn:
        limits = self.limits
        facts = {"path": self.path, "limit": self.max_line, "per": CSV_CHARS_PER_COLUMN,
                 "columns": limits.columns, "advice": limits.advice("columns")}
        if len(self.record) == 1:
            raise InputUnreadable(str(LINE_TOO_LONG(line=self.read, **facts)))
        raise InputUnreadable(str(ROW_TOO_LONG(start=self.start, line=self.read,
                                               why=self._why(), **facts)))


def _csv_rows(path: str, encoding: str, delimiter: str,
              limits: Limits) -> Generator[Row, None, None]:
    """The records of ``path``, each a :class:`Row` numbered by the physical line it
    starts on; a record whose quoted cell spans lines has that as its problem.

    Read in bulk while every line is a record of its own within the limits
    (:func:`_regular_rows`), then line by line from the first line that is not
    (:func:`_exact_rows`), which finds what is wrong as it always did."""
    max_line = limits.columns * CSV_CHARS_PER_COLUMN
    if csv.field_size_limit() < max_line:  # a cell is never longer than its row, refused
        csv.field_size_limit(max_line)  # past max_line by _Lines, naming the line
    read = yield from _regular_rows(path, encoding, delimiter, limits)
    if read is not None:
        yield from _exact_rows(path, encoding, delimiter, limits, read)


#: Characters the bulk reader takes at a time: a thousand or so lines of a typical file.
_CHUNK = 1 << 17
#: Line breaks of :meth:`str.splitlines` that a CSV file's lines do not end at (a file
#: read with ``newline=""`` ends its lines at ``\n``, ``\r\n`` and ``\r`` only), and
#: NUL (the csv module refuses it).
_NOT_BULK = ("\x00", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")


def _regular_rows(path: str, encoding: str, delimiter: str,
                  limits: Limits) -> Generator[Row, None, int | None]:
    """The rows of ``path`` read many lines at a time, as long as each line is a record
    of its own (no quoted cell goes on to the next line) and within the limits of
    :class:`_Lines`, so that reading it line by line would find nothing wrong and the
    same values; returns how many lines it read when the rest must be read line by line
    (from a line that may be wrong, or that starts a record over several lines), None
    at the end of the file.

    Lines end where a text file read with ``newline=""`` ends them (a chunk with
    another of :meth:`str.splitlines`'s breaks, or a NUL, is left to the line reader).
    With a quote in the chunk, a line is taken only while the csv module has not read
    past it for its record (:attr:`csv.reader.line_num`), so its last line waits for
    the next chunk, and the file's last line, if it holds a quote, for the line reader
    (which says when that quote is never closed).
    """
    max_line = limits.columns * CSV_CHARS_PER_COLUMN
    read = 0
    carry = ""
    with open(path, encoding=encoding, newline="") as fh:
        while True:
            data = fh.read(_CHUNK)
            end = not data
            text = carry + data
            if not text:
                return None
            if any(ch in text for ch in _NOT_BULK):
                return read
            quoted = '"' in text
            stop = False
            if quoted:  # the lines with their breaks, for the csv module
                lines = text.splitlines(keepends=True)
                if end:
                    carry, take = "", len(lines)
                    if '"' in lines[-1]:
                        take, stop = take - 1, True
                else:
                    carry, take = lines[-1], len(lines) - 1  # maybe not all of a line yet
            else:  # the lines without them, split at the separator below
                cut = len(text) if end else _last_line(text)
                lines, carry = text[:cut].splitlines(), text[cut:]
                take = len(lines)
            if len(carry) > max_line + 2:  # over the limit: the line reader says so
                stop = True
            if take > limits.rows - read:
                take, stop = limits.rows - read, True
            if take > 0:
                longest = max(map(len, lines[:take]))
                if longest > max_line or (longest >= limits.columns and max(
                        line.count(delimiter) for line in lines[:take]) >= limits.columns):
                    return read
                first = read + 1
                try:
                    if quoted:  # the line after each record shows whether it went on
                        reader = csv.reader(lines, csv.excel, delimiter=delimiter)
                        rows = []
                        for k, values in enumerate(reader):
                            if k == take:
                                break
                            if reader.line_num != k + 1:  # a record over several lines
                                stop = True
                                break
                            rows.append(Row(first + k, values))
                    else:  # no quote: the csv module's fields are the text between
                        # separators (and a line with nothing but its break, no field)
                        rows = [Row(first + k, line.split(delimiter) if line else [])
                                for k, line in enumerate(lines[:take])]
                except csv.Error:  # the line reader names the line
                    return read
                read += len(rows)
                yield from rows
            if stop:
                return read
            if end:
                return None


def _last_line(text: str) -> int:
    """Where the last line of ``text`` starts (the break that ends ``text``, if any, is
    that line's)."""
    k = len(text) - (2 if text.endswith("\r\n") else 1 if text.endswith(("\n", "\r")) else 0)
    return max(text.rfind("\n", 0, k), text.rfind("\r", 0, k)) + 1


def _exact_rows(path: str, encoding: str, delimiter: str, limits: Limits,
                skip: int) -> Generator[Row, None, None]:
    """The records of ``path`` after its first ``skip`` lines, read line by line."""
    max_line = limits.columns * CSV_CHARS_PER_COLUMN
    with open(path, encoding=encoding, newline="") as fh:
        for _ in range(skip):  # lines the bulk reader read whole: none is over the limit
            fh.readline(max_line + 3)
        lines = _Lines(fh, path, delimiter, limits)
        lines.read = skip
        reader = csv.reader(lines, csv.excel, delimiter=delimiter)
        try:
            for values in reader:
                start, count = lines.start, len(lines.record)
                problems: tuple[tuple[int, Text], ...] = ()
                if count > 1:
                    quote = next((q for q in _spanning(lines.record, delimiter)
                                  if q.closes is not None), _Quote(0, 0, count - 1))
                    assert quote.closes is not None
                    problems = ((quote.column, SPANS(open=start + quote.opens,
                                                     close=start + quote.closes,
                                                     start=start, end=start + count - 1)),)
                lines.done()
                yield Row(start, values, problems=problems)
        except csv.Error as exc:
            raise InputUnreadable(str(NOT_CSV(path=path, line=lines.read, why=exc))) from None


@dataclass(eq=False)
class CsvTable(Table):
    """A CSV file's table: a person's record must be no wider than the header row (a
    shorter one is read with its missing last cells blank, as a spreadsheet shows it)."""

    delimiter: str = field(default=",", kw_only=True)

    def row_problems(self, row: Row) -> list[tuple[int, Text]]:
        width = len(self.header)
        if not row.problems and len(row.values) <= width:
            return []  # most rows: read in bulk, no wider than the header
        problems = super().row_problems(row)
        if len(row.values) > width:
            problems.append((width, WIDER(line=row.number, fields=len(row.values),
                                          header=self.header_row, columns=width,
                                          sep=SEPARATORS[self.delimiter])))
        return problems


def _sniff(path: str, encoding: str) -> str:
    with open(path, encoding=encoding, newline="") as fh:
        return _delimiter(fh.read(64 * 1024))


def _delimiter(sample: str) -> str:
    """``,``, ``;`` or a tab: whichever the header (the first non-blank line) uses most
    outside quotes; ``,`` when it uses none.

    Not ``csv.Sniffer``: it also guesses a quote character (a ``'`` could join rows)
    and its regular expressions take a second on some 8 KB samples.
    """
    header = next((line for line in sample.splitlines() if line.strip()), "")
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","
