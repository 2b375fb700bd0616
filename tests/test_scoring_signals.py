"""A decimal signal while scoring is that row's error, in every command.

Numbers past 10^100 (or closer to 0 than 10^-100) raise as they are computed
(kpiscore.base.numbers.SCORING) and the scorer makes them the row's error, like a
division by zero. evaluate, explain, whatif, diff and batch, and the grouped paths
(periods, raters), all score through the same :class:`~kpiscore.score.scorer.Scorer`:
each is checked here on a scheme whose formulas overflow for 15-digit actuals.
"""

from __future__ import annotations

import json
from decimal import Decimal, localcontext
from pathlib import Path

import pytest

from helpers import run_cli, write
from kpiscore.api import evaluate_file
from kpiscore.base.limits import LIMITS
from kpiscore.base.numbers import SCORING
from kpiscore.scheme import formula
from kpiscore.scheme.checks import all_checks

SCHEME = """\
id: overflow
title: 溢出
inputs:
  - {id: score, title: 得分}
  - {id: base, title: 基数}
grades:
  - {name: 优秀, min: 95, coefficient: 1.2}
  - {name: 合格, min: 60, coefficient: 1}
  - {name: 不合格, coefficient: 0.5}
indicators:
  - id: power
    title: 七次方
    formula: score * score * score * score * score * score * score
    target: 90
    weight: 50
    rule: ratio
  - id: plain
    title: 得分
    column: 得分
    target: 90
    weight: 50
    rule: ratio
pay:
  formula: base * base * base * base * base * base * base * grade_coefficient
"""
#: E001 overflows its formula, E002 its pay; E003 scores (88.89, 合格)
ACTUALS = "工号,姓名,得分,基数\nE001,张伟,999999999999999,1\nE002,李娜,95,999999999999999\n" \
          "E003,王芳,70,2\n"
POWER = "七次方: score * score * score * score * score * score * score cannot be computed " \
        "for E001: a number reaches 10^100, past what kpiscore computes"
PAY = "pay formula cannot be computed: a number reaches 10^100, past what kpiscore computes"


@pytest.fixture
def card(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "s.yaml", SCHEME), write(tmp_path / "a.csv", ACTUALS)


def test_evaluate_makes_each_overflow_the_rows_error(card: tuple[Path, Path]) -> None:
    report = evaluate_file(*map(str, card))
    e1, e2, e3 = report.results
    assert (e1.status, e2.status, e3.status) == ("error", "error", "ok")
    assert [str(e.message) for e in e1.errors] == [POWER]
    assert [str(e.message) for e in e2.errors] == [PAY] and e2.pay is None
    assert e3.total is not None and e3.grade == "合格"


def test_explain_shows_the_overflow_among_the_persons_errors(card: tuple[Path, Path]) -> None:
    code, out, err = run_cli("explain", *card, "--id", "E001", "--format", "json")
    assert code == 1 and err.splitlines() == [f"row 2: {POWER}"]
    trace = json.loads(out)
    assert trace["status"] == "error" and trace["errors"][0]["message"] == POWER


def test_whatif_searches_without_raising_and_refuses_a_row_that_overflows(
        card: tuple[Path, Path]) -> None:
    code, out, _ = run_cli("whatif", *card, "--id", "E003", "--format", "json")
    assert code == 0
    answers = {a["id"]: a for a in json.loads(out)["indicators"]}
    assert (answers["plain"]["needed"], answers["plain"]["verified"]) == (81, True)
    assert answers["power"]["reachable"] is False  # at full marks already
    code, out, err = run_cli("whatif", *card, "--id", "E001")
    assert (code, out) == (1, "")
    assert err.splitlines() == [f"row 2: {POWER}", "kpiscore: error: E001 could not be scored "
                                "(1 problem(s) above); whatif needs a row that scores"]


def test_diff_counts_rows_that_overflow_as_not_scored(card: tuple[Path, Path]) -> None:
    code, out, err = run_cli("diff", card[0], card[0], card[1], "--format", "json")
    assert code == 1
    assert json.loads(out)["summary"]["not_scored"] == 2
    assert "2 of 3 rows could not be scored" in err


def test_batch_writes_the_overflowing_rows_as_errors(card: tuple[Path, Path],
                                                     tmp_path: Path) -> None:
    manifest = write(tmp_path / "m.yaml", f"runs:\n  - name: one\n    scheme: {card[0]}\n"
                                          f"    actuals: {card[1]}\n"
                                          "    outputs: {json: out/one.json}\n")
    code, _, err = run_cli("batch", manifest)
    assert code == 1 and "Traceback" not in err
    doc = json.loads((tmp_path / "out" / "one.json").read_text("utf-8"))
    assert [r["status"] for r in doc["results"]] == ["error", "error", "ok"]
    assert doc["results"][1]["errors"][0]["message"] == PAY


def test_a_period_that_overflows_is_the_persons_error(tmp_path: Path) -> None:
    scheme = write(tmp_path / "q.yaml", SCHEME.replace(
        "grades:", "rollup: {to: quarter}\ngrades:").replace(
        "    rule: ratio\n  - id: plain", "    rule: ratio\n    rollup: sum\n  - id: plain"))
    jan = write(tmp_path / "2024-01.csv", "工号,得分,基数\nE001,999999999999999,1\nE003,70,2\n")
    feb = write(tmp_path / "2024-02.csv", "工号,得分,基数\nE001,80,1\nE003,70,2\n")
    report = evaluate_file(str(scheme), [str(jan), str(feb)])
    e1, e3 = report.results
    assert (e1.status, e3.status) == ("error", "ok")
    assert any("cannot be computed for E001" in str(e.message) for e in e1.errors)


def test_the_scoring_context_only_bounds_the_exponent() -> None:
    """28 significant digits and half-even rounding between operations, as Python's
    default context: the bound changes no score, only how far numbers may go."""
    third = formula.parse("1 / 3 * 3 + 2 / 7")
    with localcontext(SCORING):
        bounded = third.eval({})
    assert bounded == third.eval({})
    assert formula.parse("a * a").eval({"a": Decimal("1e60")}) == Decimal("1e120")
    with pytest.raises(ArithmeticError), localcontext(SCORING):
        formula.parse("a * a").eval({"a": Decimal("1e60")})


def test_the_limit_checks_document_the_defaults_in_force() -> None:
    """docs/validate.md is generated from the checks' docstrings: they must give the
    defaults of base/limits.py."""
    docs = {c.code: " ".join(c.doc.split()) for c in all_checks()}
    for name, said in [("formula_length", "{n} characters"), ("formula_depth", "{n} levels"),
                       ("formula_terms", "{n} numbers and names"),
                       ("round_digits", "at most {n} decimals")]:
        limit = LIMITS[name]
        shown = f"{limit.default:,}".replace(",", " ")
        assert said.format(n=shown) in docs["formula-limit"], name
        assert limit.env in docs["formula-limit"], name
    digits = LIMITS["number_digits"]
    assert f"at most {digits.default} digits" in docs["number-limit"]
    assert f"at most {digits.ceiling})" in docs["number-limit"]
    assert f"at most {LIMITS['formula_depth'].ceiling})" in docs["formula-limit"]
