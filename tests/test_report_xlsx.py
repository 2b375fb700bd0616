"""The .xlsx report for people: every sheet is there, in the user's language, the chart
counts whole people, each card is a sheet fitted to one A4 page, large runs say where
their cards are, numbers are exact and text from the input is never a formula."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from helpers import run_cli as run
from kpiscore.api import evaluate_file
from kpiscore.outputs import report_xlsx
from kpiscore.outputs.report.book import whole_step
from kpiscore.outputs.report.sheets import shares
from kpiscore.outputs.report.text import file_name
from kpiscore.outputs.report_xlsx import (
    bucket_counts,
    sheet_name,
    text_width,
    write_cards,
    write_report,
)
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
    ["A1", "张三", "客服部", "95", "100%", "16000"],       # 100.00 优秀, rank 1
    [FORMULAS[0], FORMULAS[1], FORMULAS[2], "90", "95%", "6000"],  # 80.00, rank 2
    [FORMULAS[3], FORMULAS[4], "客服部", "90", "95%", "5000"],   # 80.00, rank 2 (a tie)
    ["A4", "李四", "客服二部", "70", "80%", "6000"],       # 54.00 不合格, rank 4
    ["A5", "王五", "客服二部", "n/a", "100%", "6000"],     # error: not a number
]
SECTIONS = """\
id: sections
title: 客服主管考核
grades:
  - {name: 优秀, min: 90}
  - {name: 合格}
sections:
  - id: performance
    title: 任务绩效
    weight: 70
    indicators:
      - id: rate
        title: 执行率
        unit: "%"
        rule: {kind: bands, bands: [{at_least: 99, points: 100}, {points: 0}]}
  - id: behaviour
    title: 行为考核
    weight: 30
    dimensions:
      - id: attitude
        title: 态度
        weight: 50
        indicators:
          - id: focus
            title: 以客户为中心
            rule: {kind: levels, levels: [{level: 1, points: 10}, {level: 5, points: 40}]}
      - id: skill
        title: 技能
        weight: 50
        indicators:
          - {id: rating, title: 评分, full_marks: 10, rule: {kind: direct}}
"""


@pytest.fixture
def inputs(tmp_path: Path) -> tuple[Path, Path]:
    scheme = tmp_path / "scheme.yaml"
    scheme.write_text(SCHEME, encoding="utf-8")
    actuals = tmp_path / "actuals.csv"
    with actuals.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(ROWS)
    return scheme, actuals


def _report(inputs: tuple[Path, Path], out: Path, *args: str) -> Path:
    code, stdout, err = run(*args[:2], "evaluate", *inputs, "-o", out, *args[2:])
    assert code == 1, err  # one row could not be scored
    assert stdout == ""
    assert err.splitlines()[-2] in ("kpiscore: 5 rows read: 4 scored, 1 could not be scored",
                                    "kpiscore: 共读取 5 行:4 行已计分,1 行无法计分")
    assert err.splitlines()[-1] in (f"wrote {out}", f"已写入 {out}")
    return out


@pytest.fixture
def report(inputs: tuple[Path, Path], tmp_path: Path) -> Path:
    """The report in Chinese, for the period 2024-06."""
    return _report(inputs, tmp_path / "report.xlsx", "--lang", "zh", "--period", "2024-06")


@pytest.fixture
def english(inputs: tuple[Path, Path], tmp_path: Path) -> Path:
    return _report(inputs, tmp_path / "english.xlsx", "--lang", "en")


def rows(ws: Any) -> list[list[Any]]:
    return [[c.value for c in r] for r in ws.iter_rows()]


def cards(wb: Any) -> list[Any]:
    """The card sheets: those after the errors sheet."""
    names = wb.sheetnames
    last = names.index("错误" if "错误" in names else "Errors")
    return wb.worksheets[last + 1:]


def test_every_sheet_is_there(report: Path) -> None:
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames[:5] == ["汇总", "分布", "服务", "质量", "错误"]
    # then a card a person, named by id and name, the sheet name made legal
    assert wb.sheetnames[5:] == ["A1 张三", '=HYPERLINK("http___example.com"',
                                 "@SUM(1,2) =1+1", "A4 李四", "A5 王五"]


def test_the_summary_has_a_row_per_person_with_rank_ties_sharing(report: Path) -> None:
    ws = openpyxl.load_workbook(report)["汇总"]
    table = rows(ws)
    assert table[0][0] == "迷你客服考核 · 2024-06 · 汇总 (5 人)"
    head = table[1]
    assert head == ["行", "工号", "姓名", "部门", "总分", "等级", "排名", "部门排名", "服务",
                    "质量", "绩效工资", "状态", "说明"]
    col = {h: i for i, h in enumerate(head)}
    people = table[2:]
    assert [p[col["工号"]] for p in people] == ["A1", FORMULAS[0], FORMULAS[3], "A4", "A5"]
    assert [p[col["总分"]] for p in people] == [100, 80, 80, 54, None]
    assert [p[col["等级"]] for p in people] == ["优秀", "合格", "合格", "不合格", None]
    assert [p[col["排名"]] for p in people] == [1, 2, 2, 4, None]
    assert [p[col["部门排名"]] for p in people] == [1, 1, 2, 1, None]
    # each dimension's own score (out of 100)
    assert [p[col["服务"]] for p in people[:4]] == [100, 100, 100, 90]
    assert [p[col["质量"]] for p in people[:4]] == [100, 50, 50, 0]
    assert [p[col["绩效工资"]] for p in people] == [16000, 4800, 4000, 3240, None]
    assert [p[col["状态"]] for p in people] == ["已评分"] * 4 + ["未能评分"]
    assert "'n/a' 不是数字" in people[4][col["说明"]]
    assert ws["E3"].number_format == "0.00_ "  # a space after: never touching the next cell
    assert ws["K3"].number_format == "#,##0.00_ "  # pay: thousands separated
    assert ws.column_dimensions["K"].width >= len("16,000.00")  # no ### in the cell
    assert ws.freeze_panes == "D3"
    assert ws.auto_filter.ref == "A2:M7"
    assert ws.print_title_rows == "$2:$2"  # the header on every printed page
    # fitted to the page's width (1 is the default, left out), as many pages tall as it takes
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth or 1, ws.page_setup.fitToHeight) == (1, 0)


def test_numbers_are_exact(tmp_path: Path) -> None:
    scheme = tmp_path / "s.yaml"
    scheme.write_text(SCHEME.replace("per: 1, points: 0.5", "per: 3, points: 1"),
                      encoding="utf-8")
    actuals = tmp_path / "a.csv"
    actuals.write_text("工号,姓名,部门,客户满意度,回访率,基本工资\nB1,x,y,89,95%,1234.567\n",
                       encoding="utf-8")
    out = tmp_path / "r.xlsx"
    code, _, err = run("evaluate", scheme, actuals, "-o", out)
    assert code == 0, err
    with zipfile.ZipFile(out) as z:
        summary = z.read("xl/worksheets/sheet1.xml").decode()
    # 89 is 1/3 step short: 99.6666… points, 59.8 of 60; the exact sum 79.8, rounded once
    assert "<v>79.8</v>" in summary
    assert "<v>985.18</v>" in summary  # 79.8% of 1234.567, to two decimals


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


def test_the_distribution_counts_everyone_so_shares_add_up(report: Path) -> None:
    wb = openpyxl.load_workbook(report)
    ws = wb["分布"]
    table = rows(ws)
    assert table[2][:2] == ["人数", 5]
    grades = table[table.index(["等级", "人数", "占比"]) + 1:][:4]
    assert [r[:2] for r in grades] == [["优秀", 1], ["合格", 2], ["不合格", 1], ["未能评分", 1]]
    assert sum(Decimal(str(r[2])) for r in grades) == 1  # of 人数, the same people
    start = table.index(["总分区间", "人数", "占比"]) + 1
    tenths = {r[0]: r[1] for r in table[start:start + 11]}
    assert (tenths["50–60"], tenths["80–90"], tenths["90–100"], tenths["未能评分"]) == \
        (1, 2, 1, 1)
    assert sum(tenths.values()) == 5
    assert len(ws._charts) == 2
    with zipfile.ZipFile(report) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        assert len(charts) == 2
        xml = z.read(charts[0]).decode()
    assert "<c:barChart>" in xml
    # counts of people on an axis of whole numbers: no tick at half a person
    assert '<c:majorUnit val="1"/>' in xml and 'formatCode="0"' in xml


def test_a_sheet_per_dimension(report: Path) -> None:
    ws = openpyxl.load_workbook(report)["服务"]
    table = rows(ws)
    assert table[0][0] == "迷你客服考核 · 2024-06 · 服务 (权重 60%)"
    assert table[1][:5] == ["工号", "姓名", "部门", "客户满意度", None]
    assert table[2][3:5] == ["实际", "得分"]
    assert table[3] == ["A1", "张三", "客服部", 95, 100, 100, 60]
    assert "D2:E2" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.print_title_rows == "$2:$3"


def test_one_card_a_person_each_fitted_to_one_a4_page(report: Path) -> None:
    wb = openpyxl.load_workbook(report)
    assert len(cards(wb)) == 5
    for ws in cards(wb):
        setup = ws.page_setup
        assert (str(setup.paperSize), setup.orientation) == ("9", "portrait")
        # fitted to one page wide and one tall: whatever font the printer's machine has
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth or 1, setup.fitToHeight or 1) == (1, 1)  # 1: the default
        assert not ws.row_breaks.brk
        assert ws.print_area == f"'{ws.title}'!$A$1:$F${ws.max_row}"
    table = rows(cards(wb)[0])
    texts = [str(v) for r in table for v in r if v is not None]
    assert table[0][0] == "迷你客服考核"  # the title alone: no scheme id
    assert "mini" not in " ".join(texts[:-1])
    assert texts[-1] == "工号 A1 · 由 kpiscore 按考核方案 mini 计算"  # the footer: the id
    for label in ("被考核人", "工号", "部门", "考核周期", "考核指标", "权重", "目标", "实际",
                  "得分", "评分说明", "总分", "等级", "排名", "部门排名", "绩效工资",
                  "考核意见", "被考核人（签名）", "考核人（签名）", "日期"):
        assert label in texts, label
    row = {r[0]: r for r in table}
    assert row["部门"][4] == "2024-06"  # 考核周期
    assert row["排名"][1] == "4 人中第 1"
    # a target for every rule kind (the bands: the best band), in Chinese
    assert row["客户满意度"][1:6] == ["60%", "90", "95", 100,
                                   "95 对比目标 90:达标 → 100/100 × 60% = 60.00"]
    assert row["回访率"][2:4] == ["≥ 100%", "100%"]
    assert row["服务　权重 60%　得分 100.00　计 60.00"]
    assert row["绩效工资"][1] == 16000
    failed = [str(v) for r in rows(cards(wb)[4]) for v in r if v is not None]
    assert "未能评分" in failed and any("'n/a' 不是数字" in t for t in failed)


def test_english_labels_and_explanations_under_lang_en(english: Path) -> None:
    wb = openpyxl.load_workbook(english)
    assert wb.sheetnames[:5] == ["Summary", "Distribution", "服务", "质量", "Errors"]
    summary = rows(wb["Summary"])
    assert summary[0][0] == "迷你客服考核 · Summary (5 people)"
    assert summary[1][:8] == ["Row", "ID", "Name", "Department", "Total", "Grade", "Rank",
                              "Dept. rank"]
    assert summary[2][-2] == "scored" and summary[6][-2] == "not scored"
    card = rows(cards(wb)[0])
    texts = [str(v) for r in card for v in r if v is not None]
    assert "95 vs target 90: target met → 100/100 × 60% = 60.00" in texts
    assert "How it was scored" in texts and "Employee (signature)" in texts
    labels = {t for t in texts if t not in ROWS[1] and not t.startswith(("迷你", "服务", "质量",
                                                                         "客户", "回访", "优秀",
                                                                         "绩效"))}
    assert not [t for t in labels if re.search("[\u4e00-\u9fff]", t)]


def test_a_section_of_one_dimension_is_one_row(tmp_path: Path) -> None:
    scheme = tmp_path / "s.yaml"
    scheme.write_text(SECTIONS, encoding="utf-8")
    actuals = tmp_path / "a.csv"
    actuals.write_text("工号,姓名,部门,执行率,以客户为中心,评分\nC1,陈静,客服部,99.5,5级,8\n",
                       encoding="utf-8")
    out = tmp_path / "r.xlsx"
    code, _, err = run("--lang", "zh", "evaluate", scheme, actuals, "-o", out)
    assert code == 0, err
    wb = openpyxl.load_workbook(out)
    bands = [r[0] for r in rows(cards(wb)[0]) if r[1] is None and r[0] and "权重" in r[0]]
    assert bands == ["任务绩效　权重 70%　得分 100.00　计 70.00",
                     "行为考核　权重 30%　得分 90.00　计 27.00",
                     "态度　权重 15%　得分 100.00　计 15.00",  # of the total, as 计 is
                     "技能　权重 15%　得分 80.00　计 12.00"]
    targets = {r[0]: r[2] for r in rows(cards(wb)[0])}
    assert (targets["执行率"], targets["以客户为中心"], targets["评分"]) == \
        ("≥ 99%", "5级", "评分 0–10")
    summary = rows(wb["汇总"])
    assert summary[1][8:10] == ["任务绩效", "行为考核"] and summary[2][8:10] == [100, 90]


def test_the_errors_sheet_names_the_cell(report: Path) -> None:
    table = rows(openpyxl.load_workbook(report)["错误"])
    assert table[0] == ["行", "工号", "姓名", "位置", "字段", "说明"]
    assert table[1][:5] == [6, "A5", "王五", "actuals.csv!D6", "csat"]
    assert "'n/a' 不是数字" in table[1][5]


def test_the_same_inputs_give_the_same_bytes(inputs: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    run("evaluate", *inputs, "-o", a)
    run("evaluate", *inputs, "--format", "xlsx", "-o", b)
    assert a.read_bytes() == b.read_bytes()


def test_streamed_and_whole_reports_are_the_same(inputs: tuple[Path, Path],
                                                 tmp_path: Path) -> None:
    streamed, whole = tmp_path / "streamed.xlsx", tmp_path / "whole.xlsx"
    run("evaluate", *inputs, "-o", streamed)
    loaded = load_scheme(inputs[0])
    write_report(str(whole), evaluate_file(loaded, inputs[1]), loaded, lang="en")
    assert streamed.read_bytes() == whole.read_bytes()


def test_xlsx_needs_an_output_file(inputs: tuple[Path, Path]) -> None:
    code, out, err = run("evaluate", *inputs, "--format", "xlsx")
    assert (code, out) == (2, "")
    assert "give -o FILE.xlsx" in err


def test_a_large_run_leaves_the_cards_out_and_says_how_to_get_them(
        inputs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_xlsx, "MAX_REPORT_CARDS", 4)
    out = tmp_path / "r.xlsx"
    code, _, err = run("evaluate", *inputs, "-o", out)
    assert code == 1
    assert ("kpiscore: the report holds no cards: 5 people are more than the 4 it holds; "
            "write each person's card with --cards DIR (one file a person, or --cards-by "
            "department)\n") in err
    assert openpyxl.load_workbook(out).sheetnames == ["Summary", "Distribution", "服务", "质量",
                                                      "Errors"]
    folder = tmp_path / "cards"
    code, _, err = run("evaluate", *inputs, "-o", out, "--cards", folder)
    assert code == 1
    assert "cards a report holds" not in err
    assert "kpiscore: wrote 5 cards in 5 files to " in err
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(["A1_张三.xlsx", "=HYPERLINK(_http___example.com_,_x_)_+cmd_'__C_calc'!"
                            "A0.xlsx", "@SUM(1,2)_=1+1.xlsx", "A4_李四.xlsx", "A5_王五.xlsx"])
    card = openpyxl.load_workbook(folder / "A1_张三.xlsx")
    assert card.sheetnames == ["A1 张三"]
    assert card.worksheets[0].sheet_properties.pageSetUpPr.fitToPage
    ranks = {r[0]: r[1] for r in rows(card.worksheets[0])}
    assert ranks["Rank"] == "1 of 4"  # ranked among everyone, though written alone


def test_a_batch_says_so_too(inputs: tuple[Path, Path], tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_xlsx, "MAX_REPORT_CARDS", 4)
    manifest = tmp_path / "m.yaml"
    manifest.write_text(f"period: 2024-06\nruns:\n  - name: mini\n    scheme: {inputs[0]}\n"
                        f"    actuals: {inputs[1]}\n    outputs:\n"
                        "      xlsx: 'out/{period}.xlsx'\n",
                        encoding="utf-8")
    code, _, err = run("batch", manifest)
    assert code == 1, err
    assert "the report holds no cards: 5 people are more than the 4 it holds" in err
    summary = rows(openpyxl.load_workbook(tmp_path / "out" / "2024-06.xlsx")["Summary"])
    assert summary[0][0] == "迷你客服考核 · 2024-06 · Summary (5 people)"  # the batch's period


def test_cards_by_department(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    folder = tmp_path / "cards"
    code, _, err = run("evaluate", *inputs, "--format", "json", "-o", tmp_path / "r.json",
                       "--cards", folder, "--cards-by", "department")
    assert code == 1, err
    assert "kpiscore: wrote 5 cards in 3 files to " in err
    assert sorted(p.name for p in folder.iterdir()) == ["-2+3.xlsx", "客服二部.xlsx", "客服部.xlsx"]
    assert openpyxl.load_workbook(folder / "客服部.xlsx").sheetnames == ["A1 张三",
                                                                     "@SUM(1,2) =1+1"]


def test_cards_never_overwrite_an_input(inputs: tuple[Path, Path], tmp_path: Path) -> None:
    victim = tmp_path / "A1_张三.xlsx"  # the actuals, named as the first card would be
    wb = openpyxl.Workbook()
    for row in ROWS:
        wb.active.append(row)
    wb.save(victim)
    before = victim.read_bytes()
    code, _, err = run("evaluate", inputs[0], victim, "-o", tmp_path / "r.json", "--cards",
                       tmp_path)
    assert code == 2
    assert f"kpiscore: error: {victim} is an input of this run ({victim}); kpiscore never " \
           "writes over an input" in err
    assert victim.read_bytes() == before


def test_write_cards_returns_the_files_in_input_order(inputs: tuple[Path, Path],
                                                      tmp_path: Path) -> None:
    loaded = load_scheme(inputs[0])
    written = write_cards(evaluate_file(loaded, inputs[1]), str(tmp_path / "c"), loaded,
                          lang="zh", period="2024-06")
    assert [Path(p).name.split("_")[0] for p in written] == ["A1", "=HYPERLINK(", "@SUM(1,2)",
                                                             "A4", "A5"]


def test_an_empty_report_is_still_a_workbook(inputs: tuple[Path, Path],
                                             tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(ROWS[0]) + "\n", encoding="utf-8")
    loaded = load_scheme(inputs[0])
    write_report(str(tmp_path / "e.xlsx"), evaluate_file(loaded, empty), loaded)
    wb = openpyxl.load_workbook(tmp_path / "e.xlsx")
    assert wb.sheetnames == ["Summary", "Distribution", "Errors"]


def test_control_characters_are_replaced_and_progress_is_told(inputs: tuple[Path, Path],
                                                              tmp_path: Path) -> None:
    loaded = load_scheme(inputs[0])
    result = evaluate_file(loaded, inputs[1])
    result.results[0].name = "控制\x07字符\x00\n换行"  # cannot be in a workbook: replaced
    seen: list[tuple[int, int]] = []
    out = tmp_path / "r.xlsx"
    write_report(str(out), result, loaded, period="2024-06", lang="zh",
                 progress=lambda done, total: seen.append((done, total)))
    wb = openpyxl.load_workbook(out)
    assert wb["汇总"]["C3"].value == "控制\ufffd字符\ufffd\n换行"
    assert seen[-1] == (5, 5)


def test_sheet_names_are_legal_and_unique() -> None:
    taken: set[str] = set()
    assert sheet_name("汇总", taken) == "汇总"
    assert sheet_name("汇总", taken) == "汇总 (2)"
    assert sheet_name("a/b:c*d?e[f]g\\h", taken) == "a_b_c_d_e_f_g_h"
    long = sheet_name("x" * 40, taken)
    assert len(long) == 31
    assert len(sheet_name("x" * 40, taken)) == 31 and "x" * 31 in taken


def test_file_names_are_safe_everywhere() -> None:
    taken: set[str] = set()
    assert file_name("E001_张伟", ".xlsx", taken) == "E001_张伟.xlsx"
    assert file_name("e001_张伟", ".xlsx", taken) == "e001_张伟 (2).xlsx"  # case-blind disks
    assert file_name('a/b\\c:d*e?f"g<h>i|j', ".xlsx", taken) == "a_b_c_d_e_f_g_h_i_j.xlsx"
    assert file_name("CON", ".xlsx", taken) == "_CON.xlsx"
    assert file_name("../../etc/passwd", ".xlsx", taken) == "_.._etc_passwd.xlsx"
    assert file_name("..", ".xlsx", taken) == "_.xlsx"  # never a hidden or a parent name
    assert file_name("", ".xlsx", taken) == "_ (2).xlsx"


def test_tenths_of_the_scale() -> None:
    counts = dict(bucket_counts([Decimal(0), Decimal("9.99"), Decimal(10), Decimal(100),
                                 Decimal(-1), Decimal(101)], Decimal(100)))
    assert (counts["0–10"], counts["10–20"], counts["90–100"]) == (2, 1, 1)
    assert (counts["< 0"], counts["> 100"]) == (1, 1)
    assert list(dict(bucket_counts([], Decimal(5))))[:2] == ["0–0.5", "0.5–1"]


def test_shares_add_up_to_exactly_one() -> None:
    assert shares([1, 1, 1]) == [Decimal("0.334"), Decimal("0.333"), Decimal("0.333")]
    assert sum(shares([5, 1, 0, 7])) == 1
    assert shares([0, 0]) == [0, 0]


def test_axis_steps_are_whole_people() -> None:
    assert [whole_step(n) for n in (0, 1, 5, 8, 9, 16, 17, 40, 41, 800, 801)] == \
        [1, 1, 1, 1, 2, 2, 5, 5, 10, 100, 200]


def test_text_width_counts_chinese_double() -> None:
    assert text_width("客户满意度") == pytest.approx(9.0)
    assert text_width("98") == 2
