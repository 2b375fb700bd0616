"""The transcribed cards as printed (``not_on_card``, ``additions``) and printed weights
that do not add up (``weights: normalise``).

Each transcribed card has an as-printed reading written apart from the shipped file
(the worked-case example, or ``examples/library/<id>/as-printed.yaml``); the shipped
card must score its example's actuals exactly like it: whatever the file adds to the
paper is marked and left out unless ``additions: include``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import yaml

from helpers import run_cli as run
from helpers import write
from kpiscore.api import evaluate_file
from kpiscore.base.errors import SchemeInvalid
from kpiscore.scheme.load import load_scheme

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
LIBRARY = EXAMPLES / "library"
SCHEMES = ROOT / "schemes"

#: shipped id → (an as-printed reading, the example's actuals)
AS_PRINTED = {
    "tech-support-manager": (EXAMPLES / "tech-support-manager" / "scheme.yaml",
                             EXAMPLES / "tech-support-manager" / "actuals.xlsx"),
    "installation-after-sales-card": (EXAMPLES / "installation-card" / "scheme.yaml",
                                      EXAMPLES / "installation-card" / "actuals.xlsx"),
    **{name: (LIBRARY / name / "as-printed.yaml", LIBRARY / name / "actuals.csv")
       for name in ("after-sales-manager", "after-sales-supervisor-monthly",
                    "cabinet-installer", "customer-service-bsc",
                    "customer-service-department", "customer-service-supervisor")},
}
TRANSCRIBED = sorted(p.stem for p in SCHEMES.glob("*.yaml")
                     if yaml.safe_load(p.read_text(encoding="utf-8"))["origin"] == "transcribed")


def test_every_transcribed_card_has_an_as_printed_reading() -> None:
    assert sorted(AS_PRINTED) == TRANSCRIBED
    assert len(TRANSCRIBED) == 8


@pytest.mark.parametrize("name", sorted(AS_PRINTED))
def test_the_shipped_card_scores_like_the_paper(name: str) -> None:
    scheme, actuals = AS_PRINTED[name]
    code, out, err = run("diff", scheme, name, actuals, "--format", "json")
    doc = json.loads(out)
    summary = doc["summary"]
    assert code == (1 if summary["not_scored"] else 0), err  # the examples' error rows
    assert summary["compared"] >= 4
    assert (summary["moved"], summary["grade_changes"]) == (0, 0), doc["people"]
    assert all(not p["moved"] and not p["grade_changed"] for p in doc["people"])


def _marks(name: str) -> list[dict[str, str]]:
    """Every not_on_card mark written in a shipped file, read with plain YAML."""
    found: list[dict[str, str]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            marks = node.get("not_on_card")
            found.extend([marks] if isinstance(marks, dict) else marks or [])
            for k, v in node.items():
                if k != "not_on_card":
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(yaml.safe_load((SCHEMES / f"{name}.yaml").read_text(encoding="utf-8")))
    return found


@pytest.mark.parametrize("name", TRANSCRIBED)
def test_every_addition_is_listed_with_its_reason(name: str) -> None:
    marks = _marks(name)
    assert marks, f"{name} marks nothing: every transcribed card adds or reads something"
    code, out, err = run("schemes", name, "--format", "json")
    assert (code, err) == (0, "")
    listed = json.loads(out)["not_on_card"]
    assert sorted((m["kind"], m["reason"]) for m in marks) == \
        sorted((m["kind"], m["reason"]) for m in listed)
    for m in listed:  # additions left out, readings used
        assert m["used"] is (m["kind"] in ("target", "reading")), m
    code, text, err = run("--lang", "en", "schemes", name, "--format", "table")
    assert code == 0, err
    flat = "".join(text.split())  # rich wraps long lines
    assert "Notontheprintedcard" in flat
    for m in listed:
        assert "".join(m["reason"].split()) in flat, m["reason"]


def test_the_additions_the_issue_names_are_gone_from_the_printed_cards() -> None:
    """Issue 11: the veto that sent three 技术支持经理 to 0.00, the column init added to
    客服主管, and the installation card's pass mark."""
    tech = load_scheme(SCHEMES / "tech-support-manager.yaml").compiled
    assert not tech.scheme.grades and tech.indicator("major_incidents").ind.veto is None
    code, out, _ = run("template", "customer-service-supervisor", "--format", "csv")
    assert code == 0 and "重大客户投诉事件" not in out
    install = load_scheme(SCHEMES / "installation-after-sales-card.yaml").scheme
    assert install.pass_mark == 80 and [g.name for g in install.grades] == ["合格", "不合格"]


def test_a_copy_with_additions_included_uses_them(tmp_path: Path) -> None:
    text = (SCHEMES / "tech-support-manager.yaml").read_text(encoding="utf-8")
    copy = write(tmp_path / "tsm.yaml", text.replace("origin: transcribed\n",
                                                     "origin: transcribed\nadditions: include\n"))
    actuals = EXAMPLES / "tech-support-manager" / "actuals.xlsx"
    code, out, err = run("diff", EXAMPLES / "tech-support-manager" / "scheme.yaml", copy, actuals,
                         "--format", "json")
    assert code == 0, err
    summary = json.loads(out)["summary"]
    assert (summary["moved"], summary["down"]) == (3, 3)  # the added veto, two incidents
    code, out, _ = run("schemes", "tech-support-manager", "--format", "json")
    assert json.loads(out)["additions"] == "leave_out"
    loaded = load_scheme(copy)
    assert [g.name for g in loaded.scheme.grades] == ["优秀", "良好", "合格", "不合格"]
    assert all(d.used for d in loaded.compiled.departures)


def test_init_says_what_is_not_on_the_card(tmp_path: Path) -> None:
    out = tmp_path / "mine.yaml"
    code, _, err = run("--lang", "en", "init", "customer-service-supervisor", "-o", out)
    assert code == 0, err
    assert "Not on the printed card (5): the additions are left out" in err
    assert "veto 重大客户投诉事件 (major_complaint) — an added veto, left out" in err
    assert "additions: include" in err


def test_explain_and_the_report_list_the_marks(tmp_path: Path) -> None:
    actuals = LIBRARY / "cabinet-installer" / "actuals.csv"
    code, out, err = run("explain", "cabinet-installer", actuals, "--id", "I01",
                         "--format", "json")
    assert code == 0, err
    marks = json.loads(out)["not_on_card"]
    assert {(m["id"], m["kind"], m["used"]) for m in marks} >= {
        ("private_charges", "veto", False), ("install_error_rate", "target", True)}
    code, out, err = run("--lang", "zh", "explain", "cabinet-installer", actuals, "--id", "I01",
                         "--format", "markdown")
    assert code == 0, err
    assert "原表没有的内容(6 项)" in out and "增设否决,不计入" in out
    report = tmp_path / "report.xlsx"
    code, _, err = run("--lang", "zh", "evaluate", "cabinet-installer", actuals, "-o", report)
    assert code == 1, err  # the example has a row in error
    book = openpyxl.load_workbook(report, read_only=True)
    rows = [r[0] for r in book["原表说明"].iter_rows(values_only=True)]
    assert rows[0].startswith("原表没有的内容(6 项)")
    assert any("私收客户费用" in r and "不计入" in r for r in rows[1:])


# -- leaving additions out keeps every position -------------------------------------------

LEFT_OUT = """\
id: left-out
title: 增设项不计入
weights: normalise
vetoes:
  - {id: added, column: 加, when: "== 1", not_on_card: {kind: veto, reason: 增设}}
  - {id: kept, column: 留, when: "== 1"}
grades:
  - {name: A, min: 90, not_on_card: {kind: grades, reason: 增设}}
  - {name: B}
dimensions:
  - id: extra
    weight: 50
    not_on_card: {kind: item, reason: 增设}
    indicators:
      - {id: e1, target: 1, rule: pass_fail}
  - id: main
    weight: 50
    indicators:
      - {id: m1, target: 0, better: lower, full_marks: 10, rule: {kind: pass_line, base: 8}}
"""


def test_a_finding_after_a_left_out_part_points_at_its_own_line(tmp_path: Path) -> None:
    """Only the card as printed has this warning (its weights are normalised): it is
    placed by the printed card's paths, which leaving ``extra`` out has moved."""
    path = write(tmp_path / "s.yaml", LEFT_OUT)
    warnings = [(f.line, f.code) for f in load_scheme(path).warnings]
    assert warnings == [(10, "weights-normalised"), (19, "unreachable-full-marks")]
    bad = write(tmp_path / "t.yaml", LEFT_OUT.replace('{id: kept, column: 留, when: "== 1"}',
                                                      '{id: kept, formula: nothing + 1, '
                                                      'when: "== 1"}'))
    with pytest.raises(SchemeInvalid) as caught:  # the same finding in both: said once
        load_scheme(bad)
    errors = [f.line for f in caught.value.findings if f.severity == "error"]
    assert errors == [6], caught.value.findings


def test_the_card_as_printed_drops_exactly_the_additions(tmp_path: Path) -> None:
    loaded = load_scheme(write(tmp_path / "s.yaml", LEFT_OUT))
    s = loaded.scheme
    assert [v.id for v in s.vetoes] == ["kept"]
    assert [g.name for g in s.grades] == ["B"]
    assert [d.id for d in s.dimensions or []] == ["main"]
    assert [(d.part, d.id, d.used) for d in loaded.compiled.departures] == [
        ("veto", "added", False), ("grade", "A", False), ("dimension", "extra", False)]
    whole = load_scheme(write(tmp_path / "w.yaml", "additions: include\n" + LEFT_OUT))
    assert [d.id for d in whole.scheme.dimensions or []] == ["extra", "main"]
    assert [(f.line, f.code) for f in whole.warnings] == [(20, "unreachable-full-marks")]


def test_an_error_in_a_left_out_addition_is_still_an_error(tmp_path: Path) -> None:
    text = LEFT_OUT.replace("{id: e1, target: 1, rule: pass_fail}", "{id: e1, rule: pass_fail}")
    with pytest.raises(SchemeInvalid) as caught:
        load_scheme(write(tmp_path / "s.yaml", text))
    assert [f.line for f in caught.value.findings if f.severity == "error"] == [15]


def test_a_mark_must_fit_its_part(tmp_path: Path) -> None:
    text = LEFT_OUT.replace("{kind: grades, reason: 增设}", "{kind: target, reason: 增设}")
    with pytest.raises(SchemeInvalid) as caught:
        load_scheme(write(tmp_path / "s.yaml", text))
    [finding] = [f for f in caught.value.findings if f.code == "not-on-card"]
    assert finding.line == 8
    assert "'target' does not belong on a grade" in str(finding.message)


# -- weights as printed ---------------------------------------------------------------------

NORMALISE = """\
id: w105
title: 105分的卡
weights: normalise
indicators:
  - {id: a, full_marks: 35, rule: direct}
  - {id: b, full_marks: 35, rule: direct}
  - {id: c, full_marks: 35, rule: direct}
"""


def test_a_card_of_105_is_scored_as_printed_with_its_warning(tmp_path: Path) -> None:
    path = write(tmp_path / "s.yaml", NORMALISE)
    csv = write(tmp_path / "a.csv", "工号,a,b,c\nP1,35,35,35\nP2,35,0,0\nP3,10,10,15\n")
    code, out, err = run("evaluate", path, csv, "--format", "json")
    assert code == 0, err
    assert err.startswith(f"{path}:4:1: warning: indicator weights in the scheme add up to "
                          "105, not 100: scored as printed (weights: normalise), each of "
                          "these weights × 100/105 (weights-normalised)\n")
    totals = [r["total"] for r in json.loads(out, parse_float=Decimal)["results"]]
    assert totals == [Decimal("100.00"), Decimal("33.33"), Decimal("33.33")]
    # exact: 35 of 105 is one third, with no binary or decimal residue before rounding
    full, third, _ = evaluate_file(str(path), str(csv)).results
    assert full.total == 100
    assert third.total * 3 == 100 or abs(third.total * 3 - 100) < Decimal("1e-25")
    code, out, err = run("validate", write(tmp_path / "t.yaml",
                                           NORMALISE.replace("weights: normalise\n", "")))
    assert code == 1 and "add up to 105, not 100 (weights-sum)" in out  # findings: stdout


def test_the_shipped_105_card_scores_its_performance_out_of_105() -> None:
    """001 客服主管: K03 scores 20+10+0+5+5+0+10+0+5 = 55 of the 105 printed points."""
    path = LIBRARY / "customer-service-supervisor" / "actuals.csv"
    code, out, err = run("evaluate", "customer-service-supervisor", path, "--format", "json")
    assert code == 1  # K07's unknown level
    assert "× 100/105 (weights-normalised)" in err
    k03 = next(r for r in json.loads(out, parse_float=Decimal)["results"] if r["id"] == "K03")
    performance = next(s for s in k03["sections"] if s["id"] == "performance")
    assert performance["score"] == Decimal("52.38")  # 55/105
    assert performance["contribution"] == Decimal("36.67")  # × 70%
    assert k03["total"] == Decimal("57.67")  # + behaviour 3级,4级,4级 = 20+25+25 = 70 × 30%
    weights = {i["id"]: i["weight"] for i in k03["indicators"]}
    assert weights["service_mode_rate"] == Decimal("16.67")  # 25/105 × 70
