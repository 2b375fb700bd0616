"""``kpiscore import`` end to end: the draft on stdout or in a file, the summary on
stderr, exit codes 0/1/2, a CSV card, and the round trip import → template →
evaluate for a card whose phrasings are all recognised (issue 13)."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from draft import build_cards
from helpers import CliResult

HERE = Path(__file__).resolve().parent
Run = Callable[..., CliResult]


def _roundtrip_card(tmp_path: Path) -> Path:
    layout = yaml.safe_load((HERE / "draft" / "roundtrip.yaml").read_text(encoding="utf-8"))
    return build_cards.write(layout["layout"], tmp_path / "card.xlsx")


def _seed_card(tmp_path: Path, name: str) -> Path:
    return build_cards.write(build_cards.load(name)["layout"], tmp_path / f"{name}.xlsx")


def test_a_card_read_fully_is_drafted_on_stdout_and_exits_0(run_line: Run, tmp_path: Path) -> None:
    card = _roundtrip_card(tmp_path)
    code, out, err = run_line("import", card)
    assert code == 0
    assert out.startswith("# Drafted by kpiscore import from card.xlsx (客服专员). 11 "
                          "indicator(s): 11 read fully, 0\n# partly, 0 not at all.\n")
    assert yaml.safe_load(out)["title"] == "客服专员月度绩效考核表"
    assert err == ("card.xlsx (客服专员): 11 indicator(s): 11 read fully, 0 partly, 0 not at all\n"
                   "next: check the notes against the card, then kpiscore validate and "
                   "kpiscore template\n")
    assert run_line("import", card, "-o", "-") == (code, out, err)


def test_an_unfinished_draft_is_written_and_exits_1(run_line: Run, tmp_path: Path) -> None:
    card = _seed_card(tmp_path, "001-installation-card")
    draft = tmp_path / "draft.yaml"
    code, out, err = run_line("import", card, "-o", draft)
    assert (code, out) == (1, "")
    assert err == (
        "001-installation-card.xlsx (考核卡): 6 indicator(s): 5 read fully, 0 partly, 1 not at "
        "all\n"
        "  考核卡!B5 安检工作: not read: no stock phrasing reads this 评分标准: write the rule\n"
        "  note: 考核卡!A10: pass_mark: 80 read from the line under the table\n"
        "  note: 考核卡!A10: pay: total / 80 * 基本工资 read from the line under the table\n"
        "validate finds 1 error(s) and 2 warning(s) in the draft (kpiscore validate lists them)\n"
        "next: complete the 1 todo item(s) of the draft and delete them, then kpiscore "
        "validate it\n"
        f"wrote {draft}\n")
    code, out, err = run_line("validate", draft)
    assert code == 1
    unfinished = [line for line in out.splitlines() if line.endswith("(unfinished)")]
    assert len(unfinished) == 1
    assert unfinished[0].startswith(f"{draft}:")
    assert "'安检工作' is unfinished (kpiscore import, 考核卡!B5): no stock phrasing reads" in \
        unfinished[0]


def test_the_summary_follows_the_language(run_line: Run, tmp_path: Path) -> None:
    card = _seed_card(tmp_path, "001-installation-card")
    code, out, err = run_line("--lang", "zh", "import", card)
    assert code == 1
    assert out.startswith("# 由 kpiscore import 根据 001-installation-card.xlsx (考核卡) 起草。")
    assert err.splitlines()[:2] == [
        "001-installation-card.xlsx (考核卡):共 6 个指标:完全读出 5 个,部分读出 0 个,未能读出 1 个",
        "  考核卡!B5 安检工作:未能读出:没有识别出这条评分标准的写法:请写出计分规则(rule)"]
    assert "没有识别出这条评分标准的写法" in out  # the todo in the draft, in its language


def test_an_existing_output_needs_force_and_the_card_is_never_overwritten(
        run_line: Run, tmp_path: Path) -> None:
    card = _roundtrip_card(tmp_path)
    draft = tmp_path / "draft.yaml"
    draft.write_text("mine\n", encoding="utf-8")
    assert run_line("import", card, "-o", draft) == (
        2, "", f"kpiscore: error: {draft} exists; choose another name or add --force\n")
    assert draft.read_text(encoding="utf-8") == "mine\n"
    assert run_line("import", card, "-o", draft, "--force")[0] == 0
    assert draft.read_text(encoding="utf-8").startswith("# Drafted by kpiscore import")
    before = card.read_bytes()
    code, out, err = run_line("import", card, "-o", card, "--force")
    assert (code, out) == (2, "")
    assert err.startswith(f"kpiscore: error: {card} is an input of this run")
    assert card.read_bytes() == before


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: p / "missing.xlsx", "{card}: cannot read: No such file or directory"),
    (lambda p: _write(p / "notes.txt", "just some text\n"),
     "{card}: sheet 'notes.txt': no card table found: no row names an indicator column "
     "(考核指标, 指标名称, 考核项目 …) beside a 评分标准, 目标值, 权重 or 分值 column "
     "(read another sheet with --sheet)"),
])
def test_a_file_that_is_not_a_card_exits_2(run_line: Run, tmp_path: Path, make: Any,
                                           message: str) -> None:
    card = make(tmp_path)
    assert run_line("import", card) == (2, "", "kpiscore: error: "
                                        + message.format(card=card) + "\n")


def test_a_card_on_another_sheet_is_read_with_sheet(run_line: Run, tmp_path: Path) -> None:
    card = _roundtrip_card(tmp_path)
    wb = openpyxl.load_workbook(card)
    wb.create_sheet("封面", 0)["A1"] = "2024年绩效考核"
    wb.save(card)
    code, out, err = run_line("import", card)
    assert code == 2 and "sheet '封面': no card table found" in err
    code, out, err = run_line("import", card, "--sheet", "客服专员")
    assert code == 0 and "(客服专员): 11 indicator(s): 11 read fully" in err
    code, out, err = run_line("import", card, "--sheet", "nope")
    assert (code, out) == (2, "")
    assert err == f"kpiscore: error: {card}: no sheet named 'nope' (sheets: 封面, 客服专员)\n"


def test_a_csv_card_is_read_and_located_by_cell(run_line: Run, tmp_path: Path) -> None:
    layout = yaml.safe_load((HERE / "draft" / "roundtrip.yaml").read_text(encoding="utf-8"))
    card = tmp_path / "card.csv"
    with card.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        for row in layout["layout"]["rows"]:
            writer.writerow(["" if v is None else v for v in row] + [""] * (8 - len(row)))
    code, out, err = run_line("import", card)
    assert code == 0, err
    draft = yaml.safe_load(out)
    first = draft["dimensions"][0]["indicators"][0]
    assert first["imported"]["cell"] == "card.csv!B4"
    assert first["rule"] == {"kind": "deduct", "per": 1, "points": 0.5}


def test_round_trip_import_template_evaluate(run_line: Run, tmp_path: Path) -> None:
    """A card whose phrasings are all recognised: its draft makes a template that, filled
    in as a person would, evaluates with no error row, to the total worked out by hand."""
    card = _roundtrip_card(tmp_path)
    draft, actuals = tmp_path / "draft.yaml", tmp_path / "actuals.xlsx"
    assert run_line("import", card, "-o", draft)[0] == 0
    assert run_line("validate", draft)[0] == 0
    assert run_line("template", draft, "-o", actuals)[0] == 0
    person = {"id": "E001", "name": "张伟", "department": "客服部", "客户满意度": 86,
              "投诉解决率": 97, "首次响应时间": 160, "一次合格率": 94, "回访完成率": 97,
              "客户信息反馈": 0.5, "服务态度": "4级", "客户投诉": 2, "培训次数": 12, "团队协作": 4,
              "实际销售额": 85000, "目标销售额": 100000}
    wb = openpyxl.load_workbook(actuals)
    ws = wb["actuals"]
    for col, header in enumerate(next(ws.iter_rows(max_row=1, values_only=True)), 1):
        cell = ws.cell(2, col)
        value = person[str(header).rsplit("(", 1)[1].rstrip(")")]
        # a percentage typed into a cell formatted as 0%: 97% is 0.97
        cell.value = value / 100 if "%" in cell.number_format else value
    wb.save(actuals)
    code, out, err = run_line("evaluate", draft, actuals, "--format", "json")
    assert code == 0, err
    result = json.loads(out)["results"][0]
    points = {i["id"]: i["points"] for i in result["indicators"]}
    # 86 → 18/20 · 97 → 8 · 160 min → 7 · 85% → 8.5 · 94 → 14 · 97 (95/98 anchors) → 11.33
    # 0.5 h → 5 · 4级 → 4 · 2 complaints → −5 (no floor) · 12 of 10 → 5 · rated 4 → 4
    assert points == {"客户满意度": 18, "投诉解决率": 8, "首次响应时间": 7, "销售目标完成率": 8.5,
                      "一次合格率": 14, "回访完成率": 11.33, "客户信息反馈": 5, "服务态度": 4,
                      "客户投诉": -5, "培训次数": 5, "团队协作": 4}
    assert result["total"] == 79.83


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _fenced(text: str) -> list[tuple[str, str]]:
    import re

    return [(m.group(1).strip(), m.group(2)) for m in
            re.finditer(r"^```([^\n]*)\n(.*?)^```$", text, re.MULTILINE | re.DOTALL)]


def test_docs_import_md_shows_what_import_and_validate_really_say(
        run_line: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/import.md's card before and after: its summary, its draft and validate's
    findings are the real ones, and the completed item makes a valid scheme."""
    blocks = _fenced((HERE.parent / "docs" / "import.md").read_text(encoding="utf-8"))
    consoles = [body for info, body in blocks if info == "console"]
    drafts = [body for info, body in blocks if info == "yaml fragment"]
    build_cards.write(build_cards.load("001-installation-card")["layout"],
                      tmp_path / "安装卡.xlsx")
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_line("import", "安装卡.xlsx", "-o", "安装卡.yaml")
    assert code == 1
    assert consoles[0] == "$ kpiscore import 安装卡.xlsx -o 安装卡.yaml\n" + err
    text = (tmp_path / "安装卡.yaml").read_text(encoding="utf-8")
    assert drafts[0] == text
    code, out, err = run_line("validate", "安装卡.yaml")
    assert code == 1
    # a terminal shows the findings (standard output), then the count (standard error)
    assert consoles[1] == "$ kpiscore validate 安装卡.yaml\n" + out + err
    start = text.index("      - id: 安检工作\n")
    end = text.index("  - id: 管理\n")
    (tmp_path / "安装卡.yaml").write_text(text[:start] + drafts[1] + text[end:], encoding="utf-8")
    code, _out, err = run_line("validate", "安装卡.yaml")
    assert code == 0, err
