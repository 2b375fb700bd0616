"""From actuals files to a :class:`~kpiscore.score.results.Report`.

A scheme without raters or periods scores each row on its own
(:func:`iter_plain`, which streams). With raters or a rollup, a person's
result is built from several rows (one per rater, one per period): the rows
are grouped by id, every rating of every period is scored, raters are
combined per period (:mod:`kpiscore.score.raters`) and periods rolled up
(:mod:`kpiscore.score.periods`). Survey indicators take their actuals from the
responses (:mod:`kpiscore.score.surveys`). Finally, across people: forced
distribution, ranks and the summary (:mod:`kpiscore.score.across`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpiscore.base.errors import InputUnreadable
from kpiscore.io.cells import is_blank
from kpiscore.score import across
from kpiscore.score.periods import PeriodScore, roll
from kpiscore.score.raters import (
    Part,
    RoleNames,
    Source,
    block,
    combine,
    find_column,
    suffixed_columns,
    virtual_row,
)
from kpiscore.score.results import (
    PeriodEntry,
    PeriodInfo,
    PersonResult,
    Report,
    RowError,
    VetoResult,
    summarise,
)

if TYPE_CHECKING:
    from kpiscore.base.limits import Limits
    from kpiscore.scheme.load import LoadedScheme
    from kpiscore.score.engine import Binding, CompiledScheme, Injection
    from kpiscore.score.surveys import SurveyData

PathLike = str | os.PathLike[str]


def survey_sources(compiled: CompiledScheme, actuals: str,
                   responses: Mapping[str | None, PathLike] | None) -> dict[str, str]:
    """Which file each survey's responses are read from.

    ``responses`` maps a survey id (or ``None``, for every survey) to a file; a
    survey with neither reads the sheet its ``sheet:`` names in the actuals workbook.
    """
    given = {k: os.fspath(v) for k, v in (responses or {}).items()}
    surveys = {sv.id: sv for sv in compiled.scheme.surveys}
    for key in given:
        if key is not None and key not in surveys:
            raise InputUnreadable(f"--responses {key}=…: the scheme has no survey {key!r} "
                                  f"(surveys: {', '.join(surveys) or 'none'})")
    if given and not surveys:
        raise InputUnreadable("responses were given, but the scheme has no surveys")
    out: dict[str, str] = {}
    for sid in dict.fromkeys(compiled.survey_of.values()):
        path = given.get(sid) or given.get(None)
        if path is None:
            if surveys[sid].sheet is None:
                raise InputUnreadable(f"survey {sid!r}: give its responses with --responses "
                                      "FILE, or name their sheet (sheet:) in the actuals "
                                      "workbook")
            if os.path.splitext(actuals)[1].lower() in (".csv", ".txt", ".tsv"):
                raise InputUnreadable(f"survey {sid!r}: {actuals} is a CSV file, which has no "
                                      f"sheet {surveys[sid].sheet!r}; give the responses with "
                                      "--responses FILE")
            path = actuals
        out[sid] = path
    return out


def read_surveys(compiled: CompiledScheme, actuals: str,
                 responses: Mapping[str | None, PathLike] | None, encoding: str | None,
                 max_bytes: int | None, limits: Limits | None = None,
                 cache: dict[tuple[str, ...], SurveyData] | None = None) -> SurveyData | None:
    if not compiled.survey_of:
        if responses:
            survey_sources(compiled, actuals, responses)  # refuses responses without surveys
        return None
    from kpiscore.score.surveys import read_surveys as read

    sources = survey_sources(compiled, actuals, responses)
    key = tuple(sorted(f"{k}={v}" for k, v in sources.items()))
    if cache is not None and key in cache:
        return cache[key]
    data = read(compiled, sources, encoding=encoding, max_bytes=max_bytes, limits=limits)
    if cache is not None:
        cache[key] = data
    return data


def _no_surveys(compiled: CompiledScheme) -> dict[str, Injection]:
    from kpiscore.score.engine import Injection

    return {key: Injection(None) for key in compiled.survey_of}


def _injections(compiled: CompiledScheme, data: SurveyData | None
                ) -> Callable[[str | None], Mapping[str, Injection]] | None:
    """A person's survey actuals, by their id (None when the scheme has no surveys)."""
    if not compiled.survey_of:
        return None

    def get(pid: str | None) -> Mapping[str, Injection]:
        if data is None or pid is None:
            return _no_surveys(compiled)
        return data.injections(pid)

    return get


# -- grouped: raters and periods -----------------------------------------------------------


@dataclass
class _File:
    name: str
    binding: Binding
    layout: str | None  # rows | columns (with raters)
    suffixed: dict[tuple[int, str], dict[str, int]]
    surveys: SurveyData | None


@dataclass
class _Row:
    file: int
    source: Source
    period: str | None
    role: tuple[int, str] | None  # rater kind and number; None: no rater named
    unknown: bool = False  # names a rater the scheme does not have (reported)


@dataclass
class _Person:
    id: str
    rows: list[_Row] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)


def evaluate(loaded: LoadedScheme, actuals: Sequence[PathLike], *,
             responses: Mapping[str | None, PathLike] | None = None,
             encoding: str | None = None, sheet: str | None = None,
             max_bytes: int | None = None, limits: Limits | None = None) -> Report:
    """Score ``actuals`` (one file, or one per period) into a report."""
    from kpiscore.api import iter_results

    compiled: CompiledScheme = loaded.compiled
    scheme = compiled.scheme
    paths = [os.fspath(a) for a in actuals]
    if not paths:
        raise InputUnreadable("no actuals file given")
    if len(paths) > 1 and scheme.rollup is None:
        raise InputUnreadable(f"{len(paths)} actuals files are {len(paths)} periods, but the "
                              "scheme has no rollup: to say how they roll up (e.g. rollup: "
                              "{to: quarter})")
    surveys: list[SurveyData] = []
    cache: dict[tuple[str, ...], SurveyData] = {}
    period: PeriodInfo | None = None
    if not compiled.grouped:
        data = read_surveys(compiled, paths[0], responses, encoding, max_bytes, limits, cache)
        results = list(iter_results(loaded, paths[0], encoding=encoding, sheet=sheet,
                                    max_bytes=max_bytes, limits=limits,
                                    injections=_injections(compiled, data)))
        surveys = [data] if data is not None else []
    else:
        results, surveys, labels = _grouped(compiled, paths, responses, encoding, sheet,
                                            max_bytes, limits, cache)
        if scheme.rollup is not None:
            period = PeriodInfo(scheme.rollup.to, labels)
    return finish(loaded, paths, results, surveys, period)


def finish(loaded: LoadedScheme, paths: Sequence[PathLike], results: list[PersonResult],
           surveys: Sequence[SurveyData] = (), period: PeriodInfo | None = None) -> Report:
    """Across people (forced distribution, ranks) and the summary."""
    compiled: CompiledScheme = loaded.compiled
    s = compiled.scheme
    distribution = across.distribute(compiled, results, lambda r: f"row {r.row}")
    across.rank(results)
    summary = summarise(results, [g.name for g in s.grades], s.pass_mark is not None)
    summary.distribution = distribution
    problems: list[RowError] = []
    if compiled.survey_of:
        ids = {r.id for r in results if r.id is not None}
        summary.surveys = []
        for data in dict.fromkeys(surveys):
            summary.surveys += data.summaries(ids)
            problems += data.problems
    return Report(
        scheme_id=s.id, scheme_title=s.title, precision=s.precision,
        pay_precision=s.pay.precision if s.pay else s.precision,
        has_sections=compiled.has_sections, has_grades=bool(s.grades),
        has_pay=s.pay is not None,
        source=", ".join(os.path.basename(os.fspath(p)) for p in paths),
        results=results, summary=summary,
        indicator_ids=[ci.id for ci in compiled.indicators], period=period,
        problems=problems)


def _grouped(compiled: CompiledScheme, paths: Sequence[str],
             responses: Mapping[str | None, PathLike] | None, encoding: str | None,
             sheet: str | None, max_bytes: int | None, limits: Limits | None,
             cache: dict[tuple[str, ...], SurveyData]
             ) -> tuple[list[PersonResult], list[SurveyData], list[str]]:
    from kpiscore.io.readers import open_actuals
    from kpiscore.score.engine import cell_text

    scheme = compiled.scheme
    rollup = scheme.rollup
    names = RoleNames(scheme.raters) if scheme.raters is not None else None
    files: list[_File] = []
    people: dict[str, _Person] = {}
    entries: list[_Person | PersonResult] = []
    labels: list[str] = []
    surveys: list[SurveyData] = []
    for fi, path in enumerate(paths):
        data = read_surveys(compiled, path, responses, encoding, max_bytes, limits, cache)
        if data is not None and data not in surveys:
            surveys.append(data)
        label = os.path.splitext(os.path.basename(path))[0] if rollup is not None else None
        with open_actuals(path, encoding=encoding, sheet=sheet, max_bytes=max_bytes,
                          limits=limits) as table:
            header = table.header
            taken: list[int] = []
            period_col = find_column(header, rollup.column) if rollup is not None else None
            if period_col is not None:
                taken.append(period_col)
            layout: str | None = None
            rater_col: int | None = None
            suffixed: dict[tuple[int, str], dict[str, int]] = {}
            extra: list[RowError] = []
            if scheme.raters is not None and names is not None:
                rater_col = find_column(header, scheme.raters.column, taken)
                layout = scheme.raters.layout
                if layout == "auto":
                    layout = "rows" if rater_col is not None else "columns"
                if layout == "rows":
                    if rater_col is None:
                        extra.append(RowError(table.where(0), "no rater column: expected a "
                                              "header named " + " or ".join(
                                                  repr(c) for c in scheme.raters.column)))
                    else:
                        taken.append(rater_col)
                    binding = compiled.bind(header, table.where, skip=taken)
                else:
                    suffixed = suffixed_columns(compiled, header, names)
                    taken += [c for cols in suffixed.values() for c in cols.values()]
                    shared = [f for f in compiled.fields if f.key not in compiled.rated]
                    binding = compiled.bind(header, table.where, fields=shared, skip=taken)
                    for f in compiled.fields:
                        if f.key in compiled.rated and not any(
                                f.key in cols for cols in suffixed.values()):
                            first = scheme.raters.roles[0]
                            extra.append(RowError(
                                table.where(0), f"no rater columns for {f.label}: expected "
                                f"headers such as '{f.headers[0]}({first.title or first.id})'"
                                " (or leave it out of raters.rated: a shared actual)", f.key))
            else:
                binding = compiled.bind(header, table.where, skip=taken)
            binding.problems.extend(extra)
            files.append(_File(os.path.basename(path), binding, layout, suffixed, data))
            try:
                for row in table.rows:
                    if all(is_blank(v) for v in row.values):
                        continue
                    cells = list(row.values)

                    def cell(col: int | None, _c: list[Any] = cells) -> Any:
                        return _c[col] if col is not None and col < len(_c) else None

                    source = Source(row.number, cells, row.percent, table.where)
                    errors: list[RowError] = []
                    period = label
                    if period_col is not None:
                        value = cell_text(cell(period_col))
                        if value is None:
                            errors.append(RowError(table.where(period_col, row.number),
                                                   "the period is blank"))
                        else:
                            period = value
                    if period is not None and period not in labels:
                        labels.append(period)
                    role: tuple[int, str] | None = None
                    unknown = False
                    if layout == "rows" and rater_col is not None and names is not None:
                        text = cell_text(cell(rater_col))
                        if text is not None:
                            role = names.find(text, numbered=True)
                            if role is None:
                                unknown = True
                                errors.append(RowError(
                                    table.where(rater_col, row.number),
                                    f"unknown rater {text!r} (raters: {names.known()})"))
                    pid = cell_text(cell(binding.id_col))
                    if pid is None:
                        entries.append(_orphan(compiled, binding, source, period, errors))
                        continue
                    person = people.get(pid)
                    if person is None:
                        person = people[pid] = _Person(pid)
                        entries.append(person)
                    person.rows.append(_Row(fi, source, period, role, unknown))
                    person.errors += errors
            except InputUnreadable:
                raise
            except (OSError, ValueError, KeyError, EOFError) as exc:
                raise InputUnreadable(f"{path}: cannot read past the header: {exc}") from None
    results = [e if isinstance(e, PersonResult) else _score(compiled, e, files, labels)
               for e in entries]
    return results, surveys, labels


def _orphan(compiled: CompiledScheme, binding: Binding, source: Source, period: str | None,
            errors: list[RowError]) -> PersonResult:
    """A row without an id: scored on its own, and an error."""
    result = compiled.evaluate(binding, source.row, source.cells, source.at,
                               source.percent.__contains__, _no_surveys(compiled))
    result.errors += errors
    result.status = "error"
    result.total = result.grade = result.pay = None
    result.passed = None
    result.period = period
    return result


def _dedupe(errors: Sequence[RowError]) -> list[RowError]:
    seen: set[tuple[str, str, str | None]] = set()
    out = []
    for e in errors:
        key = (e.where, e.message, e.field)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def _union(vetoes: Sequence[VetoResult]) -> list[VetoResult]:
    seen: set[str] = set()
    out = []
    for v in vetoes:
        if v.id not in seen:
            seen.add(v.id)
            out.append(v)
    return out


def _score(compiled: CompiledScheme, person: _Person, files: Sequence[_File],
           labels: Sequence[str]) -> PersonResult:
    """One person's result from all of their rows."""
    scheme = compiled.scheme
    raters, rollup = scheme.raters, scheme.rollup
    errors = list(person.errors)
    first = person.rows[0]
    id_where = first.source.where(files[first.file].binding.id_col or 0, first.source.row)
    by_period: dict[str | None, list[_Row]] = {}
    for r in person.rows:
        by_period.setdefault(r.period, []).append(r)
    # rows whose period is blank are reported (person.errors), not rolled up
    own: list[str | None] = [p for p in labels if p in by_period] or [None]
    if rollup is not None:
        missing = [p for p in labels if p not in by_period]
        short = rollup.expect is not None and len(own) < rollup.expect
        if (missing or short) and rollup.missing == "error":
            what = ", ".join(missing) if missing else \
                f"{rollup.expect - len(own)} of {rollup.expect}"  # type: ignore[operator]
            errors.append(RowError(id_where, f"{person.id} has no actuals for {what} (periods "
                                   f"given: {', '.join(str(p) for p in own)}); set "
                                   "rollup.missing: present to roll up the periods given"))
        if rollup.expect is not None and len(own) > rollup.expect:
            errors.append(RowError(id_where, f"{person.id} has {len(own)} periods; a "
                                   f"{rollup.to} has {rollup.expect}"))
    scores: list[PeriodScore] = []
    parts: list[Part] = []
    combos = []
    for label in own:
        rows = by_period.get(label) or person.rows
        file = files[rows[0].file]
        injected = file.surveys.injections(person.id) if file.surveys is not None \
            else (_no_surveys(compiled) if compiled.survey_of else None)
        if raters is not None:
            mine = _ratings(compiled, person, rows, files, label, errors)
            parts += mine
            combo = combine(compiled, mine, id_where)
            combos.append(combo)
            errors += combo.errors
            part_errors = [e for p in mine for e in p.reading.result.errors]
            values = dict(mine[0].reading.values) if mine else {}
            for p in mine[1:]:
                values = {k: v for k, v in values.items() if p.reading.values.get(k) == v}
            vetoes = _union([v for p in mine for v in p.vetoes])
            scores.append(PeriodScore(label, file.name, sorted({r.source.row for r in rows}),
                                      combo.scored, values, vetoes,
                                      part_errors + combo.errors, combo))
        else:
            for extra in rows[1:]:
                errors.append(RowError(
                    extra.source.where(file.binding.id_col or 0, extra.source.row),
                    f"duplicate id {person.id!r} (also on row {rows[0].source.row}"
                    + (f" for {label}" if label is not None else "") + ")"))
            r = rows[0]
            reading = compiled.read(file.binding, r.source.row, r.source.cells,
                                    r.source.at, r.source.percent.__contains__, injected)
            vetoes, more = compiled.vetoes_for(reading.values, f"row {r.source.row}")
            reading.result.errors += more
            scores.append(PeriodScore(label, file.name, [r.source.row],
                                      compiled.score(reading), reading.values, vetoes,
                                      reading.result.errors))
    scored, env = roll(compiled, scores, errors)
    for ps in scores:
        errors += ps.errors
    name, dept = _names(files, person.rows)
    result = PersonResult(first.source.row, person.id, name, dept)
    result.sources = [(files[r.file].name, r.source.row) for r in person.rows]
    result.errors = _dedupe(errors)
    result.period = None if own == [None] else (
        own[0] if len(own) == 1 else f"{own[0]}..{own[-1]}")
    compiled.assemble(result, scored, env, row_label=f"row {first.source.row}",
                      vetoes=_union([v for ps in scores for v in ps.vetoes]))
    if raters is not None:
        result.raters = block(compiled, combos, parts)
        result.raters.rows = sorted(set(result.sources), key=result.sources.index)
    if rollup is not None:
        result.periods = [PeriodEntry(str(ps.label), ps.source, ps.rows,
                                      "error" if ps.errors else "ok",
                                      None if ps.errors else ps.total(compiled))
                          for ps in scores]
    return result


def _names(files: Sequence[_File], rows: Sequence[_Row]) -> tuple[str | None, str | None]:
    """The first name and department given on a person's rows."""
    from kpiscore.score.engine import cell_text

    name = dept = None
    for r in rows:
        b = files[r.file].binding
        name = name or cell_text(r.source.cell(b.name_col).value if b.name_col is not None
                                 else None)
        dept = dept or cell_text(r.source.cell(b.dept_col).value if b.dept_col is not None
                                 else None)
    return name, dept


def _ratings(compiled: CompiledScheme, person: _Person, rows: Sequence[_Row],
             files: Sequence[_File], label: str | None,
             errors: list[RowError]) -> list[Part]:
    """Every rating of a person in one period, read and scored."""
    raters = compiled.scheme.raters
    assert raters is not None
    out: list[Part] = []
    seen: dict[tuple[int, str], int] = {}
    for r in rows:
        file = files[r.file]
        injected = file.surveys.injections(person.id) if file.surveys is not None \
            else (_no_surveys(compiled) if compiled.survey_of else None)
        if r.unknown:
            continue
        same_file = [x.source for x in rows if x.file == r.file and not x.unknown]
        if file.layout == "columns":
            if r is not rows[0]:
                errors.append(RowError(
                    r.source.where(file.binding.id_col or 0, r.source.row),
                    f"duplicate id {person.id!r} (also on row {rows[0].source.row}"
                    + (f" for {label}" if label is not None else "") + ")"))
                continue
            for who in sorted(file.suffixed):
                cols = file.suffixed[who]
                if all(is_blank(r.source.cell(c).value) for c in cols.values()):
                    continue  # this rater did not rate the person
                vr = virtual_row(compiled, file.binding, r.source, same_file, cols, errors)
                out.append(_part(compiled, who[0], vr.read(compiled, injected), file.name,
                                 r.source.row, label))
            continue
        if r.role is None:
            for key in compiled.rated:
                col = file.binding.columns.get(key)
                if col is not None and not is_blank(r.source.cell(col).value):
                    errors.append(RowError(r.source.where(col, r.source.row),
                                           "a rated value on a row that names no rater",
                                           key))
            continue
        kind = r.role[0]
        if r.role in seen and not raters.roles[kind].multiple:
            role = raters.roles[kind]
            errors.append(RowError(
                r.source.where(file.binding.id_col or 0, r.source.row),
                f"{role.title or role.id} rates {person.id} twice (rows {seen[r.role]} and "
                f"{r.source.row}); set multiple: true for several raters of one kind"))
            continue
        seen.setdefault(r.role, r.source.row)
        vr = virtual_row(compiled, file.binding, r.source, same_file, None, errors)
        out.append(_part(compiled, kind, vr.read(compiled, injected), file.name,
                         r.source.row, label))
    return out


def _part(compiled: CompiledScheme, kind: int, reading: Any, source: str, row: int,
          label: str | None) -> Part:
    part = Part(kind, reading, compiled.score(reading), source, row, label)
    vetoes, more = compiled.vetoes_for(reading.values, f"row {row}")
    part.vetoes = vetoes
    reading.result.errors += more
    return part


_ = Decimal  # used in annotations of callers
