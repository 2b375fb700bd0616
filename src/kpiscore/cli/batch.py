"""``kpiscore batch``: the command over :mod:`kpiscore.batch.runs`, and the progress display
that ``evaluate`` shares. Heavy modules (pydantic, rich, the engine) load inside."""

from __future__ import annotations

import datetime as _dt
import os
import sys
from typing import IO

import click

from kpiscore.cli.common import use_color
from kpiscore.cli.exitcodes import ExitCode
from kpiscore.cli.progress import Progress, stderr_is_terminal

STATUS_COLOUR = {"ok": "green", "errors": "yellow", "failed": "red"}


class _Log:
    """``--log FILE``: every message, time-stamped, appended (never coloured)."""

    def __init__(self, path: str | None) -> None:
        self.fh: IO[str] | None = None
        if path is not None:
            folder = os.path.dirname(os.path.abspath(path))
            os.makedirs(folder, exist_ok=True)
            self.fh = open(path, "a", encoding="utf-8", buffering=1)

    def write(self, level: str, text: str) -> None:
        if self.fh is not None:
            stamp = _dt.datetime.now().astimezone().isoformat(timespec="seconds")
            for line in text.splitlines() or [""]:
                self.fh.write(f"{stamp} {level:7} {line}\n")

    def close(self) -> None:
        if self.fh is not None:
            self.fh.close()


@click.command()
@click.argument("manifest", type=click.Path(dir_okay=False))
@click.option("--period", metavar="LABEL",
              help="The period's label (e.g. 2024-06): fills {period} in the manifest's "
              "paths and heads the reports. Overrides the manifest's period:.")
@click.option("-q", "--quiet", is_flag=True,
              help="Print nothing when everything was scored; when something failed, "
              "print the problems and the summary. No progress display.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also append every message and the summary, time-stamped, to FILE.")
@click.option("--color", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Colour the summary: auto (on a terminal, unless "
              "NO_COLOR is set), always or never.")
def batch(manifest: str, period: str | None, quiet: bool, log_path: str | None,
          color: str) -> None:
    """Score every run of MANIFEST, a YAML file listing schemes with their actuals (or
    a roster of people whose role picks their scheme), and write each run's
    outputs (json, jsonl, csv, xlsx) atomically.

    \b
    A run that fails does not stop the others. A summary on standard error
    says what was scored, what failed and why. Exit 0 when every row of
    every run was scored, 1 when rows or runs failed, 2 when the manifest
    cannot be used. Paths in the manifest are relative to its folder; running
    the same month again rewrites the same bytes. A progress display shows on
    a terminal only. See docs/batch.md.
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
    try:
        log = _Log(log_path)
    except OSError as exc:
        click.echo(f"kpiscore: error: cannot open the log {log_path}: {exc.strerror}",
                   err=True)
        sys.exit(int(ExitCode.USAGE))

    def usage(lines: list[str]) -> None:
        for line in lines:
            log.write("error", line)
            click.echo(line, err=True)
        log.close()
        sys.exit(int(ExitCode.USAGE))

    if period is not None and check_period(period):
        usage([f"kpiscore: error: --period: {check_period(period)}"])
    try:
        plan = load_manifest(manifest, period=period)
    except ManifestInvalid as exc:
        usage([str(f) for f in exc.findings]
              + [f"kpiscore: error: the manifest {manifest} cannot be used"])
    except InputUnreadable as exc:
        usage([f"kpiscore: error: {exc}"])
    log.write("info", f"kpiscore batch {manifest}: {len(plan.runs)} run(s)"
              + (f", period {plan.period}" if plan.period else ""))
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
                          f"{result.status}: {run_line(result)}")
                progress.show(result.name, len(done) + 1, count)
                done.append(result)

        done: list[RunResult] = []
        try:
            result: BatchResult = run_batch(plan, Say())
        except (OSError, ValueError) as exc:  # the summary file could not be written
            usage([f"kpiscore: error: cannot write the batch summary: {exc}"])
    failed = not result.ok
    if not quiet or failed:
        for text, level in held:
            progress.say(text, "yellow" if level == "warning" else None, enabled=colour)
        for r in result.runs:
            progress.say(f"{r.status:6}  {run_line(r)}", STATUS_COLOUR[r.status],
                         enabled=colour)
        if result.summary_written:
            progress.say(f"summary → {result.summary_written}")
        progress.say(total_line(result), None, enabled=colour)
    log.write("error" if failed else "info", total_line(result))
    log.close()
    sys.exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))
