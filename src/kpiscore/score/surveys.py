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

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from kpiscore.base.i18n import Alternatives, Joined, Phrase, Text
from kpiscore.base.numbers import HUNDRED, ZERO
from kpiscore.io.cells import BadValue, is_blank, read_number, read_text
from kpiscore.io.table import HeaderIndex, Table
from kpiscore.rules.levels import Levels, UnknownLevel
from kpiscore.scheme.compile import CompiledScheme
from kpiscore.scheme.models import Survey
from kpiscore.score.people import Source, person_key
from kpiscore.score.results import RowError, SurveyStat, SurveySummary
from kpiscore.score.scorer import LABELLED, Injection, cell_text

NPS_SCALE = (ZERO, Decimal(10))

NO_EVALUATEE = Phrase("the responses ({source}) have no evaluatee column: expected a header "
                      "named {names}",
                      "回答({source})中没有被评价人列:应有名为 {names} 的表头")
NO_COLUMNS = Phrase("the responses ({source}) have no single column for {questions}",
                    "回答({source})中找不到唯一对应 {questions} 的列")
MATCHED_BY = Phrase("{label} (matched by {cells})", "{label}(匹配到 {cells})")
ANSWERED = Phrase("respondent {by!r} already answered for {who} (row {row})",
                  "评价人 {by!r} 已为 {who} 作答过(第 {row} 行)")
OUTSIDE = Phrase("{value} is outside the scale {low}–{high}", "{value} 超出量表范围 {low}–{high}")
ANSWER = Phrase("survey answer: {problem}", "问卷回答:{problem}")
TOO_FEW = Phrase("{count} respondent(s) in survey {survey}, fewer than min_respondents {min} "
                 "(set if_too_few to use a value instead)",
                 "问卷 {survey} 只有 {count} 人作答,少于 min_respondents {min}"
                 "(可设置 if_too_few 改用一个取值)")
UNMATCHED = Phrase("survey {survey}: {count} response(s) for {who!r}, who is not in the actuals",
                   "问卷 {survey}:有 {count} 份回答是给 {who!r} 的,但实际数据中没有此人")
ORPHAN = Phrase("survey {survey}: a response without an evaluatee id",
                "问卷 {survey}:有一份回答没有被评价人工号")


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
    problem: Text | None = None  # the responses cannot be used at all (a missing column)
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
        out: dict[str, Injection] = {}
        key_of = person_key(person) if person else ""
        for key, sid in self.compiled.survey_of.items():
            data = self.surveys.get(sid)
            if data is None:
                continue
            label = self.compiled.indicator(key).ind.label
            if data.problem is not None:
                out[key] = Injection(None, [RowError(data.where, LABELLED(
                    label=label, problem=data.problem), key)])
                continue
            tally = data.tallies.get(key_of) or _Tally(data.where)
            stat, error = _aggregate(data.survey, tally, self.compiled.scheme.precision)
            errors = [RowError(e.where, LABELLED(label=label, problem=e.message), key)
                      for e in tally.errors]
            if error is not None:
                errors.append(RowError(tally.first, LABELLED(label=label, problem=error), key))
            value = stat.value if stat.value is not None else stat.fallback
            out[key] = Injection(None if errors else value, errors, stat)
        return out

    def summaries(self, people: set[str]) -> list[SurveySummary]:
        """Per survey: responses read, evaluatees found among ``people``, and a problem
        for each evaluatee who is not among them."""
        keys = {person_key(p) for p in people}
        out: list[SurveySummary] = []
        for data in self.surveys.values():
            title = data.survey.title or data.survey.id
            unmatched = 0
            for who, tally in data.tallies.items():
                if who not in keys:
                    unmatched += tally.rows
                    self.problems.append(RowError(tally.first, UNMATCHED(
                        survey=title, count=tally.rows, who=who), data.survey.id))
            for where in data.orphans:
                self.problems.append(RowError(where, ORPHAN(survey=title), data.survey.id))
            found = sum(1 for who in data.tallies if who in keys)
            out.append(SurveySummary(data.survey.id, title, data.source, data.responses,
                                     found, unmatched))
        return out


def _aggregate(survey: Survey, t: _Tally, precision: int) -> tuple[SurveyStat, Text | None]:
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
        return stat, TOO_FEW(count=t.respondents, survey=survey.title or survey.id,
                             min=survey.min_respondents)
    if survey.result == "nps":
        stat.value = Decimal(t.promoters - t.detractors) * HUNDRED / t.answers
    elif survey.result == "mean":
        stat.value = t.points / t.answers
    else:
        stat.value = t.points * HUNDRED / t.max_points
    return stat, None


def read_surveys(compiled: CompiledScheme, tables: Mapping[str, Table]) -> SurveyData:
    """Read every survey's responses; ``tables`` gives each survey's (by id)."""
    data = SurveyData(compiled, {})
    for survey in compiled.scheme.surveys:
        if survey.id in compiled.survey_of.values():
            data.surveys[survey.id] = _read_one(survey, tables[survey.id])
    return data


def _read_one(survey: Survey, table: Table) -> SurveyResponses:
    name = table.source
    out = SurveyResponses(survey, name if table.name == name else f"{name}!{table.name}")
    index = HeaderIndex(table.header)
    evaluatee = index.exact(survey.evaluatee) or index.matching(survey.evaluatee)
    out.where = table.where(evaluatee[0] if evaluatee else 0)
    if not evaluatee:
        out.problem = NO_EVALUATEE(source=out.source, names=Alternatives(tuple(survey.evaluatee)))
        return out
    ev_col = evaluatee[0]
    resp_col = index.first(survey.respondent, (ev_col,))
    taken = [ev_col] if resp_col is None else [ev_col, resp_col]
    columns: list[tuple[int, Levels | None, Decimal]] = []
    missing: list[object] = []
    for q in survey.questions:
        names = [q.column] if q.column else [q.id] + ([q.title] if q.title else [])
        hits = index.find(names, taken)
        if len(hits) != 1:
            label = f"{q.title} ({q.id})" if q.title else q.id
            missing.append(label if not hits else MATCHED_BY(
                label=label, cells=", ".join(table.where(i) for i in hits)))
            continue
        answers = q.answers or survey.answers
        if survey.result != "nps" and answers:
            columns.append((hits[0], Levels(kind="levels", levels=answers),
                            max(a.points for a in answers)))
        else:
            columns.append((hits[0], None, survey.scale.max if survey.scale else NPS_SCALE[1]))
    if missing:
        out.problem = NO_COLUMNS(source=out.source, questions=Joined(tuple(missing)))
        return out
    low, high = (survey.scale.min, survey.scale.max) if survey.scale else NPS_SCALE
    seen: dict[tuple[str, str], int] = {}
    for row, where in table.people():
        src = Source(0, row, where)
        who = cell_text(src.cell(ev_col))
        if who is None:
            out.orphans.append(where(ev_col))
            continue
        key = person_key(who)
        tally = out.tallies.setdefault(key, _Tally(where(ev_col)))
        tally.rows += 1
        if resp_col is not None:
            by = cell_text(src.cell(resp_col))
            if by is not None:
                if (key, by) in seen:
                    tally.errors.append(RowError(where(resp_col), ANSWERED(
                        by=by, who=who, row=seen[(key, by)])))
                seen.setdefault((key, by), row.number)
        answered = 0
        for col, levels, top in columns:
            raw = src.cell(col)
            if is_blank(raw):
                continue
            try:
                if levels is not None:
                    points = levels.lookup(read_text(raw)).points
                else:
                    points = read_number(raw, col in row.percent)
                    if points < low or points > high:
                        raise BadValue(str(OUTSIDE(value=points, low=low, high=high)))
            except (BadValue, UnknownLevel) as exc:
                tally.errors.append(RowError(where(col), ANSWER(problem=str(exc))))
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
    return out
