"""The shipped scheme library: every scheme valid, documented, and with a checked example.

Each ``schemes/**/<id>.yaml`` has an example in ``examples/library/<id>/``:
``actuals.csv`` (5–20 people: at, above and below target, one vetoed where the
card as printed has a veto, one row with an error) and ``expected.json``, the
exact output of::

    kpiscore evaluate schemes/…/<id>.yaml examples/library/<id>/actuals.csv --format json

After an intended change of the output, rewrite the expected files with
``REGEN=1 pytest tests/test_library.py`` and review the diff by hand.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest
import yaml

from helpers import run_cli as run
from kpiscore.scheme.load import load_scheme

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = ROOT / "schemes"
LIBRARY = ROOT / "examples" / "library"
REGEN = os.environ.get("REGEN") == "1"

FILES = sorted(SCHEMES.rglob("*.yaml"))
IDS = [p.stem for p in FILES]


#: The cards whose printed weights do not add up, scored as printed (weights: normalise):
#: the only warnings the library gives, each naming its factor.
NORMALISED = {"customer-service-bsc.yaml": ["× 100/90"],
              "customer-service-department.yaml": ["× 100/75", "× 45/55"],
              "customer-service-supervisor.yaml": ["× 100/105"]}


def test_the_library_validates_with_no_warnings_but_printed_weights() -> None:
    code, out, err = run("validate", str(SCHEMES))
    assert code == 0, out
    assert err.endswith(" 0 error(s), 4 warning(s), valid\n")
    found: dict[str, list[str]] = {}
    for line in out.splitlines():  # the findings
        assert line.endswith("(weights-normalised)"), line
        found.setdefault(Path(line.split(":", 1)[0]).name, []).append(
            line.rsplit("each of these weights ", 1)[1].split(" (")[0])
    assert {k: sorted(v) for k, v in found.items()} == \
        {k: sorted(v) for k, v in NORMALISED.items()}


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_scheme_file_is_named_by_its_id_and_documented(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["id"] == path.stem
    assert text.startswith("# yaml-language-server: $schema=")
    assert "source" in data and data.get("origin") in ("transcribed", "composed")
    if path.parent.name == "roles":
        assert data["origin"] == "composed"
        scheme = load_scheme(path).scheme
        for ci in load_scheme(path).compiled.indicators:
            ind = ci.ind
            assert ind.definition and ind.data_source and ind.period, (
                f"{ind.id}: a role card gives every indicator a definition, data_source "
                "and period")
        assert scheme.roles, "a role card names its role"


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_example_output_is_exactly_expected(path: Path) -> None:
    folder = LIBRARY / path.stem
    actuals = folder / "actuals.csv"
    assert actuals.exists(), f"no example for {path.stem}: add {actuals}"
    code, out, err = run("evaluate", str(path), str(actuals), "--format", "json")
    expected = folder / "expected.json"
    if REGEN:
        expected.write_text(out, encoding="utf-8")
    assert out == expected.read_text(encoding="utf-8")
    report = json.loads(out)
    statuses = [r["status"] for r in report["results"]]
    assert code == (1 if "error" in statuses else 0), err
    assert "Traceback" not in err


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_example_is_varied(path: Path) -> None:
    folder = LIBRARY / path.stem
    with (folder / "actuals.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.reader(fh) if any(c.strip() for c in r)]
    people = len(rows) - 1
    assert 5 <= people <= 20, f"{people} people"
    results = json.loads((folder / "expected.json").read_text(encoding="utf-8"))["results"]
    assert len(results) == people  # nothing lost
    assert any(r["status"] == "error" for r in results), "one row with an error"
    compiled = load_scheme(path).compiled
    if compiled.vetoes or any(ci.ind.veto for ci in compiled.indicators):
        assert any(r["veto"] for r in results if r["status"] == "ok"), "one vetoed person"
    ok = [r for r in results if r["status"] == "ok" and not r["veto"]]
    assert len({r["total"] for r in ok}) >= 3, "varied totals"


# -- template → filled with targets → evaluate ---------------------------------------


def _meets_target(ci: object) -> tuple[object, object]:
    """What to type for an indicator and the points the rule gives at its target.

    Written from each rule's definition (docs/rules.md), not by calling score().
    """
    from decimal import Decimal

    rule = ci.rule  # type: ignore[attr-defined]
    spec = ci.spec  # type: ignore[attr-defined]
    kind = rule.kind
    if kind == "levels":
        top = max(rule.levels, key=lambda lv: lv.points)
        return top.name(), min(top.points, spec.full)
    if kind == "direct":
        return spec.full, spec.full
    target = spec.target
    if kind == "threshold":
        return target, rule.meet
    if kind in ("deduct", "pass_fail"):
        return target, spec.full
    if kind == "ratio":
        return target, min(spec.full, spec.full * rule.cap / 100)
    if kind == "pass_line":
        return target, spec.clamp(rule.base)
    if kind == "anchors":
        return target, spec.full * rule.target_points / Decimal(100)
    if kind == "bands":
        band = next(iv for iv in rule.intervals if iv.contains(target))
        return target, spec.clamp(band.points)
    raise AssertionError(f"no meets-target expectation for rule kind {kind}")


@pytest.mark.parametrize("path", FILES, ids=IDS)
def test_template_filled_with_targets_meets_every_target(path: Path, tmp_path: Path) -> None:
    import openpyxl

    from kpiscore.api import evaluate_file

    out = tmp_path / "actuals.xlsx"
    code, _, err = run("template", str(path), "-o", str(out))
    assert code == 0, err
    compiled = load_scheme(path).compiled
    by_id = {ci.id: ci for ci in compiled.indicators}
    inputs = {i.id: i for i in compiled.scheme.inputs}
    expected = {}
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    for cell in ws[1]:
        header = str(cell.value)
        key = header.rsplit("(", 1)[-1].rstrip(")") if header.endswith(")") else header
        target = ws.cell(row=2, column=cell.column)
        if key == "id":
            target.value = "T001"
        elif key == "name":
            target.value = "测试"
        elif key == "department":
            target.value = "客服部"
        elif key in by_id:
            value, points = _meets_target(by_id[key])
            expected[key] = points
            percent = "%" in (target.number_format or "")
            target.value = float(value) / 100 if percent else (
                value if isinstance(value, str) else float(value))
        elif key in inputs:
            example = inputs[key].example
            assert example is not None, f"input {key} needs an example value"
            target.value = float(example) / 100 if "%" in target.number_format else \
                float(example)
        else:  # a scheme-level veto column: not vetoed
            target.value = 0
    wb.save(out)
    [person] = evaluate_file(str(path), str(out)).results
    assert person.status == "ok", person.errors
    assert not person.vetoes
    for ind in person.indicators:
        ci = by_id[ind.id]
        if ci.ind.formula is not None:  # computed from the inputs' example values
            assert ind.actual == ci.spec.target, (ind.id, ind.actual)
            expected[ind.id] = _meets_target(ci)[1]
        assert ind.points == expected[ind.id], (ind.id, ind.explanation)


def test_the_library_has_at_least_forty_schemes() -> None:
    code, out, err = run("schemes", "--format", "json")
    assert (code, err) == (0, "")
    listed = json.loads(out)
    assert len(listed) >= 40
    assert sorted(e["id"] for e in listed) == sorted(IDS)
    assert sum(e["origin"] == "composed" for e in listed) >= 32


def _person(scheme_id: str, person_id: str) -> dict[str, object]:
    report = json.loads((LIBRARY / scheme_id / "expected.json").read_text(encoding="utf-8"))
    [person] = [r for r in report["results"] if r["id"] == person_id]
    return person


def test_seed_schemes_score_the_worked_cases() -> None:
    """DOMAIN.md §12 and §14, with the numbers written here by hand."""
    from decimal import Decimal

    tech = _person("tech-support-manager", "E001")
    assert Decimal(str(tech["total"])) == Decimal("97.19")
    dimensions: list[dict[str, object]] = tech["dimensions"]  # type: ignore[assignment]
    contributions = [Decimal(str(d["contribution"])) for d in dimensions]
    assert contributions == [Decimal("39.08"), Decimal("29.19"), Decimal("19.14"),
                             Decimal("9.78")]
    install = json.loads((LIBRARY / "installation-after-sales-card" / "expected.json")
                         .read_text(encoding="utf-8"))["results"]
    worked = [r for r in install if r["status"] == "ok" and r["total"] == 81]
    assert worked, "the DOMAIN §14 person (total 81.00) is in the example"
    points = [i["points"] for i in worked[0]["indicators"]]
    assert sorted(points) == sorted([24, 17, 17, 8, 7, 8])
    assert worked[0]["pay"] == 6075 and worked[0]["grade"] == "合格"
