"""What an evaluation produces, and its JSON shape (the documented contract).

Every number is an exact ``Decimal`` until it is turned into a dict here,
where it is rounded half up to the scheme's precision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from typing import Any

from kpiscore.base.numbers import ZERO, plain, round_half_up

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
class SurveyStat:
    """How a survey's responses for one evaluatee became an indicator's actual."""

    survey: str
    title: str
    result: str  # percent | mean | nps
    respondents: int
    answers: int
    min_respondents: int
    value: Decimal | None  # the aggregate (None when there were too few respondents)
    points: Decimal | None = None  # percent, mean: the points of every answer
    max_points: Decimal | None = None  # percent: the most those answers could earn
    promoters: int | None = None  # nps
    passives: int | None = None
    detractors: int | None = None
    fallback: Decimal | None = None  # if_too_few, when used
    precision: int = 2

    def describe(self) -> str:
        """``survey 公司卡1: 3 respondents, 39/45 points = 86.67%``."""
        p = self.precision
        head = f"survey {self.title}: {self.respondents} respondent" + \
            ("" if self.respondents == 1 else "s")
        if self.value is None:
            fell = f", fewer than {self.min_respondents}"
            if self.fallback is not None:
                return f"{head}{fell}: {plain(self.fallback)} (if_too_few)"
            return head + fell
        shown = plain(round_half_up(self.value, p))
        if self.result == "nps":
            n = self.promoters or 0, self.detractors or 0
            return (f"{head}: {n[0]} promoters − {n[1]} detractors of {self.answers} "
                    f"= {shown}")
        assert self.points is not None
        if self.result == "mean":
            return f"{head}, {plain(self.points)} points / {self.answers} answers = {shown}"
        assert self.max_points is not None
        return f"{head}, {plain(self.points)}/{plain(self.max_points)} points = {shown}%"


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
    survey: SurveyStat | None = None


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
class PayLineResult:
    id: str
    title: str
    amount: Decimal | None  # after min/max
    uncapped: Decimal | None  # the formula's own result
    capped: str | None  # "min" or "max" when a cap applied
    precision: int = 2


@dataclass
class Rank:
    """Competition ranking ("1224"): equal totals share a rank, the next rank skips."""

    overall: int
    of: int
    department: int | None = None
    department_of: int | None = None


@dataclass
class RatingResult:
    """One rater's rating of a person (one row, or one row's rater columns)."""

    source: str
    row: int
    period: str | None
    total: Decimal | None  # before vetoes
    indicators: list[tuple[str, Decimal | str | None, Decimal | None]]  # id, actual, points


@dataclass
class RoleResult:
    """One kind of rater: its weight, its ratings and their total."""

    id: str
    title: str
    weight: Decimal
    applied_weight: Decimal | None  # after reweighting; None when missing
    total: Decimal | None  # the mean of its ratings' totals (before vetoes)
    ratings: list[RatingResult] = field(default_factory=list)

    @property
    def contribution(self) -> Decimal | None:
        if self.total is None or self.applied_weight is None:
            return None
        return self.total * self.applied_weight / 100


@dataclass
class RatersResult:
    policy: str  # error | reweight
    reweighted: bool
    missing: list[str]
    roles: list[RoleResult]
    rows: list[tuple[str, int]] = field(default_factory=list)  # every input row: file, row


@dataclass
class PeriodEntry:
    """One period of a rolled-up result: where it was read, and its own total."""

    period: str
    source: str
    rows: list[int]
    status: str
    total: Decimal | None


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
    period: str | None = None
    rank: Rank | None = None
    passed: bool | None = None
    quota_grade: str | None = None
    pay_lines: list[PayLineResult] | None = None
    raters: RatersResult | None = None
    periods: list[PeriodEntry] | None = None
    #: the values pay formulas read (inputs, actuals); not part of the output
    env: dict[str, Decimal] = field(default_factory=dict, repr=False)
    #: the input rows behind a result built from several (file, row); not in the output
    sources: list[tuple[str, int]] = field(default_factory=list, repr=False)


@dataclass
class QuotaLine:
    grade: str
    percent: Decimal
    exact: Decimal  # people × percent / 100
    quota: int  # after rounding (largest remainder)
    banded: int  # people whose banded grade it is
    assigned: int  # people given it by the quotas


@dataclass
class QuotaGroup:
    department: str | None  # None: everyone (scope all), or people without a department
    people: int
    quotas: list[QuotaLine]


@dataclass
class Move:
    row: int
    id: str | None
    total: Decimal
    banded: str
    quota: str


@dataclass
class DistributionReport:
    mode: str
    ties: str
    rounding: str
    scope: str
    groups: list[QuotaGroup]
    moved: list[Move]


@dataclass
class SurveySummary:
    id: str
    title: str
    source: str  # file!sheet
    responses: int  # rows with at least one answer
    evaluatees: int  # people with responses among the results
    unmatched: int  # responses for ids not in the actuals


@dataclass
class Summary:
    rows: int = 0
    ok: int = 0
    error: int = 0
    mean: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    input_rows: int = 0
    median: Decimal | None = None
    std_dev: Decimal | None = None  # population standard deviation
    grades: list[tuple[str, int]] = field(default_factory=list)
    passed: int | None = None
    distribution: DistributionReport | None = None
    surveys: list[SurveySummary] | None = None


@dataclass
class PeriodInfo:
    to: str
    periods: list[str]


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
    period: PeriodInfo | None = None
    #: problems of no one row: responses for unknown people, unreadable responses
    problems: list[RowError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kpiscore": FORMAT_VERSION,
            "scheme": {"id": self.scheme_id, "title": self.scheme_title},
            "source": self.source,
            "period": None if self.period is None else {"to": self.period.to,
                                                        "periods": list(self.period.periods)},
            "results": [person_dict(r, self.precision, self.pay_precision, self.has_sections)
                        for r in self.results],
            "summary": summary_dict(self.summary, self.precision),
            "problems": [p.to_dict() for p in self.problems],
        }


# Outputs repeat the same few numbers (targets, weights, common points) for every
# person: remembering their rounded forms saves most of the rounding.
@lru_cache(maxsize=8192)
def _fixed(value: Decimal | None, precision: int) -> Decimal | None:
    return None if value is None else round_half_up(value, precision)


@lru_cache(maxsize=8192)
def _short(value: Decimal | str | None, precision: int) -> Decimal | str | None:
    """Inputs (actuals, targets, weights) rounded but without padding zeros."""
    if value is None or isinstance(value, str):
        return value
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -precision:
        return value.normalize() if value else ZERO  # short already: nothing to round
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
        "period": r.period,
        "status": r.status,
        "errors": [e.to_dict() for e in r.errors],
        "total": _fixed(r.total, precision),
        "rank": None if r.rank is None else {
            "overall": r.rank.overall, "of": r.rank.of, "department": r.rank.department,
            "department_of": r.rank.department_of},
        "grade": r.grade,
        "quota_grade": r.quota_grade,
        "passed": r.passed,
        "pay": _fixed(r.pay, pay_precision),
    }
    if r.pay_lines is not None:
        out["pay_lines"] = [{"id": p.id, "title": p.title,
                             "amount": _fixed(p.amount, p.precision),
                             "uncapped": _fixed(p.uncapped, p.precision), "capped": p.capped}
                            for p in r.pay_lines]
    out["veto"] = veto
    if r.raters is not None:
        out["raters"] = raters_dict(r.raters, precision)
    if r.periods is not None:
        out["periods"] = [{"period": e.period, "source": e.source, "rows": list(e.rows),
                           "status": e.status, "total": _fixed(e.total, precision)}
                          for e in r.periods]
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
            **({} if i.survey is None else {"survey": survey_dict(i.survey, precision)}),
        }
        for i in r.indicators
    ]
    return out


def survey_dict(s: SurveyStat, precision: int) -> dict[str, Any]:
    return {"id": s.survey, "result": s.result, "respondents": s.respondents,
            "answers": s.answers, "min_respondents": s.min_respondents,
            "value": _fixed(s.value, precision), "points": _short(s.points, precision),
            "max_points": _short(s.max_points, precision), "promoters": s.promoters,
            "passives": s.passives, "detractors": s.detractors,
            "fallback": _short(s.fallback, precision)}


def raters_dict(block: RatersResult, precision: int) -> dict[str, Any]:
    return {
        "policy": block.policy,
        "reweighted": block.reweighted,
        "missing": list(block.missing),
        "rows": [{"source": source, "row": row} for source, row in block.rows],
        "roles": [{
            "id": role.id, "title": role.title, "weight": _short(role.weight, precision),
            "applied_weight": _short(role.applied_weight, precision),
            "count": len(role.ratings),
            "total": _fixed(role.total, precision),
            "contribution": _fixed(role.contribution, precision),
            "ratings": [{"source": g.source, "row": g.row, "period": g.period,
                         "total": _fixed(g.total, precision),
                         "indicators": [{"id": i, "actual": _short(a, precision),
                                         "points": _fixed(p, precision)}
                                        for i, a, p in g.indicators]}
                        for g in role.ratings],
        } for role in block.roles],
    }


def summary_dict(s: Summary, precision: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "rows": s.rows, "ok": s.ok, "error": s.error, "mean": _fixed(s.mean, precision),
        "min": _fixed(s.min, precision), "max": _fixed(s.max, precision),
        "input_rows": s.input_rows, "median": _fixed(s.median, precision),
        "std_dev": _fixed(s.std_dev, precision),
        "grades": [{"name": name, "count": count} for name, count in s.grades],
        "passed": s.passed,
    }
    if s.distribution is not None:
        d = s.distribution
        out["distribution"] = {
            "mode": d.mode, "ties": d.ties, "rounding": d.rounding, "scope": d.scope,
            "groups": [{"department": g.department, "people": g.people,
                        "quotas": [{"grade": q.grade, "percent": _short(q.percent, precision),
                                    "exact": _short(q.exact, precision), "quota": q.quota,
                                    "banded": q.banded, "assigned": q.assigned,
                                    "over_quota": q.banded - q.quota}
                                   for q in g.quotas]}
                       for g in d.groups],
            "moved": [{"row": m.row, "id": m.id, "total": _fixed(m.total, precision),
                       "from": m.banded, "to": m.quota} for m in d.moved],
        }
    if s.surveys is not None:
        out["surveys"] = [{"id": v.id, "title": v.title, "source": v.source,
                           "responses": v.responses, "evaluatees": v.evaluatees,
                           "unmatched": v.unmatched} for v in s.surveys]
    return out


def median(values: Sequence[Decimal]) -> Decimal | None:
    """The middle value (the mean of the two middle ones for an even count)."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[mid]
    return (ordered[mid - 1] + ordered[mid]) / 2


def population_std_dev(values: Sequence[Decimal]) -> Decimal | None:
    """σ = √(Σ(x − mean)² / N): the people scored are the whole population, not a
    sample. Exact up to the square root (28 significant digits)."""
    if not values:
        return None
    xs = [Fraction(v) for v in values]
    mean = sum(xs, Fraction(0)) / len(xs)
    var = sum(((x - mean) ** 2 for x in xs), Fraction(0)) / len(xs)
    return (Decimal(var.numerator) / Decimal(var.denominator)).sqrt()


def summarise(results: list[PersonResult], grades: Sequence[str] = (),
              pass_mark: bool = False) -> Summary:
    totals = [r.total for r in results if r.status == "ok" and r.total is not None]
    s = Summary(rows=len(results), ok=sum(r.status == "ok" for r in results))
    s.error = s.rows - s.ok
    s.input_rows = sum(_rows_of(r) for r in results)
    if totals:
        s.mean = sum(totals, Decimal(0)) / len(totals)
        s.min, s.max = min(totals), max(totals)
        s.median = median(totals)
        s.std_dev = population_std_dev(totals)
    s.grades = [(g, sum(1 for r in results if r.status == "ok" and r.grade == g))
                for g in grades]
    if pass_mark:
        s.passed = sum(1 for r in results if r.status == "ok" and r.passed)
    return s


def _rows_of(r: PersonResult) -> int:
    """Input rows behind one result (several with raters or periods)."""
    return len(set(r.sources)) or 1
