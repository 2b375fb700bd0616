"""The commands that explain scores: ``explain``, ``whatif`` and ``diff``.

Thin like the rest of the CLI: parse, call the core (:mod:`kpiscore.explain.trace`,
:mod:`kpiscore.explain.whatif`), render (:mod:`kpiscore.cli.render`). Registered on the
group at the end of :mod:`kpiscore.cli.app`; heavy modules are imported inside
the commands so that ``kpiscore --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING

import click

from kpiscore.base.i18n import Phrase
from kpiscore.cli.common import (
    DASH,
    Command,
    actuals_options,
    check_output,
    color_option,
    complete_scheme,
    current_lang,
    fail,
    human,
    input_path,
    load,
    say,
    use_color,
    write_output,
    wrote,
)
from kpiscore.cli.exitcodes import ExitCode

if TYPE_CHECKING:
    from kpiscore.score.results import RowError


@contextmanager
def _usage_errors(actuals: str, person: str = "") -> Iterator[None]:
    """An unreadable ACTUALS, or no ``person`` in it: exit 2."""
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.explain.trace import PersonNotFound

    try:
        yield
    except PersonNotFound:
        fail(say("msg.no_person", id=person, file=os.path.basename(actuals)), ExitCode.USAGE)
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)


def _tell(notes: list[RowError]) -> None:
    """How the actuals were read (a header row found below titles), on standard error."""
    for note in notes:
        click.echo(str(note), err=True)

TREE_TO_FILE = Phrase("--format tree is for the terminal; use json or markdown with --output",
                      "--format tree 只用于终端;配合 --output 请用 json 或 markdown")
TOTAL_NOT_A_NUMBER = Phrase("--total {total} is not a number", "--total {total} 不是数字")
ONE_ROW = Phrase("whatif scores one row at a time and cannot answer for this scheme: {why}",
                 "whatif 一次只为一行计分,无法回答这个方案:{why}")


@click.command(cls=Command)
@click.argument("scheme", shell_complete=complete_scheme)
@click.argument("actuals", type=click.Path(dir_okay=False))
@click.option("--id", "person", required=True, metavar="ID",
              help="The person to explain: the value of the id column (工号).")
@click.option("--calibration", type=click.Path(dir_okay=False), metavar="FILE",
              help="Calibration moves (工号, 调整后等级, 原因, 调整人), applied as evaluate "
              "--calibration applies them: the grade line shows the move.")
@click.option("-f", "--format", "fmt", type=click.Choice(["tree", "json", "markdown"]),
              default=None, help="tree (default on a terminal), json (default when piped) "
              "or markdown (a report to paste or keep).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write json or markdown (for a .md FILE) to FILE, atomically, instead of "
              "standard output (-).")
@actuals_options
@color_option
def explain(scheme: str, actuals: str, person: str, calibration: str | None, fmt: str | None,
            output: str | None,
            sheet: str | None, table: str | None, encoding: str | None, header_row: int | None,
            color: str) -> None:
    """Explain one person's score step by step: dimension → indicator → rule →
    arithmetic → contribution → total → veto → grade → pay.

    SCHEME is a .yaml file or a shipped scheme's id; ACTUALS an .xlsx, .csv or
    SQLite file. The tree shows every number the total is made of; a row that could
    not be scored is shown with its errors, and the exit code is 1.
    """
    from kpiscore.api import evaluate_file
    from kpiscore.explain.trace import explain_person, markdown, outline

    to_file = output is not None and output != DASH  # -o - is standard output
    if to_file and fmt is None:
        assert output is not None
        fmt = "markdown" if output.lower().endswith((".md", ".markdown")) else "json"
    fmt = human(fmt, "tree")
    if to_file and fmt == "tree":
        fail(str(TREE_TO_FILE()), ExitCode.USAGE)
    loaded = load(scheme)
    actuals = input_path(actuals)
    if calibration is not None:
        calibration = input_path(calibration)
    inputs = (scheme, actuals, *([calibration] if calibration else []))
    check_output(output, inputs)
    with _usage_errors(actuals, person):
        report = evaluate_file(loaded, actuals, encoding=encoding, sheet=sheet, table=table,
                               header_row=header_row, calibration=calibration)
        _tell(report.notes)
        for problem in report.problems:  # a move that cannot be applied
            click.echo(f"{problem.where}: {problem.message}", err=True)
        trace = explain_person(loaded, report, person)
    lang = current_lang()
    if fmt in ("json", "markdown"):
        if fmt == "json":
            from kpiscore.outputs.json_format import dumps

            text = dumps(trace.to_dict()) + "\n"
        else:
            text = markdown(outline(trace, lang))
        write_output(output, inputs, lambda fh: fh.write(text))
        wrote(output)
    else:
        from kpiscore.cli.render import print_trace

        print_trace(outline(trace, lang), color=use_color(color, sys.stdout))
    if trace.result.status != "ok":
        for e in trace.result.errors:
            click.echo(f"{e.where}: {e.message}", err=True)
    if trace.result.status != "ok" or report.problems:
        sys.exit(int(ExitCode.FINDINGS))


@click.command(cls=Command)
@click.argument("scheme", shell_complete=complete_scheme)
@click.argument("actuals", type=click.Path(dir_okay=False))
@click.option("--id", "person", required=True, metavar="ID",
              help="The person: the value of the id column (工号).")
@click.option("--grade", metavar="NAME",
              help="The grade to reach (default: the grade above the person's).")
@click.option("--total", metavar="N", help="The total to reach, instead of a grade.")
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="table (default on a terminal) or json (default when piped).")
@actuals_options
@color_option
def whatif(scheme: str, actuals: str, person: str, grade: str | None, total: str | None,
           fmt: str | None, sheet: str | None, table: str | None, encoding: str | None,
           header_row: int | None, color: str) -> None:
    """For one person, the actual each indicator needs to reach the next grade (or
    --grade NAME, or --total N), holding everything else as it is.

    Each answer is the least actual that reaches the goal — in whole units for
    counts (次, 篇 …), else to the scheme's precision — found by bisection and
    checked by scoring the row again with it and with one step less. An
    indicator that cannot reach the goal however good its actual is reported as
    not reachable alone.
    """
    from kpiscore.api import open_table
    from kpiscore.base.numbers import parse_number
    from kpiscore.explain.trace import find_person
    from kpiscore.explain.whatif import GoalError, goal_for, unsupported, what_if

    goal_total: Decimal | None = None
    if total is not None:
        parsed = parse_number(total)
        if parsed is None:
            fail(str(TOTAL_NOT_A_NUMBER(total=repr(total))), ExitCode.USAGE)
        goal_total = parsed[0]
    loaded = load(scheme)
    why = unsupported(loaded.compiled)
    if why is not None:
        fail(str(ONE_ROW(why=why)), ExitCode.USAGE)
    actuals = input_path(actuals)
    with _usage_errors(actuals, person), \
            open_table(actuals, encoding=encoding, sheet=sheet, table=table,
                       header_row=header_row) as opened:
        subject = find_person(loaded, opened, person)
        for note in opened.notes:  # how the file was read (its encoding)
            click.echo(f"{opened.source}: {note}", err=True)
        if opened.header_note is not None:
            click.echo(f"{opened.where(0)}: {opened.header_note}", err=True)
    r = subject.result
    if r.status != "ok":
        for e in r.errors:
            click.echo(f"{e.where}: {e.message}", err=True)
        fail(say("msg.not_scored", who=r.id or f"row {r.row}", errors=len(r.errors)),
             ExitCode.FINDINGS)
    try:
        goal = goal_for(subject.compiled, subject.result, grade=grade, total=goal_total)
    except GoalError as exc:
        fail(say(exc.key, **exc.fields), ExitCode.USAGE)
    answers = what_if(subject, goal)
    if human(fmt, "table") == "json":
        from kpiscore.outputs.json_format import dumps

        click.echo(dumps(answers.to_dict()))
        return
    from kpiscore.cli.render import print_whatif

    print_whatif(answers, color=use_color(color, sys.stdout))


@click.command(cls=Command)
@click.argument("old", shell_complete=complete_scheme)
@click.argument("new", shell_complete=complete_scheme)
@click.argument("actuals", type=click.Path(dir_okay=False))
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json"]), default=None,
              help="table (default on a terminal) or json (default when piped).")
@click.option("--changed", is_flag=True,
              help="In the table, list only the people whose total or grade changes.")
@actuals_options
@color_option
def diff(old: str, new: str, actuals: str, fmt: str | None, changed: bool,
         sheet: str | None, table: str | None, encoding: str | None, header_row: int | None,
         color: str) -> None:
    """Score ACTUALS with the OLD and the NEW version of a scheme and show who moves:
    each person's totals, the change, grade changes, and counts.

    The exit code is 1 when a row cannot be scored under either version.
    """
    from kpiscore.api import evaluate_file
    from kpiscore.explain.diff import compare

    before, after = load(old), load(new)
    actuals = input_path(actuals)
    with _usage_errors(actuals):
        reports = [evaluate_file(s, actuals, encoding=encoding, sheet=sheet, table=table,
                                 header_row=header_row) for s in (before, after)]
        _tell(reports[0].notes)
        comparison = compare(*reports)
    if human(fmt, "table") == "json":
        from kpiscore.outputs.json_format import dumps

        document = dumps(comparison.to_dict()) + "\n"
        write_output(None, (), lambda fh: fh.write(document))
    else:
        from kpiscore.cli.render import print_diff

        print_diff(comparison, color=use_color(color, sys.stdout), changed_only=changed,
                   old_name=old, new_name=new)
    unscored = [m for m in comparison.moves if m.change is None]
    if unscored:
        click.echo(f"kpiscore: {len(unscored)} of {len(comparison.moves)} rows could not be "
                   "scored under one of the schemes (kpiscore evaluate says why)", err=True)
        sys.exit(int(ExitCode.FINDINGS))
