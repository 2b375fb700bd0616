"""The library's front door: load and validate schemes, open tables, evaluate.

The core takes opened tables (:func:`open_table` opens a file of any registered
kind: xlsx, csv, a SQLite table …); :func:`evaluate_file` opens them for you::

    from kpiscore.api import evaluate, load_scheme, open_table

    loaded = load_scheme("examples/tech-support-manager/scheme.yaml")
    with open_table("actuals.sqlite", table="2024_06") as table:
        report = evaluate(loaded, table)
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.i18n import Phrase
from kpiscore.base.limits import Limits
from kpiscore.io import open_table
from kpiscore.io.table import Table
from kpiscore.scheme.load import LoadedScheme, load_scheme
from kpiscore.scheme.paths import validate_paths
from kpiscore.score.calibration import CalibrationFile, read_calibration
from kpiscore.score.evaluate import evaluate as _evaluate
from kpiscore.score.evaluate import iter_results as _iter_results
from kpiscore.score.results import PersonResult, Report
from kpiscore.score.surveys import SurveyData, read_surveys

__all__ = ["evaluate", "evaluate_file", "iter_results", "load_scheme", "open_table",
           "opened", "read_calibration_file", "validate_paths"]

PathLike = str | os.PathLike[str]

NO_ACTUALS = Phrase("no actuals file given", "没有给出实际数据文件")
NO_ROLLUP = Phrase("{count} actuals files are {count} periods, but the scheme has no rollup: "
                   "to say how they roll up (e.g. rollup: {{to: quarter}})",
                   "{count} 个实际数据文件即 {count} 期,但方案没有 rollup: 说明如何汇总"
                   "(例如 rollup: {{to: quarter}})")
NO_SURVEY = Phrase("--responses {id}=…: the scheme has no survey {id!r} (surveys: {surveys})",
                   "--responses {id}=…:方案中没有问卷 {id!r}(问卷:{surveys})")
NO_SURVEYS = Phrase("responses were given, but the scheme has no surveys",
                    "给出了问卷回答,但方案中没有问卷")
WHERE_RESPONSES = Phrase("survey {id!r}: give its responses with --responses FILE, or name "
                         "their sheet (sheet:) in the actuals workbook",
                         "问卷 {id!r}:请用 --responses FILE 给出回答,或在实际数据工作簿中"
                         "指定其工作表(sheet:)")
CSV_SHEET = Phrase("survey {id!r}: {file} is a CSV file, which has no sheet {sheet!r}; give the "
                   "responses with --responses FILE",
                   "问卷 {id!r}:{file} 是 CSV 文件,没有工作表 {sheet!r};请用 --responses FILE "
                   "给出回答")


def evaluate(scheme: LoadedScheme, tables: Table | Sequence[Table], *,
             surveys: Sequence[SurveyData | None] = (),
             calibration: CalibrationFile | None = None) -> Report:
    """Score opened tables (one, or one per period) into a :class:`Report`: results in
    input order, with ranks, forced distribution and the summary. ``surveys[i]`` are
    the survey responses for ``tables[i]`` (:func:`read_surveys`); ``calibration``'s
    moves (:func:`read_calibration_file`) are applied last."""
    listed = [tables] if isinstance(tables, Table) else list(tables)
    _check_periods(scheme, len(listed))
    return _evaluate(scheme.compiled, listed, surveys=surveys, calibration=calibration)


def read_calibration_file(scheme: LoadedScheme, path: PathLike, *, encoding: str | None = None,
                          sheet: str | None = None, max_bytes: int | None = None,
                          limits: Limits | None = None) -> CalibrationFile:
    """The moves of a calibration file (.xlsx or .csv: 工号, 调整后等级, 原因, 调整人);
    raises InputUnreadable when it cannot be read or used."""
    with open_table(path, encoding=encoding, sheet=sheet, max_bytes=max_bytes,
                    limits=limits) as table:
        return read_calibration(scheme.compiled, table)


def iter_results(scheme: LoadedScheme, table: Table,
                 surveys: SurveyData | None = None) -> Iterator[PersonResult]:
    """Score every row of ``table`` as it is read (a scheme without raters or periods):
    memory stays flat however many people. Results carry no ranks."""
    return _iter_results(scheme.compiled, table, surveys=surveys)


@contextmanager
def opened(scheme: LoadedScheme, actuals: PathLike | Sequence[PathLike], *,
           responses: Mapping[str | None, PathLike] | None = None,
           encoding: str | None = None, sheet: str | None = None, table: str | None = None,
           max_bytes: int | None = None, limits: Limits | None = None,
           header_row: int | None = None
           ) -> Iterator[tuple[list[Table], list[SurveyData | None]]]:
    """The actuals files opened as tables, and each one's survey responses read.

    ``responses`` gives the survey responses' file: ``{None: path}`` for every survey,
    or by survey id; a survey with neither reads the sheet its ``sheet:`` names in
    each actuals workbook.
    """
    paths = [os.fspath(actuals)] if isinstance(actuals, (str, os.PathLike)) else \
        [os.fspath(a) for a in actuals]
    _check_periods(scheme, len(paths))
    with ExitStack() as stack:
        tables = [stack.enter_context(open_table(p, sheet=sheet, table=table, encoding=encoding,
                                                 max_bytes=max_bytes, limits=limits,
                                                 header_row=header_row))
                  for p in paths]
        surveys: list[SurveyData | None] = []
        cache: dict[tuple[tuple[str, str], ...], SurveyData] = {}
        for path in paths:
            sources = survey_sources(scheme, path, responses)
            if not sources:
                surveys.append(None)
                continue
            key = tuple(sorted(sources.items()))
            if key not in cache:
                with ExitStack() as inner:
                    by_survey = {sid: inner.enter_context(open_table(
                        src, sheet=_survey_sheet(scheme, sid), encoding=encoding,
                        max_bytes=max_bytes, limits=limits)) for sid, src in sources.items()}
                    cache[key] = read_surveys(scheme.compiled, by_survey)
            surveys.append(cache[key])
        yield tables, surveys


def evaluate_file(scheme: LoadedScheme | PathLike, actuals: PathLike | Sequence[PathLike], *,
                  encoding: str | None = None, sheet: str | None = None,
                  table: str | None = None, max_bytes: int | None = None,
                  limits: Limits | None = None,
                  responses: Mapping[str | None, PathLike] | None = None,
                  header_row: int | None = None,
                  calibration: PathLike | None = None) -> Report:
    """Open ``actuals`` (one file, or one per period) and score it into a report;
    ``header_row`` names the header row of each (default: found); ``calibration`` is a
    calibration file whose moves are applied last."""
    loaded = scheme if isinstance(scheme, LoadedScheme) else load_scheme(scheme)
    moves = None if calibration is None else read_calibration_file(
        loaded, calibration, encoding=encoding, max_bytes=max_bytes, limits=limits)
    with opened(loaded, actuals, responses=responses, encoding=encoding, sheet=sheet,
                table=table, max_bytes=max_bytes, limits=limits,
                header_row=header_row) as (tables, surveys):
        return evaluate(loaded, tables, surveys=surveys, calibration=moves)


def survey_sources(scheme: LoadedScheme, actuals: str,
                   responses: Mapping[str | None, PathLike] | None) -> dict[str, str]:
    """Which file each survey's responses are read from, for the actuals file ``actuals``."""
    compiled = scheme.compiled
    given = {k: os.fspath(v) for k, v in (responses or {}).items()}
    surveys = {sv.id: sv for sv in compiled.scheme.surveys}
    for key in given:
        if key is not None and key not in surveys:
            raise InputUnreadable(str(NO_SURVEY(id=key, surveys=", ".join(surveys) or "none")))
    if given and not surveys:
        raise InputUnreadable(str(NO_SURVEYS()))
    out: dict[str, str] = {}
    for sid in dict.fromkeys(compiled.survey_of.values()):
        path = given.get(sid) or given.get(None)
        if path is None:
            sheet = surveys[sid].sheet
            if sheet is None:
                raise InputUnreadable(str(WHERE_RESPONSES(id=sid)))
            if os.path.splitext(actuals)[1].lower() in (".csv", ".txt", ".tsv"):
                raise InputUnreadable(str(CSV_SHEET(id=sid, file=actuals, sheet=sheet)))
            path = actuals
        out[sid] = path
    return out


def _survey_sheet(scheme: LoadedScheme, sid: str) -> str | None:
    return next(sv.sheet for sv in scheme.scheme.surveys if sv.id == sid)


def _check_periods(scheme: LoadedScheme, count: int) -> None:
    if count == 0:
        raise InputUnreadable(str(NO_ACTUALS()))
    if count > 1 and scheme.scheme.rollup is None:
        raise InputUnreadable(str(NO_ROLLUP(count=count)))
