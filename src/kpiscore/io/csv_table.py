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
from collections.abc import Generator, Iterator
from contextlib import contextmanager

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.limits import Limits
from kpiscore.io.table import (
    Row,
    Table,
    TableOptions,
    check_size,
    first_header,
    too_long,
    too_wide,
)

#: CSV: a line may hold this many characters per allowed column.
CSV_CHARS_PER_COLUMN = 512

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


@contextmanager
def open_csv(path: str, options: TableOptions) -> Iterator[Table]:
    """CSV text: ``.csv``, ``.txt``, ``.tsv``.

    Options: ``encoding`` (default UTF-8; a UTF-8, UTF-16 or UTF-32 byte-order
    mark decides by itself, and the whole file must decode). ``sheet`` and
    ``table`` do not apply. The delimiter is ``,``, ``;`` or a tab, whichever the
    header line uses most outside quotes.

    Locations: ``<file name>!<column letter><line>``, e.g. ``actuals.csv!B7``
    (the physical line number, as a spreadsheet shows it). ``Table.name`` is
    the file's base name.
    """
    limits = options.limits
    check_size(path, limits)
    enc = _csv_encoding(path, options.encoding, limits)
    rows = _csv_rows(path, enc, limits)
    try:
        header, rest = first_header(rows)
        if header is None:
            raise InputUnreadable(f"{path}: the file has no header row (it is empty)")
        base = os.path.basename(path)
        yield Table(base, header.values, header.number, rest, source=base, kind="csv")
    finally:
        rows.close()


def _csv_encoding(path: str, encoding: str | None, limits: Limits) -> str:
    """The encoding to read ``path`` with, after checking the whole file decodes.

    A byte-order mark decides by itself (UTF-8, UTF-16, UTF-32). Without one the
    default is UTF-8; ``--encoding`` names another. A silent mis-decode would
    corrupt titles and ids, so a file that is not valid in the chosen encoding
    is refused, and so is a file that is valid UTF-8 with non-ASCII text while
    another encoding was asked for (GBK would read its bytes as other characters).
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
    bom = next((name for mark, name in _BOMS if head.startswith(mark)), None)
    if bom is not None and encoding is not None:
        try:
            asked = codecs.lookup(encoding).name
        except LookupError:
            raise InputUnreadable(f"unknown encoding {encoding!r}") from None
        family = bom.removesuffix("-sig")
        if not asked.startswith(family):
            raise InputUnreadable(f"{path}: the file starts with a {family.upper()} byte-order "
                                  f"mark, but --encoding {encoding} was given; leave "
                                  "--encoding out")
    enc = bom or encoding or "utf-8"
    try:
        decoder = codecs.getincrementaldecoder(enc)()
    except LookupError:
        raise InputUnreadable(f"unknown encoding {enc!r}") from None
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
                hint = ""
                if utf8 is not None and _is_utf8(path):
                    hint = " (the file is UTF-8 text: leave --encoding out)"
                if encoding is None:
                    hint = " (a CSV saved by Excel in China is often GBK: try --encoding gbk)"
                    if b"\x00" in chunk[:4096]:
                        hint = (" (it holds NUL bytes: UTF-16 text without a byte-order "
                                "mark? try --encoding utf-16-le)")
                raise InputUnreadable(f"{path}: byte {at} is not valid {enc}{hint}") from None
            except UnicodeError as exc:  # e.g. utf-16 asked for, no byte-order mark
                raise InputUnreadable(f"{path}: cannot read it as {enc}: {exc}") from None
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
                raise InputUnreadable(f"{path}: the file is over the limit of "
                                      f"{limits.input_bytes} bytes "
                                      f"({limits.refusal('input_bytes')})")
    if utf8 is not None and utf8_ok and non_ascii:
        raise InputUnreadable(f"{path}: the file is UTF-8 text, so reading it as {encoding} "
                              "would garble its non-ASCII text; leave --encoding out")
    return enc


def _is_utf8(path: str) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _csv_rows(path: str, encoding: str, limits: Limits) -> Generator[Row, None, None]:
    max_line = limits.columns * CSV_CHARS_PER_COLUMN
    with open(path, encoding=encoding, newline="") as fh:
        try:
            delimiter = _delimiter(fh.read(64 * 1024))
            fh.seek(0)
            pending = [0, 0]  # delimiters since the last record, physical line number

            def lines() -> Iterator[str]:
                while True:
                    line = fh.readline(max_line)
                    if not line:
                        return
                    pending[1] += 1
                    if len(line) >= max_line and not line.endswith(("\n", "\r")):
                        raise InputUnreadable(
                            f"{path}: line {pending[1]} is longer than {max_line} characters "
                            f"(more than {limits.columns} columns?; "
                            f"{limits.refusal('columns')})")
                    pending[0] += line.count(delimiter)
                    if pending[0] >= limits.columns:
                        raise too_wide(path, pending[1], limits, "line")
                    yield line

            reader = csv.reader(lines(), csv.excel, delimiter=delimiter)
            for values in reader:
                pending[0] = 0
                if reader.line_num > limits.rows:
                    raise too_long(path, limits)
                yield Row(reader.line_num, list(values))
        except csv.Error as exc:
            raise InputUnreadable(f"{path}: not a readable CSV file: {exc}") from None


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
