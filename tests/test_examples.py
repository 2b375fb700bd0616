"""The golden examples: every worked case of DOMAIN.md, end to end through the CLI.

Each folder of ``examples/`` that holds an ``expected.json`` is one case: a
``scheme.yaml``, an ``actuals.xlsx`` and the exact output of::

    cd examples/<case> && kpiscore evaluate scheme.yaml actuals.xlsx --format json

The tests below run that command (through click's CliRunner, in the folder)
and compare standard output with ``expected.json`` byte for byte, check the
exit code (0, or 1 when the expected output holds error rows) and check that
a clean run prints nothing on standard error but the accounting line
(``kpiscore: N rows read: …``) and, for a card scored with its printed weights,
the ``weights-normalised`` warnings. Separately, the DOMAIN.md numbers (84.00,
97.19, 81.00 and 6075.00, 8.40, 11.33 and 110%, the step bands) are asserted
from hand-computed values written here, not copied from the engine's output,
so a regenerated ``expected.json`` cannot hide a wrong number.

After an intended change of the output (a new JSON field, better wording of
an explanation), rewrite the expected files with::

    REGEN=1 pytest tests/test_examples.py

and review the diff against DOMAIN.md by hand before committing it. The
workbooks are built by ``examples/build_workbooks.py``.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kpiscore.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
REGEN = os.environ.get("REGEN") == "1"
ARGS = ["evaluate", "scheme.yaml", "actuals.xlsx", "--format", "json"]


def args_of(case: str) -> list[str]:
    """The evaluate arguments of a case: its ``args`` file (one line, e.g. several
    monthly files or ``--responses FILE``), else ``scheme.yaml actuals.xlsx``."""
    path = EXAMPLES / case / "args"
    if path.exists():
        return ["evaluate", *path.read_text(encoding="utf-8").split(), "--format", "json"]
    return ARGS


def actuals_of(case: str) -> list[Path]:
    """The actuals files a case reads (not its responses)."""
    args = args_of(case)[2:-2]
    return [EXAMPLES / case / a for k, a in enumerate(args)
            if not a.startswith("-") and (k == 0 or not args[k - 1].startswith("-"))]

#: The worked cases of DOMAIN.md; each must be a folder with an expected.json.
CASES = ["threshold-5432", "tech-support-manager", "installation-card",
         "baseline-target-challenge", "step-bands"]


def discovered() -> list[str]:
    """Folders with an expected.json (with REGEN=1 also those that should have one)."""
    found = {p.parent.name for p in EXAMPLES.glob("*/expected.json")}
    if REGEN:
        found |= {p.parent.name for p in EXAMPLES.glob("*/scheme.yaml")
                  if (p.parent / "actuals.xlsx").exists() or (p.parent / "args").exists()}
    return sorted(found)


def _runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into stdout unless told not to
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()


def run(case: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, bytes, bytes]:
    """``kpiscore evaluate`` in the case's folder: exit code, stdout and stderr bytes."""
    monkeypatch.chdir(EXAMPLES / case)
    result = _runner().invoke(cli, args_of(case), catch_exceptions=False)
    return result.exit_code, result.stdout_bytes, result.stderr_bytes


_OUTPUT: dict[str, dict[str, Any]] = {}


def output(case: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The case's fresh output parsed with exact decimals (run once per session)."""
    if case not in _OUTPUT:
        _, out, _ = run(case, monkeypatch)
        _OUTPUT[case] = json.loads(out, parse_float=Decimal)
    return _OUTPUT[case]


def person(doc: dict[str, Any], pid: str) -> dict[str, Any]:
    found = [r for r in doc["results"] if r["id"] == pid]
    assert len(found) == 1, f"{pid} appears {len(found)} times"
    return found[0]


def indicator(p: dict[str, Any], iid: str) -> dict[str, Any]:
    found = [i for i in p["indicators"] if i["id"] == iid]
    assert len(found) == 1, f"{iid} appears {len(found)} times"
    return found[0]


def text(value: Any) -> str:
    """A JSON number exactly as written (``84.00``, not ``84``)."""
    assert isinstance(value, (Decimal, int)), f"{value!r} is not a number"
    return str(value)


# -- the golden comparison ---------------------------------------------------------------


def test_every_worked_case_has_a_folder() -> None:
    assert set(CASES) <= set(discovered()), "missing examples: " + \
        ", ".join(sorted(set(CASES) - set(discovered())))


@pytest.mark.parametrize("case", discovered())
def test_output_is_exactly_expected(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    expected_path = EXAMPLES / case / "expected.json"
    code, out, err = run(case, monkeypatch)
    if REGEN:
        expected_path.write_bytes(out)
    expected = expected_path.read_bytes()
    doc = json.loads(expected, parse_float=Decimal)
    has_errors = any(r["status"] == "error" for r in doc["results"])
    assert code == (1 if has_errors else 0), err.decode()
    n, failed = len(doc["results"]), sum(r["status"] == "error" for r in doc["results"])
    rows = doc["summary"].get("input_rows", n)  # raters and periods: several rows a person
    people = "" if rows == n else f" for {n} {'person' if n == 1 else 'people'}"
    accounted = (f"kpiscore: {rows} row{'' if rows == 1 else 's'} read{people}: {n - failed} "
                 f"scored, {failed} could not be scored\n")
    if has_errors:
        assert err.decode().endswith(accounted)
    else:  # nothing else: no error, no warning but a card's printed weights normalised
        # and ties that broke a quota (forced-distribution)
        lines = err.decode().splitlines(keepends=True)
        assert all(ln.endswith(("(weights-normalised)\n", "(quota-ties)\n"))
                   for ln in lines[:-1]), err.decode()
        assert lines[-1] == accounted
    assert out == expected, f"{case}: output differs from expected.json (REGEN=1 rewrites it)"


@pytest.mark.parametrize("case", discovered())
def test_output_is_deterministic(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first = run(case, monkeypatch)
    second = run(case, monkeypatch)
    assert first == second


@pytest.mark.parametrize("case", discovered())
def test_every_input_row_appears(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    rows = 0
    for path in actuals_of(case):
        if path.suffix == ".sqlite":  # the table holds the rows of a workbook
            import sqlite3

            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
                rows += db.execute('SELECT count(*) FROM "2024_06"').fetchone()[0]
            continue
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            rows += sum(1 for r in wb.worksheets[0].iter_rows(min_row=2, values_only=True)
                        if any(v is not None for v in r))
        finally:
            wb.close()
    doc = output(case, monkeypatch)
    assert doc["summary"]["input_rows"] == rows
    if doc["period"] is None and not any("raters" in r for r in doc["results"]):
        assert doc["summary"]["rows"] == len(doc["results"]) == rows
    else:  # one result per person, from one or several rows (raters) or files (periods)
        assert doc["summary"]["rows"] == len(doc["results"]) <= rows
        assert len({(p["source"], p["row"]) for r in doc["results"]
                    for p in (r["raters"]["rows"] if "raters" in r else
                              [{"source": e["source"], "row": n} for e in r["periods"]
                               for n in e["rows"]])}) == rows


# -- DOMAIN.md numbers, computed by hand -------------------------------------------------


def test_threshold_5432(monkeypatch: pytest.MonkeyPatch) -> None:
    """§1: 5/4/3/2 against the standard; 50/30/20 scoring 5, 3, 4 → 84.00."""
    doc = output("threshold-5432", monkeypatch)
    first = person(doc, "C001")
    assert [text(indicator(first, i)["points"])
            for i in ("dept_spend", "supplier_meetings", "training_hours")] == \
        ["5.00", "3.00", "4.00"]
    assert [text(i["weight"]) for i in first["indicators"]] == ["50", "30", "20"]
    assert {text(i["full_marks"]) for i in first["indicators"]} == {"5"}
    assert text(first["total"]) == "84.00"  # 4.2 of 5 on a 100 scale
    # supplier meetings, target 10 a year: 12 → 5, 10 → 4, 8 → 3, 7 → 2
    meetings = {"C002": ("12", "5.00"), "C003": ("10", "4.00"), "C001": ("8", "3.00"),
                "C004": ("7", "2.00")}
    # department spend, lower is better, budget 100000
    spend = {"C001": ("95000", "5.00"), "C002": ("100000", "4.00"),
             "C003": ("120000", "3.00"), "C004": ("130000", "2.00")}
    for iid, table in (("supplier_meetings", meetings), ("dept_spend", spend)):
        for pid, (actual, points) in table.items():
            got = indicator(person(doc, pid), iid)
            assert (text(got["actual"]), text(got["points"])) == (actual, points), (pid, iid)


TECH_POINTS = {  # §12, each indicator out of 100
    "csat": "98.00", "complaint_resolution": "98.00", "first_response": "100.00",
    "revisit_satisfaction": "97.50", "major_incidents": "95.00",
    "first_time_fix": "97.50", "complex_handling": "97.00", "kb_articles": "96.00",
    "training_coverage": "96.00", "cross_department": "100.00",
    "team_training": "100.00", "team_attainment": "97.50", "attrition": "91.00",
    "collaboration": "100.00", "suggestion_adoption": "90.00",
    "optimisations": "98.00", "tool_adoption": "100.00", "feedback_adoption": "95.00",
    "cost_saving": "98.00", "proposals": "98.00",
}


def test_tech_support_manager(monkeypatch: pytest.MonkeyPatch) -> None:
    """§12: the 技术支持经理 card, 20 indicators → 97.19."""
    doc = output("tech-support-manager", monkeypatch)
    p = person(doc, "E001")
    assert p["status"] == "ok"
    assert {i["id"]: text(i["points"]) for i in p["indicators"]} == TECH_POINTS
    assert text(indicator(p, "complex_handling")["actual"]) == "160"  # 2h40m
    assert [(d["id"], text(d["score"]), text(d["contribution"])) for d in p["dimensions"]] == [
        ("customer", "97.70", "39.08"), ("problem_solving", "97.30", "29.19"),
        ("team", "95.70", "19.14"), ("innovation", "97.80", "9.78")]
    assert text(p["total"]) == "97.19"
    # rounding happens once, at the end, half up: E003's exact total is
    # 37.08 + 28.095 + 17 + 9.43 = 91.605 → 91.61
    assert text(person(doc, "E003")["total"]) == "91.61"


def test_installation_card(monkeypatch: pytest.MonkeyPatch) -> None:
    """§6 and §14: the 全屋定制 card → 81.00, 合格, pay 6075.00; a bad cell is an error row."""
    doc = output("installation-card", monkeypatch)
    p = person(doc, "A001")
    expected = {"first_pass": ("94", "24.00", "30"), "qc_survey": ("85", "17.00", "20"),
                "revisit_satisfaction": ("97", "17.00", "20"),
                "sales_cooperation": ("8", "8.00", "10"), "warehouse": ("1", "7.00", "10"),
                "tools_vehicle": ("0", "8.00", "10")}
    got = {i["id"]: (text(i["actual"]), text(i["points"]), text(i["full_marks"]))
           for i in p["indicators"]}
    assert got == expected
    assert text(p["total"]) == "81.00"
    assert p["grade"] == "合格"  # 80 is the pass mark
    assert text(p["pay"]) == "6075.00"  # 81 / 80 × 6000
    # the pass mark itself passes, and pay is then exactly the base pay
    at_80 = person(doc, "A004")
    assert (text(at_80["total"]), at_80["grade"], text(at_80["pay"])) == \
        ("80.00", "合格", "6000.00")
    below = person(doc, "A003")
    assert below["grade"] == "不合格"
    assert Decimal(below["total"]) < 80
    # "n/a" in 安检工作 (column F of row 6): reported with its cell, never scored as 0
    bad = person(doc, "A005")
    assert bad["status"] == "error"
    assert bad["total"] is None and bad["grade"] is None and bad["pay"] is None
    assert [(e["where"], e["field"]) for e in bad["errors"]] == [("月度考核!F6", "qc_survey")]
    assert doc["summary"]["error"] == 1


def test_baseline_target_challenge(monkeypatch: pytest.MonkeyPatch) -> None:
    """§7: anchors 90/95/98 at 60/100/120, weight 10: 93% → 8.40, 97% → 11.33;
    a budget deviation of 3.5% (either way) → 110% of full marks."""
    doc = output("baseline-target-challenge", monkeypatch)
    rent = {"B001": ("93", "84.00", "8.40"), "B002": ("97", "113.33", "11.33")}
    for pid, (actual, points, contribution) in rent.items():
        i = indicator(person(doc, pid), "rent_collection")
        assert (text(i["weight"]), text(i["full_marks"])) == ("10", "100")
        assert (text(i["actual"]), text(i["points"]), text(i["contribution"])) == \
            (actual, points, contribution), pid
    for pid in ("B001", "B002"):  # 207 and 193 against a budget of 200
        i = indicator(person(doc, pid), "budget_deviation")
        assert text(i["actual"]) == "3.5"
        assert (text(i["points"]), text(i["full_marks"])) == ("110.00", "100")  # 110%
        assert text(i["contribution"]) == "11.00"  # 110% of weight 10


BANDS = {  # §3: ≥99 → 25, ≥95 → 20, ≥90 → 10, else 0; 100 → 10, [90,100) → 5, <90 → 0
    "behaviour_rate": {"S001": ("99.2", "25.00"), "S002": ("97", "20.00"),
                       "S003": ("95", "20.00"), "S004": ("92", "10.00"),
                       "S005": ("89.9", "0.00")},
    "revisit_rate": {"S001": ("100", "10.00"), "S002": ("95", "5.00"),
                     "S003": ("90", "5.00"), "S004": ("89", "0.00"),
                     "S005": ("99.5", "5.00")},
}


def test_step_bands(monkeypatch: pytest.MonkeyPatch) -> None:
    """§3: the 客服主管 step bands."""
    doc = output("step-bands", monkeypatch)
    for iid, table in BANDS.items():
        for pid, (actual, points) in table.items():
            got = indicator(person(doc, pid), iid)
            assert (text(got["actual"]), text(got["points"])) == (actual, points), (pid, iid)
    weights = sum(Decimal(i["weight"]) for i in person(doc, "S001")["indicators"])
    assert weights == 100
    assert text(person(doc, "S001")["total"]) == "100.00"


# -- the seed cards with their raters, surveys and periods (issue 11) -------------------------


def test_tech_support_raters(monkeypatch: pytest.MonkeyPatch) -> None:
    """§13 on the 003 card: 奖金系数 = 员工评分合计 × 30% + 上级评分合计 × 70%."""
    doc = output("tech-support-raters", monkeypatch)
    e001 = person(doc, "E001")
    roles = {r["id"]: (text(r["weight"]), text(r["total"])) for r in e001["raters"]["roles"]}
    assert roles == {"self": ("30", "100.00"), "supervisor": ("70", "97.19")}
    assert text(e001["total"]) == "98.03"  # 30 + 70% × 97.19 = 98.033
    assert text(indicator(e001, "csat")["points"]) == "98.60"  # 30% × 100 + 70% × 98
    assert text(person(doc, "E002")["total"]) == "99.16"  # 29.157 + 70
    assert text(person(doc, "E003")["total"]) == "97.19"  # both raters agree: DOMAIN §12
    e004 = person(doc, "E004")
    assert e004["status"] == "error" and "上级评分" in e004["errors"][0]["message"]


def test_customer_service_raters(monkeypatch: pytest.MonkeyPatch) -> None:
    """§13 on the 001 客服主管 card as printed: behaviour self (5级,4级,5级) = 95,
    supervisor (4级,3级,5级) = 80 → 84.50; performance 105/105 of its printed points."""
    doc = output("customer-service-raters", monkeypatch)
    k01 = person(doc, "K01")
    behaviour = next(s for s in k01["sections"] if s["id"] == "behaviour")
    assert text(behaviour["score"]) == "84.50"
    assert text(behaviour["contribution"]) == "25.35"
    performance = next(s for s in k01["sections"] if s["id"] == "performance")
    assert (text(performance["score"]), text(performance["contribution"])) == ("100.00", "70.00")
    assert text(k01["total"]) == "95.35"
    # each rater's whole card: the shared performance and their own behaviour ratings
    assert {r["id"]: text(r["total"]) for r in k01["raters"]["roles"]} == \
        {"self": "98.50", "supervisor": "94.00"}  # 70 + 30% × 95, 70 + 30% × 80
    # K02: 55 of the 105 printed points (DOMAIN §3's bands: 97 → 20, 85 → 10)
    k02 = person(doc, "K02")
    assert text(indicator(k02, "service_mode_rate")["points"]) == "20.00"
    assert text(indicator(k02, "feedback_rate")["points"]) == "10.00"
    assert text(k02["total"]) == "57.67"  # 55/105 × 70 + 70 × 30%
    assert text(person(doc, "K03")["total"]) == "87.22"  # 100/105 × 70 + 68.5 × 30%


def test_customer_service_surveys(monkeypatch: pytest.MonkeyPatch) -> None:
    """§9 on the 000 card as printed: 公司卡1 (A,B,A), (B,B,C), (A,A,B) → 86.67% → 5;
    公司卡2's questions 3–4 worth 10/8/6/4/2; weights 45/55 and 100/75."""
    doc = output("customer-service-surveys", monkeypatch)
    d01 = person(doc, "D01")
    internal = indicator(d01, "internal_satisfaction")
    assert (text(internal["actual"]), text(internal["points"])) == ("86.67", "5.00")
    timeliness = indicator(d01, "complaint_timeliness")  # (5+4+10+8) + (4+4+6+4) = 45 of 60
    assert (text(timeliness["actual"]), text(timeliness["points"])) == ("75", "3.00")
    policy = indicator(d01, "policy_satisfaction")  # 公司卡4: 14 of 15
    assert (text(policy["actual"]), text(policy["points"])) == ("93.33", "5.00")
    assert [(d["id"], text(d["contribution"])) for d in d01["dimensions"]] == [
        ("finance", "20.00"), ("process", "55.64"), ("learning", "20.00")]
    assert text(d01["total"]) == "95.64"  # 20 + 255/275 × 60 + 20
    d02 = person(doc, "D02")
    assert text(indicator(d02, "internal_satisfaction")["actual"]) == "76.67"  # 23/30
    assert text(indicator(d02, "complaint_timeliness")["actual"]) == "95"  # 57/60
    assert text(d02["total"]) == "80.00"


def test_record_card_quarter(monkeypatch: pytest.MonkeyPatch) -> None:
    """000's record card 7.1: a quarter's counts from three months, scored once (5/4/3/2)."""
    doc = output("record-card-quarter", monkeypatch)
    expected = {"D01": ("7", "5.00", "1", "4.00", "90.00"),
                "D02": ("6", "4.00", "2", "5.00", "90.00"),
                "D03": ("4", "2.00", "0", "2.00", "40.00")}
    for pid, (updates, up_points, reports, rep_points, total) in expected.items():
        p = person(doc, pid)
        u, r = indicator(p, "database_updates"), indicator(p, "analysis_reports")
        assert (text(u["actual"]), text(u["points"]), text(r["actual"]), text(r["points"]),
                text(p["total"])) == (updates, up_points, reports, rep_points, total), pid
        assert [e["period"] for e in p["periods"]] == ["2024-01", "2024-02", "2024-03"]
