"""The command line: parse arguments, call the core, render. Nothing else lives here.

Heavy modules (pydantic, openpyxl, rich) are imported inside the commands
so that ``kpiscore --help`` starts instantly.
"""

from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from kpiscore import __version__
from kpiscore.base import i18n
from kpiscore.cli.exitcodes import ExitCode

COLOR_CHOICE = click.Choice(["auto", "always", "never"])


def _fail(message: str, code: ExitCode) -> NoReturn:
    click.echo(f"kpiscore: error: {message}", err=True)
    sys.exit(int(code))


def use_color(choice: str, stream: Any) -> bool:
    """``--color auto`` colours a terminal unless NO_COLOR is set (https://no-color.org)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def color_option(f: Any) -> Any:
    return click.option("--color", type=COLOR_CHOICE, default="auto", show_default=True,
                        help="Colour the output: auto (on a terminal, unless NO_COLOR is "
                        "set), always or never.")(f)


class _Group(click.Group):
    """The top-level group: its help, epilog and command list follow ``--lang``.

    The language is decided before any option is processed (``--help`` is eager),
    from ``--lang`` on the command line, else the locale; a context made without
    parsing (tools/gen_docs.py) stays in English.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[i18n.META_KEY] = _lang_arg(args) or i18n.detect(os.environ)
        return super().parse_args(ctx, args)

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        _localized(ctx, formatter, "cli.help", super().format_help_text)

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        _localized(ctx, formatter, "cli.epilog", super().format_epilog)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        lang = i18n.normalise(ctx.meta.get(i18n.META_KEY))
        if lang == "en":
            super().format_commands(ctx, formatter)
            return
        rows = [(name, i18n.ZH_COMMANDS.get(name) or cmd.get_short_help_str())
                for name in self.list_commands(ctx)
                if (cmd := self.get_command(ctx, name)) is not None and not cmd.hidden]
        with formatter.section(i18n.t("cli.commands", lang)):
            formatter.write_dl(rows)


def _lang_arg(args: list[str]) -> str | None:
    """The value of the group's --lang, if given (before the command name)."""
    for k, arg in enumerate(args):
        if arg == "--lang" and k + 1 < len(args):
            return i18n.normalise(args[k + 1])
        if arg.startswith("--lang="):
            return i18n.normalise(arg.split("=", 1)[1])
        if not arg.startswith("-"):
            return None
    return None


def _localized(ctx: click.Context, formatter: click.HelpFormatter, key: str,
               english: Any) -> None:
    lang = i18n.normalise(ctx.meta.get(i18n.META_KEY))
    if lang == "en":
        english(ctx, formatter)
        return
    write_wide(formatter, i18n.t(key, lang))


def write_wide(formatter: click.HelpFormatter, text: str) -> None:
    """Help text wrapped by terminal columns (click's wrapping counts characters,
    which lets Chinese lines run twice as wide as they should)."""
    formatter.write_paragraph()
    with formatter.indentation():
        indent = " " * formatter.current_indent
        width = max((formatter.width or 80) - formatter.current_indent, 20)
        for k, paragraph in enumerate(text.split("\n\n")):
            if k:
                formatter.write("\n")
            for line in i18n.wrap(paragraph, width):
                formatter.write(f"{indent}{line}\n")


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[i18n.META_KEY] = value


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]},
             help=i18n.EN["cli.help"], epilog=i18n.EN["cli.epilog"])
@click.version_option(__version__, "--version", prog_name="kpiscore")
@click.option("--lang", type=click.Choice(i18n.LANGS), default=None, is_eager=True,
              expose_value=False, callback=_set_lang,
              help="Language of labels and messages: en or zh (default: zh when LANG or "
              "LC_ALL starts with zh, else en).")
def cli() -> None:
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.base.limits import Limits

    try:  # a KPISCORE_MAX_* variable that is not a number: say so before any work
        Limits.from_env()
    except InputUnreadable as exc:
        _fail(str(exc), ExitCode.USAGE)


@cli.command()
@click.argument("scheme")
@click.argument("actuals", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--responses", multiple=True, metavar="[SURVEY=]FILE",
              help="Survey responses (.xlsx or .csv) for the scheme's surveys; SURVEY= "
              "for one survey only. Default: the sheet each survey names in ACTUALS.")
@click.option("-f", "--format", "fmt",
              type=click.Choice(["table", "json", "jsonl", "csv", "xlsx"]),
              default=None, help="Output format. Default: from the -o file's suffix (.csv, "
              ".jsonl, .xlsx, else json); table on a terminal; json when piped. xlsx: a "
              "report for people (needs -o; docs/report.md).")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the results to FILE (atomically) instead of standard output.")
@click.option("--sheet", help="Worksheet to read (default: the first visible one).")
@click.option("--encoding", help="Encoding of a CSV file (default UTF-8; e.g. gbk).")
@click.option("--max-bytes", type=click.IntRange(min=1), default=None, metavar="N",
              help="Refuse actuals files larger than N bytes (default 200 MiB; also "
              "KPISCORE_MAX_BYTES). Other limits: docs/security.md.")
@color_option
def evaluate(scheme: str, actuals: tuple[str, ...], responses: tuple[str, ...],
             fmt: str | None, output: str | None, sheet: str | None, encoding: str | None,
             max_bytes: int | None, color: str) -> None:
    """Score every row of ACTUALS (.xlsx or .csv) with SCHEME (a .yaml file, or the id
    of a shipped scheme). Several ACTUALS are periods (one file per month …),
    rolled up as the scheme's rollup says.

    Every input row appears in the output, scored or with its errors. Errors
    are also listed on standard error as sheet!cell: message; the exit code
    is 1 when any row could not be scored (or a survey response matches no one).
    """
    from kpiscore.base.errors import InputUnreadable

    if fmt is None and output is not None:
        # -o results.csv / results.jsonl pick their format from the name
        fmt = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".xlsx": "xlsx"}.get(
            os.path.splitext(output)[1].lower(), "json")
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "json"
    if output is not None and fmt == "table":
        _fail("--format table is for the terminal; use json, jsonl or csv with --output",
              ExitCode.USAGE)
    if output is None and fmt == "xlsx":
        _fail("--format xlsx writes a workbook: give -o FILE.xlsx", ExitCode.USAGE)
    scheme = _scheme_path(scheme)
    answers: dict[str | None, str] = {}
    for item in responses:
        survey, sep, path = item.rpartition("=")
        answers[survey if sep and not os.path.exists(item) else None] = \
            path if sep and not os.path.exists(item) else item
    inputs = (scheme, *actuals, *answers.values())
    if output is not None:
        from kpiscore.outputs.writers import refuse_input

        try:
            refuse_input(output, inputs)
        except ValueError as exc:
            _fail(str(exc), ExitCode.USAGE)
    loaded = load_or_exit(scheme)
    failed: list[Any] = []
    said: set[tuple[str, str]] = set()
    count = rows_read = 0

    def note(results: Any) -> Any:
        """Pass results through, reporting error rows on stderr as they go by."""
        nonlocal count, rows_read
        for r in results:
            count += 1
            rows_read += len(set(getattr(r, "sources", None) or ())) or 1  # raters, periods
            if r.status == "error":
                failed.append(r)
                who = r.id or f"row {r.row}"
                for e in r.errors:
                    if (e.where, e.message) in said:
                        continue  # a missing column: said once, not once per row
                    said.add((e.where, e.message))
                    click.echo(f"{e.where}: {e.message} [{who}]", err=True)
            yield r

    problems: list[Any] = []
    try:
        from kpiscore.outputs.streaming import can_stream

        if fmt in ("jsonl", "csv") and not answers and can_stream(loaded, list(actuals)):
            # written as rows are scored: memory stays flat however many people
            from kpiscore.api import iter_results
            from kpiscore.cli.batch import working
            from kpiscore.outputs.streaming import write_stream

            with working(f"scoring {os.path.basename(actuals[0])}") as update:
                def counted(results: Any) -> Any:
                    for r in results:
                        update(count, count)  # rows so far (the total is not known ahead)
                        yield r

                stream = counted(note(iter_results(loaded, actuals[0], encoding=encoding,
                                                   sheet=sheet, max_bytes=max_bytes)))
                _write(output, inputs,
                       lambda fh: write_stream(loaded, fmt, stream, fh, actuals[0]))
        else:
            problems = _evaluate_whole(loaded, actuals, fmt, output, inputs, note, color,
                                       encoding=encoding, sheet=sheet, max_bytes=max_bytes,
                                       answers=answers)
    except InputUnreadable as exc:
        _fail(str(exc), ExitCode.USAGE)
    # the accounting, on every run: rows read = rows scored + rows that could not be
    # (with raters or periods, several rows make one person's result)
    people = "" if rows_read == count else f" for {count} {'person' if count == 1 else 'people'}"
    click.echo(f"kpiscore: {rows_read} row{'' if rows_read == 1 else 's'} read{people}: "
               f"{count - len(failed)} scored, {len(failed)} could not be scored", err=True)
    if failed or problems:
        sys.exit(int(ExitCode.FINDINGS))


def _evaluate_whole(loaded: Any, actuals: Any, fmt: str, output: str | None,
                    inputs: tuple[str, ...], note: Any, color: str, *, encoding: str | None,
                    sheet: str | None, max_bytes: int | None, answers: Any) -> list[Any]:
    """Score every row, then write: ranks, quotas, raters and periods need all of them."""
    from kpiscore.api import evaluate_file
    from kpiscore.cli.batch import working

    with working(f"scoring {os.path.basename(actuals[0])}"):  # a terminal only
        report = evaluate_file(loaded, actuals, encoding=encoding, sheet=sheet,
                               max_bytes=max_bytes, responses=answers)
    for _ in note(report.results):
        pass
    for problem in report.problems:  # e.g. responses for someone not in ACTUALS
        click.echo(f"{problem.where}: {problem.message}", err=True)
    if fmt in ("jsonl", "csv"):
        from kpiscore.outputs.writers import STREAMING

        _write(output, inputs, lambda fh: STREAMING[fmt](report, fh, report.results))
    elif fmt == "table":
        from kpiscore.cli.render import print_table

        print_table(report, color=use_color(color, sys.stdout))
    elif fmt == "xlsx":
        from kpiscore.cli.batch import write_xlsx

        write_xlsx(output, inputs, report, loaded)
    else:
        from kpiscore.outputs.writers import write_json

        _write(output, inputs, lambda fh: write_json(report, fh))
    return list(report.problems)


def load_or_exit(path: str, *, warn: bool = True) -> Any:
    """Load a scheme file, or print its findings and exit 1 (2 if it cannot be read)."""
    from kpiscore.base.errors import InputUnreadable, SchemeInvalid
    from kpiscore.scheme.load import load_scheme

    try:
        loaded = load_scheme(path)
    except SchemeInvalid as exc:
        for f in exc.findings:
            click.echo(str(f), err=True)
        sys.exit(int(ExitCode.FINDINGS))
    except InputUnreadable as exc:
        _fail(str(exc), ExitCode.USAGE)
    if warn:
        for warning in loaded.warnings:
            click.echo(str(warning), err=True)
    return loaded


def _scheme_path(scheme: str) -> str:
    """A scheme file path, or a shipped scheme's id resolved to its file."""
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.library import resolve

    try:
        return resolve(scheme)
    except InputUnreadable as exc:
        _fail(str(exc), ExitCode.USAGE)


def _write(output: str | None, inputs: tuple[str, ...], write: Any) -> None:
    """Write to stdout, or atomically to ``output`` (never over an input file)."""
    if output is None:
        write(sys.stdout)
        return
    from kpiscore.outputs.writers import atomic_output

    try:
        with atomic_output(output, inputs=inputs) as fh:
            write(fh)
    except (OSError, ValueError) as exc:
        _fail(f"cannot write {output}: {exc}", ExitCode.USAGE)
@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "github"]),
              default="text", show_default=True,
              help="text: file:line:col lines; json: a report; github: workflow annotations.")
@click.option("--strict", is_flag=True, help="Treat warnings as failures (exit 1).")
@color_option
def validate(paths: tuple[str, ...], fmt: str, strict: bool, color: str) -> None:
    """Check scheme files (and folders of them) for mistakes.

    Each problem is reported as file:line:col: severity: message (code).
    Exit 0 when every scheme is valid, 1 when any has an error (or a warning
    with --strict), 2 when a path cannot be read.
    """
    from kpiscore.api import validate_path
    from kpiscore.base.errors import InputUnreadable

    try:
        files, findings = validate_path(list(paths))
    except InputUnreadable as exc:
        _fail(str(exc), ExitCode.USAGE)
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    failed = bool(errors) or (strict and bool(warnings))
    if fmt == "json":
        from kpiscore.outputs.writers import dumps

        click.echo(dumps({"files": files, "valid": not failed, "errors": len(errors),
                          "warnings": len(warnings),
                          "findings": [f.to_dict() for f in findings]}))
    elif fmt == "github":
        for f in findings:
            level = "error" if f.severity == "error" or strict else "warning"
            click.echo(f"::{level} file={_gh_property(f.path)},line={f.line},col={f.column},"
                       f"title={_gh_property('kpiscore ' + f.code)}::{_gh_data(f.message)}")
    else:
        colour = use_color(color, sys.stderr)
        for f in findings:
            text = str(f)
            if colour:
                tint = "red" if f.severity == "error" else "yellow"
                text = click.style(text, fg=tint)
            click.echo(text, err=True, color=colour)
        if not files:
            click.echo("kpiscore: no scheme files (*.yaml, *.yml) found", err=True)
        else:
            state = "invalid" if failed else "valid"
            click.echo(f"{len(files)} scheme file(s) checked: {len(errors)} error(s), "
                       f"{len(warnings)} warning(s), {state}", err=True)
    sys.exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))


@cli.command()
@click.argument("name", required=False)
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "yaml"]),
              default=None, help="table (default on a terminal), json, or yaml (the file "
              "itself, with NAME).")
@color_option
def schemes(name: str | None, fmt: str | None, color: str) -> None:
    """List the shipped schemes, or show the one NAME names (id, role or title).

    \b
    kpiscore schemes                      every shipped scheme
    kpiscore schemes 客服主管              one, in detail
    kpiscore schemes tech-support-manager -f yaml > my.yaml
    """
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.library import entries, find

    if name is None:
        found = entries()
        if fmt == "yaml":
            _fail("--format yaml shows one scheme: give its NAME", ExitCode.USAGE)
        if fmt == "json" or (fmt is None and not sys.stdout.isatty()):
            from kpiscore.outputs.writers import dumps

            click.echo(dumps([e.to_dict() for e in found]))
            return
        from kpiscore.cli.render import print_library

        print_library(found, color=use_color(color, sys.stdout))
        return
    try:
        entry = find(name)
    except InputUnreadable as exc:
        _fail(str(exc), ExitCode.USAGE)
    if fmt == "yaml":
        click.echo(entry.path.read_text(encoding="utf-8"), nl=False)
        return
    from kpiscore.base.errors import SchemeInvalid
    from kpiscore.scheme.load import load_scheme

    try:
        loaded = load_scheme(entry.path)
    except SchemeInvalid as exc:  # pragma: no cover - the library is tested valid
        for f in exc.findings:
            click.echo(str(f), err=True)
        sys.exit(int(ExitCode.FINDINGS))
    if fmt == "json" or (fmt is None and not sys.stdout.isatty()):
        from kpiscore.outputs.writers import dumps
        from kpiscore.scheme.describe import describe_dict

        click.echo(dumps({**entry.to_dict(), **describe_dict(loaded.compiled)}))
        return
    from kpiscore.cli.render import print_scheme

    print_scheme(loaded.compiled, entry.to_dict(), color=use_color(color, sys.stdout))


@cli.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the copy to FILE (default: standard output).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def init(name: str, output: str | None, force: bool) -> None:
    """Start a scheme from a shipped one: NAME is its id, role (客服主管) or title.

    The copy is the shipped file, comments included; edit it, then check it
    with kpiscore validate.
    """
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.library import find

    try:
        entry = find(name)
    except InputUnreadable as exc:
        _fail(str(exc), ExitCode.USAGE)
    text = entry.path.read_text(encoding="utf-8")
    lines = text.split("\n", 1)
    if lines[0].startswith("# yaml-language-server: $schema="):
        # the shipped relative path means nothing beside the copy
        text = ("# yaml-language-server: $schema=kpiscore.schema.json  "
                "(kpiscore schema > kpiscore.schema.json)\n" + (lines[1] if len(lines) > 1
                                                                  else ""))
    if output is None:
        click.echo(text, nl=False)
        return
    if os.path.exists(output) and not force:
        _fail(f"{output} exists; choose another name or add --force", ExitCode.USAGE)
    _write(output, (), lambda fh: fh.write(text))
    click.echo(f"wrote {output} from {entry.id} ({entry.title}); next: kpiscore validate "
               f"{output}", err=True)


@cli.command()
@click.argument("scheme")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to FILE (required for xlsx).")
@click.option("-f", "--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help="xlsx (default; from -o's suffix) or csv.")
def template(scheme: str, output: str | None, fmt: str | None) -> None:
    """Write a blank actuals file for SCHEME (a file or a shipped scheme's id).

    The workbook has an id / name / department block and one column per value
    the scheme reads, headed "title (id)"; each header's comment gives unit,
    target and rule; level inputs get a drop-down list; an instructions sheet
    explains the rest. Fill it in and pass it to kpiscore evaluate as it is.
    """

    path = _scheme_path(scheme)
    if fmt is None:
        fmt = "csv" if output is not None and output.lower().endswith(".csv") else \
            ("csv" if output is None else "xlsx")
    if fmt == "xlsx" and output is None:
        _fail("an .xlsx template needs -o FILE (or use --format csv)", ExitCode.USAGE)
    loaded = load_or_exit(path, warn=False)
    from kpiscore.outputs.template import write_csv_template, write_xlsx_template

    if fmt == "csv":
        _write(output, (path,), lambda fh: write_csv_template(loaded.compiled, fh))
    else:
        assert output is not None
        from kpiscore.outputs.writers import atomic_path

        try:
            with atomic_path(output, inputs=(path,)) as tmp:
                write_xlsx_template(loaded.compiled, tmp)
        except (OSError, ValueError) as exc:
            _fail(f"cannot write {output}: {exc}", ExitCode.USAGE)
    if output is not None:
        click.echo(f"wrote {output}", err=True)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the scheme format (for editors: VS Code's YAML extension
    checks and completes a scheme whose first line is
    `# yaml-language-server: $schema=kpiscore.schema.json`)."""
    import json

    from kpiscore.scheme.models import Scheme

    out = Scheme.model_json_schema()
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "kpiscore scheme"
    click.echo(json.dumps(out, ensure_ascii=False, indent=2, sort_keys=True))


def _gh_data(text: str) -> str:
    """Escape a GitHub workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    """Escape a GitHub workflow command's property value (also ',' and ':')."""
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def main() -> None:
    # JSON and CSV are UTF-8 whatever the platform's locale says about pipes
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and not stream.isatty():
            reconfigure(encoding="utf-8")
    import signal

    # a terminated run (kill, timeout) unwinds like Ctrl-C does, so that atomic_output
    # removes its temporary file and no partial output is left behind
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    cli(prog_name="kpiscore")

