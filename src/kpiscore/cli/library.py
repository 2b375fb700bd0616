"""The shipped schemes and templates: ``schemes``, ``init``, ``template``, ``schema``."""

from __future__ import annotations

import os
import sys

import click

from kpiscore.base.i18n import Phrase
from kpiscore.cli.common import (
    DASH,
    Command,
    check_output,
    color_option,
    complete_scheme,
    complete_shipped,
    fail,
    human,
    load_or_exit,
    say,
    scheme_path,
    use_color,
    write_file,
    write_output,
    wrote,
)
from kpiscore.cli.exitcodes import ExitCode

EXISTS = Phrase("{file} exists; choose another name or add --force",
                "{file} 已存在;请换一个名称,或加上 --force")
XLSX_NEEDS_OUTPUT = Phrase("an .xlsx template needs -o FILE (or use --format csv, or -o - for "
                           "standard output)",
                           ".xlsx 模板需要 -o FILE(或用 --format csv,或用 -o - 写到标准输出)")


@click.command(cls=Command)
@click.argument("name", required=False, shell_complete=complete_shipped)
@click.option("-f", "--format", "fmt", type=click.Choice(["table", "json", "yaml"]),
              default=None, help="table (default on a terminal), json, or yaml (the file "
              "itself, with NAME).")
@color_option
def schemes(name: str | None, fmt: str | None, color: str) -> None:
    """List the shipped schemes, or show the one NAME names: its id, its title, a role
    (客服主管) or part of a title. A NAME that several schemes match lists them.

    \b
    kpiscore schemes                        every shipped scheme
    kpiscore schemes 客服主管                the schemes for a role
    kpiscore schemes customer-service-supervisor   one, in detail
    kpiscore schemes tech-support-manager -f yaml > my.yaml
    """
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.library import entries, find, matches

    found = entries() if name is None else matches(name)
    if name is None or len(found) > 1:
        if fmt == "yaml":
            try:
                find(name or "")
            except InputUnreadable as exc:
                fail(str(exc) if name else say("library.yaml_one"), ExitCode.USAGE)
        if human(fmt, "table") == "json":
            from kpiscore.outputs.json_format import dumps

            click.echo(dumps([e.to_dict() for e in found]))
            return
        from kpiscore.cli.render import print_library

        print_library(found, color=use_color(color, sys.stdout), name=name)
        return
    try:
        entry = find(name)
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)
    if fmt == "yaml":
        click.echo(entry.path.read_text(encoding="utf-8"), nl=False)
        return
    loaded = load_or_exit(str(entry.path), warn=False)
    if human(fmt, "table") == "json":
        from kpiscore.outputs.json_format import dumps
        from kpiscore.scheme.describe import describe_dict

        click.echo(dumps({**entry.to_dict(), **describe_dict(loaded.compiled)}))
        return
    from kpiscore.cli.render import print_scheme

    print_scheme(loaded.compiled, entry.to_dict(), color=use_color(color, sys.stdout))


@click.command(cls=Command)
@click.argument("name", shell_complete=complete_shipped)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the copy to FILE (default, or -: standard output).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def init(name: str, output: str | None, force: bool) -> None:
    """Start a scheme from a shipped one: NAME is its id, its title or a role
    (技术支持经理) that names one scheme (kpiscore schemes ROLE lists a role's).

    The copy is the shipped file, comments included; edit it, then check it
    with kpiscore validate.
    """
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.library import find

    try:
        entry = find(name)
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)
    text = entry.path.read_text(encoding="utf-8")
    lines = text.split("\n", 1)
    if lines[0].startswith("# yaml-language-server: $schema="):
        # the shipped relative path means nothing beside the copy
        text = ("# yaml-language-server: $schema=kpiscore.schema.json  "
                "(kpiscore schema > kpiscore.schema.json)\n" + (lines[1] if len(lines) > 1
                                                                  else ""))
    from kpiscore.cli.common import current_lang
    from kpiscore.scheme.describe import departure_lines

    notes = departure_lines(load_or_exit(str(entry.path), warn=False).compiled.departures,
                            current_lang())
    if output is None or output == DASH:
        write_output(None, (), lambda fh: fh.write(text))
    else:
        check_output(output, ())
        if os.path.isfile(output) and not force:  # a FIFO or a device is written into
            fail(str(EXISTS(file=output)), ExitCode.USAGE)
        write_output(output, (), lambda fh: fh.write(text))
        click.echo(f"wrote {output} from {entry.id} ({entry.title}); next: kpiscore validate "
                   f"{output}", err=True)
    for line in notes:  # what the copy has that the printed card does not
        click.echo(line, err=True)


@click.command(cls=Command)
@click.argument("scheme", shell_complete=complete_scheme)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write to FILE (required for xlsx; - is standard output).")
@click.option("-f", "--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help="xlsx (default; from -o's suffix) or csv.")
def template(scheme: str, output: str | None, fmt: str | None) -> None:
    """Write a blank actuals file for SCHEME (a file or a shipped scheme's id).

    The workbook has an id / name / department block and one column per value
    the scheme reads, headed "title (id)"; each header's comment gives unit,
    target and rule; level inputs get a drop-down list; an instructions sheet
    explains the rest. Fill it in and pass it to kpiscore evaluate as it is.
    """

    if fmt is None:
        fmt = "csv" if output in (None, DASH) or output.lower().endswith(".csv") else "xlsx"
    if fmt == "xlsx" and output is None:
        fail(str(XLSX_NEEDS_OUTPUT()), ExitCode.USAGE)
    path = scheme_path(scheme)
    check_output(output, (path,))
    loaded = load_or_exit(path, warn=False)
    from kpiscore.outputs.template import write_csv_template, write_xlsx_template

    if fmt == "csv":
        write_output(output, (path,), lambda fh: write_csv_template(loaded.compiled, fh))
    else:
        assert output is not None
        write_file(output, (path,), lambda tmp: write_xlsx_template(
            loaded.compiled, tmp, scheme, None if output == DASH else os.path.basename(output)))
    wrote(output)


@click.command(cls=Command)
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
