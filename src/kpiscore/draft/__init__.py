"""``kpiscore import``: draft a scheme from the Excel card a department already has.

The layer between the scheme format and scoring: it reads a card through the io
openers (:mod:`~kpiscore.draft.grid`), finds its table (:mod:`~kpiscore.draft.layout`),
reads each row's 评分标准 with the registry of stock phrasings
(:mod:`~kpiscore.draft.phrasings`) and the lines under the table
(:mod:`~kpiscore.draft.lines`), and builds a draft (:mod:`~kpiscore.draft.build`)
written as YAML that ``validate`` understands (:mod:`~kpiscore.draft.write`)::

    from kpiscore.draft import import_card, draft_text

    draft = import_card("客服主管.xlsx")
    text = draft_text(draft)          # the YAML
    for line in summary(draft): ...   # how much was read, and what is left
"""

from __future__ import annotations

import os

from kpiscore.base.errors import Finding, InputUnreadable
from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.limits import Limits
from kpiscore.draft.build import Draft, build_draft
from kpiscore.draft.grid import read_grid
from kpiscore.draft.layout import find_card
from kpiscore.draft.text import short
from kpiscore.draft.write import draft_text

__all__ = ["Draft", "check_draft", "draft_text", "import_card", "summary"]

NO_CARD = Phrase("{file}: sheet {sheet!r}: no card table found: no row names an indicator "
                 "column (考核指标, 指标名称, 考核项目 …) beside a 评分标准, 目标值, 权重 or 分值 "
                 "column{others}",
                 "{file}:工作表 {sheet!r}:没有找到考核表:没有一行同时写有指标列"
                 "(考核指标、指标名称、考核项目……)和评分标准、目标值、权重或分值列{others}")
OTHER_SHEETS = Phrase(" (read another sheet with --sheet)", "(可用 --sheet 读取其他工作表)")
NO_ITEMS = Phrase("{file}: sheet {sheet!r}: the card's table at {cell} has no items under its "
                  "header", "{file}:工作表 {sheet!r}:{cell} 处的考核表表头下没有任何考核项")


def import_card(path: str | os.PathLike[str], *, sheet: str | None = None,
                encoding: str | None = None, limits: Limits | None = None) -> Draft:
    """Read the card at ``path`` (.xlsx or .csv; the first visible sheet, or ``sheet``)
    into a :class:`Draft`. Raises :class:`InputUnreadable` for a file that cannot be
    read or holds no card table."""
    grid = read_grid(os.fspath(path), sheet=sheet, encoding=encoding, limits=limits)
    card = find_card(grid)
    name = os.fspath(path)
    if card is None:
        raise InputUnreadable(str(NO_CARD(file=name, sheet=grid.sheet,
                                          others=OTHER_SHEETS if sheet is None else "")))
    if not any(g.items for part in card.parts for g in part.groups):
        header = card.parts[0].header
        raise InputUnreadable(str(NO_ITEMS(file=name, sheet=grid.sheet,
                                           cell=grid.at(header, 0))))
    return build_draft(grid, card)


COUNTS = Phrase("{where}: {count} indicator(s): {full} read fully, {partly} partly, "
                "{none} not at all",
                "{where}:共 {count} 个指标:完全读出 {full} 个,部分读出 {partly} 个,"
                "未能读出 {none} 个")
NOT_READ = Phrase("  {cell} {title}: not read: {why}", "  {cell} {title}:未能读出:{why}")
PARTLY = Phrase("  {cell} {title}: {what}", "  {cell} {title}:{what}")
TODO = Phrase("todo: {what}", "待补:{what}")
NOTE = Phrase("note: {what}", "注意:{what}")
CARD_TODO = Phrase("  {cell}: todo: {what}", "  {cell}:待补:{what}")
CARD_NOTE = Phrase("  note: {what}", "  注意:{what}")
VALIDATE = Phrase("validate finds {errors} error(s) and {warnings} warning(s) in the draft "
                  "(kpiscore validate lists them)",
                  "validate 在草稿中发现 {errors} 个错误、{warnings} 个警告"
                  "(kpiscore validate 可逐条列出)")
NEXT_TODO = Phrase("next: complete the {count} todo item(s) of the draft and delete them, then "
                   "kpiscore validate it", "下一步:补全草稿中的 {count} 条待补项并删除之,然后运行 "
                   "kpiscore validate")
NEXT_OK = Phrase("next: check the notes against the card, then kpiscore validate and "
                 "kpiscore template",
                 "下一步:对照考核表核对各条注意事项,然后运行 kpiscore validate 和 "
                 "kpiscore template")


def summary(draft: Draft, findings: list[Finding] | None = None) -> list[Text]:
    """What the draft read, line by line, for standard error: the counts, each item
    not read or read partly with why, the card's own todos and notes, what validate
    finds in the draft (``findings``), what to do next."""
    out = [COUNTS(where=draft.where, count=len(draft.indicators),
                  full=draft.count("full"), partly=draft.count("partial"),
                  none=draft.count("none"))]
    todos = len(draft.todo)
    for ind in draft.indicators:
        title = short(ind.title, 24)
        if ind.status == "none":
            why = "; ".join(str(t) for t in ind.todo)
            out.append(NOT_READ(cell=ind.cell, title=title, why=why))
        elif ind.status == "partial":
            parts = [str(TODO(what=t)) for t in ind.todo] + [str(NOTE(what=n)) for n in ind.notes]
            out.append(PARTLY(cell=ind.cell, title=title, what="; ".join(parts)))
        todos += len(ind.todo)
    for cell, _text, what in draft.todo:
        out.append(CARD_TODO(cell=cell, what=what))
    for note in draft.notes:
        out.append(CARD_NOTE(what=note))
    if findings:
        errors = sum(1 for f in findings if f.severity == "error")
        out.append(VALIDATE(errors=errors, warnings=len(findings) - errors))
    out.append(NEXT_TODO(count=todos) if todos else NEXT_OK())
    return out


def check_draft(text: str, name: str) -> list[Finding]:
    """What ``validate`` finds in the draft's text (errors and warnings)."""
    from pydantic import ValidationError

    from kpiscore.base.errors import SchemeInvalid
    from kpiscore.scheme.load import from_model, validation_findings
    from kpiscore.scheme.models import Scheme
    from kpiscore.scheme.yamlload import YamlProblems, load_yaml

    try:
        located = load_yaml(text, name)
        scheme = Scheme.model_validate(located.data)
        return from_model(scheme, located, name).warnings
    except YamlProblems as exc:
        return list(exc.findings)
    except ValidationError as exc:
        return validation_findings(exc, located)
    except SchemeInvalid as exc:
        return list(exc.findings)
