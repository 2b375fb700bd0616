"""The command line: parse arguments, call the core, render. Nothing else lives here.

Heavy modules (pydantic, openpyxl, rich) are imported inside the commands
so that ``kpiscore --help`` starts instantly.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from kpiscore import __version__
from kpiscore.base import i18n
from kpiscore.cli.batch import batch
from kpiscore.cli.common import (
    COLOR_CHOICE,
    COLOR_HELP,
    LocalizedHelp,
    fail,
    reader_gone,
    set_color,
    write_wide,
)
from kpiscore.cli.evaluate import evaluate
from kpiscore.cli.exitcodes import ExitCode
from kpiscore.cli.explain import diff, explain, whatif
from kpiscore.cli.importer import import_card
from kpiscore.cli.library import init, schema, schemes, template
from kpiscore.cli.validate import validate


class _Group(click.Group, LocalizedHelp):
    """The top-level group: its help, epilog and command list follow ``--lang``.

    The language is decided before any option is processed (``--help`` is eager),
    from ``--lang`` on the command line, else the locale; a context made without
    parsing (tools/gen_docs.py) stays in English.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        lang = _lang_arg(args) or i18n.detect(os.environ)
        ctx.meta[i18n.META_KEY] = lang
        rest = super().parse_args(ctx, args)
        ctx.meta[i18n.META_KEY] = lang  # the group's own --lang must not undo a later one
        return rest

    def resolve_command(self, ctx: click.Context, args: list[str]
                        ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:  # "No such command": in Chinese under zh
            from kpiscore.cli.usage_zh import localized

            raise localized(exc, ctx) from None

    def invoke(self, ctx: click.Context) -> object:
        """Run the command with messages rendered in the chosen language. A reader that
        went away ends it quietly (exit 141); a write that fails outside the commands'
        own outputs (standard output on a full disk) is one line, exit 2."""
        from kpiscore.outputs.files import STDOUT, OutputUnwritable, reason, unwritable

        with i18n.using(ctx.meta.get(i18n.META_KEY) or i18n.DEFAULT):
            try:
                return super().invoke(ctx)
            except BrokenPipeError:
                reader_gone()
            except OutputUnwritable as exc:
                fail(str(exc), ExitCode.USAGE)
            except OSError as exc:  # no command's own message: still one line, exit 2
                if exc.filename is not None:
                    fail(f"{exc.filename}: {reason(exc)}", ExitCode.USAGE)
                fail(str(unwritable(STDOUT, reason(exc))), ExitCode.USAGE)

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
    """The value of --lang, before or after the command name; the last one given wins,
    so a command's own --lang overrides the group's."""
    found = None
    for k, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and k + 1 < len(args):
            found = i18n.normalise(args[k + 1])
        elif arg.startswith("--lang="):
            found = i18n.normalise(arg.split("=", 1)[1])
    return found


def _localized(ctx: click.Context, formatter: click.HelpFormatter, key: str,
               english: Any) -> None:
    lang = i18n.normalise(ctx.meta.get(i18n.META_KEY))
    if lang == "en":
        english(ctx, formatter)
    else:
        write_wide(formatter, i18n.t(key, lang))


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        ctx.meta[i18n.META_KEY] = value


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]},
             help=i18n.EN["cli.help"], epilog=i18n.EN["cli.epilog"])
@click.version_option(__version__, "--version", prog_name="kpiscore")
@click.option("--lang", type=click.Choice(i18n.LANGS), default=None, is_eager=True,
              expose_value=False, callback=_set_lang,
              help="Language of labels and messages: en or zh (default: zh when the "
              "locale, LC_ALL, LC_MESSAGES or LANG, starts with zh, else en).")
@click.option("--color", type=COLOR_CHOICE, default=None, expose_value=False,
              callback=set_color, help=COLOR_HELP + " Every command takes it too.")
def cli() -> None:
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.base.limits import Limits

    try:  # a KPISCORE_MAX_* variable that is not a number: say so before any work
        Limits.from_env()
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)


def utf8_streams() -> None:
    """JSON and CSV are UTF-8 whatever the platform's locale says about pipes."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and not stream.isatty():
            reconfigure(encoding="utf-8")


for _command in (evaluate, validate, schemes, init, template, schema, explain, whatif, diff,
                 batch, import_card):
    # every command accepts --lang too (decided early, in _Group.parse_args), and --color
    # (a command that colours nothing accepts it, so that scripts may pass it to any)
    _command.params.append(click.Option(
        ["--lang"], type=click.Choice(i18n.LANGS), default=None, expose_value=False,
        callback=_set_lang, help="Language of labels and messages: en or zh."))
    if not any("--color" in p.opts for p in _command.params):
        _command.params.append(click.Option(
            ["--color"], type=COLOR_CHOICE, default=None, expose_value=False,
            callback=set_color, help=COLOR_HELP))
    cli.add_command(_command)
