"""Blank actuals files for a scheme: what to fill in, ready for ``evaluate``.

The workbook's first sheet is the data sheet (``evaluate`` reads the first
visible sheet): an id / name / department block, then one column per value
the scheme reads, headed ``title (id)`` so the header matches by either.
Unit, target and how the value is scored sit in each header's cell comment;
level inputs get a drop-down list; percentage columns a percent format.
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
from dataclasses import dataclass
from typing import IO, Any

from kpiscore.base.numbers import plain
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


def _is_percent(unit: str) -> bool:
    return unit.strip() in ("%", "％", "percent")


def template_columns(compiled: CompiledScheme) -> list[Column]:
    """The columns a person fills in, in scheme order."""
    cols: list[Column] = []
    for ci in compiled.indicators:
        ind = ci.ind
        if ind.formula is not None:
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
        cols.append(Column(ci.id, header, "\n".join(bits), _is_percent(ind.unit), choices))
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


def write_csv_template(compiled: CompiledScheme, out: IO[str]) -> None:
    """The header line; a header a spreadsheet would run as a formula is quoted with '
    (as evaluate's CSV output does), which the header match reads past."""
    from kpiscore.outputs.csv_format import cell_text

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([p for p, _ in PERSON] + [cell_text(c.header)
                                              for c in template_columns(compiled)])


def write_xlsx_template(compiled: CompiledScheme, path: str | os.PathLike[str]) -> None:
    """Write the blank workbook to ``path`` (the caller makes that atomic)."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cols = template_columns(compiled)
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
    info = wb.create_sheet("说明 instructions")
    for r, line in enumerate(_instructions(compiled, cols), start=1):
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


def _instructions(compiled: CompiledScheme, cols: list[Column]) -> list[str]:
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
        f"评分 / score: kpiscore evaluate {s.id}.yaml <this file>.xlsx",
        "",
        "列 columns:",
    ]
    for c in cols:
        out.append(f"  {c.header}: " + c.note.replace("\n", "; "))
    return out
