"""``kpiscore import``: draft a scheme from a department's Excel card."""

from __future__ import annotations

import os
import sys

import click

from kpiscore.base.i18n import Phrase
from kpiscore.cli.common import Command, fail, input_path, write_output
from kpiscore.cli.exitcodes import ExitCode

EXISTS = Phrase("{file} exists; choose another name or add --force",
                "{file} 已存在;请换一个文件名,或加上 --force")
WROTE = Phrase("wrote {file}", "已写入 {file}")


@click.command("import", cls=Command)
@click.argument("card", type=click.Path(dir_okay=False))
@click.option("-o", "--output", metavar="FILE",
              help="Write the draft to FILE (default, or -: standard output).")
@click.option("--sheet", help="Worksheet holding the card (default: the first visible one).")
@click.option("--encoding", help="Encoding of a CSV card (default UTF-8; e.g. gbk).")
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
def import_card(card: str, output: str | None, sheet: str | None, encoding: str | None,
                force: bool) -> None:
    """Draft a scheme from CARD, the assessment card (.xlsx or .csv) a department
    already has: its table of indicators, weights, targets and 评分标准.

    Each stock phrasing of 评分标准 (超出标准5分/达标4分…, 每低1分扣0.5分, 大于99%得25分…,
    1级10分…) becomes its rule with its numbers. Every indicator keeps its cell and
    its text as printed; what the card does not say is marked todo, and kpiscore
    validate refuses the draft until a person completes it. The summary on standard
    error says how many indicators were read fully, partly and not at all.

    Exit 0 when the draft is complete and valid, 1 when it has todo items or other
    findings (it is still written), 2 when CARD cannot be read or holds no card.
    """
    from kpiscore.base.errors import InputUnreadable
    from kpiscore.draft import check_draft, draft_text, summary
    from kpiscore.draft import import_card as read_card

    if output == "-":
        output = None
    if output is not None and os.path.isfile(output) and not force:  # a FIFO is written into
        fail(str(EXISTS(file=output)), ExitCode.USAGE)
    card = input_path(card)
    try:
        draft = read_card(card, sheet=sheet, encoding=encoding)
    except InputUnreadable as exc:
        fail(str(exc), ExitCode.USAGE)
    text = draft_text(draft)
    write_output(output, (card,), lambda fh: fh.write(text))
    findings = check_draft(text, output or "<draft>")
    for line in summary(draft, findings):
        click.echo(str(line), err=True)
    errors = [f for f in findings if f.severity == "error"]
    if output is not None:
        click.echo(str(WROTE(file=output)), err=True)
    sys.exit(int(ExitCode.FINDINGS if errors or draft.unfinished else ExitCode.OK))
