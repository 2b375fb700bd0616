"""The one loop over people: the rows of one or more tables, grouped into persons.

Every command goes through :func:`each_person`: evaluate (streamed, or a
person from several rows for raters and periods), explain, whatif, diff, batch
runs and rosters. It skips blank rows, says where every cell is, turns a read
failure into :class:`~kpiscore.base.errors.InputUnreadable`, and decides who is
the same person: ids that differ only in white space ("E001" and "E 001") are
one. Scoring is the caller's: a person arrives with the errors known before
scoring (a row whose shape is wrong, a duplicate id), so its row becomes an
error row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from kpiscore.base.i18n import Phrase
from kpiscore.io.table import Row, Table
from kpiscore.score.results import RowError
from kpiscore.score.scorer import cell_text

DUPLICATE = Phrase("duplicate id {id!r} (also on row {first}{how})",
                   "工号 {id!r} 重复(第 {first} 行也有{how})")
SPELT = Phrase(", written {spelt!r}: they differ only in white space",
               ",写作 {spelt!r}:二者只差空白")


@dataclass
class Source:
    """One input row of a person: which table, the row, and where its cells are."""

    table: int
    row: Row
    where: Callable[[int], str]

    @property
    def number(self) -> int:
        return self.row.number

    def cell(self, col: int | None) -> Any:
        values = self.row.values
        return values[col] if col is not None and col < len(values) else None


@dataclass
class Person:
    """Someone's rows (one, or several with raters and periods), and errors already
    known: a row's shape (:meth:`Table.row_problems`), a duplicate id."""

    id: str | None
    sources: list[Source]
    errors: list[RowError] = field(default_factory=list)


def person_key(ident: str) -> str:
    """Ids that differ only in white space are one person."""
    return "".join(ident.split())


def each_person(tables: Sequence[Table], id_columns: Sequence[int | None], *,
                grouped: bool = False,
                only: Callable[[int], bool] | None = None) -> Iterator[Person]:
    """Persons in the order they first appear. ``id_columns`` gives each table's id
    column. Ungrouped, each row is a person (streamed; a repeated id is an error);
    grouped, a person's rows across every table come together (a row without an id
    is a person of its own, and an error). ``only``: the rows whose number it refuses
    give no person (another process scores them); ungrouped, their ids are remembered,
    so that a repeat of one is found as ever. Workers use it, on ungrouped tables."""
    # each id's first row, and its spelling where it is not the key itself (white space
    # in it): a tuple a person cost 5 MiB at 100 000 people, for a spelling rarely needed
    seen: dict[str, int | tuple[int, str]] = {}
    people: dict[str, Person] = {}
    order: list[Person] = []
    for t, table in enumerate(tables):
        col = id_columns[t]
        for row, where in table.people():
            if only is not None and not only(row.number):
                ident = cell_text(row.values[col]) if col is not None \
                    and col < len(row.values) else None
                if ident is not None:
                    key = person_key(ident)
                    seen.setdefault(key, row.number if key == ident else (row.number, ident))
                continue
            source = Source(t, row, where)
            # the row's shape (a CSV record wider than the header, a quote across lines)
            broken = [RowError(where(c), problem) for c, problem in table.row_problems(row)]
            ident = cell_text(source.cell(col))
            if ident is None:
                if not grouped:
                    yield Person(None, [source], broken)
                else:
                    order.append(Person(None, [source], broken))
                continue
            key = person_key(ident)
            if grouped:
                person = people.get(key)
                if person is None:
                    person = people[key] = Person(ident, [])
                    order.append(person)
                person.sources.append(source)
                person.errors += broken
                continue
            first = seen.get(key)
            if first is None:
                seen[key] = row.number if key == ident else (row.number, ident)
                yield Person(ident, [source], broken)
            else:
                number, spelt = (first, key) if isinstance(first, int) else first
                how = "" if spelt == ident else SPELT(spelt=spelt)
                yield Person(ident, [source], [*broken, RowError(where(col or 0), DUPLICATE(
                    id=ident, first=number, how=how))])
    yield from order
