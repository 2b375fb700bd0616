"""The documented JSON shape of results (docs/json.md): plain dicts of exact Decimals,
rounded half up to the scheme's precision. JSON, JSONL, CSV and the report all
write from these."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from typing import Any

from kpiscore.base.numbers import ZERO, round_half_up
from kpiscore.score.results import (
    Calibrated,
    GroupResult,
    IndicatorResult,
    PersonResult,
    Rank,
    RatersResult,
    Report,
    RowError,
    Summary,
    SurveyStat,
)

#: Version of the JSON contract; bumped only for incompatible changes.
FORMAT_VERSION = 1


def report_dict(report: Report) -> dict[str, Any]:
    return {
        "kpiscore": FORMAT_VERSION,
        "scheme": {"id": report.scheme_id, "title": report.scheme_title},
        "source": report.source,
        "period": None if report.period is None else {"to": report.period.to,
                                                      "periods": list(report.period.periods)},
        "results": [person_dict(r, report.precision, report.pay_precision, report.has_sections)
                    for r in report.results],
        "summary": summary_dict(report.summary, report.precision),
        "problems": [error_dict(p) for p in report.problems],
    }


def rank_dict(rank: Rank) -> dict[str, Any]:
    return {"overall": rank.overall, "of": rank.of, "department": rank.department,
            "department_of": rank.department_of}


def error_dict(e: RowError) -> dict[str, Any]:
    return {"where": e.where, "field": e.field, "message": str(e.message)}


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
    text = str(value)  # its decimals counted from its text: as_tuple() costs far more
    if "E" in text or not text[-1:].isdigit():
        exponent = value.as_tuple().exponent
        short = isinstance(exponent, int) and exponent >= -precision
    else:
        point = text.find(".")
        short = point < 0 or len(text) - point - 1 <= precision
    if short:
        return value.normalize() if value else ZERO  # short already: nothing to round
    return round_half_up(value, precision).normalize()


def group_dict(g: GroupResult, precision: int) -> dict[str, Any]:
    section = {} if g.section is None else {"section": g.section}
    return {"id": g.id, "title": g.title, **section, "weight": _short(g.weight, precision),
            "score": _fixed(g.score(), precision),
            "contribution": _fixed(g.contribution, precision)}


def person_dict(r: PersonResult, precision: int, pay_precision: int,
                with_sections: bool = False, indicators: bool = True) -> dict[str, Any]:
    """A person's result; ``indicators=False`` leaves out its last key, ``indicators``
    (a writer may encode each with :func:`indicator_dict` itself)."""
    out: dict[str, Any] = {
        "row": r.row, "id": r.id, "name": r.name, "department": r.department,
        "period": r.period, "status": r.status, "errors": [error_dict(e) for e in r.errors],
        "total": _fixed(r.total, precision), "rank": None if r.rank is None else rank_dict(r.rank),
        "grade": r.grade, "quota_grade": r.quota_grade, "passed": r.passed,
        "pay": _fixed(r.pay, pay_precision),
    }
    if r.pay_lines is not None:
        out["pay_lines"] = [{"id": p.id, "title": p.title,
                             "amount": _fixed(p.amount, p.precision),
                             "uncapped": _fixed(p.uncapped, p.precision), "capped": p.capped}
                            for p in r.pay_lines]
    out["veto"] = None if not r.vetoes else {
        "outcome": "zero" if any(v.outcome == "zero" for v in r.vetoes) else "lowest_grade",
        "fired": [{"id": v.id, "title": v.title, "condition": v.condition,
                   "actual": _short(v.actual, precision), "reason": v.reason,
                   **({"rater": v.rater} if v.rater else {})}
                  for v in r.vetoes],
    }
    if r.calibration is not None:
        out["calibration"] = calibrated_dict(r.calibration)
    if r.raters is not None:
        out["raters"] = raters_dict(r.raters, precision)
    if r.periods is not None:
        out["periods"] = [{"period": e.period, "source": e.source, "rows": list(e.rows),
                           "status": e.status, "total": _fixed(e.total, precision),
                           **({} if e.weight is None else
                              {"weight": _short(e.weight, precision)})}
                          for e in r.periods]
    if with_sections:
        out["sections"] = [group_dict(s, precision) for s in r.sections]
    out["dimensions"] = [group_dict(d, precision) for d in r.dimensions]
    if indicators:
        out["indicators"] = [indicator_dict(i, precision) for i in r.indicators]
    return out


def calibrated_dict(c: Calibrated) -> dict[str, Any]:
    return {"from": c.before, "to": c.after, "reason": c.reason, "by": c.by, "where": c.where}


def indicator_dict(i: IndicatorResult, precision: int) -> dict[str, Any]:
    return {
        "id": i.id, "title": i.title, "dimension": i.dimension,
        "actual": _short(i.actual, precision), "target": _short(i.target, precision),
        "points": _fixed(i.points, precision), "full_marks": _short(i.full_marks, precision),
        "weight": _short(i.weight, precision), "contribution": _fixed(i.contribution, precision),
        "explanation": i.explanation,
        **({} if i.survey is None else {"survey": survey_dict(i.survey, precision)}),
    }


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
                                         "points": _fixed(p, precision),
                                         **({"dropped": True} if i in g.dropped else {})}
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
    if s.calibration is not None:
        c = s.calibration
        out["calibration"] = {
            "source": c.source, "moves": len(c.moved),
            "grades": [{"name": n.grade, "banded": n.banded, "assigned": n.assigned,
                        "final": n.final} for n in c.counts],
            "moved": [{"row": r.row, "id": r.id, "total": _fixed(r.total, precision),
                       **calibrated_dict(r.calibration)}
                      for r in c.moved if r.calibration is not None],
        }
    return out
