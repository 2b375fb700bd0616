"""What an evaluation produces, and its JSON shape (the documented contract).

Every number is an exact ``Decimal`` until it is turned into a dict here,
where it is rounded half up to the scheme's precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from kpiscore.numbers import round_half_up

#: Version of the JSON contract; bumped only for incompatible changes.
FORMAT_VERSION = 1


@dataclass
class RowError:
    where: str  # sheet!cell, or sheet!row for whole-row problems
    message: str
    field: str | None = None  # indicator or input id

    def to_dict(self) -> dict[str, Any]:
        return {"where": self.where, "field": self.field, "message": self.message}

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class IndicatorResult:
    id: str
    title: str
    dimension: str
    actual: Decimal | str | None
    target: Decimal | None
    points: Decimal | None
    full_marks: Decimal
    weight: Decimal
    contribution: Decimal | None
    explanation: str


@dataclass
class GroupResult:
    id: str
    title: str
    weight: Decimal
    contribution: Decimal | None
    section: str | None = None

    def score(self) -> Decimal | None:
        """The group's own score out of 100 (contribution per unit of weight)."""
        if self.contribution is None or self.weight == 0:
            return None
        return self.contribution * 100 / self.weight


@dataclass
class VetoResult:
    id: str
    title: str
    outcome: str
    condition: str
    actual: Decimal
    reason: str


@dataclass
class PersonResult:
    row: int
    id: str | None
    name: str | None
    department: str | None
    status: str = "ok"
    errors: list[RowError] = field(default_factory=list)
    total: Decimal | None = None
    grade: str | None = None
    pay: Decimal | None = None
    vetoes: list[VetoResult] = field(default_factory=list)
    sections: list[GroupResult] = field(default_factory=list)
    dimensions: list[GroupResult] = field(default_factory=list)
    indicators: list[IndicatorResult] = field(default_factory=list)


@dataclass
class Summary:
    rows: int = 0
    ok: int = 0
    error: int = 0
    mean: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None


@dataclass
class Report:
    scheme_id: str
    scheme_title: str
    precision: int
    pay_precision: int
    has_sections: bool
    has_grades: bool
    has_pay: bool
    source: str
    results: list[PersonResult]
    summary: Summary
    indicator_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kpiscore": FORMAT_VERSION,
            "scheme": {"id": self.scheme_id, "title": self.scheme_title},
            "source": self.source,
            "results": [person_dict(r, self.precision, self.pay_precision, self.has_sections)
                        for r in self.results],
            "summary": summary_dict(self.summary, self.precision),
        }


def _fixed(value: Decimal | None, precision: int) -> Decimal | None:
    return None if value is None else round_half_up(value, precision)


def _short(value: Decimal | str | None, precision: int) -> Decimal | str | None:
    """Inputs (actuals, targets, weights) rounded but without padding zeros."""
    if value is None or isinstance(value, str):
        return value
    return round_half_up(value, precision).normalize()


def group_dict(g: GroupResult, precision: int) -> dict[str, Any]:
    out: dict[str, Any] = {"id": g.id, "title": g.title}
    if g.section is not None:
        out["section"] = g.section
    out["weight"] = _short(g.weight, precision)
    out["score"] = _fixed(g.score(), precision)
    out["contribution"] = _fixed(g.contribution, precision)
    return out


def person_dict(r: PersonResult, precision: int, pay_precision: int,
                with_sections: bool = False) -> dict[str, Any]:
    veto: dict[str, Any] | None = None
    if r.vetoes:
        veto = {
            "outcome": "zero" if any(v.outcome == "zero" for v in r.vetoes) else "lowest_grade",
            "fired": [{"id": v.id, "title": v.title, "condition": v.condition,
                       "actual": _short(v.actual, precision), "reason": v.reason}
                      for v in r.vetoes],
        }
    out: dict[str, Any] = {
        "row": r.row,
        "id": r.id,
        "name": r.name,
        "department": r.department,
        "status": r.status,
        "errors": [e.to_dict() for e in r.errors],
        "total": _fixed(r.total, precision),
        "grade": r.grade,
        "pay": _fixed(r.pay, pay_precision),
        "veto": veto,
    }
    if with_sections:
        out["sections"] = [group_dict(s, precision) for s in r.sections]
    out["dimensions"] = [group_dict(d, precision) for d in r.dimensions]
    out["indicators"] = [
        {
            "id": i.id,
            "title": i.title,
            "dimension": i.dimension,
            "actual": _short(i.actual, precision),
            "target": _short(i.target, precision),
            "points": _fixed(i.points, precision),
            "full_marks": _short(i.full_marks, precision),
            "weight": _short(i.weight, precision),
            "contribution": _fixed(i.contribution, precision),
            "explanation": i.explanation,
        }
        for i in r.indicators
    ]
    return out


def summary_dict(s: Summary, precision: int) -> dict[str, Any]:
    return {"rows": s.rows, "ok": s.ok, "error": s.error, "mean": _fixed(s.mean, precision),
            "min": _fixed(s.min, precision), "max": _fixed(s.max, precision)}


def summarise(results: list[PersonResult]) -> Summary:
    totals = [r.total for r in results if r.status == "ok" and r.total is not None]
    s = Summary(rows=len(results), ok=sum(r.status == "ok" for r in results))
    s.error = s.rows - s.ok
    if totals:
        s.mean = sum(totals, Decimal(0)) / len(totals)
        s.min, s.max = min(totals), max(totals)
    return s
