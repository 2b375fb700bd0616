"""The .xlsx report for people: every sheet is there, the chart is there, the cards are
set up to print one A4 page each, and text from the input is never a formula."""

from __future__ import annotations

import csv
import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from helpers import run_cli as run
from kpiscore.api import evaluate_file
from kpiscore.outputs import report_xlsx
from kpiscore.outputs.report_xlsx import bucket_counts, sheet_name, text_width, write_report
from kpiscore.scheme.load import load_scheme

SCHEME = """\
id: mini
title: 迷你客服考核
grades:
  - {name: 优秀, min: 90}
  - {name: 合格, min: 60}
  - {name: 不合格}
inputs:
  - {id: base_pay, title: 基本工资}
pay: {formula: total / 100 * base_pay, title: 绩效工资}
dimensions:
  - id: service
    title: 服务
    weight: 60
    indicators:
      - id: csat
        title: 客户满意度
        target: 90
        rule: {kind: deduct, per: 1, points: 0.5}
  - id: quality
    title: 质量
    weight: 40
    indicators:
      - id: revisit
        title: 回访率
        unit: "%"
        rule:
          kind: bands
          bands:
            - {at_least: 100, points: 10}
            - {at_least: 90, below: 100, points: 5}
            - {below: 90, points: 0}
"""

#: Text a spreadsheet would run as a formula, in the id, name and department columns.
FORMULAS = ['=HYPERLINK("http://example.com","x")', "+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1,2)", "=1+1"]
ROWS = [
    ["工号", "姓名", "部门", "客户满意度", "回访率", "基本工资"],
    ["A1", "张三", "客服部", "95", "100%", "6000"],        # 100.00 优秀, rank 1
    [FORMULAS[0], FORMULAS[1], FORMULAS[2], "90", "95%", "6000"],  # 80.00, rank 2
    [FORMULAS[3], FORMULAS[4], "客服部", "90", "95%", "5000"],   # 80.00, rank 2 (a tie)
    ["A4", "李四", "客服二部", "70", "80%", "6000"],       # 54.00 不合格, rank 4
    ["A5", "王五", "客服二部", "n/a", "100%", "6000"],     # error: not a number
]


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(SCHEME, encoding="utf-8")
    actuals = tmp_path / "actuals.csv"
    with actuals.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(ROWS)
    return scheme, actuals


@pytest.fixture
def report(inputs: tuple[Path, Path], tmp_path: Path) -> Path:
    out = tmp_path / "report.xlsx"
    code, stdout, err = run("evaluate", *inputs, "-o", out)
    assert code == 1, err  # one row could not be scored
    assert stdout == ""
    return out


def rows(ws: Any) -> list[list[Any]]:
    return [[c.value for c in r] for r in ws.iter_rows()]


def test_every_sheet_is_there(report: Path) -> None:
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames == ["汇总", "分布", "服务", "质量", "考核卡", "错误"]


def test_the_summary_has_a_row_per_person_with_rank_ties_sharing(report: Path) -> None:
    ws = openpyxl.load_workbook(report)["汇总"]
    table = rows(ws)
    assert table[0][0] == "迷你客服考核 · 汇总 (5 人)"
    head = table[1]
    assert head == ["行", "工号", "姓名", "部门", "总分", "等级", "排名", "部门排名", "绩效工资",
                    "状态", "说明"]
    col = {h: i for i, h in enumerate(head)}
    people = table[2:]
    assert [p[col["工号"]] for p in people] == ["A1", FORMULAS[0], FORMULAS[3], "A4", "A5"]
    assert [p[col["总分"]] for p in people] == [100, 80, 80, 54, None]
    assert [p[col["等级"]] for p in people] == ["优秀", "合格", "合格", "不合格", None]
    assert [p[col["排名"]] for p in people] == [1, 2, 2, 4, None]
    assert [p[col["绩效工资"]] for p in people] == [6000, 4800, 4000, 3240, None]
    assert [p[col["状态"]] for p in people] == ["已评分"] * 4 + ["未能评分"]
    assert "'n/a' is not a number" in people[4][col["说明"]]
    assert ws["E3"].number_format == "0.00"
    assert ws.freeze_panes == "D3"
    assert ws.auto_filter.ref == "A2:K7"


def test_text_from_the_input_is_never_a_formula(report: Path) -> None:
    wb = openpyxl.load_workbook(report)
    found = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value in FORMULAS:
                    assert cell.data_type == "s", (ws.title, cell.coordinate)
                    found.append(cell.value)
    assert set(found) == set(FORMULAS)
    with zipfile.ZipFile(report) as z:  # not one formula anywhere in the workbook
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name


def test_csv_output_quotes_formula_like_text(inputs: tuple[Path, Path]) -> None:
    code, out, _ = run("evaluate", *inputs, "--format", "csv")
    assert code == 1
    table = list(csv.reader(io.StringIO(out)))
    cells = {c for row in table for c in row}
    for text in FORMULAS:
        if text == "-2+3":
            assert "'-2+3" in cells
        else:
            assert "'" + text in cells and text not in cells


def test_the_distribution_sheet_counts_grades_and_tenths_with_charts(report: Path) -> None:
    wb = openpyxl.load_workbook(report)
    ws = wb["分布"]
    table = rows(ws)
    grades = table[table.index(["等级", "人数", "占比"]) + 1:][:3]
    assert [r[:2] for r in grades] == [["优秀", 1], ["合格", 2], ["不合格", 1]]
    start = table.index(["总分区间", "人数", "占比"]) + 1
    tenths = {r[0]: r[1] for r in table[start:start + 10]}
    assert (tenths["50–60"], tenths["80–90"], tenths["90–100"]) == (1, 2, 1)
    assert sum(tenths.values()) == 4
    assert len(ws._charts) == 2
    with zipfile.ZipFile(report) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        assert len(charts) == 2
        assert b"<c:barChart>" in z.read(charts[0])


def test_a_sheet_per_dimension(report: Path) -> None:
    ws = openpyxl.load_workbook(report)["服务"]
    table = rows(ws)
    assert table[1][:5] == ["工号", "姓名", "部门", "客户满意度", None]
    assert table[2][3:5] == ["实际", "得分"]
    assert table[3] == ["A1", "张三", "客服部", 95, 100, 100, 60]
    assert "D2:E2" in {str(r) for r in ws.merged_cells.ranges}


def test_one_printable_card_per_person(report: Path) -> None:
    ws = openpyxl.load_workbook(report)["考核卡"]
    table = rows(ws)
    texts = [str(v) for r in table for v in r if v is not None]
    assert texts.count("迷你客服考核") == 5
    for label in ("被考核人", "工号", "部门", "考核周期", "考核指标", "权重", "目标", "实际",
                  "得分", "评分说明", "总分", "等级", "绩效工资", "被考核人（签名）",
                  "考核人（签名）", "日期"):
        assert label in texts, label
    assert texts.count("被考核人（签名）") == 5
    assert "95 vs target 90: target met → 100/100 × 60% = 60.00" in texts
    assert any("未能评分" == t for t in texts)
    # one A4 page a card: print area, a page break after every card but the last, a scale
    assert ws.print_area == "'考核卡'!$A$1:$F$" + str(len(table))
    breaks = [b.id for b in ws.row_breaks.brk]
    assert len(breaks) == 4 and breaks == sorted(breaks)
    assert str(ws.page_setup.paperSize) == "9"
    assert ws.page_setup.orientation == "portrait"
    assert 10 <= int(ws.page_setup.scale) <= 100
    assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage


def test_the_errors_sheet_names_the_cell(report: Path) -> None:
    table = rows(openpyxl.load_workbook(report)["错误"])
    assert table[0] == ["行", "工号", "姓名", "位置", "字段", "说明"]
    assert table[1][:5] == [6, "A5", "王五", "actuals.csv!D6", "csat"]
    assert "'n/a' is not a number" in table[1][5]


def test_the_same_inputs_give_the_same_bytes(inputs: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    run("evaluate", *inputs, "-o", a)
    run("evaluate", *inputs, "--format", "xlsx", "-o", b)
    assert a.read_bytes() == b.read_bytes()


def test_xlsx_needs_an_output_file(inputs: tuple[Path, Path]) -> None:
    code, out, err = run("evaluate", *inputs, "--format", "xlsx")
    assert (code, out) == (2, "")
    assert "give -o FILE.xlsx" in err


def test_many_people_get_several_card_sheets(inputs: tuple[Path, Path], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_xlsx, "CARDS_PER_SHEET", 2)
    loaded = load_scheme(inputs[0])
    result = evaluate_file(loaded, inputs[1])
    result.results[0].name = "控制\x07字符\x00"  # cannot be in a workbook: replaced
    seen = []
    out = tmp_path / "r.xlsx"
    write_report(str(out), result, loaded, period="2024-06",
                 progress=lambda done, total: seen.append((done, total)))
    wb = openpyxl.load_workbook(out)
    assert [n for n in wb.sheetnames if n.startswith("考核卡")] == [
        "考核卡 1-2", "考核卡 3-4", "考核卡 5-5"]
    assert seen == [(2, 5), (4, 5), (5, 5)]
    assert wb["汇总"]["C3"].value == "控制\ufffd字符\ufffd"
    assert wb["汇总"]["A1"].value == "迷你客服考核 · 2024-06 · 汇总 (5 人)"


def test_an_empty_report_is_still_a_workbook(inputs: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(ROWS[0]) + "\n", encoding="utf-8")
    loaded = load_scheme(inputs[0])
    write_report(str(tmp_path / "e.xlsx"), evaluate_file(loaded, empty), loaded)
    wb = openpyxl.load_workbook(tmp_path / "e.xlsx")
    assert wb.sheetnames[:2] == ["汇总", "分布"] and "错误" in wb.sheetnames


def test_sheet_names_are_legal_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_name("汇总", taken) == "汇总"
    assert sheet_name("汇总", taken) == "汇总 (2)"
    assert sheet_name("a/b:c*d?e[f]g\\h", taken) == "a_b_c_d_e_f_g_h"
    long = sheet_name("x" * 40, taken)
    assert len(long) == 31
    assert len(sheet_name("x" * 40, taken)) == 31 and "x" * 31 in taken


def test_tenths_of_the_scale() -> None:
    counts = dict(bucket_counts([Decimal(0), Decimal("9.99"), Decimal(10), Decimal(100),
                                 Decimal(-1), Decimal(101)], Decimal(100)))
    assert (counts["0–10"], counts["10–20"], counts["90–100"]) == (2, 1, 1)
    assert (counts["< 0"], counts["> 100"]) == (1, 1)
    assert list(dict(bucket_counts([], Decimal(5))))[:2] == ["0–0.5", "0.5–1"]


def test_text_width_counts_chinese_double() -> None:
    assert text_width("客户满意度") == pytest.approx(9.0)
    assert text_width("98") == 2
