"""``kpiscore validate``: findings at file:line:col, as text, JSON or GitHub annotations."""

from __future__ import annotations

import sys

import click

from kpiscore.base.i18n import Phrase
from kpiscore.cli.common import Command, color_option, fail, input_path, shown, use_color
from kpiscore.cli.exitcodes import ExitCode

NO_FILES = Phrase("no scheme files (*.yaml, *.yml) found", "没有找到方案文件(*.yaml、*.yml)")
CHECKED = Phrase("{files} scheme file(s) checked: {errors} error(s), {warnings} warning(s), "
                 "{state}", "已检查 {files} 个方案文件:{errors} 个错误,{warnings} 个警告,{state}")
VALID = Phrase("valid", "有效")
INVALID = Phrase("invalid", "无效")


@click.command(cls=Command)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "json", "github"]),
              default="text", show_default=True,
              help="text: file:line:col lines; json: a report; github: workflow annotations.")
@click.option("--strict", is_flag=True, help="Treat warnings as failures (exit 1).")
@color_option
def validate(paths: tuple[str, ...], fmt: str, strict: bool, color: str) -> None:
    """Check scheme files (and folders of them) for mistakes; - reads a scheme from
    standard input.

    Each problem is reported on standard output as file:line:col: severity:
    message (code), and the count on standard error.
    Exit 0 when every scheme is valid, 1 when any has an error (or a warning
    with --strict), 2 when a path cannot be read.
    """
    from kpiscore.base.collector import paused
    from kpiscore.base.errors import InputUnreadable

    paths = tuple(input_path(p, "scheme") for p in paths)
    try:
        with paused():  # the scheme layer's imports and validators: no garbage to find
            from kpiscore.scheme.paths import validate_paths

            files, findings = validate_paths(list(paths))
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    failed = bool(errors) or (strict and bool(warnings))
    if fmt == "json":
        from kpiscore.outputs.json_format import dumps

        click.echo(dumps({"files": [shown(f) for f in files], "valid": not failed,
                          "errors": len(errors), "warnings": len(warnings),
                          "findings": [{**f.to_dict(), "path": shown(f.path)}
                                       for f in findings]}))
    elif fmt == "github":
        for f in findings:
            level = "error" if f.severity == "error" or strict else "warning"
            click.echo(f"::{level} file={_gh_property(shown(f.path))},line={f.line},"
                       f"col={f.column},"
                       f"title={_gh_property('kpiscore ' + f.code)}::{_gh_data(str(f.message))}")
    else:  # the findings are the output (grep them); the summary line is a diagnostic
        colour = use_color(color, sys.stdout)
        for f in findings:
            text = shown(str(f))
            if colour:
                tint = "red" if f.severity == "error" else "yellow"
                text = click.style(text, fg=tint)
            click.echo(text, color=colour)
        if not files:
            click.echo(f"kpiscore: {NO_FILES()}", err=True)
        else:
            click.echo(str(CHECKED(files=len(files), errors=len(errors), warnings=len(warnings),
                                   state=INVALID if failed else VALID)), err=True)
    sys.exit(int(ExitCode.FINDINGS if failed else ExitCode.OK))


def _gh_data(text: str) -> str:
    """Escape a GitHub workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    """Escape a GitHub workflow command's property value (also ',' and ':')."""
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")
