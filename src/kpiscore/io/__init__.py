"""Actuals in, as :class:`~kpiscore.io.table.Table` objects: one opener per input kind.

``open_table(path)`` picks the opener by the file's suffix in :data:`OPENERS`
(an unknown suffix is read as a workbook, as it always was) and yields a
Table whose rows stream lazily. Adding an input kind is one module with an
``open(path, options)`` function, one line below, its tests and its section of
docs/inputs.md.

Everything here may be given a broken or hostile file (docs/security.md):
whatever the file holds, what comes out is a Table or one
:class:`~kpiscore.base.errors.InputUnreadable` line naming the file.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from contextlib import contextmanager

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.i18n import Phrase
from kpiscore.base.limits import Limits
from kpiscore.io import sniff
from kpiscore.io.table import (
    HeaderIndex,
    Opener,
    Row,
    Table,
    TableOptions,
    check_size,
    header_key,
    header_variants,
)

__all__ = ["DEFAULT", "OPENERS", "REFUSED", "HeaderIndex", "Opener", "Row",
           "Table", "TableOptions", "header_key", "header_variants", "open_table", "opener_for"]

#: Every input kind, by name (``Table.kind``): the suffixes it claims and its opener
#: (named by where it lives, imported when a file of that kind is opened).
OPENERS: dict[str, Opener] = {
    "xlsx": Opener((".xlsx", ".xlsm"), "kpiscore.io.xlsx_table:open_xlsx"),
    "csv": Opener((".csv", ".txt", ".tsv"), "kpiscore.io.csv_table:open_csv"),
    "sqlite": Opener((".sqlite", ".sqlite3", ".db"), "kpiscore.io.sqlite_table:open_sqlite"),
}

NOT_A_ROW = Phrase("{source}: --header-row is for spreadsheets and CSV files; a database "
                   "table's header is its column names",
                   "{source}:--header-row 用于电子表格和 CSV 文件;数据库表的表头就是它的列名")

#: The kind a suffix no opener claims is read as (its messages say what the file is).
DEFAULT = "xlsx"

#: Suffixes refused before the file is opened, with why and what to do.
REFUSED: dict[str, Phrase] = {
    ".xls": Phrase("old .xls workbooks are not supported; save it as .xlsx",
                   "不支持旧的 .xls 工作簿;请另存为 .xlsx"),
    ".xlsb": Phrase(".xlsb files are not supported; save it as .xlsx (or .csv)",
                    "不支持 .xlsb 文件;请另存为 .xlsx(或 .csv)"),
    ".ods": Phrase(".ods files are not supported; save it as .xlsx (or .csv)",
                   "不支持 .ods 文件;请另存为 .xlsx(或 .csv)"),
    ".numbers": Phrase(".numbers files are not supported; save it as .xlsx (or .csv)",
                       "不支持 .numbers 文件;请另存为 .xlsx(或 .csv)"),
}
NOT_CSV = Phrase("{name}: not CSV text: it is {what}", "{name}:不是 CSV 文本,而是{what}")


def opener_for(path: str | os.PathLike[str]) -> str:
    """The name of the opener for ``path``'s suffix (:data:`DEFAULT` when none claims it);
    raises InputUnreadable for a refused suffix."""
    name = os.fspath(path)
    ext = os.path.splitext(name)[1].lower()
    if ext in REFUSED:
        raise InputUnreadable(f"{name}: {REFUSED[ext]()}")
    for kind, opener in OPENERS.items():
        if ext in opener.suffixes:
            return kind
    return DEFAULT


def _refuse_binary(name: str) -> None:
    """A workbook, database or document named .csv is refused for what it is."""
    real = sniff.real_kind(name)
    if real is not None and real != "text":
        raise InputUnreadable(str(NOT_CSV(name=name, what=sniff.SAY[real])))


@contextmanager
def open_table(path: str | os.PathLike[str], *, encoding: str | None = None,
               sheet: str | None = None, table: str | None = None,
               max_bytes: int | None = None, limits: Limits | None = None,
               header_row: int | None = None) -> Iterator[Table]:
    """Open an actuals source and yield a :class:`Table` whose rows stream lazily.

    The opener is chosen by the suffix (:data:`OPENERS`); ``encoding`` applies
    to CSV, ``sheet`` to workbooks, ``table`` to SQLite (docs/inputs.md).
    ``limits`` defaults to :meth:`Limits.from_env`; ``max_bytes`` overrides its
    ``input_bytes``. ``header_row`` names the header row (a row number as the
    sheet or file shows it; default: the first non-blank row, and the scheme's
    binding looks a few rows further when that one is a title). Raises
    :class:`InputUnreadable` for a source that cannot be read at all, also while
    its rows are being read.
    """
    limits = limits or Limits.from_env()
    if max_bytes is not None:
        limits = dataclasses.replace(limits, input_bytes=max_bytes)
    name = os.fspath(path)
    ext = os.path.splitext(name)[1].lower()
    if ext in REFUSED:  # a missing or oversized file says so first, as it always did
        check_size(name, limits)
    kind = opener_for(name)
    if kind == "csv":
        _refuse_binary(name)
    options = TableOptions(encoding=encoding, sheet=sheet, table=table, limits=limits)
    with OPENERS[kind].open(name, options) as opened:
        if header_row is not None:
            if opened.header_fixed:
                raise InputUnreadable(str(NOT_A_ROW(source=name)))
            opened.move_header(header_row, name)
            opened.header_fixed = True
        yield opened
