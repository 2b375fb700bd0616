"""``kpiscore evaluate``: score a file, write the results in a registered format."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, Literal

import click

from kpiscore.base.i18n import Phrase, visible
from kpiscore.cli.common import (
    DASH,
    Command,
    actuals_options,
    check_output,
    color_option,
    complete_scheme,
    fail,
    human,
    input_path,
    load_or_exit,
    scheme_path,
    use_color,
    write_file,
    write_output,
    wrote,
)
from kpiscore.cli.exitcodes import ExitCode
from kpiscore.cli.progress import working
from kpiscore.outputs import FORMATS, Options, bom_for, csv_headers_for, for_path

BOM_NOT_CSV = Phrase("--bom is for --format csv (this run writes {format})",
                     "--bom 只用于 --format csv(本次输出为 {format})")
HEADERS_NOT_CSV = Phrase("--csv-headers is for --format csv (this run writes {format})",
                         "--csv-headers 只用于 --format csv(本次输出为 {format})")

if TYPE_CHECKING:
    from kpiscore.scheme.load import LoadedScheme
    from kpiscore.score.results import PersonResult, Report


#: how many people between freezes of what the run keeps (base/collector.py: settle)
SETTLE_EVERY = 4096
#: the progress display counts every person up to this many, then every this many
#: (an update costs 1.4 µs: 0.14 s of a run at 100 000 people, for a count that moves
#: faster than anyone reads it)
SHOW_EVERY = 64

ROW = Phrase("row {n}", "第 {n} 行")
ONE_ROW = Phrase("row", "行")
ROWS = Phrase("rows", "行")
ONE_PERSON = Phrase("person", "人")
PEOPLE = Phrase("people", "人")
READ = Phrase("{count} {rows} read: {scored} scored, {failed} could not be scored",
              "共读取 {count} {rows}:{scored} 行已计分,{failed} 行无法计分")
READ_FOR = Phrase("{count} {rows} read for {people} {persons}: {scored} scored, {failed} could "
                  "not be scored",
                  "共读取 {count} {rows},共 {people} {persons}:{scored} 人已计分,"
                  "{failed} 人无法计分")
TABLE_TO_FILE = Phrase("--format table is for the terminal; use json, jsonl or csv with "
                       "--output",
                       "--format table 只用于终端;配合 --output 请用 json、jsonl 或 csv")
NEEDS_OUTPUT = Phrase("--format {format} writes a workbook: give -o FILE.{format} (or -o - for "
                      "standard output)",
                      "--format {format} 写出的是工作簿:请给出 -o FILE.{format}"
                      "(或用 -o - 写到标准输出)")


class Accounting:
    """Reports error rows on standard error as they go by, and counts the rows read."""

    def __init__(self) -> None:
        self.people = self.rows = self.failed = 0
        self.said: set[tuple[str, str]] = set()

    def note(self, results: Iterable[PersonResult]) -> Iterator[PersonResult]:
        for r in results:
            self.people += 1
            self.rows += len(set(r.sources)) or 1  # raters, periods: several rows a person
            if r.errors:
                self.failed += 1
                who = visible(r.id) if r.id else str(ROW(n=r.row))
                for e in r.errors:
                    key = (e.where, str(e.message))
                    if key in self.said:
                        continue  # a missing column: said once, not once per row
                    self.said.add(key)
                    click.echo(f"{e.where}: {e.message} [{who}]", err=True)
            yield r

    def line(self) -> str:
        """rows read = rows scored + rows that could not be (with raters or periods,
        several rows make one person's result)."""
        n, rows = self.people, self.rows
        words = ONE_ROW if rows == 1 else ROWS
        if rows == n:
            text = READ(count=rows, rows=words, scored=n - self.failed, failed=self.failed)
        else:
            text = READ_FOR(count=rows, rows=words, people=n,
                            persons=ONE_PERSON if n == 1 else PEOPLE,
                            scored=n - self.failed, failed=self.failed)
        return f"kpiscore: {text}"


@click.command(cls=Command)
@click.argument("scheme", shell_complete=complete_scheme)
@click.argument("actuals", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--responses", multiple=True, metavar="[SURVEY=]FILE",
              help="Survey responses (.xlsx or .csv) for the scheme's surveys; SURVEY= "
              "for one survey only. Default: the sheet each survey names in ACTUALS.")
@click.option("--calibration", type=click.Path(dir_okay=False), metavar="FILE",
              help="Calibration moves (.xlsx or .csv: 工号, 调整后等级, 原因, 调整人), applied "
              "after the grades and quotas; every output shows each move with its reason "
              "(docs/scheme.md#calibration).")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", *FORMATS]),
              default=None, help="Output format. Default: from the -o file's suffix (.csv, "
              ".jsonl, .xlsx, else json); table on a terminal; json when piped. xlsx: a "
              "report for people (needs -o; docs/report.md).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the results to FILE (atomically; a FIFO or device is written "
              "into) instead of standard output; - is standard output.")
@actuals_options
@click.option("--max-bytes", type=click.IntRange(min=1), default=None, metavar="N",
              help="Refuse actuals files larger than N bytes (default 200 MiB; also "
              "KPISCORE_MAX_BYTES). Other limits: docs/security.md.")
@click.option("--period", metavar="TEXT",
              help="The period's label (e.g. 2024-06) on the xlsx report's titles and on "
              "each card (考核周期).")
@click.option("--cards", "cards_dir", type=click.Path(file_okay=False), metavar="DIR",
              help="Also write every person's printable card to DIR (made if missing): one "
              ".xlsx a person, to send each their own. docs/report.md.")
@click.option("--cards-by", type=click.Choice(["person", "department"]), default="person",
              show_default=True, help="With --cards: a file per person, or per department "
              "(a card a sheet).")
@click.option("--bom/--no-bom", default=None, help="csv: begin with a byte-order mark, "
              "which Excel and WPS need to read UTF-8. Default: a BOM in an -o FILE.csv, "
              "none on standard output.")
@click.option("--csv-headers", type=click.Choice(["labels", "ids"]), default=None,
              help="csv: head the columns by labels in the --lang language (总分, 排名, a "
              "dimension's title with its id: 任务绩效 (performance)), or by ids, the same "
              "in every language (total, rank, dimension.performance.score), for scripts. "
              "Default: labels in an -o FILE, ids on standard output. docs/json.md#csv.")
@color_option
def evaluate(scheme: str, actuals: tuple[str, ...], responses: tuple[str, ...],
             calibration: str | None, fmt: str | None, output: str | None,
             sheet: str | None, table: str | None,
             encoding: str | None, header_row: int | None, max_bytes: int | None,
             period: str | None, cards_dir: str | None, cards_by: str, bom: bool | None,
             csv_headers: Literal["labels", "ids"] | None, color: str) -> None:
    """Score every row of ACTUALS (.xlsx, .csv or a SQLite database) with SCHEME (a .yaml
    file, or the id of a shipped scheme). Several ACTUALS are periods (one file per
    month …), rolled up as the scheme's rollup says. - reads one of them (or the
    scheme) from standard input.

    Every input row appears in the output, scored or with its errors. Errors
    are also listed on standard error as sheet!cell: message; the exit code
    is 1 when any row could not be scored (or a survey response matches no one).
    """
    from kpiscore import api
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.score.evaluate import can_stream

    to_file = output is not None and output != DASH  # -o - is standard output
    if fmt is None and to_file:
        assert output is not None
        fmt = for_path(output)
    fmt = human(fmt, "table")
    if to_file and fmt == "table":
        fail(str(TABLE_TO_FILE()), ExitCode.USAGE)
    if output is None and fmt != "table" and FORMATS[fmt].to_file:
        fail(str(NEEDS_OUTPUT(format=fmt)), ExitCode.USAGE)
    path = scheme_path(scheme)
    actuals = tuple(input_path(a, max_bytes=max_bytes) for a in actuals)
    answers: dict[str | None, str] = {}
    for item in responses:
        survey, sep, file = item.rpartition("=")
        named = bool(sep) and not os.path.exists(item)
        answers[survey if named else None] = input_path(file if named else item)
    if calibration is not None:
        calibration = input_path(calibration, max_bytes=max_bytes)
    inputs = (path, *actuals, *answers.values(), *([calibration] if calibration else []))
    check_output(output, inputs)
    if bom is None:
        bom = bom_for(output if to_file else None)
    elif bom and fmt != "csv":  # said, not silently ignored
        fail(str(BOM_NOT_CSV(format=fmt)), ExitCode.USAGE)
    if csv_headers is None:
        csv_headers = csv_headers_for(output if to_file else None)
    elif fmt != "csv":
        fail(str(HEADERS_NOT_CSV(format=fmt)), ExitCode.USAGE)
    loaded = load_or_exit(path)
    account = Accounting()
    problems = 0
    reading: dict[str, Any] = {"encoding": encoding, "sheet": sheet, "table": table,
                               "header_row": header_row, "max_bytes": max_bytes}
    try:
        chosen = FORMATS.get(fmt)
        if chosen is not None and chosen.streams and not answers and not cards_dir and \
                calibration is None and can_stream(loaded.compiled, len(actuals)):
            _stream(loaded, actuals[0], chosen.name, output, inputs, account, reading,
                    Options(loaded, period, notice=_notice, bom=bom,
                            csv_headers=csv_headers))
        else:
            with working(f"scoring {os.path.basename(actuals[0])}"):  # a terminal only
                report = api.evaluate_file(loaded, actuals, responses=answers,
                                           calibration=calibration, **reading)
            for note in report.notes:  # how a table was read comes before its errors
                click.echo(str(note), err=True)
            for _ in account.note(report.results):
                pass
            for problem in report.problems:  # responses or moves for someone not in ACTUALS
                click.echo(f"{problem.where}: {problem.message}", err=True)
            problems = len(report.problems)
            _quota_warnings(report)
            _write(loaded, report, fmt, output, inputs, color,
                   Options(loaded, period, notice=None if cards_dir else _notice,
                           bom=bom, csv_headers=csv_headers))
            if cards_dir:
                _cards(loaded, report, cards_dir, cards_by, period, inputs)
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)
    click.echo(account.line(), err=True)
    wrote(output)
    if account.failed or problems:
        sys.exit(int(ExitCode.FINDINGS))


def _stream(loaded: LoadedScheme, actuals: str, fmt: str, output: str | None,
            inputs: tuple[str, ...], account: Accounting, reading: dict[str, Any],
            options: Options) -> None:
    """Write results as rows are scored: memory stays flat however many people."""
    from kpiscore.api import iter_results, open_table
    from kpiscore.base.collector import settle
    from kpiscore.score.evaluate import head
    from kpiscore.score.workers import iter_results_in_workers, workers_for

    with working(f"scoring {os.path.basename(actuals)}") as update, \
            open_table(actuals, **reading) as table:
        def counted(results: Iterable[PersonResult]) -> Iterator[PersonResult]:
            for r in results:
                if account.people <= SHOW_EVERY or account.people % SHOW_EVERY == 0:
                    update(account.people, account.people)  # the total is not known ahead
                if account.people % SETTLE_EVERY == 0:
                    settle()
                yield r
            update(account.people, account.people)  # the whole count, while it writes

        start = head(loaded.compiled, [table.source])
        workers = workers_for(actuals) if FORMATS[fmt].encodes else 1
        if workers > 1 and fmt == "xlsx":
            from kpiscore.outputs.report_xlsx import too_many_for_cards

            if not too_many_for_cards(loaded.compiled, table):
                workers = 1  # the report holds every card: this process needs every part
        if workers > 1:  # the same bytes out, on every processor this run may use
            results = iter_results_in_workers(
                loaded.compiled, table, lambda: open_table(actuals, **reading),
                FORMATS[fmt].encoder(start), workers)
        else:
            results = iter_results(loaded, table)  # finds the header row now
        for note in table.notes:  # how the file was read (its encoding)
            click.echo(f"{table.source}: {note}", err=True)
        if table.header_note is not None:
            click.echo(f"{table.where(0)}: {table.header_note}", err=True)
        stream = counted(account.note(results))
        if not FORMATS[fmt].to_file:
            write_output(output, inputs, lambda fh: FORMATS[fmt].stream(start, stream, fh,
                                                                         options))
            return
        assert output is not None
        write_file(output, inputs, lambda tmp: FORMATS[fmt].stream(start, stream, tmp, options))


def _quota_warnings(report: Report) -> None:
    """Ties that broke a quota, minimums that could not be met: warnings, exit code 0."""
    from kpiscore.score.across import WARNING, quota_warnings

    d = report.summary.distribution
    if d is not None:
        for text, code in quota_warnings(d, report.precision):
            click.echo(str(WARNING(text=text, code=code)), err=True)


def _notice(text: str) -> None:
    click.echo(f"kpiscore: {text}", err=True)


def _cards(loaded: LoadedScheme, report: Report, folder: str, by: str, period: str | None,
           inputs: tuple[str, ...]) -> None:
    """Every person's card in ``folder``, a file a person or a department (--cards)."""
    from kpiscore.outputs.files import OutputUnwritable
    from kpiscore.outputs.report import labels
    from kpiscore.outputs.report_xlsx import write_cards

    try:
        with working(f"writing cards to {folder}") as update:
            written = write_cards(report, folder, loaded, by=by, period=period, inputs=inputs,
                                  progress=update)
    except OutputUnwritable as exc:  # names the card's file and why
        fail(str(exc), ExitCode.USAGE)
    except (OSError, ValueError) as exc:
        fail(str(labels.CARDS_FAILED(folder=folder, error=exc)), ExitCode.USAGE)
    _notice(str(labels.CARDS_WRITTEN(count=len(report.results), files=len(written),
                                     folder=folder)))


def _write(loaded: LoadedScheme, report: Report, fmt: str, output: str | None,
           inputs: tuple[str, ...], color: str, options: Options) -> None:
    if fmt == "table":
        from kpiscore.cli.render import print_table

        print_table(report, color=use_color(color, sys.stdout))
        return
    chosen = FORMATS[fmt]
    if not chosen.to_file:
        write_output(output, inputs, lambda fh: chosen.write(report, fh, options))
        return
    assert output is not None
    with working(f"writing {os.path.basename(output)}") as update:
        write_file(output, inputs, lambda tmp: chosen.write(
            report, tmp, Options(options.loaded, options.period, update, options.notice)))

