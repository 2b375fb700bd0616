"""``kpiscore diff``: the same actuals scored by two versions of a scheme: who moves,
and how far."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from kpiscore.base.numbers import ZERO, round_half_up
from kpiscore.outputs.records import _fixed
from kpiscore.score.results import PersonResult, Report


@dataclass
class Move:
    row: int
    id: str | None
    name: str | None
    old_status: str
    new_status: str
    old_total: Decimal | None
    new_total: Decimal | None
    old_grade: str | None
    new_grade: str | None

    @property
    def change(self) -> Decimal | None:
        if self.old_total is None or self.new_total is None:
            return None
        return self.new_total - self.old_total


@dataclass
class Comparison:
    old_id: str
    old_title: str
    new_id: str
    new_title: str
    precision: int
    moves: list[Move]

    def moved(self, m: Move) -> bool:
        c = m.change
        return c is not None and round_half_up(c, self.precision) != 0

    def summary(self) -> dict[str, Any]:
        compared = [m for m in self.moves if m.change is not None]
        moving = [m.change for m in compared if self.moved(m) and m.change is not None]
        up = sum(1 for c in moving if c > 0)
        down = len(moving) - up
        grades: dict[tuple[str, str], int] = {}
        for m in compared:
            if m.old_grade != m.new_grade:
                key = (m.old_grade or "", m.new_grade or "")
                grades[key] = grades.get(key, 0) + 1
        changes = [m.change for m in compared if m.change is not None]
        mean = sum(changes, ZERO) / len(changes) if changes else None
        return {
            "people": len(self.moves),
            "compared": len(compared),
            "not_scored": len(self.moves) - len(compared),
            "moved": up + down,
            "up": up,
            "down": down,
            "unchanged": len(compared) - up - down,
            "mean_change": None if mean is None else round_half_up(mean, self.precision),
            "grade_changes": sum(grades.values()),
            "grade_moves": [{"from": a, "to": b, "count": n}
                            for (a, b), n in sorted(grades.items(), key=lambda kv: -kv[1])],
        }

    def to_dict(self) -> dict[str, Any]:
        p = self.precision
        return {
            "old": {"id": self.old_id, "title": self.old_title},
            "new": {"id": self.new_id, "title": self.new_title},
            "people": [{
                "row": m.row, "id": m.id, "name": m.name,
                "old": {"status": m.old_status, "total": _fixed(m.old_total, p),
                        "grade": m.old_grade},
                "new": {"status": m.new_status, "total": _fixed(m.new_total, p),
                        "grade": m.new_grade},
                "change": _fixed(m.change, p), "moved": self.moved(m),
                "grade_changed": m.change is not None and m.old_grade != m.new_grade,
            } for m in self.moves],
            "summary": self.summary(),
        }


def compare(old: Report, new: Report) -> Comparison:
    """Pair the rows of two reports on the same actuals (by id, else by row)."""
    def key(r: PersonResult) -> str:
        return f"id:{r.id}" if r.id is not None else f"row:{r.row}"

    before = {key(r): r for r in old.results}
    moves = []
    for r in new.results:
        o = before.get(key(r))
        moves.append(Move(
            r.row, r.id, r.name, o.status if o else "missing", r.status,
            o.total if o and o.status == "ok" else None,
            r.total if r.status == "ok" else None,
            o.grade if o and o.status == "ok" else None,
            r.grade if r.status == "ok" else None))
    return Comparison(old.scheme_id, old.scheme_title, new.scheme_id, new.scheme_title,
                      max(old.precision, new.precision), moves)

