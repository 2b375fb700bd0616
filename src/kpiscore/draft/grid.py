"""A card's sheet as a grid of cell texts, read through the io openers (xlsx, csv).

A card is not an actuals table: its header row sits below title rows, so every
row is kept (the opener's "header" is just the sheet's first non-blank row).
The opener's defences and limits apply unchanged; its locator names each cell
(``客服主管!C5``, ``card.csv!C5``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.limits import Limits
from kpiscore.base.numbers import HUNDRED, plain, to_decimal
from kpiscore.io import open_table
from kpiscore.io.cells import FormulaWithoutValue, UnreadableCell

NOT_A_DATABASE = Phrase("{name}: a card is a workbook (.xlsx) or a CSV file, not a SQLite "
                        "database",
                        "{name}:考核表应是工作簿(.xlsx)或 CSV 文件,而不是 SQLite 数据库")


@dataclass(frozen=True)
class Grid:
    """Every non-blank row of one sheet: ``rows[k]`` is ``(row number, cell texts)``."""

    source: str  # the file's base name
    sheet: str  # the sheet's name (the file's name for CSV)
    rows: list[tuple[int, list[str]]]
    where: Callable[[int, int], str]  # (column, row number) → "sheet!C5"
    #: how the opener read the file (a CSV's encoding, when it was recognised)
    notes: tuple[Text, ...] = ()

    def cell(self, k: int, col: int) -> str:
        """The text of column ``col`` in the ``k``-th row ('' when blank or absent)."""
        values = self.rows[k][1]
        return values[col] if col < len(values) else ""

    def at(self, k: int, col: int) -> str:
        """Where the cell of column ``col`` in the ``k``-th row is."""
        return self.where(col, self.rows[k][0])

    @property
    def width(self) -> int:
        return max((len(v) for _, v in self.rows), default=0)


def read_grid(path: str, *, sheet: str | None = None, encoding: str | None = None,
              limits: Limits | None = None) -> Grid:
    """The card at ``path`` (its first visible sheet, or ``sheet``) as a :class:`Grid`.
    Raises :class:`InputUnreadable` for a file that cannot be read."""
    name = os.fspath(path)
    if os.path.splitext(name)[1].lower() in (".sqlite", ".sqlite3", ".db"):
        raise InputUnreadable(str(NOT_A_DATABASE(name=name)))
    with open_table(name, sheet=sheet, encoding=encoding, limits=limits) as table:
        rows: list[tuple[int, list[str]]] = []
        first = [_text(v, False) for v in table.header]
        rows.append((table.header_row, first))
        for row, _where in table.people():
            texts = [_text(v, i in row.percent) for i, v in enumerate(row.values)]
            if any(texts):
                rows.append((row.number, texts))
        where = table.where
        return Grid(table.source or os.path.basename(name), table.name, rows,
                    lambda col, number: where(col, number), tuple(table.notes))


def _text(value: Any, percent: bool) -> str:
    """A cell as the card shows it: text as written, numbers plainly (0.25 formatted as
    a percentage is ``25%``), a formula never calculated or an unreadable cell as blank
    (a card's text cells hold no formulas that matter)."""
    if value is None or isinstance(value, (FormulaWithoutValue, UnreadableCell)):
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float, Decimal)):
        number = to_decimal(value)
        if not number.is_finite():
            return ""
        return f"{plain(number * HUNDRED)}%" if percent else plain(number)
    return str(value).strip()
