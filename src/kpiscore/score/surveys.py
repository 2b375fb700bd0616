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

Periods: responses with a period column (``月份`` …, the headers of
``rollup.column``) are matched to their period: a month's actuals take that
month's responses. Without a rollup such a column is refused (the survey's
indicators are errors saying why), never ignored. A survey indicator with
``rollup: pool`` takes one result from every response of the person's periods
together (all the quarter's answers averaged, not the mean of monthly means).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from kpiscore.base.i18n import Alternatives, Joined, Phrase, Text
from kpiscore.base.numbers import HUNDRED, ZERO
from kpiscore.io.cells import BadValue, is_blank, read_number, read_text
from kpiscore.io.table import HeaderIndex, Table
from kpiscore.rules.levels import Levels, UnknownLevel
from kpiscore.scheme.compile import CompiledScheme
from kpiscore.scheme.models import PERIOD_COLUMNS, Survey
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
NO_PERIODS = Phrase("the responses ({source}) have a period column ({header}, {cell}), but the "
                    "scheme rolls up no periods: responses of different periods cannot be told "
                    "apart; remove the column, or give the scheme a rollup: to match each "
                    "response to its period",
                    "回答({source})中有期间列({header},{cell}),但方案没有汇总多期:"
                    "无法区分不同期间的回答;请删除该列,或给方案加上 rollup: 让每份回答"
                    "对应到它的期间")
UNUSED_PERIOD = Phrase("survey {survey}: {count} response(s) for {who!r} in period {period!r}, "
                       "which {who!r} has no actuals for: not counted",
                       "问卷 {survey}:有 {count} 份回答是给 {who!r} 在期间 {period!r} 的,"
                       "但 {who!r} 没有这一期的实际数据:未计入")
NO_PERIOD = Phrase("survey {survey}: a response without a period ({header})",
                   "问卷 {survey}:有一份回答没有填写期间({header})")
OTHER_PERIOD = Phrase("survey {survey}: {count} response(s) for period {period!r}, which no "
                      "actuals give (periods: {periods})",
                      "问卷 {survey}:有 {count} 份回答属于期间 {period!r},但实际数据中没有"
                      "这一期(期间:{periods})")


@dataclass
class _Tally:
    """One evaluatee's answers to one survey."""

    first: str  # sheet!cell of their first response
    order: int = 0  # the row number of their first response
    respondents: int = 0
    answers: int = 0
    points: Decimal = ZERO
    max_points: Decimal = ZERO
    promoters: int = 0
    passives: int = 0
    detractors: int = 0
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    used: bool = False  # a period's tally: counted for its evaluatee's result

    def add(self, other: _Tally) -> None:
        """``other``'s counts added to these (a response's, or a period's)."""
        self.respondents += other.respondents
        self.answers += other.answers
        self.points += other.points
        self.max_points += other.max_points
        self.promoters += other.promoters
        self.passives += other.passives
        self.detractors += other.detractors
        self.rows += other.rows
        self.errors += other.errors


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
    #: with a period column: its header, and the tallies of each period (``tallies`` then
    #: holds every period's together, for the summary)
    period_header: str | None = None
    by_period: dict[str, dict[str, _Tally]] = field(default_factory=dict)
    no_period: list[str] = field(default_factory=list)  # responses without a period

    def tally(self, key: str, period: str | None) -> _Tally | None:
        """The tally of the evaluatee ``key`` in ``period`` (any period's, without a
        period column)."""
        if self.period_header is None:
            return self.tallies.get(key)
        return self.by_period.get(period or "", {}).get(key)


@dataclass(eq=False)
class SurveyData:
    """Every survey of a scheme, read from one source (one period)."""

    compiled: CompiledScheme
    surveys: dict[str, SurveyResponses]
    problems: list[RowError] = field(default_factory=list)

    def injections(self, person: str | None, period: str | None = None,
                   only: set[str] | None = None) -> dict[str, Injection]:
        """The actual of each survey indicator (of ``only`` those) for ``person`` (an id)
        in ``period``."""
        return pooled_injections(self.compiled, [(self, period)], person, only)

    def summaries(self, people: set[str], periods: Sequence[str] | None = None
                  ) -> list[SurveySummary]:
        """Per survey: responses read, evaluatees found among ``people``, and a problem
        for each evaluatee who is not among them (and, with a period column, for the
        responses of a period not among ``periods`` or of none)."""
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
            if data.period_header is not None:
                for where in data.no_period:
                    self.problems.append(RowError(where, NO_PERIOD(
                        survey=title, header=data.period_header), data.survey.id))
                known = list(periods or ())
                for period, tallies in data.by_period.items():
                    if period not in known:
                        first = min(tallies.values(), key=lambda t: t.order)
                        self.problems.append(RowError(first.first, OTHER_PERIOD(
                            survey=title, count=sum(t.rows for t in tallies.values()),
                            period=period, periods=", ".join(known)), data.survey.id))
                        continue
                    for who, tally in tallies.items():
                        if who in keys and not tally.used:
                            self.problems.append(RowError(tally.first, UNUSED_PERIOD(
                                survey=title, count=tally.rows, who=who, period=period),
                                data.survey.id))
            found = sum(1 for who in data.tallies if who in keys)
            out.append(SurveySummary(data.survey.id, title, data.source, data.responses,
                                     found, unmatched))
        return out


def pooled_injections(compiled: CompiledScheme, sources: Sequence[tuple[SurveyData, str | None]],
                      person: str | None, only: set[str] | None = None) -> dict[str, Injection]:
    """The actual of each survey indicator (of ``only`` those) for ``person`` from the
    responses of every ``(data, period)`` together: one source is one period's result;
    several are pooled (each set of responses counted once)."""
    out: dict[str, Injection] = {}
    key_of = person_key(person) if person else ""
    for key, sid in compiled.survey_of.items():
        if only is not None and key not in only:
            continue
        label = compiled.indicator(key).ind.label
        found: list[SurveyResponses] = []
        tallies: dict[int, _Tally] = {}
        for data, period in sources:
            responses = data.surveys.get(sid)
            if responses is None:
                continue
            found.append(responses)
            tally = responses.tally(key_of, period)
            if tally is not None:
                tally.used = True
                tallies.setdefault(id(tally), tally)
        if not found:
            continue
        problem = next((r for r in found if r.problem is not None), None)
        if problem is not None:
            out[key] = Injection(None, [RowError(problem.where, LABELLED(
                label=label, problem=problem.problem), key)])
            continue
        tally = _merged(list(tallies.values()), found[0].where)
        stat, error = _aggregate(found[0].survey, tally, compiled.scheme.precision)
        errors = [RowError(e.where, LABELLED(label=label, problem=e.message), key)
                  for e in tally.errors]
        if error is not None:
            errors.append(RowError(tally.first, LABELLED(label=label, problem=error), key))
        value = stat.value if stat.value is not None else stat.fallback
        out[key] = Injection(None if errors else value, errors, stat)
    return out


def _merged(tallies: Sequence[_Tally], where: str) -> _Tally:
    """Tallies added up (one as it is; none: an empty one at ``where``)."""
    if not tallies:
        return _Tally(where)
    if len(tallies) == 1:
        return tallies[0]
    ordered = sorted(tallies, key=lambda t: t.order)
    out = _Tally(ordered[0].first, order=ordered[0].order)
    for t in ordered:
        out.add(t)
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
    rollup = compiled.scheme.rollup
    for survey in compiled.scheme.surveys:
        if survey.id in compiled.survey_of.values():
            data.surveys[survey.id] = _read_one(survey, tables[survey.id],
                                                rollup.column if rollup else None)
    return data


def _read_one(survey: Survey, table: Table,
              period_names: Sequence[str] | None) -> SurveyResponses:
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
    taken += [c for c, _, _ in columns]
    period_col = index.first(PERIOD_COLUMNS if period_names is None else period_names,
                             taken, exact=True)
    if period_col is not None:
        out.period_header = str(table.header[period_col])
        if period_names is None:
            out.where = table.where(period_col)
            out.problem = NO_PERIODS(source=out.source, header=out.period_header,
                                     cell=table.where(period_col))
            return out
    low, high = (survey.scale.min, survey.scale.max) if survey.scale else NPS_SCALE
    seen: dict[tuple[str | None, str, str], int] = {}
    for row, where in table.people():
        src = Source(0, row, where)
        who = cell_text(src.cell(ev_col))
        if who is None:
            out.orphans.append(where(ev_col))
            continue
        key = person_key(who)
        tally = out.tallies.setdefault(key, _Tally(where(ev_col), row.number))
        tallies = [tally]
        period = None
        if period_col is not None:
            period = cell_text(src.cell(period_col))
            if period is None:
                out.no_period.append(where(period_col))
                tally.rows += 1
                continue
            tallies.append(out.by_period.setdefault(period, {}).setdefault(
                key, _Tally(where(ev_col), row.number)))
        for t in tallies:
            t.rows += 1
        if resp_col is not None:
            by = cell_text(src.cell(resp_col))
            if by is not None:
                if (period, key, by) in seen:
                    tallies[-1].errors.append(RowError(where(resp_col), ANSWERED(
                        by=by, who=who, row=seen[(period, key, by)])))
                seen.setdefault((period, key, by), row.number)
        answered = _Tally("", respondents=1)  # this response's answers
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
                tallies[-1].errors.append(RowError(where(col), ANSWER(problem=str(exc))))
                continue
            answered.answers += 1
            if survey.result == "nps":
                if points >= 9:
                    answered.promoters += 1
                elif points <= 6:
                    answered.detractors += 1
                else:
                    answered.passives += 1
            else:
                answered.points += points
                answered.max_points += top
        if answered.answers:
            out.responses += 1
            for t in tallies:
                t.add(answered)
    return out
