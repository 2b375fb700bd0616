"""`kpiscore template`, `schemes`, `init` and `schema`, on the worked-case schemes."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from helpers import run_cli as run
from kpiscore import library
from kpiscore.api import evaluate_file

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
INSTALL = EXAMPLES / "installation-card" / "scheme.yaml"
BANDS = EXAMPLES / "step-bands" / "scheme.yaml"


@pytest.fixture
def shelf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small library: two worked-case schemes, one under roles/."""
    root = tmp_path / "schemes"
    (root / "roles").mkdir(parents=True)
    shutil.copy(INSTALL, root / "installation-card.yaml")
    text = BANDS.read_text(encoding="utf-8")
    assert "\nroles:" in text  # the test finds it by role
    (root / "roles" / "step-bands.yaml").write_text(
        "# yaml-language-server: $schema=../../docs/scheme.schema.json\n" + text,
        encoding="utf-8")
    monkeypatch.setattr(library, "library_root", lambda: root)
    return root


def test_template_xlsx_headers_comments_and_instructions(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    code, stdout, err = run("template", INSTALL, "-o", out)
    assert (code, stdout, err) == (0, "", f"wrote {out}\n")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["actuals", "说明 instructions"]
    ws = wb["actuals"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["工号 (id)", "姓名 (name)", "部门 (department)"]
    assert "安装一次合格率 (first_pass)" in headers and "基本工资 (base_pay)" in headers
    first_pass = ws.cell(row=1, column=headers.index("安装一次合格率 (first_pass)") + 1)
    assert "目标 target: 90" in first_pass.comment.text
    assert "%" in ws.cell(row=2, column=first_pass.column).number_format
    assert ws.freeze_panes == "D2"
    info = "\n".join(str(c.value) for c in wb["说明 instructions"]["A"] if c.value)
    assert "填写说明" in info and "Fill in one row per person" in info


def test_template_has_drop_down_lists_for_levels(tmp_path: Path) -> None:
    scheme = tmp_path / "s.yaml"
    scheme.write_text("""\
id: s
title: 行为
indicators:
  - id: focus
    title: 以客户为中心
    rule: {kind: levels, levels: [{level: 1, points: 10}, {level: 2, points: 20}]}
    full_marks: 20
    weight: 100
""", encoding="utf-8")
    out = tmp_path / "t.xlsx"
    assert run("template", scheme, "-o", out)[0] == 0
    ws = openpyxl.load_workbook(out)["actuals"]
    [dv] = ws.data_validations.dataValidation
    assert dv.formula1 == '"1级,2级"' and "D2" in str(dv.sqref)


def test_filled_template_evaluates_with_no_editing(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    assert run("template", INSTALL, "-o", out)[0] == 0
    wb = openpyxl.load_workbook(out)
    ws = wb["actuals"]
    values = {"id": "A001", "name": "李明", "department": "安装部", "first_pass": 0.94,
              "qc_survey": 85, "revisit_satisfaction": 0.97, "sales_cooperation": 8,
              "warehouse": 1, "tools_vehicle": 0, "base_pay": 6000}
    for cell in ws[1]:
        key = str(cell.value).rsplit("(", 1)[1].rstrip(")")
        ws.cell(row=2, column=cell.column, value=values[key])
    wb.save(out)
    [person] = evaluate_file(str(INSTALL), str(out)).results
    assert person.status == "ok", person.errors
    assert person.total == 81 and person.pay == Decimal(6075)


def test_template_csv_to_stdout() -> None:
    code, out, err = run("template", INSTALL, "--format", "csv")
    assert (code, err) == (0, "")
    assert out.startswith("工号 (id),姓名 (name),部门 (department),安装一次合格率 (first_pass),")


def test_template_xlsx_needs_output() -> None:
    code, out, err = run("template", INSTALL, "--format", "xlsx")
    assert (code, out) == (2, "")
    assert "needs -o FILE" in err


def test_template_of_an_invalid_scheme(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ntitle: t\nindicators: []\n", encoding="utf-8")
    code, out, err = run("template", bad, "-o", tmp_path / "t.xlsx")
    assert (code, out) == (1, "")
    assert err.startswith(f"{bad}:")
    assert not (tmp_path / "t.xlsx").exists()


def test_schemes_lists_the_library(shelf: Path) -> None:
    code, out, err = run("schemes", "--format", "json")
    assert (code, err) == (0, "")
    listed = json.loads(out)
    assert [e["id"] for e in listed] == ["installation-card", "step-bands"]
    assert listed[1]["roles"] == ["客服主管"] and listed[1]["file"] == "roles/step-bands.yaml"
    assert listed[0]["indicators"] == 6


def test_schemes_table(shelf: Path) -> None:
    code, out, err = run("schemes", "--format", "table", "--color", "never")
    assert (code, err) == (0, "")
    assert "2 shipped schemes" in out and "installation-card" in out


def test_schemes_show_one_by_role(shelf: Path) -> None:
    code, out, err = run("schemes", "客服主管", "--format", "json")
    assert (code, err) == (0, "")
    shown = json.loads(out)
    assert shown["id"] == "step-bands"
    assert shown["indicators"][0]["rule"] == "bands"
    code, out, err = run("schemes", "客服主管", "--format", "table", "--color", "never")
    assert code == 0 and "≥ 99→25" in out


def test_schemes_unknown_name(shelf: Path) -> None:
    code, out, err = run("schemes", "火箭工程师")
    assert (code, out) == (2, "")
    assert "no shipped scheme matches '火箭工程师'" in err


def test_schemes_help_examples_work() -> None:
    """Every example line of ``kpiscore schemes --help`` runs, on the real library."""
    code, out, _ = run("schemes", "--help")
    assert code == 0
    examples = [line.strip().split("  ")[0].split() for line in out.splitlines()
                if line.strip().startswith("kpiscore schemes")]
    assert ["kpiscore", "schemes", "客服主管"] in examples
    for argv in examples:
        args = [a for a in argv[2:] if a not in (">", "my.yaml")]
        code, out, err = run("schemes", *args)
        assert (code, err) == (0, ""), argv
        assert out


def test_a_role_several_schemes_share_lists_them_and_init_names_them() -> None:
    code, out, err = run("schemes", "客服主管", "--format", "json")
    assert (code, err) == (0, "")
    assert [e["id"] for e in json.loads(out)] == ["after-sales-supervisor-monthly",
                                                  "customer-service-supervisor"]
    code, out, err = run("schemes", "客服主管", "--format", "table", "--color", "never")
    assert (code, err) == (0, "")
    assert out.startswith("2 shipped schemes match '客服主管' (kpiscore schemes ID shows one)\n")
    code, out, err = run("init", "客服主管")
    assert (code, out) == (2, "")
    assert err == ("kpiscore: error: '客服主管' matches 2 shipped schemes: "
                   "after-sales-supervisor-monthly (售后主管岗位月度KPI绩效考核表), "
                   "customer-service-supervisor (客服主管绩效考核指标量表); name one by its id\n")
    code, out, err = run("schemes", "客服主管", "--format", "yaml")
    assert (code, out) == (2, "") and "name one by its id" in err


def test_an_exact_title_names_one_scheme() -> None:
    code, out, err = run("schemes", "客服主管绩效考核指标量表", "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out)["id"] == "customer-service-supervisor"
    code, out, _ = run("init", "技术支持经理")  # a role of one scheme, as init's help says
    assert code == 0 and "id: tech-support-manager" in out


def test_init_copies_a_shipped_scheme(shelf: Path, tmp_path: Path) -> None:
    out = tmp_path / "my.yaml"
    code, stdout, err = run("init", "客服主管", "-o", out)
    assert (code, stdout) == (0, "")
    assert "from step-bands" in err
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=kpiscore.schema.json")
    assert run("validate", out)[0] == 0
    code, _, err = run("init", "step-bands", "-o", out)
    assert code == 2 and "exists" in err
    assert run("init", "step-bands", "-o", out, "--force")[0] == 0


def test_evaluate_accepts_a_shipped_scheme_id(shelf: Path) -> None:
    actuals = EXAMPLES / "installation-card" / "actuals.xlsx"
    code, out, _ = run("evaluate", "installation-card", actuals, "--format", "json")
    assert code == 1  # the example holds one error row on purpose
    assert json.loads(out)["scheme"]["id"] == "installation-card"


def test_schema_command_prints_the_json_schema() -> None:
    code, out, err = run("schema")
    assert (code, err) == (0, "")
    schema = json.loads(out)
    assert schema["title"] == "kpiscore scheme"
    assert "Indicator" in schema["$defs"]
