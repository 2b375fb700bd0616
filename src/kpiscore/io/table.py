"""A table of actuals, whatever file it comes from, and the one header normaliser.

An opener (:mod:`kpiscore.io` lists them by kind) turns a file into a
:class:`Table`: a header row, then :class:`Row` objects streamed lazily, and a
way to name where a cell is (``sheet!B7`` for a spreadsheet, something else
for another kind of source) so that every message can point at it.

Headers are matched through :class:`HeaderIndex`, built on :func:`header_key`
and :func:`header_variants`, so every caller that looks for a column (fields,
rater, period and role columns, survey columns) compares headers the same way.
"""

from __future__ import annotations

import itertools
import os
import re
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from kpiscore.base.errors import InputUnreadable, os_reason
from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.lazy import resolve
from kpiscore.base.limits import Limits
from kpiscore.base.numbers import normalise_text
from kpiscore.io.cells import is_blank, read_number

# -- headers --------------------------------------------------------------------------

_SPACE = re.compile(r"\s+")
_SPLIT = re.compile(r"[\n/|]")
_BRACKETED = re.compile(r"^(.*?)\s*[(\[【]([^()\[\]【】]*)[)\]】]\s*$")


def header_key(text: object) -> str:
    """A header (or a name to look for) as compared: NFKC, case-folded, every white
    space removed, so ``客户 满意度``, ``客户满意度`` and ``ＫＰＩ`` vs ``kpi`` match.

    Idempotent: ``header_key(header_key(x)) == header_key(x)``, so a name that is
    already a key can be given again.
    """
    key = _SPACE.sub("", normalise_text(str(text)).casefold())
    if key.isascii():
        return key
    # case folding and NFKC do not commute for a few characters: repeat to a fixed point
    for _ in range(4):
        again = _SPACE.sub("", unicodedata.normalize("NFKC", key).casefold())
        if again == key:
            break
        key = again
    # ... which can still be a decomposed form that NFKC composes (T¨: casefold spells ẗ
    # as t + U+0308): the key is the composed one, so that it too is NFKC text
    return unicodedata.normalize("NFKC", key)


def header_variants(text: object) -> set[str]:
    """The keys a header matches by: its whole text, and each part of ``标题 (id)``,
    ``标题\\nid``, ``标题【单位】``, ``a/b`` and ``a|b``; a leading ``'`` that keeps
    ``=…`` text in a spreadsheet is not part of it."""
    raw = normalise_text(str(text))
    if raw[:1] == "'" and raw[1:2] in ("=", "+", "-", "@"):
        raw = raw[1:]  # quoted so that a spreadsheet keeps it text (a template's CSV)
    out = {header_key(raw)}
    for part in _SPLIT.split(raw):
        out.add(header_key(part))
    m = _BRACKETED.match(raw)
    if m:
        out.add(header_key(m.group(1)))
        out.add(header_key(m.group(2)))
    out.discard("")
    return out


class HeaderIndex:
    """A header row, indexed once for every column lookup a caller makes.

    Blank header cells, and the columns in ``skip`` (taken by something else:
    a rater or a period column), match nothing. Every lookup returns column
    indexes in header order and takes ``exclude``: columns to leave out of this
    lookup only.
    """

    def __init__(self, header: Sequence[object], skip: Collection[int] = ()) -> None:
        self.header = header
        self.keys: list[str | None] = []
        self._by_key: dict[str, list[int]] = {}
        self._by_variant: dict[str, list[int]] = {}
        for i, h in enumerate(header):
            if i in skip or is_blank(h):
                self.keys.append(None)
                continue
            key = header_key(h)
            self.keys.append(key)
            self._by_key.setdefault(key, []).append(i)
            for v in header_variants(h):
                self._by_variant.setdefault(v, []).append(i)

    def _lookup(self, table: dict[str, list[int]], names: Iterable[str],
                exclude: Collection[int]) -> list[int]:
        found: set[int] = set()
        for name in names:
            found.update(table.get(header_key(name), ()))
        return sorted(found.difference(exclude) if exclude else found)

    def matching(self, names: Iterable[str], exclude: Collection[int] = ()) -> list[int]:
        """Columns any of whose variants is the key of one of ``names``."""
        return self._lookup(self._by_variant, names, exclude)

    def exact(self, names: Iterable[str], exclude: Collection[int] = ()) -> list[int]:
        """Columns whose whole header has the key of one of ``names``."""
        return self._lookup(self._by_key, names, exclude)

    def find(self, names: Sequence[str], exclude: Collection[int] = ()) -> list[int]:
        """:meth:`matching`, narrowed to the one exact match when several columns match
        and exactly one of them is named in full (``数值`` beside ``数值 (上月)``)."""
        hits = self.matching(names, exclude)
        if len(hits) > 1:
            exact = self.exact(names, exclude)
            if len(exact) == 1:
                return exact
        return hits

    def first(self, names: Sequence[str], exclude: Collection[int] = (), *,
              exact: bool = False) -> int | None:
        """The first column :meth:`matching` (or, with ``exact``, :meth:`exact`) finds."""
        hits = self.exact(names, exclude) if exact else self.matching(names, exclude)
        return hits[0] if hits else None

    def named(self) -> Iterator[tuple[int, str]]:
        """``(column, header text)`` of every column that can match (not blank or skipped)."""
        for i, key in enumerate(self.keys):
            if key is not None:
                yield i, str(self.header[i])


# -- rows and tables ------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    number: int  # 1-based row number in the sheet / file (an opener may say otherwise)
    values: list[Any]
    percent: frozenset[int] = frozenset()  # columns whose cell is formatted as a percentage
    #: what is wrong with the row's structure, not its values, as the opener found it:
    #: ``(column, message)``; a person's row with problems is an error row (a CSV record
    #: whose quoted cell spans lines)
    problems: tuple[tuple[int, Text], ...] = ()


def _no_merged(row: int) -> list[tuple[int, int, int, int]]:
    return []


NO_SUCH_ROW = Phrase("{source}: --header-row {row}: the table ends at row {last}",
                     "{source}:--header-row {row}:表格到第 {last} 行就结束了")
TITLE_ONLY = Phrase("row {row} is read as the header row but holds only {title}, a title?, and "
                    "no row below it names the scheme's columns: name the header row with "
                    "--header-row N",
                    "第 {row} 行被当作表头行,但只有 {title}(是标题吗?),"
                    "其下也没有哪一行写着方案要读的列:请用 --header-row N 指定表头所在的行")
NUMBERS = Phrase("row {row} is read as the header row but holds numbers ({sample}): is the "
                 "header row missing? Put the column headers above the first person",
                 "第 {row} 行被当作表头行,但其中是数字({sample}):"
                 "缺少表头行吗?请在第一个人的上方写上各列的表头")
MERGED = Phrase("{span} is a merged cell: kpiscore reads one header per column, so columns "
                "{columns} have no header of their own; unmerge the header cells and give each "
                "column its own header in row {row}",
                "{span} 是合并单元格:kpiscore 每列读一个表头,因此 {columns} 列没有自己的表头;"
                "请取消合并,并在第 {row} 行为每一列写上各自的表头")
MERGED_ONE = Phrase("{span} is a merged cell: kpiscore reads one header per column, so column "
                    "{columns} has no header of its own; unmerge the header cells and give each "
                    "column its own header in row {row}",
                    "{span} 是合并单元格:kpiscore 每列读一个表头,因此 {columns} 列没有自己的表头;"
                    "请取消合并,并在第 {row} 行为每一列写上各自的表头")
GAPS = Phrase("the header row {row} has blank cells between named columns ({cells}); every "
              "column the scheme reads needs its header in row {row}",
              "表头行(第 {row} 行)在有名称的列之间有空白单元格({cells});"
              "方案要读的每一列都需要在第 {row} 行有表头")
BLANK_ROW = Phrase("{source}: --header-row {row}: row {row} is blank (the first non-blank row "
                   "is {first})",
                   "{source}:--header-row {row}:第 {row} 行是空行(第一个非空行是第 {first} 行)")


def _no_others(count: int) -> list[tuple[str, list[list[Any]]]]:
    return []


#: What reading a row may raise besides InputUnreadable; :meth:`Table.people` turns it
#: into InputUnreadable (a workbook can be damaged past its header).
READ_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, KeyError, EOFError)


@dataclass(eq=False)
class Table:
    """The rows of one actuals source. Rows stream lazily, once; the opener's context
    manager must stay open while they are read.

    The base class names cells as a spreadsheet does (``name!B7``); an opener
    whose source is not a spreadsheet subclasses it and overrides :meth:`where`
    (and :meth:`header_notes`), and passes ``read_errors`` for its own errors.
    """

    name: str  # sheet name, file name for CSV, table name for SQLite
    header: list[Any]
    header_row: int
    rows: Iterator[Row]
    #: merged ranges (first col, first row, last col, last row; 0-based columns) that
    #: touch a row (the header row); found on demand, since a sheet lists them after its rows
    merged: Callable[[int], list[tuple[int, int, int, int]]] = field(default=_no_merged)
    #: the title and first non-blank rows (``count`` at most) of every other sheet that
    #: could have been read instead (a workbook's later visible sheets, when none was
    #: named), read on demand
    others: Callable[[int], list[tuple[str, list[list[Any]]]]] = field(default=_no_others,
                                                                       kw_only=True)
    #: the file's base name, for messages and outputs
    source: str = field(default="", kw_only=True)
    #: the file as it was given, for messages (the source when empty)
    path: str = field(default="", kw_only=True)
    #: the opener that read it (a key of kpiscore.io.OPENERS)
    kind: str = field(default="", kw_only=True)
    #: what reading its rows may raise, turned into InputUnreadable by :meth:`people`
    read_errors: tuple[type[Exception], ...] = field(default=READ_ERRORS, kw_only=True,
                                                     repr=False)
    #: whether the header row is settled (named with --header-row, found already, or
    #: not a row at all): no row is looked for in its place
    header_fixed: bool = field(default=False, kw_only=True)
    #: why the header row is not the first non-blank row, when it was looked for
    header_note: Text | None = field(default=None, kw_only=True)
    #: how the opener read the source, when it is worth telling (a CSV file's encoding,
    #: when it was recognised rather than given); told before any row's errors
    notes: list[Text] = field(default_factory=list, kw_only=True)
    #: how the opener reads only one column of some rows, if it can (:meth:`skim`)
    skimming: Any = field(default=None, kw_only=True, repr=False)

    def where(self, col: int, row: int | None = None) -> str:
        """Where a cell is, for messages; ``row`` None is the header cell."""
        return f"{self.name}!{column_letter(col)}{row if row is not None else self.header_row}"

    def row_problems(self, row: Row) -> list[tuple[int, Text]]:
        """What is wrong with a person's row as a row (its shape, not its values):
        ``(column, message)``, in order. Such a row is an error row: it appears in the
        output with these errors first. The base class gives what the opener found
        (:attr:`Row.problems`); an opener whose rows must match the header (CSV) adds
        its own checks, made against the header row as finally settled."""
        return list(row.problems)

    def skim(self, keep: Callable[[int], bool], column: int) -> bool:
        """From now on, rows whose number ``keep`` refuses may come with only ``column``
        read (the others None): for a reader that needs only their ids (another
        process reads them whole). Whether the opener does it (xlsx); a row it cannot
        skim comes whole, and one with nothing in ``column`` may not come at all."""
        if self.skimming is None:
            return False
        self.skimming.set(keep, column)
        return True

    def people(self) -> Iterator[tuple[Row, Callable[[int], str]]]:
        """The non-blank rows, each with its ``col → location`` locator.

        An error while reading rows (other than InputUnreadable) becomes
        ``InputUnreadable("<source>: cannot read past row N: …")``.
        """
        last = self.header_row
        try:  # what _read does, here: a generator fewer for each row
            for row in self.rows:
                last = row.number
                for value in row.values:
                    if not is_blank(value):
                        break
                else:  # every cell blank (or none at all)
                    continue

                def where(col: int, _n: int = last) -> str:
                    return self.where(col, _n)

                yield row, where
        except InputUnreadable:
            raise
        except self.read_errors as exc:
            raise InputUnreadable(str(PAST_ROW(source=self.source or self.name, row=last,
                                               error=exc))) from None

    def _read(self) -> Iterator[Row]:
        """The rows, an error reading them (other than InputUnreadable) as InputUnreadable."""
        last = self.header_row
        try:
            for row in self.rows:
                last = row.number
                yield row
        except InputUnreadable:
            raise
        except self.read_errors as exc:
            raise InputUnreadable(str(PAST_ROW(source=self.source or self.name, row=last,
                                               error=exc))) from None

    def peek(self, count: int) -> list[Row]:
        """The next ``count`` rows after the header (fewer at the end), left to be read."""
        ahead = list(itertools.islice(self._read(), count))
        self.rows = itertools.chain(ahead, self.rows)
        return ahead

    def move_header(self, number: int, path: str | None = None) -> list[Row]:
        """Make row ``number`` (below the header row) the header row; returns the non-blank
        rows above it, which are not read as people. Raises InputUnreadable, naming
        ``path`` (default: the source), when row ``number`` is blank or past the end."""
        if number == self.header_row:
            return []
        source = path or self.source or self.name
        if number < self.header_row:
            raise InputUnreadable(str(BLANK_ROW(source=source, row=number,
                                                first=self.header_row)))
        above = [Row(self.header_row, self.header)]
        for row in self._read():
            if row.number >= number:
                if row.number > number or all(is_blank(v) for v in row.values):
                    self.rows = itertools.chain([row], self.rows)
                    raise InputUnreadable(str(BLANK_ROW(source=source, row=number,
                                                        first=self.header_row)))
                self.header, self.header_row = row.values, row.number
                return [r for r in above if not all(is_blank(v) for v in r.values)]
            above.append(row)
        raise InputUnreadable(str(NO_SUCH_ROW(source=source, row=number,
                                              last=above[-1].number)))

    def header_notes(self) -> list[tuple[int, Text]]:
        """Why the header row may not be what the person meant: ``(column, message)``.

        Called when a column the scheme needs is missing: a title above the real
        headers, data where the headers should be, or blank (merged) header cells.
        """
        header, row = self.header, self.header_row
        named = [i for i, v in enumerate(header) if not is_blank(v)]
        if not named:
            return []
        notes: list[tuple[int, Text]] = []
        first = named[0]

        def shown(i: int) -> str:
            text = str(header[i]).strip()
            return repr(text if len(text) <= 30 else text[:27] + "...")

        numbers = [i for i in named if _looks_numeric(header[i])]
        if len(named) == 1 and not numbers:
            notes.append((first, TITLE_ONLY(row=row, title=shown(first))))
        elif numbers:
            notes.append((numbers[0], NUMBERS(row=row, sample=", ".join(
                shown(i) for i in numbers[:3]))))
        covered: set[int] = set()
        for c1, r1, c2, r2 in sorted(self.merged(row)):
            if not r1 <= row <= r2 or c2 <= c1:
                continue
            cols = [column_letter(c) for c in range(c1 + 1, c2 + 1)]
            covered.update(range(c1, c2 + 1))
            span = f"{column_letter(c1)}{r1}:{column_letter(c2)}{r2}"
            notes.append((c1, (MERGED_ONE if len(cols) == 1 else MERGED)(
                span=span, columns=", ".join(cols), row=row)))
        gaps = [i for i in range(first, named[-1]) if is_blank(header[i]) and i not in covered]
        if gaps:
            cells = ", ".join(self.where(i) for i in gaps[:5]) + (", …" if len(gaps) > 5 else "")
            notes.append((gaps[0], GAPS(row=row, cells=cells)))
        return notes


# -- what openers share ---------------------------------------------------------------


@dataclass(frozen=True)
class TableOptions:
    """How to open a source; each opener reads the options that apply to it."""

    encoding: str | None = None  # CSV: the text encoding (a byte-order mark decides alone)
    sheet: str | None = None  # xlsx: the worksheet (default: the first visible one)
    table: str | None = None  # SQLite: the table or view (default: the only table)
    limits: Limits = field(default_factory=Limits)  # input_bytes already includes max_bytes


@dataclass(frozen=True)
class Opener:
    """One input kind: the suffixes it claims, and the function that opens it.

    ``open(path, options)`` returns a context manager yielding a :class:`Table`;
    it raises :class:`InputUnreadable` (on entering) for a source that cannot be
    read, and its rows raise InputUnreadable for one that is damaged further in.
    Its docstring documents the kind: options, locations, what is refused.
    ``opens`` is that function, or where it lives as ``"module:function"``,
    imported on first use so that a command that reads no actuals (validate,
    --help) does not import every reader and the libraries behind them.
    """

    suffixes: tuple[str, ...]
    opens: Callable[[str, TableOptions], AbstractContextManager[Table]] | str

    @property
    def open(self) -> Callable[[str, TableOptions], AbstractContextManager[Table]]:
        if isinstance(self.opens, str):
            return resolve(self.opens)  # type: ignore[no-any-return]
        return self.opens


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A → 0, Z → 25, AA → 26."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


PAST_ROW = Phrase("{source}: cannot read past row {row}: {error}",
                  "{source}:第 {row} 行之后无法读取:{error}")
A_FOLDER = Phrase("{path}: is a folder, not an actuals file", "{path}:是文件夹,不是实际数据文件")
CANNOT_READ = Phrase("{path}: cannot read: {reason}", "{path}:无法读取:{reason}")
TOO_BIG = Phrase("{path}: the file is {size} bytes, over the limit of {limit} bytes ({advice})",
                 "{path}:文件有 {size} 字节,超过上限 {limit} 字节({advice})")
ROW = Phrase("row", "第")
LINE = Phrase("line", "第")
TOO_WIDE = Phrase("{where}: {what} {row} has more than {limit} columns, over the limit "
                  "({advice})", "{where}:{what} {row} 行超过 {limit} 列,超出上限({advice})")
TOO_LONG = Phrase("{path}: more than {limit} rows, over the limit ({advice})",
                  "{path}:超过 {limit} 行,超出上限({advice})")


def check_size(path: str, limits: Limits) -> int:
    """Refuse a folder, a missing file or one over ``limits.input_bytes``; its size."""
    if os.path.isdir(path):
        raise InputUnreadable(str(A_FOLDER(path=path)))
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise InputUnreadable(str(CANNOT_READ(path=path, reason=os_reason(exc)))) from None
    if size > limits.input_bytes:
        raise InputUnreadable(str(TOO_BIG(path=path, size=size, limit=limits.input_bytes,
                                          advice=limits.advice("input_bytes"))))
    return size


def first_header(rows: Iterator[Row]) -> tuple[Row | None, Iterator[Row]]:
    """The first non-blank row (the header) and the rows after it."""
    for row in rows:
        if any(not is_blank(v) for v in row.values):
            return row, rows
    return None, rows


def too_wide(where: str, row: int, limits: Limits, what: str = "row") -> InputUnreadable:
    return InputUnreadable(str(TOO_WIDE(where=where, what=LINE if what == "line" else ROW,
                                        row=row, limit=limits.columns,
                                        advice=limits.advice("columns"))))


def too_long(path: str, limits: Limits) -> InputUnreadable:
    return InputUnreadable(str(TOO_LONG(path=path, limit=limits.rows,
                                        advice=limits.advice("rows"))))


def _looks_numeric(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    try:
        read_number(value)
    except (ValueError, TypeError):
        return False
    return True
