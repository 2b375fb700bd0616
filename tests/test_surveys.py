"""Survey cards and NPS (DOMAIN.md §9): responses aggregated per evaluatee.

The expected results are computed here from the responses themselves (read
with openpyxl / csv, mapped with the answer tables below), not from the engine.
"""

from __future__ import annotations

import csv
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from helpers import write, write_csv
from kpiscore.api import evaluate_file
from kpiscore.base.errors import SchemeInvalid
from kpiscore.cli import cli
from kpiscore.outputs import render
from kpiscore.scheme.load import load_scheme

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

FIVE = {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1}
LABELS = {"非常满意": "A", "满意": "B", "一般": "C", "不太满意": "D", "不满意": "E"}
NUMBERS = {"5": "A", "4": "B", "3": "C", "2": "D", "1": "E"}


def letter(answer: Any) -> str | None:
    """The letter an answer names: A, 满意, B满意, 5 …"""
    if answer is None or str(answer).strip() == "":
        return None
    text = str(answer).strip()
    if text in LABELS:
        return LABELS[text]
    if text in NUMBERS:
        return NUMBERS[text]
    return text[0]


def q(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def threshold(actual: Decimal, target: Decimal) -> int:
    """The 5/4/3/2 rule (DOMAIN.md §1)."""
    a = actual / target
    return 5 if a > 1 else 4 if a == 1 else 3 if a >= Decimal("0.8") else 2


def doc_of(scheme: Path, actuals: Path, responses: dict[str | None, str] | None = None
           ) -> dict[str, Any]:
    report = evaluate_file(str(scheme), str(actuals), responses=responses)
    return json.loads(render(report, "json"), parse_float=Decimal)


def sheet_rows(path: Path, title: str) -> list[list[Any]]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(r) for r in wb[title].iter_rows(min_row=2, values_only=True)]
    finally:
        wb.close()


# -- the 000 survey card ----------------------------------------------------------------------


def card_percents() -> dict[str, dict[str, tuple[Decimal, int]]]:
    """Per card and evaluatee: (points as a percentage of the most, respondents)."""
    book = EXAMPLES / "survey-card" / "actuals.xlsx"
    out: dict[str, dict[str, tuple[Decimal, int]]] = {}
    worth = {"公司卡1": [FIVE, FIVE, FIVE], "公司卡2": [FIVE, {"A": 10, "B": 8, "C": 6,
                                                           "D": 4, "E": 2}]}
    for card, scales in worth.items():
        tally: dict[str, list[int]] = {}
        for who, _by, *answers in sheet_rows(book, card):
            t = tally.setdefault(who, [0, 0, 0])
            given = [(letter(a), s) for a, s in zip(answers, scales, strict=True)]
            given = [(x, s) for x, s in given if x is not None]
            t[0] += sum(s[x] for x, s in given)
            t[1] += sum(max(s.values()) for _, s in given)
            t[2] += 1
        out[card] = {who: (Decimal(p) * 100 / Decimal(m), n) for who, (p, m, n) in tally.items()}
    return out


def test_the_000_survey_card() -> None:
    cards = card_percents()
    rows = sheet_rows(EXAMPLES / "survey-card" / "actuals.xlsx", "公司卡1")
    assert len(rows) >= 31 and len({r[0] for r in rows if r[0] != "S99"}) == 5
    # the worked case: (A,B,A), (B,B,C), (A,A,B) → 39 / 45 = 86.67% → 5 against 80%
    assert cards["公司卡1"]["S01"] == (Decimal(39) * 100 / 45, 3)
    assert q(cards["公司卡1"]["S01"][0]) == "86.67"
    doc = doc_of(EXAMPLES / "survey-card" / "scheme.yaml",
                 EXAMPLES / "survey-card" / "actuals.xlsx")
    people = {r["id"]: r for r in doc["results"]}
    for who in ("S01", "S02", "S03", "S04", "S05"):
        internal, n1 = cards["公司卡1"][who]
        supplier, n2 = cards["公司卡2"][who]
        p = people[who]
        got = {i["id"]: i for i in p["indicators"]}
        assert got["internal_satisfaction"]["survey"]["respondents"] == n1
        assert got["supplier_satisfaction"]["survey"]["respondents"] == n2
        if n1 < 3:  # S05: too few respondents for 公司卡1 (min 3, no fallback)
            assert p["status"] == "error" and p["total"] is None
            assert "fewer than min_respondents 3" in p["errors"][0]["message"]
            assert p["errors"][0]["where"] == "公司卡1!A32"  # S05's first response
            continue
        if n2 < 3:  # S04: too few suppliers → if_too_few: 80
            supplier = Decimal(80)
            assert str(got["supplier_satisfaction"]["survey"]["fallback"]) == "80"
        assert q(Decimal(got["internal_satisfaction"]["actual"])) == q(internal)
        points = (threshold(internal, Decimal(80)), threshold(supplier, Decimal(85)))
        assert (got["internal_satisfaction"]["points"], got["supplier_satisfaction"]["points"]) \
            == (Decimal(points[0]), Decimal(points[1]))
        total = Decimal(60) * points[0] / 5 + Decimal(40) * points[1] / 5
        assert str(p["total"]) == q(total), who
    assert str(people["S01"]["total"]) == "100.00"
    # the response for S99, who is not in the actuals, is reported (exit code 1)
    assert [p["where"] for p in doc["problems"]] == ["公司卡1!A34"]
    (card1, card2) = doc["summary"]["surveys"]
    assert (card1["responses"], card1["evaluatees"], card1["unmatched"]) == (33, 5, 1)
    assert card2["source"] == "actuals.xlsx!公司卡2"


# -- NPS ----------------------------------------------------------------------------------------


def nps(answers: list[int]) -> Decimal:
    promoters = sum(1 for a in answers if a >= 9)
    detractors = sum(1 for a in answers if a <= 6)
    return Decimal(promoters - detractors) * 100 / len(answers)


def test_nps_worked_case() -> None:
    assert nps([10, 9, 9, 8, 7, 10, 6, 5, 9, 3]) == 20


def test_the_nps_example() -> None:
    folder = EXAMPLES / "nps"
    answers: dict[str, list[int]] = {}
    with (folder / "responses.csv").open(encoding="utf-8") as fh:
        for who, _by, value in list(csv.reader(fh))[1:]:
            if value.strip():
                answers.setdefault(who, []).append(int(value.replace("１", "1")
                                                       .replace("０", "0")))
    doc = doc_of(folder / "scheme.yaml", folder / "actuals.xlsx", {None: str(folder /
                                                                          "responses.csv")})
    bands = [(50, 100), (30, 85), (10, 70), (0, 60)]
    for r in doc["results"]:
        value = nps(answers[r["id"]])
        (ind,) = r["indicators"]
        assert q(Decimal(ind["actual"])) == q(value), r["id"]
        points = next((p for floor, p in bands if value >= floor), 0)
        assert str(r["total"]) == f"{points}.00"
        assert ind["survey"]["respondents"] == len(answers[r["id"]])
    n01 = next(r for r in doc["results"] if r["id"] == "N01")
    assert str(n01["indicators"][0]["actual"]) == "20"
    s = n01["indicators"][0]["survey"]
    assert (s["promoters"], s["passives"], s["detractors"]) == (5, 2, 3)


# -- responses: forms, errors, policies ---------------------------------------------------

SURVEY = """\
id: s
title: s
surveys:
  - id: card
    title: 公司卡1
    questions: [{id: q1}, {id: q2}]
    answers:
      - {code: A, label: 非常满意, points: 5}
      - {code: B, label: 满意, points: 4}
      - {code: C, label: 一般, points: 3}
    min_respondents: 2
indicators:
  - {id: sat, unit: "%", survey: card, target: 80, weight: 100, rule: threshold}
"""


def test_a_bad_answer_names_its_cell_and_counts_respondents(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", SURVEY)
    people = write_csv(tmp_path / "p.csv", [["工号"], ["E1"], ["E2"]])
    resp = write_csv(tmp_path / "r.csv", [
        ["被评价人工号", "评价人", "q1", "q2"],
        ["E1", "R1", "A", "B"], ["E1", "R2", "F", "A"],
        ["E2", "R1", "A", ""], ["E2", "R2", "", ""], ["E2", "R3", "B", "C"],
        ["E2", "R1", "A", "A"]])
    doc = doc_of(scheme, people, {None: str(resp)})
    e1, e2 = doc["results"]
    assert e1["status"] == "error"
    assert e1["errors"][0]["where"] == "r.csv!C3"
    assert "'F' is not a known level" in e1["errors"][0]["message"]
    # E2: R1 answered twice (an error); the blank row is not a respondent
    assert e2["status"] == "error"
    assert e2["errors"][0]["where"] == "r.csv!B7"
    assert e2["indicators"][0]["survey"]["respondents"] == 3


def test_too_few_respondents_is_an_error_or_the_fallback(tmp_path: Path) -> None:
    people = write_csv(tmp_path / "p.csv", [["工号"], ["E1"], ["E2"]])
    resp = write_csv(tmp_path / "r.csv", [["被评价人工号", "q1", "q2"], ["E1", "A", "A"]])
    doc = doc_of(write(tmp_path / "s.yaml", SURVEY), people, {None: str(resp)})
    assert [r["status"] for r in doc["results"]] == ["error", "error"]  # 1 and 0 respondents
    doc = doc_of(write(tmp_path / "f.yaml", SURVEY.replace(
        "min_respondents: 2", "min_respondents: 2\n    if_too_few: 80")), people,
        {None: str(resp)})
    assert [str(r["total"]) for r in doc["results"]] == ["80.00", "80.00"]  # 80 vs 80 → 4 of 5
    assert "fewer than 2: 80 (if_too_few)" in doc["results"][1]["indicators"][0]["explanation"]


def test_survey_schemes_are_validated(tmp_path: Path) -> None:
    bad = SURVEY.replace("survey: card", "survey: crad").replace(
        "    min_respondents: 2\n", "    min_respondents: 2\n  - id: n\n    questions: "
        "[{id: x}]\n    result: nps\n    answers: [{code: A, points: 1}]\n")
    with pytest.raises(SchemeInvalid) as exc:
        load_scheme(write(tmp_path / "s.yaml", bad))
    codes = {(f.code, f.line) for f in exc.value.findings}
    assert ("survey-answers", 12) in codes  # an NPS survey reads numbers, not answers
    assert any(c == "unknown-name" and "did you mean 'card'" in f.message
               for f in exc.value.findings for c in [f.code])


def test_cli_responses_option_and_usage_errors(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", SURVEY)
    people = write_csv(tmp_path / "p.csv", [["工号"], ["E1"]])
    resp = write_csv(tmp_path / "r.csv", [["被评价人工号", "q1", "q2"], ["E1", "A", "B"],
                                          ["E1", "B", "B"], ["E7", "A", "A"]])
    runner = CliRunner()
    result = runner.invoke(cli, ["evaluate", str(scheme), str(people)])
    assert result.exit_code == 2
    assert "give its responses with --responses FILE" in result.stderr
    result = runner.invoke(cli, ["evaluate", str(scheme), str(people), "--responses",
                                 f"card={resp}", "-f", "json"])
    assert result.exit_code == 1  # E7 answered for no one in the actuals
    assert "r.csv!A4: survey 公司卡1: 1 response(s) for 'E7'" in result.stderr
    assert json.loads(result.stdout)["results"][0]["status"] == "ok"
    result = runner.invoke(cli, ["evaluate", str(scheme), str(people), "--responses",
                                 f"nope={resp}"])
    assert result.exit_code == 2 and "has no survey 'nope'" in result.stderr
