"""What the commands share: failing with an exit code, colour, the language, loading
a scheme or exiting, ``-`` for standard input, and writing an output atomically, into a
FIFO or device, or to standard output."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterable
from typing import IO, TYPE_CHECKING, Any, Literal, NoReturn, TypeVar

import click

from kpiscore.base import i18n
from kpiscore.base.i18n import Phrase
from kpiscore.cli.exitcodes import ExitCode

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from kpiscore.scheme.load import LoadedScheme

COLOR_CHOICE = click.Choice(["auto", "always", "never"])
F = TypeVar("F", bound=Callable[..., Any])


#: The argument that names standard input (for an input) or standard output (for -o).
DASH = "-"
WROTE = Phrase("wrote {file}", "已写入 {file}")
STDIN_TWICE = Phrase("standard input (-) can be read only once: give one - at most",
                     "标准输入(-)只能读取一次:最多给一个 -")
BINARY_TERMINAL = Phrase("{what} is binary: redirect standard output to a file "
                         "(-o - > FILE{suffix}) or give -o FILE{suffix}",
                         "{what}是二进制文件:请把标准输出重定向到文件(-o - > FILE{suffix}),"
                         "或用 -o FILE{suffix}")
A_WORKBOOK = Phrase("a workbook", "工作簿")
ERROR = Phrase("error", "错误")
#: the temporary folders standard input was spooled to (messages leave them out)
_SPOOLS: list[str] = []


def shown(text: str) -> str:
    """``text`` with the temporary file that holds standard input named ``stdin.csv`` (or
    ``stdin.xlsx``, ``stdin.yaml`` …), as the table's own locations name it."""
    for folder in _SPOOLS:
        text = text.replace(folder, "")
    return text


#: Exit code of a run whose standard output was closed by its reader (128 + SIGPIPE, what a
#: shell reports for ``yes`` in ``yes | head -1``).
BROKEN_PIPE = 141


def reader_gone() -> NoReturn:
    """Standard output's reader went away (``| head``): say nothing more, exit 141."""
    try:  # what is still buffered, and whatever else would be written, goes nowhere
        devnull = os.open(os.devnull, os.O_WRONLY)
        for stream in (sys.stdout, sys.stderr):
            os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a test's capture)
        pass
    sys.exit(BROKEN_PIPE)


def error_line(message: object) -> str:
    """``kpiscore: error: MESSAGE``, the word in the language of the run."""
    return f"kpiscore: {ERROR()}: {message}"


def fail(message: str, code: ExitCode) -> NoReturn:
    click.echo(shown(error_line(message)), err=True)
    sys.exit(int(code))


def stdin_path(kind: Literal["actuals", "scheme", "manifest"], *,
               max_bytes: int | None = None) -> str:
    """Standard input spooled to a temporary file, removed when the command ends (read
    once: a second ``-`` on the command line is a usage error)."""
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.base.limits import Limits
    from kpiscore.io.spool import spool

    ctx = click.get_current_context()
    if ctx.meta.get("kpiscore.stdin"):
        fail(str(STDIN_TWICE()), ExitCode.USAGE)
    ctx.meta["kpiscore.stdin"] = True
    limits = Limits.from_env()
    suffix: str | None = ".yaml"
    if kind == "manifest":
        from kpiscore.batch.runs import MAX_MANIFEST_BYTES

        limit, how = MAX_MANIFEST_BYTES, "a manifest is a few lines"
    elif kind == "scheme":
        limit, how = limits.scheme_bytes, limits.refusal("scheme_bytes")
    else:
        limit, how, suffix = max_bytes or limits.input_bytes, limits.refusal("input_bytes"), None
    example = f"cat FILE | kpiscore {ctx.info_name or ''} … -".replace("  ", " ")
    try:
        path = ctx.with_resource(spool(sys.stdin.buffer, limit, how, suffix, example))
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)
    _SPOOLS.append(os.path.dirname(path) + os.sep)
    return path


def input_path(value: str, kind: Literal["actuals", "scheme", "manifest"] = "actuals", *,
               max_bytes: int | None = None) -> str:
    """``value``, or for ``-`` the file standard input was spooled to."""
    return stdin_path(kind, max_bytes=max_bytes) if value == DASH else value


#: Where the CLI keeps a --color given before the command (``click.Context.meta``).
COLOR_KEY = "kpiscore.color"
COLOR_HELP = ("Colour the output: auto (on a terminal, unless NO_COLOR is set), always or "
              "never.")


def use_color(choice: str | None, stream: Any) -> bool:
    """``--color auto`` colours a terminal unless NO_COLOR is set (https://no-color.org).
    No ``--color`` on the command: the one given before the command, else auto."""
    if choice is None:
        ctx = click.get_current_context(silent=True)
        choice = ctx.meta.get(COLOR_KEY, "auto") if ctx is not None else "auto"
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def set_color(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """Keep a --color given before the command (or on one that prints nothing coloured)."""
    if value is not None:
        ctx.meta[COLOR_KEY] = value


def color_option(f: F) -> F:
    return click.option("--color", type=COLOR_CHOICE, default=None,
                        help=COLOR_HELP + "  [default: auto]")(f)


def current_lang() -> str:
    """The language of the running command (``--lang``, else the locale)."""
    ctx = click.get_current_context(silent=True)
    return i18n.normalise(ctx.meta.get(i18n.META_KEY)) if ctx is not None else i18n.DEFAULT


def say(key: str, **fields: Any) -> str:
    return i18n.t(key, current_lang(), **fields)


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


def write_wide_dl(formatter: click.HelpFormatter, rows: list[tuple[str, str, str]],
                  col_max: int = 30, col_spacing: int = 2) -> None:
    """click's definition list (options, their help and its ``[default: …]``), wrapped
    by terminal columns; the bracket is never split."""
    indent = formatter.current_indent
    first = min(max((i18n.cell_width(term) for term, _, _ in rows), default=0), col_max)
    first += col_spacing
    # two columns spare: closing punctuation (,。) hangs past the width rather than
    # starting a line
    width = max((formatter.width or 80) - first - indent - 2, 10)
    for term, text, extra in rows:
        formatter.write(" " * indent + term)
        if not text and not extra:
            formatter.write("\n")
            continue
        used = i18n.cell_width(term)
        if used <= first - col_spacing:
            formatter.write(" " * (first - used))
        else:
            formatter.write("\n" + " " * (first + indent))
        lines = i18n.wrap(text, width) if text else [""]
        if extra:
            if lines[-1] and i18n.cell_width(lines[-1]) + 2 + i18n.cell_width(extra) <= width:
                lines[-1] += "  " + extra
            else:
                lines.append(extra)
        formatter.write(lines[0] + "\n")
        for line in lines[1:]:
            formatter.write(" " * (first + indent) + line + "\n")


_EXTRA = re.compile(r"\s*\[([^\[\]]*)\]$")


def _zh_extra(help_text: str) -> tuple[str, str]:
    """An option's help and click's ``[default: auto; required]`` after it, in Chinese."""
    match = _EXTRA.search(help_text)
    if match is None:
        return help_text, ""
    words = match.group(1).replace("default: ", i18n.ZH_CLICK["default"] + ":")
    words = words.replace("required", i18n.ZH_CLICK["required"])
    return help_text[:match.start()], f"[{words}]"


class LocalizedHelp(click.Command):
    """A help screen in the language of ``--lang``: usage, options and their help
    (:data:`kpiscore.base.i18n.ZH_OPTIONS`), click's own words; English as click writes it."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:  # click's own words: in Chinese under zh
            from kpiscore.cli.usage_zh import localized

            raise localized(exc, ctx) from None

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if i18n.normalise(ctx.meta.get(i18n.META_KEY)) != "zh":
            super().format_usage(ctx, formatter)
            return
        pieces = [i18n.ZH_CLICK.get(p, p) for p in self.collect_usage_pieces(ctx)]
        formatter.write_usage(ctx.command_path, " ".join(pieces),
                              prefix=i18n.ZH_CLICK["Usage:"] + " ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        if i18n.normalise(ctx.meta.get(i18n.META_KEY)) != "zh":
            super().format_options(ctx, formatter)
            return
        rows = []
        for param in self.get_params(ctx):
            if not isinstance(param, click.Option):
                continue
            english = param.help
            if english is not None:
                param.help = i18n.ZH_OPTIONS.get(english, english)
            try:
                record = param.get_help_record(ctx)
            finally:
                if english is not None:
                    param.help = english
            if record is not None:
                rows.append((record[0], *_zh_extra(record[1])))
        if rows:
            with formatter.section(i18n.ZH_CLICK["Options"]):
                write_wide_dl(formatter, rows)


class Command(LocalizedHelp):
    """A command whose description and options follow ``--lang``."""

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        language = i18n.normalise(ctx.meta.get(i18n.META_KEY))
        text = i18n.ZH_HELP.get(self.name or "") if language == "zh" else None
        if text is None:
            super().format_help_text(ctx, formatter)
        else:
            write_wide(formatter, text)


def load_or_exit(path: str, *, warn: bool = True) -> LoadedScheme:
    """Load a scheme file, or print its findings and exit 1 (2 if it cannot be read)."""
    from kpiscore.base.errors import InputUnreadable, SchemeInvalid
    from kpiscore.scheme.load import load_scheme

    try:
        loaded = load_scheme(path)
    except SchemeInvalid as exc:
        for f in exc.findings:
            click.echo(shown(str(f)), err=True)
        sys.exit(int(ExitCode.FINDINGS))
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)
    if warn:
        for warning in loaded.warnings:
            click.echo(shown(str(warning)), err=True)
    return loaded


def scheme_path(scheme: str) -> str:
    """A scheme file path, a shipped scheme's id resolved to its file, or for ``-`` the
    scheme read from standard input."""
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.library import resolve

    if scheme == DASH:
        return stdin_path("scheme")
    try:
        return resolve(scheme)
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)


def load(scheme: str) -> LoadedScheme:
    """The scheme a SCHEME argument names (a file, or a shipped id), or exit."""
    return load_or_exit(scheme_path(scheme))


def check_output(output: str | None, inputs: Iterable[str]) -> None:
    """Before any work: exit 2 if ``output`` cannot be written (a missing folder, a
    folder, an input's file)."""
    if output is None:
        return
    from kpiscore.outputs.files import OutputUnwritable, target

    try:
        target(output, tuple(inputs))
    except OutputUnwritable as exc:
        fail(str(exc), ExitCode.USAGE)


def write_output(output: str | None, inputs: tuple[str, ...],
                 write: Callable[[IO[str]], object]) -> None:
    """Write to standard output (no ``-o``, or ``-o -``), into a FIFO or device, or
    atomically to a file (never over an input file); a write failure exits 2."""
    from kpiscore.outputs.files import OutputUnwritable, atomic_output

    try:
        with atomic_output(DASH if output is None else output, inputs=inputs) as fh:
            write(fh)
    except OutputUnwritable as exc:
        fail(str(exc), ExitCode.USAGE)


def write_file(output: str, inputs: tuple[str, ...], write: Callable[[str], object],
               what: Phrase = A_WORKBOOK, suffix: str = ".xlsx") -> None:
    """Write a file by name (a workbook): atomically, or for ``-o -`` to standard output
    (refused on a terminal); a write failure exits 2."""
    from kpiscore.outputs.files import OutputUnwritable, atomic_path

    if output == DASH and sys.stdout.isatty():
        fail(str(BINARY_TERMINAL(what=what, suffix=suffix)), ExitCode.USAGE)
    try:
        with atomic_path(output, inputs=inputs) as tmp:
            write(tmp)
    except OutputUnwritable as exc:
        fail(str(exc), ExitCode.USAGE)


def wrote(output: str | None) -> None:
    """``wrote FILE`` on standard error, for an output that is not standard output."""
    if output is not None and output != DASH:
        click.echo(str(WROTE(file=output)), err=True)


def human(fmt: str | None, default: str) -> str:
    """``fmt``, or by default the human format on a terminal and json when piped."""
    if fmt is not None:
        return fmt
    return default if sys.stdout.isatty() else "json"


def actuals_options(f: F) -> F:
    """--sheet, --table, --encoding and --header-row: which part of an actuals file to read."""
    f = click.option("--header-row", type=click.IntRange(min=1), default=None, metavar="N",
                     help="The row that holds the column headers (default: the first "
                     "non-blank row, or, below title rows, the first of the first 10 rows "
                     "that names a column the scheme reads).")(f)
    f = click.option("--encoding", help="Encoding of a CSV file (default UTF-8; e.g. gbk).")(f)
    f = click.option("--table", "table", metavar="NAME",
                     help="Table (or view) of a SQLite database to read (default: its only "
                     "table).")(f)
    f = click.option("--sheet", help="Worksheet to read (default: the first visible one "
                     "with a header row; a workbook with people on several sheets needs "
                     "it).")(f)
    return f


def _shipped(incomplete: str) -> list[CompletionItem]:
    from click.shell_completion import CompletionItem

    try:
        from kpiscore.library import entries

        return [CompletionItem(e.id, help=e.title) for e in entries()
                if e.id.startswith(incomplete)]
    except Exception:  # completing must never fail or print a traceback
        return []


def complete_shipped(ctx: click.Context, param: click.Parameter,
                     incomplete: str) -> list[CompletionItem]:
    """Shell completion for a NAME argument (init, schemes): shipped scheme ids."""
    return _shipped(incomplete)


def complete_scheme(ctx: click.Context, param: click.Parameter,
                    incomplete: str) -> list[CompletionItem]:
    """Shell completion for a SCHEME argument: the shipped scheme ids that start with
    what is typed, with the scheme files here that do; the shell's own file completion
    when no id does, or what is typed is a path.

    Never a ``file`` item beside ids: click's bash script empties its list of
    candidates for one, wiping the ids (``kpiscore explain tech<TAB>``).
    """
    from click.shell_completion import CompletionItem

    file = [CompletionItem(incomplete, type="file")]
    if os.sep in incomplete or incomplete.startswith((".", "~")):
        return file
    ids = _shipped(incomplete)
    if not ids:
        return file
    try:
        here = sorted(name for name in os.listdir(".") if name.startswith(incomplete)
                      and name.endswith((".yaml", ".yml")) and os.path.isfile(name))
    except OSError:
        here = []
    return ids + [CompletionItem(name) for name in here]
