"""Every template works as it is: written, filled in as a person would, evaluated.

For every shipped scheme and every example scheme that uses raters, surveys or
periods: ``kpiscore template`` writes the workbook; it is filled like a person
fills it (two people; a row per rater, or each rated column per rater; every
survey sheet answered by three respondents; one copy per period) with values
that meet every target; ``evaluate`` scores everyone, with no error row.
"""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from helpers import run_cli as run
from kpiscore.api import evaluate_file
from kpiscore.outputs.template import PERSON, sheet_columns
from kpiscore.outputs.template_sheets import rater_layout, rater_names, response_sheets
from kpiscore.scheme.compile import CompiledScheme
from kpiscore.scheme.load import load_scheme
from test_library import _meets_target

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "schemes").rglob("*.yaml"))
#: the example schemes with raters, surveys or periods (the shipped cards have none)
GROUPED = [ROOT / "examples" / name / "scheme.yaml" for name in (
    "tech-support-raters", "customer-service-raters", "customer-service-surveys",
    "record-card-quarter", "raters-self-supervisor", "raters-360", "raters-360-reweight",
    "survey-card", "quarter-rollup")]


def _value(compiled: CompiledScheme, key: str, percent: bool, choices: list[str] | None) -> Any:
    if key in compiled.position:
        ci = compiled.indicator(key)
        if ci.rule.kind == "bands" and ci.spec.target is None:  # the best band's bound
            best = max(ci.rule.intervals, key=lambda iv: iv.points)  # type: ignore[attr-defined]
            value = best.lo if best.lo is not None else best.hi
        else:
            value, _ = _meets_target(ci)
    elif key.startswith("veto:"):
        return 0
    else:  # an input: its example, else a round 100 (formulas divide by inputs)
        inp = next(i for i in compiled.scheme.inputs if i.id == key)
        value = inp.example if inp.example is not None else Decimal(100)
    if isinstance(value, str):
        return value
    return float(value) / 100 if percent else float(value)


def _fill(compiled: CompiledScheme, path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    cols = sheet_columns(compiled)
    assert [c.value for c in ws[1]] == [p for p, _ in PERSON] + [c.header for c in cols]
    raters = compiled.scheme.raters
    per_person = rater_names(raters) if raters is not None and \
        rater_layout(compiled) == "rows" else [None]
    r = 2
    for pid, name in (("T001", "张三"), ("T002", "李四")):
        for rater in per_person:
            ws.cell(row=r, column=1, value=pid)
            ws.cell(row=r, column=2, value=name)
            ws.cell(row=r, column=3, value="客服部")
            for c, col in enumerate(cols, start=len(PERSON) + 1):
                value = rater if col.key == "rater" else _value(compiled, col.key, col.percent,
                                                                 col.choices)
                ws.cell(row=r, column=c, value=value)
            r += 1
    for sheet in response_sheets(compiled):
        rs = wb[sheet.name]
        k = 2
        for pid in ("T001", "T002"):
            for n in range(max(3, sheet.survey.min_respondents)):
                rs.cell(row=k, column=1, value=pid)
                rs.cell(row=k, column=2, value=f"R{n + 1}")
                for q, (_, choices) in enumerate(sheet.questions, start=3):
                    top = choices[0] if choices else sheet.survey.scale.max  # type: ignore[union-attr]
                    rs.cell(row=k, column=q, value=top if isinstance(top, str) else float(top))
                k += 1
    wb.save(path)


@pytest.mark.parametrize("scheme", SHIPPED + GROUPED,
                         ids=[p.stem for p in SHIPPED] + [p.parent.name for p in GROUPED])
def test_a_filled_template_scores_everyone(scheme: Path, tmp_path: Path) -> None:
    out = tmp_path / "actuals.xlsx"
    code, _, err = run("template", scheme, "-o", out)
    assert code == 0, err
    compiled = load_scheme(scheme).compiled
    _fill(compiled, out)
    files = [out]
    rollup = compiled.scheme.rollup
    if rollup is not None:  # one file per period, as the instructions say
        files = [tmp_path / f"actuals-{k}.xlsx" for k in range(1, (rollup.expect or 3) + 1)]
        for f in files:
            shutil.copy(out, f)
    report = evaluate_file(str(scheme), [str(f) for f in files] if len(files) > 1
                           else str(files[0]))
    assert [(r.id, r.status) for r in report.results] == [("T001", "ok"), ("T002", "ok")], \
        [e for r in report.results for e in r.errors]
    assert not report.problems


@pytest.mark.parametrize("scheme", GROUPED, ids=[p.parent.name for p in GROUPED])
def test_the_instructions_name_the_scheme_and_every_file(scheme: Path, tmp_path: Path) -> None:
    out = tmp_path / "card.xlsx"
    code, _, err = run("template", scheme, "-o", out)
    assert code == 0, err
    lines = [str(r[0]) for r in openpyxl.load_workbook(out)["说明 instructions"]
             .iter_rows(values_only=True) if r[0]]
    [score] = [ln for ln in lines if ln.startswith("评分 / score:")]
    rollup = load_scheme(scheme).scheme.rollup
    files = " ".join(f"card-{k}.xlsx" for k in range(1, (rollup.expect or 3) + 1)) \
        if rollup is not None else "card.xlsx"
    assert score == f"评分 / score: kpiscore evaluate {scheme} {files}"


def test_survey_indicators_get_no_column_evaluate_would_ignore() -> None:
    compiled = load_scheme(ROOT / "examples" / "customer-service-surveys" / "scheme.yaml").compiled
    keys = {c.key for c in sheet_columns(compiled)}
    assert not keys & set(compiled.survey_of)
    assert [s.name for s in response_sheets(compiled)] == ["公司卡1", "公司卡2", "公司卡4"]
    card2 = next(s for s in response_sheets(compiled) if s.name == "公司卡2")
    assert [c for _, c in card2.questions][2] == ["A印象很深", "B基本了解", "C有点印象",
                                                  "D听说过", "E不知道"]


def test_a_shipped_scheme_by_id_is_named_by_its_id(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    code, _, err = run("template", "tech-support-manager", "-o", out)
    assert code == 0, err
    lines = [str(r[0]) for r in openpyxl.load_workbook(out)["说明 instructions"]
             .iter_rows(values_only=True) if r[0]]
    assert "评分 / score: kpiscore evaluate tech-support-manager t.xlsx" in lines


def test_rated_columns_are_found_however_their_base_is_written(tmp_path: Path) -> None:
    """An id's own ``_`` is no rater separator: ``customer_focus(自评)``,
    ``以客户为中心 (customer_focus)(上级)`` and ``细致-上级`` are all rated columns."""
    scheme = tmp_path / "s.yaml"
    scheme.write_text("""\
id: s
title: s
raters:
  roles: [{id: self, title: 自评, weight: 30}, {id: boss, title: 上级, weight: 70}]
  layout: columns
indicators:
  - {id: customer_focus, title: 以客户为中心, full_marks: 50, rule: direct}
  - {id: detail_care, title: 细致, full_marks: 50, rule: direct}
""", encoding="utf-8")
    actuals = tmp_path / "a.csv"
    actuals.write_text("工号,customer_focus(自评),以客户为中心 (customer_focus)(上级),"
                       "detail_care(自评),细致-上级\nP1,50,40,50,30\n", encoding="utf-8")
    [person] = evaluate_file(str(scheme), str(actuals)).results
    assert person.status == "ok", person.errors
    assert person.total == Decimal(30) + Decimal("0.7") * 70  # self 100, boss 70
