"""Which row of a table is its header row, and where each value a scheme reads sits in it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.i18n import Alternatives, Phrase
from kpiscore.io.cells import is_blank
from kpiscore.io.table import HeaderIndex, Table
from kpiscore.scheme.compile import CompiledScheme, Field
from kpiscore.score.results import RowError

NO_COLUMN = Phrase("no column for {label}: expected a header named {names}",
                   "没有 {label} 的列:应有名为 {names} 的表头")
SEVERAL = Phrase("{count} columns match {label}: {cells}; rename or remove one",
                 "有 {count} 列都匹配 {label}:{cells};请改名或删去其中一列")
NO_ID = Phrase("no id column: expected a header named {names}",
               "没有工号列:应有名为 {names} 的表头")
SHEETS = Phrase("{file}: the sheets {sheets} all hold people for this scheme (their header rows "
                "match it), but one sheet is read at a time: name it with --sheet (sheet: in "
                "a manifest), one run for each sheet",
                "{file}:工作表 {sheets} 都有本方案的人员(表头与方案匹配),但一次只读一个工作表:"
                "请用 --sheet(清单中为 sheet:)指定,每个工作表运行一次")
ELSEWHERE = Phrase("{file}: the sheet read, {sheet!r}, has no header row for this scheme, but "
                   "other sheets hold people for it ({sheets}): name the sheet to read with "
                   "--sheet (sheet: in a manifest)",
                   "{file}:读取的工作表 {sheet!r} 没有本方案的表头,但其他工作表有本方案的人员"
                   "({sheets}):请用 --sheet(清单中为 sheet:)指定要读的工作表")
FOUND = Phrase("the header row is row {row}: it names {found} of the {wanted} columns the "
               "scheme reads; {skipped} (if the header row is another, name it with "
               "--header-row N)",
               "表头行是第 {row} 行:方案要读的 {wanted} 列中有 {found} 列在此行;{skipped}"
               "(如果表头在别的行,请用 --header-row N 指定)")
TITLE = Phrase("row {rows} above it ({title}) is skipped as a title",
               "其上的第 {rows} 行({title})作为标题跳过")
TITLES = Phrase("rows {rows} above it ({title} …) are skipped as titles",
                "其上的第 {rows} 行({title} 等)作为标题跳过")

#: How many rows from the first non-blank one the header row is looked for in (a card's
#: title, subtitle, date and blank lines sit above its headers).
HEADER_SEARCH = 10


def names(compiled: CompiledScheme, header: Sequence[Any],
          fields: Sequence[Field] | None = None) -> int:
    """How many of the columns ``compiled`` reads (its fields, or ``fields``, and the id)
    ``header`` names."""
    index = HeaderIndex(header)
    found = sum(1 for f in (compiled.fields if fields is None else fields)
                if index.find(f.headers))
    return found + (index.first(compiled.scheme.columns.id) is not None)


def locate_header(compiled: CompiledScheme, table: Table,
                  fields: Sequence[Field] | None = None) -> None:
    """Settle which row is ``table``'s header row, once.

    It is the first non-blank row, unless that row names none of the columns the
    scheme reads (its fields, or ``fields``, and the id): then it is the first row
    among the first :data:`HEADER_SEARCH` that names any, and the rows above it,
    which name none, are titles, not people (``table.header_note`` says so). A
    header named with ``--header-row``, or not a row at all, is fixed.
    """
    if table.header_fixed:
        return
    table.header_fixed = True
    if names(compiled, table.header, fields):
        return
    found = next(((row, n) for row in table.peek(HEADER_SEARCH - 1)
                  if (n := names(compiled, row.values, fields))), None)
    if found is None:
        return
    row, n = found
    above = table.move_header(row.number)
    first = next((v for v in above[0].values if not is_blank(v)), "")
    text = str(first).strip()
    title = repr(text if len(text) <= 30 else text[:27] + "...")
    rows = ", ".join(str(r.number) for r in above)
    table.header_note = FOUND(row=row.number, found=n,
                              wanted=len(compiled.fields if fields is None else fields) + 1,
                              skipped=(TITLE if len(above) == 1 else TITLES)(rows=rows,
                                                                              title=title))


@dataclass
class Binding:
    """Where each field sits in one table's header row, and what is missing."""

    columns: dict[str, int]
    id_col: int | None
    name_col: int | None
    dept_col: int | None
    problems: list[RowError] = field(default_factory=list)


def bind(compiled: CompiledScheme, header: Sequence[Any], where: Callable[[int], str],
         fields: Sequence[Field] | None = None, skip: Sequence[int] = ()) -> Binding:
    """Match the header row to the fields ``compiled`` reads (or to ``fields``); columns
    in ``skip`` are taken by something else (a rater, period or role column)."""
    index = HeaderIndex(header, skip)
    columns: dict[str, int] = {}
    problems: list[RowError] = []
    for f in compiled.fields if fields is None else fields:
        hits = index.find(f.headers)
        if not hits:
            if f.if_missing is None:
                problems.append(RowError(where(0), NO_COLUMN(label=f.label,
                                                             names=Alternatives(f.headers)), f.key))
        elif len(hits) > 1:
            problems.append(RowError(where(hits[1]), SEVERAL(
                count=len(hits), label=f.label, cells=", ".join(where(i) for i in hits)), f.key))
        else:
            columns[f.key] = hits[0]
    taken = set(columns.values())
    cfg = compiled.scheme.columns
    id_col = index.first(cfg.id, taken)
    if id_col is None:
        problems.append(RowError(where(0), NO_ID(names=Alternatives(tuple(cfg.id)))))
    return Binding(columns, id_col, index.first(cfg.name, taken),
                   index.first(cfg.department, taken), problems)


def holds_people(compiled: CompiledScheme) -> Callable[[Sequence[Any]], bool]:
    """Whether a row is a header row of people for ``compiled``: it names the id column
    and at least one value the scheme reads."""
    def holds(header: Sequence[Any]) -> bool:
        index = HeaderIndex(header)
        return index.first(compiled.scheme.columns.id) is not None and \
            any(index.find(f.headers) for f in compiled.fields)
    return holds


def refuse_other_sheets(table: Table, holds: Callable[[Sequence[Any]], bool]) -> None:
    """Refuse a workbook whose people are not all on the sheet read: several visible
    sheets hold people (a header row ``holds`` among a sheet's first rows, where the
    header row is looked for), or only sheets other than the one read do. Nothing is
    read when the sheet was named, or the source has no other sheets."""
    others = [title for title, rows in table.others(HEADER_SEARCH)
              if any(holds(row) for row in rows)]
    if not others:
        return
    file = table.path or table.source
    if holds(table.header):
        raise InputUnreadable(str(SHEETS(file=file, sheets=_names([table.name, *others]))))
    raise InputUnreadable(str(ELSEWHERE(file=file, sheet=table.name, sheets=_names(others))))


def _names(titles: Sequence[str]) -> str:
    return ", ".join(repr(t) for t in titles)
