"""Survey cards (000 公司卡, 002 NPS): responses aggregated per evaluatee into an actual.

Responses sit in their own sheet or file, one row per respondent and
evaluatee: an evaluatee id column, optionally a respondent column, and one
column per question. Each answer maps to points (A–E, 非常满意 …, by the
survey's ``answers``; or a number within its ``scale``); a blank answer is
left out. Per evaluatee, the survey's ``result`` is

- ``percent``: the points of every answer as a percentage of the most those
  answers could earn: (A,B,A), (B,B,C), (A,A,B) worth 5/4/3/2/1 → 39 / 45 =
  86.67%;
- ``mean``: the mean points per answer (39 / 9 = 4.33);
- ``nps``: promoters (9–10) minus detractors (0–6), as a percentage of the
  answers: [10,9,9,8,7,10,6,5,9,3] → 50% − 30% = 20.

A respondent is a row with at least one answer. With fewer respondents than
``min_respondents`` the survey gives no result: the person is an error, or
the survey's ``if_too_few`` actual is used (and the output says so).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.numbers import HUNDRED, ZERO, plain
from kpiscore.io.cells import BadValue, is_blank, read_number, read_text
from kpiscore.rules.levels import Levels, UnknownLevel
from kpiscore.score.results import RowError, SurveyStat, SurveySummary

if TYPE_CHECKING:
    from kpiscore.base.limits import Limits
    from kpiscore.scheme.models import Survey
    from kpiscore.score.engine import CompiledScheme, Injection

NPS_SCALE = (ZERO, Decimal(10))


@dataclass
class _Tally:
    """One evaluatee's answers to one survey."""

    first: str  # sheet!cell of their first response
    respondents: int = 0
    answers: int = 0
    points: Decimal = ZERO
    max_points: Decimal = ZERO
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class SurveyResponses:
    """One survey's responses, tallied per evaluatee."""

    survey: Survey
    source: str  # file!sheet
    tallies: dict[str, _Tally] = field(default_factory=dict)
    problem: str | None = None  # the responses cannot be used at all (a missing column)
    where: str = ""  # the evaluatee column's header cell
    responses: int = 0
    orphans: list[str] = field(default_factory=list)  # responses without an evaluatee


@dataclass(eq=False)
class SurveyData:
    """Every survey of a scheme, read from one source (one period)."""

    compiled: CompiledScheme
    surveys: dict[str, SurveyResponses]
    problems: list[RowError] = field(default_factory=list)

    def injections(self, person: str | None) -> dict[str, Injection]:
        """The actual of each survey indicator for ``person`` (an id)."""
        from kpiscore.score.engine import Injection

        out: dict[str, Injection] = {}
        for key, sid in self.compiled.survey_of.items():
            data = self.surveys.get(sid)
            if data is None:
                continue
            label = next(ci.ind.label for ci in self.compiled.indicators if ci.id == key)
            if data.problem is not None:
                out[key] = Injection(None, [RowError(data.where, f"{label}: {data.problem}",
                                                     key)])
                continue
            tally = data.tallies.get(person or "") or _Tally(data.where)
            stat, error = _aggregate(data.survey, tally, self.compiled.scheme.precision)
            errors = [RowError(e.where, f"{label}: {e.message}", key) for e in tally.errors]
            if error is not None:
                errors.append(RowError(tally.first, f"{label}: {error}", key))
            value = stat.value if stat.value is not None else stat.fallback
            out[key] = Injection(None if errors else value, errors, stat)
        return out

    def summaries(self, people: set[str]) -> list[SurveySummary]:
        """Per survey: responses read, evaluatees found among ``people``, and a problem
        for each evaluatee who is not among them."""
        out: list[SurveySummary] = []
        for data in self.surveys.values():
            title = data.survey.title or data.survey.id
            unmatched = 0
            for who, tally in data.tallies.items():
                if who not in people:
                    unmatched += tally.rows
                    self.problems.append(RowError(
                        tally.first, f"survey {title}: {tally.rows} response(s) for "
                        f"{who!r}, who is not in the actuals", data.survey.id))
            for where in data.orphans:
                self.problems.append(RowError(where, f"survey {title}: a response without "
                                              "an evaluatee id", data.survey.id))
            found = sum(1 for who in data.tallies if who in people)
            out.append(SurveySummary(data.survey.id, title, data.source, data.responses,
                                     found, unmatched))
        return out


def _aggregate(survey: Survey, t: _Tally, precision: int) -> tuple[SurveyStat, str | None]:
    """The survey's result for one tally, or why there is none."""
    stat = SurveyStat(survey.id, survey.title or survey.id, survey.result, t.respondents,
                      t.answers, survey.min_respondents, None, precision=precision)
    if survey.result == "nps":
        stat.promoters, stat.passives, stat.detractors = t.promoters, t.passives, t.detractors
    else:
        stat.points = t.points
        if survey.result == "percent":
            stat.max_points = t.max_points
    if t.respondents < survey.min_respondents or t.answers == 0:
        if survey.if_too_few != "error":
            stat.fallback = survey.if_too_few
            return stat, None
        return stat, (f"{t.respondents} respondent(s) in survey {survey.title or survey.id}, "
                      f"fewer than min_respondents {survey.min_respondents} (set "
                      "if_too_few to use a value instead)")
    if survey.result == "nps":
        stat.value = Decimal(t.promoters - t.detractors) * HUNDRED / t.answers
    elif survey.result == "mean":
        stat.value = t.points / t.answers
    else:
        stat.value = t.points * HUNDRED / t.max_points
    return stat, None


def read_surveys(compiled: CompiledScheme, sources: dict[str, str], *,
                 encoding: str | None = None, max_bytes: int | None = None,
                 limits: Limits | None = None) -> SurveyData:
    """Read every survey's responses; ``sources`` maps a survey id to its file."""
    data = SurveyData(compiled, {})
    for survey in compiled.scheme.surveys:
        if survey.id in compiled.survey_of.values():
            data.surveys[survey.id] = _read_one(survey, sources[survey.id], encoding,
                                                max_bytes, limits)
    return data


def _read_one(survey: Survey, path: str, encoding: str | None,
              max_bytes: int | None, limits: Limits | None) -> SurveyResponses:
    from kpiscore.io.readers import open_actuals
    from kpiscore.score.engine import cell_text, header_key, header_variants

    with open_actuals(path, encoding=encoding, sheet=survey.sheet, max_bytes=max_bytes,
                      limits=limits) as table:
        name = os.path.basename(path)
        out = SurveyResponses(survey, name if table.name == name else f"{name}!{table.name}")
        keys = [header_variants(h) if not is_blank(h) else set() for h in table.header]

        def find(names: list[str], exact: bool = False) -> list[int]:
            wanted = {header_key(n) for n in names}
            if exact:
                return [i for i, h in enumerate(table.header)
                        if not is_blank(h) and header_key(h) in wanted]
            return [i for i, k in enumerate(keys) if k & wanted]

        evaluatee = find(survey.evaluatee, exact=True) or find(survey.evaluatee)
        out.where = table.where(evaluatee[0] if evaluatee else 0)
        if not evaluatee:
            out.problem = (f"the responses ({out.source}) have no evaluatee column: expected "
                           "a header named " + " or ".join(repr(n) for n in survey.evaluatee))
            return out
        ev_col = evaluatee[0]
        respondent = [i for i in find(survey.respondent) if i != ev_col]
        resp_col = respondent[0] if respondent else None
        columns: list[tuple[int, Levels | None, Decimal]] = []
        missing: list[str] = []
        for q in survey.questions:
            names = [q.column] if q.column else [q.id] + ([q.title] if q.title else [])
            hits = [i for i in find(names) if i not in (ev_col, resp_col)]
            if len(hits) != 1:
                exact = [i for i in hits if header_key(table.header[i])
                         in {header_key(n) for n in names}]
                hits = exact if len(exact) == 1 else hits
            if len(hits) != 1:
                label = f"{q.title} ({q.id})" if q.title else q.id
                missing.append(label if not hits else f"{label} (matched by "
                               + ", ".join(table.where(i) for i in hits) + ")")
                continue
            answers = q.answers or survey.answers
            if survey.result != "nps" and answers:
                columns.append((hits[0], Levels(kind="levels", levels=answers),
                                max(a.points for a in answers)))
            else:
                top = survey.scale.max if survey.scale else NPS_SCALE[1]
                columns.append((hits[0], None, top))
        if missing:
            out.problem = (f"the responses ({out.source}) have no single column for "
                           + ", ".join(missing))
            return out
        low, high = (survey.scale.min, survey.scale.max) if survey.scale else NPS_SCALE
        seen: dict[tuple[str, str], int] = {}
        try:
            for row in table.rows:
                if all(is_blank(v) for v in row.values):
                    continue
                cells: list[Any] = row.values

                def cell(i: int, _cells: list[Any] = cells) -> Any:
                    return _cells[i] if i < len(_cells) else None

                who = cell_text(cell(ev_col))
                if who is None:
                    out.orphans.append(table.where(ev_col, row.number))
                    continue
                tally = out.tallies.setdefault(who, _Tally(table.where(ev_col, row.number)))
                tally.rows += 1
                if resp_col is not None:
                    by = cell_text(cell(resp_col))
                    if by is not None:
                        if (who, by) in seen:
                            tally.errors.append(RowError(
                                table.where(resp_col, row.number),
                                f"respondent {by!r} already answered for {who} (row "
                                f"{seen[(who, by)]})"))
                        seen.setdefault((who, by), row.number)
                answered = 0
                for col, levels, top in columns:
                    raw = cell(col)
                    if is_blank(raw):
                        continue
                    where = table.where(col, row.number)
                    try:
                        if levels is not None:
                            points = levels.lookup(read_text(raw)).points
                        else:
                            points = read_number(raw, col in row.percent)
                            if points < low or points > high:
                                raise BadValue(f"{plain(points)} is outside the scale "
                                               f"{plain(low)}–{plain(high)}")
                    except (BadValue, UnknownLevel) as exc:
                        tally.errors.append(RowError(where, f"survey answer: {exc}"))
                        continue
                    answered += 1
                    tally.answers += 1
                    if survey.result == "nps":
                        if points >= 9:
                            tally.promoters += 1
                        elif points <= 6:
                            tally.detractors += 1
                        else:
                            tally.passives += 1
                    else:
                        tally.points += points
                        tally.max_points += top
                if answered:
                    tally.respondents += 1
                    out.responses += 1
        except InputUnreadable:
            raise
        except (OSError, ValueError, KeyError, EOFError) as exc:
            raise InputUnreadable(f"{path}: cannot read the responses: {exc}") from None
        return out
