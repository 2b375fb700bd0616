"""Where each value a scheme reads sits in a table's header row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kpiscore.base.i18n import Alternatives, Phrase
from kpiscore.io.table import HeaderIndex
from kpiscore.scheme.compile import CompiledScheme, Field
from kpiscore.score.results import RowError

NO_COLUMN = Phrase("no column for {label}: expected a header named {names}",
                   "没有 {label} 的列:应有名为 {names} 的表头")
SEVERAL = Phrase("{count} columns match {label}: {cells}; rename or remove one",
                 "有 {count} 列都匹配 {label}:{cells};请改名或删去其中一列")
NO_ID = Phrase("no id column: expected a header named {names}",
               "没有工号列:应有名为 {names} 的表头")


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
