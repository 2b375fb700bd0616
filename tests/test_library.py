"""The shipped scheme library: every scheme valid, documented, and with a checked example.

Each ``schemes/**/<id>.yaml`` has an example in ``examples/library/<id>/``:
``actuals.csv`` (5–20 people: at, above and below target, one vetoed, one
row with an error) and ``expected.json``, the exact output of::

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
from click.testing import CliRunner

from kpiscore.cli import cli
from kpiscore.loader import load_scheme

ROOT = Path(__file__).resolve().parent.parent
SCHEMES = ROOT / "schemes"
LIBRARY = ROOT / "examples" / "library"
REGEN = os.environ.get("REGEN") == "1"

FILES = sorted(SCHEMES.rglob("*.yaml"))
IDS = [p.stem for p in FILES]


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_library_validates_with_no_warnings() -> None:
    code, out, err = run("validate", "--strict", str(SCHEMES))
    assert code == 0, err
    assert out == ""
    assert err.endswith("0 error(s), 0 warning(s), valid\n")


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
    assert any(r["veto"] for r in results if r["status"] == "ok"), "one vetoed person"
    ok = [r for r in results if r["status"] == "ok" and not r["veto"]]
    assert len({r["total"] for r in ok}) >= 3, "varied totals"
