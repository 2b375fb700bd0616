"""What the commands share: failing with an exit code, colour, the language, loading
a scheme or exiting, and writing an output atomically or to standard output."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from kpiscore.base import i18n
from kpiscore.cli.exitcodes import ExitCode

if TYPE_CHECKING:
    from click.shell_completion import CompletionItem

    from kpiscore.scheme.load import LoadedScheme

COLOR_CHOICE = click.Choice(["auto", "always", "never"])
F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: ExitCode) -> NoReturn:
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


def color_option(f: F) -> F:
    return click.option("--color", type=COLOR_CHOICE, default="auto", show_default=True,
                        help="Colour the output: auto (on a terminal, unless NO_COLOR is "
                        "set), always or never.")(f)


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


class Command(click.Command):
    """A command whose description follows ``--lang`` (options stay in English)."""

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
            click.echo(str(f), err=True)
        sys.exit(int(ExitCode.FINDINGS))
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)
    if warn:
        for warning in loaded.warnings:
            click.echo(str(warning), err=True)
    return loaded


def scheme_path(scheme: str) -> str:
    """A scheme file path, or a shipped scheme's id resolved to its file."""
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.library import resolve

    try:
        return resolve(scheme)
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)


def load(scheme: str) -> LoadedScheme:
    """The scheme a SCHEME argument names (a file, or a shipped id), or exit."""
    return load_or_exit(scheme_path(scheme))


def write_output(output: str | None, inputs: tuple[str, ...],
                 write: Callable[[IO[str]], object]) -> None:
    """Write to stdout, or atomically to ``output`` (never over an input file)."""
    if output is None:
        write(sys.stdout)
        return
    from kpiscore.outputs.files import atomic_output

    try:
        with atomic_output(output, inputs=inputs) as fh:
            write(fh)
    except (OSError, ValueError) as exc:
        fail(f"cannot write {output}: {exc}", ExitCode.USAGE)


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
