"""From opened tables to a :class:`~kpiscore.score.results.Report`.

A scheme without raters or periods scores each row on its own
(:func:`iter_results`, which streams). With raters or a rollup, a person's
result is built from several rows (one per rater, one per period): the people
loop groups their rows, every rating of every period is scored, raters are
combined per period (:mod:`kpiscore.score.raters`) and periods rolled up
(:mod:`kpiscore.score.periods`). Survey indicators take their actuals from the
responses (:mod:`kpiscore.score.surveys`). Finally, across people: forced
distribution, ranks and the summary (:mod:`kpiscore.score.across`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar, cast

from kpiscore.base.i18n import Alternatives, Phrase
from kpiscore.io.cells import is_blank
from kpiscore.io.table import HeaderIndex, Table
from kpiscore.scheme.compile import CompiledScheme
from kpiscore.score import across
from kpiscore.score.binding import (
    Binding,
    bind,
    holds_people,
    locate_header,
    refuse_other_sheets,
)
from kpiscore.score.calibration import CalibrationFile, calibrate
from kpiscore.score.lane import Lane
from kpiscore.score.people import DUPLICATE, Person, Source, each_person
from kpiscore.score.periods import PeriodScore, period_weights, roll
from kpiscore.score.raters import (
    Part,
    RoleNames,
    block,
    combine,
    rate,
    rater_vetoes,
    suffixed_columns,
    virtual_row,
)
from kpiscore.score.results import (
    Heading,
    PeriodEntry,
    PeriodInfo,
    PersonResult,
    Report,
    RowError,
    summarise,
)
from kpiscore.score.scorer import Injection, Scorer, cell_text, row_label
from kpiscore.score.surveys import SurveyData, pooled_injections

NO_RATER_COLUMN = Phrase("no rater column: expected a header named {names}",
                         "没有评价人列:应有名为 {names} 的表头")
NO_RATER_COLUMNS = Phrase("no rater columns for {label}: expected headers such as "
                          "'{header}({rater})' (or leave it out of raters.rated: a shared actual)",
                          "没有 {label} 的评价人列:应有形如 '{header}({rater})' 的表头"
                          "(或把它移出 raters.rated:作为共用的实际值)")
BLANK_PERIOD = Phrase("the period is blank", "期间为空")
UNKNOWN_RATER = Phrase("unknown rater {name!r} (raters: {known})",
                       "未知的评价人 {name!r}(评价人:{known})")
MISSING_PERIODS = Phrase("{id} has no actuals for {what} (periods given: {given}); set "
                         "rollup.missing: present to roll up the periods given",
                         "{id} 缺少 {what} 的实际数据(已有期间:{given});"
                         "可设置 rollup.missing: present 汇总已有的期间")
OF = Phrase("{missing} of {expected}", "{expected} 期中的 {missing} 期")
UNWEIGHTED = Phrase("{id} has actuals for {period}, which rollup.weights does not weigh "
                   "(weighted: {weighted})",
                   "{id} 有 {period} 期的实际数据,但 rollup.weights 没有给它权重"
                   "(有权重的期间:{weighted})")
TOO_MANY = Phrase("{id} has {count} periods; a {to} has {expected}",
                  "{id} 有 {count} 期;一个{to}只有 {expected} 期")
FOR = Phrase(" for {label}", " [{label}]")
UNRATED = Phrase("a rated value on a row that names no rater", "评分值所在的行没有写明评价人")
TWICE = Phrase("{rater} rates {id} twice (rows {first} and {second}); set multiple: true for "
               "several raters of one kind",
               "{rater} 给 {id} 评了两次(第 {first} 行和第 {second} 行);"
               "同类评价人有多位时请设置 multiple: true")

T = TypeVar("T")


def injections(compiled: CompiledScheme, data: SurveyData | None, pid: str | None,
               period: str | None = None, pooled: dict[str, Injection] | None = None
               ) -> dict[str, Injection] | None:
    """A person's survey actuals in ``period``, by their id (None when the scheme has no
    surveys); ``pooled`` are those of the indicators whose responses are pooled over the
    periods (``rollup: pool``), the same in every period."""
    if not compiled.survey_of:
        return None
    if data is None or pid is None:
        return {key: Injection(None) for key in compiled.survey_of}
    out = data.injections(pid, period)
    if pooled:
        out.update(pooled)
    return out


def binding_for(compiled: CompiledScheme, table: Table) -> Binding:
    """The table's header row found (below its titles) and bound to the scheme's fields;
    a missing column is told after why the header row may not be the one meant. A
    workbook with people on other sheets than the one read is refused
    (:func:`refuse_other_sheets`)."""
    locate_header(compiled, table)
    refuse_other_sheets(table, holds_people(compiled))
    binding = bind(compiled, table.header, table.where)
    if binding.problems:
        binding.problems[:0] = [RowError(table.where(col), note)
                                for col, note in table.header_notes()]
    return binding


def iter_results(compiled: CompiledScheme, table: Table, *, scorer: Scorer | None = None,
                 surveys: SurveyData | None = None) -> Iterator[PersonResult]:
    """Score every row of ``table`` (a scheme without raters or periods), one result per
    non-blank row, as they are read. Results carry no ranks (those need every row).

    The header row is found and bound on the call, before the first result is asked
    for: ``table.header_note`` can be told first."""
    scorer = scorer or Scorer(compiled)
    return _each_result(compiled, table, scorer, binding_for(compiled, table), surveys)


def _each_result(compiled: CompiledScheme, table: Table, scorer: Scorer, binding: Binding,
                 surveys: SurveyData | None) -> Iterator[PersonResult]:
    for person in each_person([table], [binding.id_col]):
        yield score_person(scorer, binding, person, surveys)


def score_person(scorer: Scorer, binding: Binding, person: Person,
                 surveys: SurveyData | None = None) -> PersonResult:
    """One person of a streamed table (one row): read, scored and assembled; a plain
    row of a plain scheme through the scorer's :class:`~kpiscore.score.lane.Lane`."""
    row = person.sources[0].row
    if not person.errors and surveys is None:
        lane = _lane(scorer, binding)
        if lane is not None:
            quick = lane.score(row.number, row.values, row.percent, person.id)
            if quick is not None:
                return quick
    return scorer.score_row(binding, row.number, row.values, person.sources[0].where,
                            row.percent.__contains__,
                            injections(scorer.compiled, surveys, person.id),
                            errors=person.errors)


def _lane(scorer: Scorer, binding: Binding) -> Lane | None:
    """The scorer's lane for ``binding`` (made on the first row), or None if the scheme
    or the binding does not fit one."""
    made = scorer.lane
    if made is None or made[0] is not binding:
        made = scorer.lane = (binding, Lane(scorer, binding) if Lane.fits(scorer, binding)
                              else None)
    return cast("Lane | None", made[1])


def can_stream(compiled: CompiledScheme, tables: int = 1) -> bool:
    """Whether every result is final as soon as its row is scored: not with several
    periods, raters, surveys or a forced distribution (they need every row first)."""
    return (tables == 1 and not compiled.grouped and not compiled.survey_of
            and compiled.scheme.distribution is None)


def evaluate(compiled: CompiledScheme, tables: Sequence[Table], *,
             surveys: Sequence[SurveyData | None] = (),
             calibration: CalibrationFile | None = None) -> Report:
    """Score ``tables`` (one, or one per period) into a report; ``surveys[i]`` are the
    survey responses for ``tables[i]``; ``calibration``'s moves are applied last."""
    scorer = Scorer(compiled)
    rollup = compiled.scheme.rollup
    period: PeriodInfo | None = None
    if not compiled.grouped:
        results = list(iter_results(compiled, tables[0], scorer=scorer,
                                    surveys=surveys[0] if surveys else None))
    else:
        grouped = _Grouped(scorer, tables, surveys)
        results = grouped.results()
        if rollup is not None:
            period = PeriodInfo(rollup.to, grouped.labels)
    report = finish(scorer, results, [t.source for t in tables],
                    [s for s in dict.fromkeys(surveys) if s is not None], period, calibration)
    # how each table was read (its encoding), then where its header row is
    report.notes = [RowError(t.source, note) for t in tables for note in t.notes]
    report.notes += [RowError(t.where(0), t.header_note) for t in tables if t.header_note]
    return report


def head(compiled: CompiledScheme, sources: Sequence[str]) -> Report:
    """A report with no people yet: what a streamed output says before its rows."""
    return finish(Scorer(compiled), [], sources)


def finish(scorer: Scorer, results: list[PersonResult], sources: Sequence[str],
           surveys: Sequence[SurveyData] = (), period: PeriodInfo | None = None,
           calibration: CalibrationFile | None = None) -> Report:
    """Across people (forced distribution, ranks), the summary, then calibration (the
    summary's grade counts are the banded ones; its calibration block has the rest)."""
    compiled = scorer.compiled
    s = compiled.scheme
    distribution = across.distribute(scorer, results)
    across.rank(results)
    summary = summarise(results, [g.name for g in s.grades], s.pass_mark is not None)
    summary.distribution = distribution
    problems: list[RowError] = []
    if compiled.survey_of:
        ids = {r.id for r in results if r.id is not None}
        summary.surveys = []
        for data in surveys:
            summary.surveys += data.summaries(ids, period.periods if period else None)
            problems += data.problems
    if calibration is not None:
        summary.calibration, found = calibrate(scorer, results, calibration)
        problems += found
    return Report(
        scheme_id=s.id, scheme_title=s.title, precision=s.precision,
        pay_precision=s.pay.precision if s.pay else s.precision,
        has_sections=compiled.has_sections, has_grades=bool(s.grades),
        has_pay=s.pay is not None, source=", ".join(sources), results=results,
        summary=summary, indicator_ids=[ci.id for ci in compiled.indicators], period=period,
        problems=problems,
        sections=[Heading(g.id, g.title) for g in compiled.sections],
        dimensions=[Heading(g.id, g.title, g.implicit) for g in compiled.dimensions],
        indicators=[Heading(ci.id, ci.ind.label) for ci in compiled.indicators],
        pay_lines=[Heading(line.id, line.title or line.id) for line, _ in compiled.pay_lines],
        has_pass=s.pass_mark is not None, has_quotas=s.distribution is not None,
        has_periods=s.rollup is not None)


# -- grouped: raters and periods -----------------------------------------------------------


@dataclass
class _File:
    """How one table is read: its binding, and with raters their layout."""

    name: str
    label: str | None  # the period it holds (a file per period)
    binding: Binding
    period_col: int | None
    rater_col: int | None
    layout: str | None  # rows | columns (with raters)
    suffixed: dict[tuple[int, str], dict[str, int]]
    surveys: SurveyData | None


class _Grouped:
    """Scores persons built from several rows (one per rater, one per period)."""

    def __init__(self, scorer: Scorer, tables: Sequence[Table],
                 surveys: Sequence[SurveyData | None]) -> None:
        self.scorer = scorer
        self.compiled = compiled = scorer.compiled
        self.tables = tables
        scheme = compiled.scheme
        self.names = RoleNames(scheme.raters) if scheme.raters is not None else None
        self.files = [self._file(table, surveys[t] if t < len(surveys) else None)
                      for t, table in enumerate(tables)]
        self.labels: list[str] = []

    def _file(self, table: Table, surveys: SurveyData | None) -> _File:
        compiled, scheme = self.compiled, self.compiled.scheme
        locate_header(compiled, table)
        refuse_other_sheets(table, holds_people(compiled))
        header, rollup, raters = table.header, scheme.rollup, scheme.raters
        index = HeaderIndex(header)
        period_col = index.first(rollup.column, exact=True) if rollup is not None else None
        taken = [] if period_col is None else [period_col]
        layout: str | None = None
        rater_col: int | None = None
        suffixed: dict[tuple[int, str], dict[str, int]] = {}
        fields = None
        extra: list[RowError] = []
        if raters is not None and self.names is not None:
            rater_col = index.first(raters.column, taken, exact=True)
            layout = raters.layout
            if layout == "auto":
                layout = "rows" if rater_col is not None else "columns"
            if layout == "rows" and rater_col is not None:
                taken.append(rater_col)
            elif layout == "rows":
                extra.append(RowError(table.where(0), NO_RATER_COLUMN(
                    names=Alternatives(tuple(raters.column)))))
            else:
                suffixed = suffixed_columns(compiled, header, self.names)
                taken += [c for cols in suffixed.values() for c in cols.values()]
                fields = [f for f in compiled.fields if f.key not in compiled.rated]
                first = raters.roles[0]
                extra += [RowError(table.where(0), NO_RATER_COLUMNS(
                    label=f.label, header=f.headers[0], rater=first.title or first.id), f.key)
                    for f in compiled.fields if f.key in compiled.rated
                    and not any(f.key in cols for cols in suffixed.values())]
        binding = bind(compiled, header, table.where, fields=fields, skip=taken)
        binding.problems.extend(extra)
        label = os.path.splitext(table.source)[0] if rollup is not None else None
        return _File(table.source, label, binding, period_col, rater_col, layout, suffixed, surveys)

    def results(self) -> list[PersonResult]:
        people = list(each_person(self.tables, [f.binding.id_col for f in self.files],
                                  grouped=True))
        # the periods in the order their rows come (a file each, or a period column)
        rows = sorted((src for p in people for src in p.sources),
                      key=lambda src: (src.table, src.number))
        for src in rows:
            period = self._period(src, [])
            if period is not None and period not in self.labels:
                self.labels.append(period)
        return [self._score(p) if p.id is not None else self._orphan(p) for p in people]

    def _period(self, src: Source, errors: list[RowError]) -> str | None:
        file = self.files[src.table]
        if file.period_col is None:
            return file.label
        value = cell_text(src.cell(file.period_col))
        if value is None:
            errors.append(RowError(src.where(file.period_col), BLANK_PERIOD()))
        return value

    def _role(self, src: Source, errors: list[RowError]) -> tuple[tuple[int, str] | None, bool]:
        """The rater kind a row names, and whether it names an unknown one."""
        file = self.files[src.table]
        if file.layout != "rows" or file.rater_col is None or self.names is None:
            return None, False
        text = cell_text(src.cell(file.rater_col))
        if text is None:
            return None, False
        role = self.names.find(text, numbered=True)
        if role is None:
            errors.append(RowError(src.where(file.rater_col), UNKNOWN_RATER(
                name=text, known=self.names.known())))
            return None, True
        return role, False

    def _orphan(self, person: Person) -> PersonResult:
        """A row without an id: scored on its own, and an error."""
        src = person.sources[0]
        file = self.files[src.table]
        errors: list[RowError] = list(person.errors)
        period = self._period(src, errors)
        self._role(src, errors)
        result = self.scorer.score_row(file.binding, src.number, src.row.values, src.where,
                                       src.row.percent.__contains__,
                                       injections(self.compiled, file.surveys, None), errors=errors)
        result.period = period
        return result

    def _score(self, person: Person) -> PersonResult:
        """One person's result from all of their rows."""
        compiled, scorer = self.compiled, self.scorer
        scheme = compiled.scheme
        raters, rollup = scheme.raters, scheme.rollup
        assert person.id is not None
        errors: list[RowError] = list(person.errors)
        first = person.sources[0]
        id_where = first.where(self.files[first.table].binding.id_col or 0)
        by_period: dict[str | None, list[tuple[Source, tuple[int, str] | None, bool]]] = {}
        for src in person.sources:
            period = self._period(src, errors)
            role, unknown = self._role(src, errors)
            by_period.setdefault(period, []).append((src, role, unknown))
        # rows whose period is blank are reported, not rolled up
        own: list[str | None] = [p for p in self.labels if p in by_period] or [None]
        if rollup is not None:
            weighted = list(rollup.weights or ())
            missing = [p for p in dict.fromkeys(self.labels + weighted) if p not in by_period]
            for label in own:
                if rollup.weights is not None and label is not None \
                        and label not in rollup.weights:
                    errors.append(RowError(id_where, UNWEIGHTED(
                        id=person.id, period=label, weighted=", ".join(weighted))))
            short = rollup.expect is not None and len(own) < rollup.expect
            if (missing or short) and rollup.missing == "error":
                what = ", ".join(missing) if missing else \
                    OF(missing=(rollup.expect or 0) - len(own), expected=rollup.expect)
                errors.append(RowError(id_where, MISSING_PERIODS(
                    id=person.id, what=what, given=", ".join(str(p) for p in own))))
            if rollup.expect is not None and len(own) > rollup.expect:
                errors.append(RowError(id_where, TOO_MANY(id=person.id, count=len(own),
                                                          to=rollup.to, expected=rollup.expect)))
        scores: list[PeriodScore] = []
        parts: list[Part] = []
        combos = []
        pooled = self._pooled(person.id, [(label, self.files[by_period[label][0][0].table])
                                          for label in own])
        for label in own:
            rows = by_period[label]
            file = self.files[rows[0][0].table]
            injected = injections(compiled, file.surveys, person.id, label, pooled)
            if raters is not None:
                mine = self._ratings(person, rows, label, errors, pooled)
                parts += mine
                combo = combine(compiled, mine, id_where)
                combos.append(combo)
                errors += combo.errors
                part_errors = [e for p in mine for e in p.reading.result.errors]
                values = dict(mine[0].reading.values) if mine else {}
                for p in mine[1:]:
                    values = {k: v for k, v in values.items() if p.reading.values.get(k) == v}
                vetoes = rater_vetoes(compiled, mine)
                scores.append(PeriodScore(label, file.name, sorted({s.number for s, _, _ in rows}),
                                          combo.scored, values, vetoes, part_errors + combo.errors))
                continue
            src = rows[0][0]
            for extra, _, _ in rows[1:]:
                errors.append(RowError(
                    extra.where(self.files[extra.table].binding.id_col or 0),
                    DUPLICATE(id=person.id, first=src.number,
                              how=FOR(label=label) if label is not None else "")))
            reading = scorer.read(file.binding, src.number, src.row.values, src.where,
                                  src.row.percent.__contains__, injected)
            vetoes = scorer.vetoes(reading.values, row_label(src.number), reading.result.errors)
            scores.append(PeriodScore(label, file.name, [src.number], scorer.score(reading),
                                      reading.values, vetoes, reading.result.errors))
        weights = period_weights(rollup.weights if rollup is not None else None,
                                 [ps.label for ps in scores])
        scored, env = roll(scorer, scores, errors, weights)
        for ps in scores:
            errors += ps.errors
        name, dept = self._names(person)
        result = PersonResult(first.number, person.id, name, dept)
        result.sources = [(self.files[s.table].name, s.number) for s in person.sources]
        result.errors = _first_each(errors, lambda e: (e.where, e.message, e.field))
        result.period = None if own == [None] else (
            own[0] if len(own) == 1 else f"{own[0]}..{own[-1]}")
        scorer.assemble(result, scored, env, label=row_label(first.number),
                        vetoes=_first_each((v for ps in scores for v in ps.vetoes),
                                           lambda v: v.id))
        if raters is not None:
            result.raters = block(compiled, combos, parts)
            result.raters.rows = sorted(set(result.sources), key=result.sources.index)
        if rollup is not None:
            result.periods = [PeriodEntry(str(ps.label), ps.source, ps.rows,
                                          "error" if ps.errors else "ok",
                                          None if ps.errors else ps.total(compiled),
                                          None if weights is None else weights[k])
                              for k, ps in enumerate(scores)]
        return result

    def _pooled(self, pid: str, periods: Sequence[tuple[str | None, _File]]
                ) -> dict[str, Injection] | None:
        """The actuals of the survey indicators that pool their responses over the
        person's periods (``rollup: pool``): every response of those periods together."""
        pool = {key for key in self.compiled.survey_of
                if self.compiled.rollup_of.get(key) == "pool"}
        if not pool:
            return None
        sources = [(file.surveys, label) for label, file in periods if file.surveys is not None]
        if not sources:
            return None
        return pooled_injections(self.compiled, sources, pid, pool)

    def _names(self, person: Person) -> tuple[str | None, str | None]:
        """The first name and department given on a person's rows."""
        name = dept = None
        for src in person.sources:
            b = self.files[src.table].binding
            name = name or cell_text(src.cell(b.name_col))
            dept = dept or cell_text(src.cell(b.dept_col))
        return name, dept

    def _ratings(self, person: Person, rows: Sequence[tuple[Source, tuple[int, str] | None, bool]],
                 label: str | None, errors: list[RowError],
                 pooled: dict[str, Injection] | None = None) -> list[Part]:
        """Every rating of a person in one period, read and scored."""
        compiled, scorer = self.compiled, self.scorer
        raters = compiled.scheme.raters
        assert raters is not None and person.id is not None
        out: list[Part] = []
        seen: dict[tuple[int, str], int] = {}
        first = rows[0][0]
        during = FOR(label=label) if label is not None else ""
        for src, role, unknown in rows:
            file = self.files[src.table]
            injected = injections(compiled, file.surveys, person.id, label, pooled)
            if unknown:
                continue
            same_file = [s for s, _, u in rows if s.table == src.table and not u]
            id_where = src.where(file.binding.id_col or 0)
            if file.layout == "columns":
                if src is not first:
                    errors.append(RowError(id_where, DUPLICATE(id=person.id, first=first.number,
                                                               how=during)))
                    continue
                for who in sorted(file.suffixed):
                    cols = file.suffixed[who]
                    if all(is_blank(src.cell(c)) for c in cols.values()):
                        continue  # this rater did not rate the person
                    vr = virtual_row(compiled, file.binding, src, same_file, cols, errors)
                    out.append(rate(scorer, who[0], vr, injected, file.name, label))
                continue
            if role is None:
                for key in compiled.rated:
                    col = file.binding.columns.get(key)
                    if col is not None and not is_blank(src.cell(col)):
                        errors.append(RowError(src.where(col), UNRATED(), key))
                continue
            kind = role[0]
            if role in seen and not raters.roles[kind].multiple:
                r = raters.roles[kind]
                errors.append(RowError(id_where, TWICE(rater=r.title or r.id, id=person.id,
                                                       first=seen[role], second=src.number)))
                continue
            seen.setdefault(role, src.number)
            vr = virtual_row(compiled, file.binding, src, same_file, None, errors)
            out.append(rate(scorer, kind, vr, injected, file.name, label))
        return out


def _first_each(items: Iterable[T], key: Callable[[T], Hashable]) -> list[T]:
    """The first item of each ``key``, in order."""
    out: dict[Hashable, T] = {}
    for item in items:
        out.setdefault(key(item), item)
    return list(out.values())
