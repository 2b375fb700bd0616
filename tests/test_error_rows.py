"""An error row carries no total, grade, pass, pay, pay-line amount or rank, in every
output format: a payroll script summing pay lines must never pay a duplicate.

The case of the redesign issue: ``id,a`` / ``E1,95`` / ``E1,80`` with a pass mark,
pay and a pay line; the second E1 is a duplicate, so an error row.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from helpers import run_cli, write
from kpiscore.api import evaluate_file

SCHEME = """\
id: dup
title: dup
pass_mark: 60
grades: [{name: A, min: 90}, {name: B}]
indicators:
  - {id: a, target: 90, rule: {kind: deduct, points: 1}}
pay: {formula: total * 10}
pay_lines: [{id: bonus, formula: pay * 2}]
"""
SCORED = ("total", "grade", "passed", "pay", "rank", "quota_grade")


@pytest.fixture()
def case(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "dup.yaml", SCHEME), write(tmp_path / "dup.csv",
                                                        "id,a\nE1,95\nE1,80\n")


def _check(first: dict[str, Any], second: dict[str, Any]) -> None:
    assert first["status"] == "ok" and first["pay"] is not None
    assert second["status"] == "error"
    assert "duplicate id 'E1'" in second["errors"][0]["message"]
    assert {k: second[k] for k in SCORED} == dict.fromkeys(SCORED)
    assert [line["amount"] for line in second["pay_lines"]] == [None, None]
    assert [line["uncapped"] for line in second["pay_lines"]] == [None, None]


def test_json(case: tuple[Path, Path]) -> None:
    code, out, err = run_cli("evaluate", *case, "--format", "json")
    assert code == 1, err
    _check(*json.loads(out)["results"])


def test_jsonl(case: tuple[Path, Path]) -> None:
    code, out, err = run_cli("evaluate", *case, "--format", "jsonl")
    assert code == 1, err
    _check(*[json.loads(line) for line in out.splitlines()])


def test_csv(case: tuple[Path, Path]) -> None:
    code, out, err = run_cli("evaluate", *case, "--format", "csv")
    assert code == 1, err
    first, second = csv.DictReader(io.StringIO(out))
    assert (first["status"], first["total"], first["pay"]) == ("ok", "100.00", "1000.00")
    assert second["status"] == "error"
    assert (second["total"], second["grade"], second["pay"]) == ("", "", "")


def test_xlsx(case: tuple[Path, Path], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    target = tmp_path / "report.xlsx"
    code, _, err = run_cli("--lang", "zh", "evaluate", *case, "-o", target)
    assert code == 1, err
    ws = load_workbook(target, read_only=True)["汇总"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    head = rows[1]
    first, second = (dict(zip(head, r, strict=False)) for r in rows[2:4])
    assert first["总分"] == 100 and first["pay"] == 1000 and first["bonus"] == 2000
    for column in ("总分", "等级", "排名", "是否达标", "pay", "bonus"):
        assert second[column] in (None, ""), (column, second[column])


def test_the_library_result(case: tuple[Path, Path]) -> None:
    first, second = evaluate_file(*case).results
    assert first.status == "ok" and first.total is not None
    assert second.status == "error"
    assert (second.total, second.grade, second.passed, second.pay, second.rank) == \
        (None, None, None, None, None)
    assert second.pay_lines is not None
    assert [line.amount for line in second.pay_lines] == [None, None]
