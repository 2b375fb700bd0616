"""``kpiscore batch``: the command over :mod:`kpiscore.batch.runs`, and the progress display
that ``evaluate`` shares. Heavy modules (pydantic, rich, the engine) load inside."""

from __future__ import annotations

import datetime as _dt
import os
import sys
from typing import IO

import click

from kpiscore.base.i18n import Phrase, cell_width
from kpiscore.cli.common import DASH, Command, error_line, input_path, shown, use_color
from kpiscore.cli.exitcodes import ExitCode
from kpiscore.cli.progress import Progress, stderr_is_terminal

STATUS_COLOUR = {"ok": "green", "errors": "yellow", "failed": "red"}
LOG_IS = Phrase("--log {log} is {what} of this batch: the log is appended to, so it must be "
                "a file of its own", "--log {log} 是本次批量运行的{what}:日志会被追加写入,"
                "必须是单独的文件")
THE_MANIFEST = Phrase("the manifest", "清单文件")
UNUSABLE = Phrase("the manifest {manifest} cannot be used", "清单 {manifest} 无法使用")
LOG_OPEN = Phrase("cannot open the log {log}: {why}", "无法打开日志 {log}:{why}")
RUNS = Phrase("{count} run(s){period}", "{count} 个运行{period}")
PERIOD = Phrase(", period {period}", ",周期 {period}")
SUMMARY = Phrase("summary → {file}", "汇总 → {file}")
#: a run's status as a person reads it (the summary's JSON keeps ok, errors, failed)
STATUS = {"ok": Phrase("ok", "正常"), "errors": Phrase("errors", "有错误"),
          "failed": Phrase("failed", "失败")}
AN_INPUT = Phrase("an input ({path})", "输入文件({path})")
AN_OUTPUT = Phrase("an output ({path})", "输出文件({path})")
LOG_FAILED = Phrase("cannot write the log {log}: {why}; the batch goes on without it",
                    "无法写入日志 {log}:{why};批量运行继续,不再写日志")


class _Log:
    """``--log FILE``: every message, time-stamped, appended (never coloured); ``--log -``
    is standard output. The file is opened when first written (so that one refused for
    being an input or an output is never made); a log that cannot be written is said
    once, and the exit code is 2."""

    def __init__(self, path: str | None) -> None:
        self.fh: IO[str] | None = sys.stdout if path == DASH else None
        self.path = path
        self.failed = False

    def open(self) -> None:
        """Open the file now (raises OSError)."""
        if self.fh is None and self.path is not None and not self.failed:
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
            self.fh = open(self.path, "a", encoding="utf-8", buffering=1)

    def write(self, level: str, text: str) -> None:
        if self.path is None or self.failed:
            return
        stamp = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
        try:
            self.open()
            assert self.fh is not None
            for line in text.splitlines() or [""]:
                self.fh.write(f"{stamp} {level:7} {line}\n")
        except BrokenPipeError:
            raise
        except OSError as exc:
            from kpiscore.outputs.files import reason

            self.fh, self.failed = None, True
            click.echo(error_line(LOG_FAILED(log=self.path, why=reason(exc))),
                       err=True)

    def close(self) -> None:
        if self.fh is not None and self.fh is not sys.stdout:
            try:
                self.fh.close()
            except OSError:
                self.failed = True


def _log_clash(log: str | None, paths: dict[str, object]) -> object | None:
    """What ``log`` is among ``paths`` (path → what it is to the batch), or None."""
    if log is None or log == DASH:
        return None
    from kpiscore.batch.places import real

    for path, what in paths.items():
        if real(path) == real(log):
            return what
        try:
            if os.path.exists(path) and os.path.exists(log) and os.path.samefile(path, log):
                return what
        except OSError:
            continue
    return None


@click.command(cls=Command)
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option("--period", metavar="LABEL",
              help="The period's label (e.g. 2024-06): fills {period} in the manifest's "
              "paths and heads the reports. Overrides the manifest's period:.")
@click.option("-q", "--quiet", is_flag=True,
              help="Print nothing when everything was scored; when something failed, "
              "print the problems and the summary. No progress display.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also append every message and the summary, time-stamped, to FILE (- for "
              "standard output). Never an input or an output of the batch.")
@click.option("--force", is_flag=True,
              help="Replace existing output files that kpiscore batch did not write (by "
              "default they are left alone and their run fails; docs/batch.md).")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the summary: auto (on a terminal, unless "
              "NO_COLOR is set), always or never.")
def batch(manifest: str, period: str | None, quiet: bool, log_path: str | None,
          force: bool, color: str) -> None:
    """Score every run of MANIFEST, a YAML file listing schemes with their actuals (or
    a roster of people whose role picks their scheme), and write each run's
    outputs (json, jsonl, csv, xlsx) atomically.

    \b
    A run that fails does not stop the others. A summary on standard error
    says what was scored, what failed and why. Exit 0 when every row of
    every run was scored, 1 when rows or runs failed, 2 when the manifest
    cannot be used, or a run's input cannot be read or its output written.
    Paths in the manifest are relative to its folder (- reads the manifest
    from standard input: relative to the working folder); outputs stay in that
    folder unless the manifest's output_folders: lists others, and an existing
    file kpiscore batch did not write is never replaced (--force replaces it).
    Running the same month again rewrites the same bytes. A progress display
    shows on a terminal only. See docs/batch.md.
    """
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.batch.runs import (
        BatchResult,
        ManifestInvalid,
        Reporter,
        RunPlan,
        RunResult,
        check_period,
        load_manifest,
        run_batch,
        run_line,
        total_line,
    )

    colour = use_color(color, sys.stderr)
    from_stdin = manifest == DASH
    manifest_file = input_path(manifest, "manifest")
    clash = None if from_stdin else _log_clash(log_path, {manifest: THE_MANIFEST()})
    if clash is not None:
        click.echo(error_line(LOG_IS(log=log_path, what=clash)), err=True)
        sys.exit(int(ExitCode.USAGE))
    log = _Log(log_path)

    def usage(lines: list[str], logged: bool = True) -> None:
        for line in lines:
            if logged:
                log.write("error", shown(line))
            click.echo(shown(line), err=True)
        log.close()
        sys.exit(int(ExitCode.USAGE))

    if period is not None and check_period(period):
        usage([error_line(f"--period: {check_period(period)}")])
    try:
        plan = load_manifest(manifest_file, period=period,
                             folder="" if from_stdin else None)
    except ManifestInvalid as exc:
        usage([str(f) for f in exc.findings]
              + [error_line(UNUSABLE(manifest=manifest_file))])
    except InputUnreadable as exc:
        usage([error_line(exc)])
    plan.force = force
    files: dict[str, object] = {p: AN_INPUT(path=p) for p in plan.inputs
                                if p != manifest_file}
    files.update({p: AN_OUTPUT(path=p) for r in plan.runs for _, p in r.outputs})
    if plan.summary is not None:
        files[plan.summary] = AN_OUTPUT(path=plan.summary)
    clash = _log_clash(log_path, files)
    if clash is not None:  # not written into the log: it is the file it would harm
        usage([error_line(LOG_IS(log=log_path, what=clash))], logged=False)
    try:
        log.open()
    except OSError as exc:
        from kpiscore.outputs.files import reason

        click.echo(error_line(LOG_OPEN(log=log_path, why=reason(exc))), err=True)
        sys.exit(int(ExitCode.USAGE))
    if log_path is not None and log_path != DASH:
        plan.protected = (log_path,)
    log.write("info", f"kpiscore batch {manifest}: "
              + str(RUNS(count=len(plan.runs), period=PERIOD(period=plan.period)
                         if plan.period else "")))
    held: list[tuple[str, str]] = []  # with --quiet: said only if something fails

    with Progress(stderr_is_terminal() and not quiet) as progress:

        count = len(plan.runs)

        class Say(Reporter):
            def run_started(self, run: RunPlan, number: int, count: int) -> None:
                progress.show(run.name, number - 1, count)

            def writing(self, run: RunPlan, what: str, done: int, total: int) -> None:
                progress.show(f"{run.name}: {what}", done, total)

            def message(self, text: str, level: str) -> None:
                log.write(level, text)
                if quiet:
                    held.append((text, level))
                else:
                    progress.say(text, "yellow" if level == "warning" else None,
                                 enabled=colour)

            def run_finished(self, result: RunResult) -> None:
                log.write("error" if result.status == "failed" else "info",
                          f"{STATUS[result.status]()}: {run_line(result)}")
                progress.show(result.name, len(done) + 1, count)
                done.append(result)

        done: list[RunResult] = []
        result: BatchResult = run_batch(plan, Say())
    if result.summary_failed:
        text = error_line(result.summary_failed)
        log.write("error", text)
        held.append((text, "error"))
    failed = not result.ok or bool(result.summary_failed)
    if not quiet or failed:
        for text, level in held:
            progress.say(text, "yellow" if level == "warning" else None, enabled=colour)
        for r in result.runs:
            word = str(STATUS[r.status]())
            progress.say(f"{word}{' ' * max(0, 6 - cell_width(word))}  {run_line(r)}",
                         STATUS_COLOUR[r.status], enabled=colour)
        if result.summary_written:
            progress.say(str(SUMMARY(file=result.summary_written)))
        progress.say(total_line(result), None, enabled=colour)
    log.write("error" if failed else "info", total_line(result))
    log.close()
    sys.exit(max(result.code, int(ExitCode.USAGE) if log.failed else 0))
