"""CSV output has the columns of the JSON output (docs/json.md, "CSV"): ranks, quota
grades, passed, pay and pay lines, sections' and dimensions' scores and contributions,
each indicator's points; headed by ids (standard output, ``--csv-headers ids``) or by
labels in the run's language (``-o FILE``, ``--csv-headers labels``)."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from helpers import run_cli, write
from kpiscore.api import evaluate_file
from kpiscore.outputs import Options, render
from kpiscore.scheme.load import load_scheme

ROOT = Path(__file__).resolve().parent.parent

#: sections (one with dimensions, one of indicators only), grades with coefficients, a
#: pass mark, an advisory forced distribution, pay and a capped pay line
SCHEME = """\
id: service-quarter
title: 客服中心季度考核
inputs:
  - {id: base_pay, title: 基本工资, unit: 元}
sections:
  - id: performance
    title: 任务绩效
    weight: 70
    dimensions:
      - id: service
        title: 服务质量
        weight: 60
        indicators:
          - {id: csat, title: 客户满意度, target: 90, rule: {kind: deduct, per: 1, points: 0.5}}
      - id: efficiency
        title: 工作效率
        weight: 40
        indicators:
          - {id: first_response, title: 首次响应, rule: direct}
  - id: behaviour
    title: 行为考核
    weight: 30
    indicators:
      - {id: teamwork, title: 团队协作, rule: direct}
grades:
  - {name: 优秀, min: 90, coefficient: 1.5}
  - {name: 合格, min: 60, coefficient: 1.0}
  - {name: 不合格, coefficient: 0}
pass_mark: 60
distribution:
  mode: advisory
  quotas:
    - {grade: 优秀, percent: 25}
    - {grade: 合格, percent: 50}
    - {grade: 不合格, percent: 25}
pay:
  title: 绩效工资
  formula: base_pay * total / 100
pay_lines:
  - {id: bonus, title: 绩效奖金, formula: 1000 * grade_coefficient, max: 1200}
"""

HEADER = "工号,姓名,部门,客户满意度,首次响应,团队协作,基本工资\n"
#: E1: 98 × 42% + 95 × 28% + 90 × 30% = 94.76; pay 5062.5 × 94.76 / 100 = 4797.225 →
#: 4797.23 (half up; half even would give 4797.22); bonus 1000 × 1.5 = 1500 → max 1200
GOOD = ("E1,张三,客服一部,86,95,90,5062.5\n"
        "E2,李四,客服一部,92,80,70,4000\n"
        "E3,王五,客服二部,80,50,40,3000\n")
BAD = "E4,赵六,客服二部,abc,90,90,3000\n"

IDS = ("row,id,name,department,status,total,rank,rank_of,department_rank,department_rank_of,"
       "grade,quota_grade,passed,pay,pay.bonus,veto,section.performance.score,"
       "section.performance.contribution,section.behaviour.score,"
       "section.behaviour.contribution,dimension.service.score,dimension.service.contribution,"
       "dimension.efficiency.score,dimension.efficiency.contribution,csat,first_response,"
       "teamwork,errors\n")
ROWS = ("2,E1,张三,客服一部,ok,94.76,1,3,1,2,优秀,优秀,true,4797.23,1200.00,,96.80,67.76,90.00,"
        "27.00,98.00,41.16,95.00,26.60,98.00,95.00,90.00,\n"
        "3,E2,李四,客服一部,ok,85.40,2,3,2,2,合格,合格,true,3416.00,1000.00,,92.00,64.40,70.00,"
        "21.00,100.00,42.00,80.00,22.40,100.00,80.00,70.00,\n"
        "4,E3,王五,客服二部,ok,65.90,3,3,1,1,合格,不合格,true,1977.00,1000.00,,77.00,53.90,40.00,"
        "12.00,95.00,39.90,50.00,14.00,95.00,50.00,40.00,\n")


@pytest.fixture()
def scheme(tmp_path: Path) -> Path:
    return write(tmp_path / "scheme.yaml", SCHEME)


@pytest.fixture()
def good(tmp_path: Path) -> Path:
    return write(tmp_path / "good.csv", HEADER + GOOD)


def test_standard_output_is_headed_by_ids(scheme: Path, tmp_path: Path) -> None:
    actuals = write(tmp_path / "a.csv", HEADER + GOOD + BAD)
    code, out, err = run_cli("evaluate", scheme, actuals, "-f", "csv")
    error = f"{actuals.name}!D5: 客户满意度 (csat): 'abc' is not a number"
    assert code == 1
    assert out == IDS + ROWS + (
        # an error row: no total, rank, grade or pay; the parts it could score
        "5,E4,赵六,客服二部,error,,,,,,,,,,,,,,90.00,27.00,,,90.00,25.20,,90.00,90.00,"
        f"{error}\n")
    assert err == f"{error} [E4]\nkpiscore: 4 rows read: 3 scored, 1 could not be scored\n"


def test_ids_are_the_same_in_every_language(scheme: Path, good: Path) -> None:
    en = run_cli("--lang", "en", "evaluate", scheme, good, "-f", "csv")
    zh = run_cli("--lang", "zh", "evaluate", scheme, good, "-f", "csv")
    assert en == (0, IDS + ROWS, "kpiscore: 3 rows read: 3 scored, 0 could not be scored\n")
    assert zh.out == en.out
    assert zh == run_cli("evaluate", scheme, good, "-f", "csv", "--csv-headers", "ids",
                         "--lang", "zh")


LABELS_EN = ("row,id,name,department,status,total,rank,people ranked,department rank,"
             "people ranked in the department,grade,forced grade,passed,绩效工资 (pay),"
             "绩效奖金 (bonus),veto,任务绩效 (performance),任务绩效 (performance) contribution,"
             "行为考核 (behaviour),行为考核 (behaviour) contribution,服务质量 (service),"
             "服务质量 (service) contribution,工作效率 (efficiency),"
             "工作效率 (efficiency) contribution,客户满意度 (csat),首次响应 (first_response),"
             "团队协作 (teamwork),errors\n")
LABELS_ZH = ("行,工号,姓名,部门,状态,总分,排名,参与排名人数,部门排名,部门参与排名人数,等级,"
             "强制分布等级,是否达标,绩效工资 (pay),绩效奖金 (bonus),否决,任务绩效 (performance),"
             "任务绩效 (performance) 贡献,行为考核 (behaviour),行为考核 (behaviour) 贡献,"
             "服务质量 (service),服务质量 (service) 贡献,工作效率 (efficiency),"
             "工作效率 (efficiency) 贡献,客户满意度 (csat),首次响应 (first_response),"
             "团队协作 (teamwork),错误\n")


@pytest.mark.parametrize(("lang", "header"), [("en", LABELS_EN), ("zh", LABELS_ZH)])
def test_labels_in_the_language_of_the_run(scheme: Path, good: Path, lang: str,
                                           header: str) -> None:
    code, out, err = run_cli("--lang", lang, "evaluate", scheme, good, "-f", "csv",
                             "--csv-headers", "labels")
    # the same run's messages as with JSON: the CSV adds none of its own
    assert (code, out, err) == (0, header + ROWS,
                                run_cli("--lang", lang, "evaluate", scheme, good).err)


@pytest.mark.parametrize(("lang", "header"), [("en", LABELS_EN), ("zh", LABELS_ZH)])
def test_an_output_file_is_for_excel(scheme: Path, good: Path, tmp_path: Path, lang: str,
                                     header: str) -> None:
    """-o x.csv: a byte-order mark and labels, the language's; standard output neither."""
    target = tmp_path / "out.csv"
    code, out, err = run_cli("--lang", lang, "evaluate", scheme, good, "-o", target)
    json_err = run_cli("--lang", lang, "evaluate", scheme, good, "-o", tmp_path / "out.json").err
    assert (code, out, err) == (0, "", json_err.replace("out.json", "out.csv"))
    assert target.read_bytes() == ("\ufeff" + header + ROWS).encode("utf-8")
    code, out, err = run_cli("--lang", lang, "evaluate", scheme, good, "-o", target,
                             "--csv-headers", "ids", "--no-bom")
    assert (code, out, err) == (0, "", json_err.replace("out.json", "out.csv"))
    assert target.read_bytes() == (IDS + ROWS).encode("utf-8")


def test_the_documented_example_is_real_output() -> None:
    """docs/json.md's CSV example: its ids and rows, and its Chinese labels."""
    doc = (ROOT / "docs" / "json.md").read_text("utf-8")
    section = doc[doc.index("## CSV\n"):doc.index("## validate --format json")]
    blocks = [b.split("```", 1)[0] for b in section.split("```csv\n")[1:]]
    assert len(blocks) == 2
    tsm = ROOT / "examples" / "tech-support-manager" / "actuals.xlsx"
    code, out, _ = run_cli("evaluate", "tech-support-manager", tsm, "-f", "csv")
    assert code == 0 and out.startswith(blocks[0])
    assert blocks[0].count("\n") == 3  # the header and two rows
    code, out, _ = run_cli("--lang", "zh", "evaluate", "tech-support-manager", tsm, "-f", "csv",
                           "--csv-headers", "labels")
    assert code == 0 and out.startswith(blocks[1]) and blocks[1].count("\n") == 1


@pytest.mark.parametrize(("lang", "header"), [("en", LABELS_EN), ("zh", LABELS_ZH)])
def test_batch_csv_outputs_are_for_excel(scheme: Path, good: Path, tmp_path: Path, lang: str,
                                         header: str) -> None:
    """A batch run's csv output is a file for a person: a byte-order mark and labels in
    the run's language, as evaluate -o x.csv writes it."""
    def manifest(suffix: str) -> Path:
        return write(tmp_path / f"m-{suffix}.yaml", f"""\
outputs:
  {suffix}: out/{{name}}.{suffix}
runs:
  - {{name: q, scheme: {scheme.name}, actuals: {good.name}}}
""")

    code, out, err = run_cli("--lang", lang, "batch", manifest("csv"))
    json_err = run_cli("--lang", lang, "batch", manifest("json")).err
    assert (code, out, err) == (0, "", json_err.replace("q.json", "q.csv"))
    assert (tmp_path / "out" / "q.csv").read_bytes() == ("\ufeff" + header + ROWS).encode()


def test_csv_headers_is_for_csv(scheme: Path, good: Path) -> None:
    assert run_cli("evaluate", scheme, good, "-f", "json", "--csv-headers", "ids") == (
        2, "", "kpiscore: error: --csv-headers is for --format csv (this run writes json)\n")


def test_a_title_that_looks_like_a_formula_is_defused(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", "id: s\ntitle: s\nindicators:\n"
                   "  - {id: x, title: '=SUM(A1)', rule: direct}\n")
    actuals = write(tmp_path / "a.csv", "工号,x\nE1,90\n")
    code, out, err = run_cli("evaluate", scheme, actuals, "-f", "csv", "--csv-headers", "labels")
    assert (code, err) == (0, "kpiscore: 1 row read: 1 scored, 0 could not be scored\n")
    assert out.splitlines()[0].endswith(",veto,'=SUM(A1) (x),errors")


# -- the same columns as the JSON, for every example -------------------------------------------

CASES = sorted(
    [(p / "scheme.yaml", [p / "actuals.xlsx"]) for p in (ROOT / "examples").iterdir()
     if (p / "scheme.yaml").exists() and (p / "actuals.xlsx").exists()
     and not (p / "args").exists()]
    + [(ROOT / "examples" / name / "scheme.yaml",  # periods rolled up
        [ROOT / "examples" / name / f"2024-0{m}.xlsx" for m in (1, 2, 3)])
       for name in ("quarter-rollup", "record-card-quarter")]
    + [(ROOT / "examples" / "calibration" / "scheme.yaml",  # moves applied
        [ROOT / "examples" / "calibration" / "actuals.xlsx"])]
    + [(s, [ROOT / "examples" / "library" / s.stem / "actuals.csv"])
       for s in sorted((ROOT / "schemes").rglob("*.yaml"))])


def text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flattened(result: dict[str, Any]) -> dict[str, str]:
    """A JSON result as the CSV's columns should give it (docs/json.md, "CSV"), written
    here from the JSON, apart from the CSV writer."""
    rank = result["rank"] or {}
    out = {key: text(result[key]) for key in ("row", "id", "name", "department", "period",
                                              "status", "total", "grade", "quota_grade",
                                              "passed", "pay")}
    out.update(rank=text(rank.get("overall")), rank_of=text(rank.get("of")),
               department_rank=text(rank.get("department")),
               department_rank_of=text(rank.get("department_of")))
    for line in (result.get("pay_lines") or [])[1:]:  # the first is pay
        out[f"pay.{line['id']}"] = text(line["amount"])
    veto = result["veto"]
    out["veto"] = "; ".join(v["reason"] for v in veto["fired"]) if veto else ""
    for kind, prefix in (("sections", "section"), ("dimensions", "dimension")):
        for g in result.get(kind) or []:
            out[f"{prefix}.{g['id']}.score"] = text(g["score"])
            out[f"{prefix}.{g['id']}.contribution"] = text(g["contribution"])
    for i in result["indicators"]:
        out[i["id"]] = text(i["points"])
    out["errors"] = "; ".join(f"{e['where']}: {e['message']}" for e in result["errors"])
    return out


@pytest.mark.parametrize(("scheme", "actuals"), CASES,
                         ids=[a[0].parent.name for _, a in CASES])
def test_every_json_field_of_a_result_is_in_the_csv(scheme: Path, actuals: list[Path]) -> None:
    loaded = load_scheme(scheme)
    calibration = scheme.parent / "calibration.xlsx"
    report = evaluate_file(loaded, [str(a) for a in actuals],
                           calibration=calibration if calibration.exists() else None)
    doc = json.loads(render(report, "json"), parse_float=Decimal)
    rows = list(csv.DictReader(io.StringIO(render(report, "csv", Options(loaded)))))
    assert len(rows) == len(doc["results"]) == len(report.results)
    for row, result in zip(rows, doc["results"], strict=True):
        expected = flattened(result)
        # the columns a scheme without grades, pay … does not get are empty in the JSON
        for key, present in (("period", report.has_periods), ("grade", report.has_grades),
                             ("quota_grade", report.has_quotas), ("passed", report.has_pass),
                             ("pay", report.has_pay)):
            if not present:
                assert expected.pop(key) == "", key
        if report.summary.calibration is not None:  # the grade that counts, the move
            moved = result.get("calibration") or {}
            enforced = (result["quota_grade"] is not None
                        and doc["summary"]["distribution"]["mode"] == "enforce")
            expected.update(final_grade=text(result["quota_grade" if enforced else "grade"]),
                            calibrated_from=text(moved.get("from")),
                            calibration_reason=text(moved.get("reason")),
                            calibrated_by=text(moved.get("by")))
        # a dimension the scheme does not write repeats its section's (or the total's)
        for h in report.dimensions:
            if h.implicit:
                del expected[f"dimension.{h.id}.score"], \
                    expected[f"dimension.{h.id}.contribution"]
        assert row == expected
