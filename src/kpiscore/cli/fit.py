"""How wide each column of a terminal table is, so that the table fits the terminal.

Pure arithmetic on cell widths (no rich): the renderer measures its cells, says
what each column may do, and gets a width for each column, or None for a column
hidden to make room. Nothing that must stay whole (an id, a number, a grade, a
status) is ever narrowed below its widest cell: the table gives up, in order,

1. the slack in the headers of droppable columns (they wrap onto two lines),
2. droppable columns themselves, the highest ``drop`` first,
3. the slack in text columns (names, departments: they wrap), a cell at a time
   from the widest (of equals, the lowest ``wrap``),

and then, if it still does not fit, it is wider than the terminal (the terminal
folds the lines) rather than cut.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Cells a column costs besides its content: one of padding on each side and a rule.
EDGE = 3


@dataclass(frozen=True, slots=True)
class Column:
    """What a column needs: ``natural`` (its widest cell or header, unwrapped) and
    ``least`` (the narrowest it may be without cutting anything), in terminal cells.

    ``drop`` ranks a column that may be hidden (the highest is hidden first);
    ``wrap`` marks a text column that may be narrowed to ``least`` once every
    droppable column is gone (of two as wide, the lower rank first). A column with
    neither keeps ``natural``.
    """

    natural: int
    least: int
    drop: int | None = None
    wrap: int | None = None


def need(widths: list[int | None]) -> int:
    """Terminal cells a table with these column widths takes (hidden columns: None)."""
    shown = [w for w in widths if w is not None]
    return sum(shown) + EDGE * len(shown) + 1


def fit(columns: list[Column], width: int | None) -> list[int | None]:
    """A width for each column (None: hidden) so that the table takes at most ``width``
    terminal cells where that is possible without cutting; ``width`` None: natural."""
    widths: list[int | None] = [c.natural for c in columns]
    if width is None or need(widths) <= width:
        return widths
    droppable = sorted((k for k, c in enumerate(columns) if c.drop is not None),
                       key=lambda k: -(columns[k].drop or 0))
    wrapping = sorted((k for k, c in enumerate(columns) if c.wrap is not None),
                      key=lambda k: columns[k].wrap or 0)
    # a droppable column's header is on one line or wrapped onto two, nothing between
    for k in sorted(droppable, key=lambda k: columns[k].least - columns[k].natural):
        if need(widths) <= width:
            break
        widths[k] = columns[k].least
    for k in droppable:
        if need(widths) <= width:
            break
        widths[k] = None
    _narrow(widths, columns, wrapping, need(widths) - width)
    # a hidden column may free more room than the wrapped headers before it took: give
    # it back, the last wrapped first
    slack = width - need(widths)
    for k in reversed(droppable):
        w = widths[k]
        if w is not None and columns[k].natural - w <= slack:
            widths[k] = columns[k].natural
            slack -= columns[k].natural - w
    return widths


def _narrow(widths: list[int | None], columns: list[Column], which: list[int],
            excess: int) -> None:
    """Take up to ``excess`` cells from the columns ``which``, a cell at a time from the
    widest (of equals, the first in ``which``), none below its ``least``."""
    for _ in range(max(excess, 0)):
        room = [k for k in which if (widths[k] or 0) > columns[k].least]
        if not room:
            return
        k = max(room, key=lambda k: widths[k] or 0)
        widths[k] = (widths[k] or 0) - 1
