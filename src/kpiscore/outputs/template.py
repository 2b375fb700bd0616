"""Blank actuals files for a scheme: what to fill in, ready for ``evaluate``.

The workbook's first sheet is the data sheet (``evaluate`` reads the first
visible sheet): an id / name / department block, then one column per value
the scheme reads, headed ``title (id)`` so the header matches by either.
Unit, target and how the value is scored sit in each header's cell comment;
level inputs get a drop-down list; percentage columns a percent format.
Raters, survey responses and periods: :mod:`kpiscore.outputs.template_sheets`.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
from dataclasses import dataclass
from typing import IO, Any

from kpiscore.base.numbers import plain
from kpiscore.outputs.template_sheets import (
    instructions,
    rater_header,
    rater_layout,
    rater_names,
    response_sheets,
)
from kpiscore.scheme.compile import CompiledScheme

#: Fixed workbook timestamps so the same scheme always gives the same file.
_EPOCH = _dt.datetime(2024, 1, 1)


@dataclass
class Column:
    key: str
    header: str
    note: str
    percent: bool = False
    choices: list[str] | None = None
    #: read once per rater (the scheme's raters.rated)
    rated: bool = False


def _is_percent(unit: str) -> bool:
    return unit.strip() in ("%", "％", "percent")


def template_columns(compiled: CompiledScheme) -> list[Column]:
    """The columns a person fills in, in scheme order (a survey's indicators take their
    actual from its responses sheet: no column)."""
    cols: list[Column] = []
    for ci in compiled.indicators:
        ind = ci.ind
        if ind.formula is not None or ind.survey is not None:
            continue
        header = ind.column or (f"{ind.title} ({ind.id})" if ind.title else ind.id)
        bits = []
        if ind.unit:
            bits.append(f"单位 unit: {ind.unit}")
        if ind.target is not None:
            bits.append(f"目标 target: {plain(ind.target)}")
        bits.append("越高越好 higher is better" if ind.better == "higher"
                    else "越低越好 lower is better")
        bits.append(f"规则 rule: {ci.rule.kind}, 满分 full marks {plain(ci.spec.full)}")
        if ind.definition:
            bits.append(ind.definition)
        choices = ci.rule.choices()
        if choices is not None:
            bits.append("可选 choices: " + ", ".join(choices))
        cols.append(Column(ci.id, header, "\n".join(bits), _is_percent(ind.unit), choices,
                           ci.id in compiled.rated))
    for inp in compiled.scheme.inputs:
        header = inp.column or (f"{inp.title} ({inp.id})" if inp.title else inp.id)
        note = "\n".join(x for x in (f"单位 unit: {inp.unit}" if inp.unit else "",
                                     inp.description or "",
                                     "用于公式或工资 used by formulas or pay") if x)
        cols.append(Column(inp.id, header, note, _is_percent(inp.unit)))
    for sv in compiled.scheme.vetoes:
        if sv.column:
            cols.append(Column(f"veto:{sv.id}", sv.column,
                               f"否决项 veto: {sv.title or sv.id} {sv.when}"))
    return cols


PERSON = [("工号 (id)", "员工编号 employee id"), ("姓名 (name)", "姓名 name"),
          ("部门 (department)", "部门 department")]


def sheet_columns(compiled: CompiledScheme) -> list[Column]:
    """The data sheet's columns after the person block: a rater column first (one row per
    rater), or each rated column once per rater (``layout: columns``)."""
    cols = template_columns(compiled)
    raters = compiled.scheme.raters
    layout = rater_layout(compiled)
    if raters is None:
        return cols
    if layout == "rows":
        names = rater_names(raters)
        return [Column("rater", rater_header(raters), "评价人 rater: " + ", ".join(names),
                       choices=names), *cols]
    out: list[Column] = []
    for c in cols:
        if not c.rated:
            out.append(c)
            continue
        out += [Column(c.key, f"{c.header}({name})", f"{name}: {c.note}", c.percent, c.choices,
                       True) for name in rater_names(raters)]
    return out


def write_csv_template(compiled: CompiledScheme, out: IO[str]) -> None:
    """The header line; a header a spreadsheet would run as a formula is quoted with '
    (as evaluate's CSV output does), which the header match reads past."""
    from kpiscore.outputs.csv_format import cell_text

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([p for p, _ in PERSON] + [cell_text(c.header)
                                              for c in sheet_columns(compiled)])


def write_xlsx_template(compiled: CompiledScheme, path: str | os.PathLike[str],
                        scheme: str | None = None, shown: str | None = None) -> None:
    """Write the blank workbook to ``path`` (the caller makes that atomic); ``scheme`` is
    the scheme as the user named it and ``shown`` the file name to tell them, for the
    instructions (default: the scheme's file, and ``path``)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cols = sheet_columns(compiled)
    wb = Workbook()
    wb.properties.created = _EPOCH
    wb.properties.modified = _EPOCH
    wb.properties.creator = "kpiscore"
    ws = wb.active
    ws.title = "actuals"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    headers: list[tuple[str, str]] = list(PERSON) + [(c.header, c.note) for c in cols]
    for i, (text, note) in enumerate(headers, start=1):
        cell = _text_cell(ws, 1, i, text)
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        comment = Comment(_printable(note), "kpiscore")
        comment.width, comment.height = 300, 140
        cell.comment = comment
        ws.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(text) * 2))
    ws.row_dimensions[1].height = 36
    ws.freeze_panes = "D2"
    last_row = 1000
    for i, col in enumerate(cols, start=len(PERSON) + 1):
        letter = get_column_letter(i)
        if col.choices:
            # a list formula: its items between commas, a quote doubled inside the quotes
            listed = ",".join(_printable(c).replace(",", " ") for c in col.choices)
            listed = listed.replace('"', '""')
            if len(listed) <= 255:  # Excel's limit for an inline list
                dv = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True,
                                    showErrorMessage=False)
                dv.add(f"{letter}2:{letter}{last_row}")
                ws.add_data_validation(dv)
        if col.percent:
            for r in range(2, 202):
                ws.cell(row=r, column=i).number_format = "0.##%"
    for sheet in response_sheets(compiled):
        rs = wb.create_sheet(sheet.name)
        heads = [sheet.evaluatee, sheet.respondent] + [h for h, _ in sheet.questions]
        for i, text in enumerate(heads, start=1):
            cell = _text_cell(rs, 1, i, text)
            cell.font = bold
            cell.fill = fill
            rs.column_dimensions[get_column_letter(i)].width = max(12, min(40, len(text) * 2))
        for i, (_, choices) in enumerate(sheet.questions, start=3):
            listed = ",".join(c.replace(",", " ") for c in choices or [])
            if choices and len(listed) <= 255:
                letter = get_column_letter(i)
                dv = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True,
                                    showErrorMessage=False)
                dv.add(f"{letter}2:{letter}{last_row}")
                rs.add_data_validation(dv)
        rs.freeze_panes = "C2"
    info = wb.create_sheet("说明 instructions")
    name = scheme or os.path.basename(compiled.source)
    lines = _instructions(compiled, cols, name, shown or os.path.basename(os.fspath(path)))
    for r, line in enumerate(lines, start=1):
        _text_cell(info, r, 1, line)
    info.column_dimensions["A"].width = 110
    wb.save(os.fspath(path))


def _printable(text: str) -> str:
    """``text`` without the control characters an XML part cannot hold (openpyxl refuses
    them; they show as nothing in Excel)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return str(ILLEGAL_CHARACTERS_RE.sub("", text))


def _text_cell(ws: Any, row: int, column: int, text: str) -> Any:
    """A cell holding ``text`` as text, whatever it begins with: openpyxl writes a string
    starting with ``=`` as a formula (a scheme's ``column: '=HYPERLINK(…)'`` would be a
    live link in the template); the quote prefix keeps it text when edited in Excel."""
    cell = ws.cell(row=row, column=column)
    cell.value = _printable(text)
    cell.data_type = "s"
    if cell.value.startswith(("=", "+", "-", "@")):
        cell.quotePrefix = True
    return cell


def _instructions(compiled: CompiledScheme, cols: list[Column], scheme: str,
                  path: str) -> list[str]:
    s = compiled.scheme
    out = [
        f"{s.title} ({s.id})",
        "",
        "填写说明:每位员工一行;工号必填;每列的单位、目标和评分规则见表头批注。",
        "Fill in one row per person; the id is required; each header's comment gives the "
        "unit, target and how the value is scored.",
        "百分比可以写成 95、95% 或 0.95(设置为百分比格式);空白单元格会被报告为错误,不会按 0 计分。",
        "Percentages may be typed as 95, 95% or a 0.95 cell formatted as percent; a blank "
        "cell is reported as an error, never scored as 0.",
        "不要修改第一行表头;可以增加行,不要在表头之前插入行。",
        "Keep the header row as it is; add rows below it.",
        *instructions(compiled, scheme, path),
        "",
        "列 columns:",
    ]
    for c in cols:
        out.append(f"  {c.header}: " + c.note.replace("\n", "; "))
    return out
