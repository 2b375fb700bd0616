"""No input file makes any command print a traceback: every file of the bad-input
corpus (tests/bad/) through every command that reads that kind of file.

The corpus's own cases (tests/bad/cases/) pin one command's exact answer to
each file; here every scheme goes through validate, evaluate, explain, whatif,
diff (as the old and as the new version), template (CSV and xlsx), batch, and
init and schemes (as a name); every actuals file through evaluate in every
output format (the terminal table and the xlsx report too), explain, whatif,
diff, import (as a card), as a survey's responses (evaluate --responses) and
batch (a run, and a roster); every manifest (tests/bad/manifests/, when there
is one) through batch. Each must end with exit 0, 1 or 2 and no traceback. The
commands run in-process through click's runner (helpers.run_cli fails on any
exception that is not an exit), so the whole corpus takes seconds of CPU.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import run_cli

BAD = Path(__file__).resolve().parent / "bad"
PROBE = BAD / "probe.yaml"
OK = BAD / "actuals" / "ok.xlsx"
#: a scheme with a survey, whose responses are read from a file of their own
NPS = BAD.parent.parent / "examples" / "nps" / "scheme.yaml"
SCHEMES = sorted([BAD / "probe.yaml", BAD / "formula.yaml", *(BAD / "schemes").glob("*.yaml")])
ACTUALS = sorted((BAD / "actuals").iterdir())
MANIFESTS = sorted((BAD / "manifests").glob("*.yaml")) if (BAD / "manifests").is_dir() else []


def ran(*args: object) -> int:
    """``kpiscore ARGS``: its exit code, which must be one of the documented three."""
    code = run_cli(*args).code
    assert code in (0, 1, 2), f"kpiscore {' '.join(map(str, args))} exited {code}"
    return code


def manifest(folder: Path, runs: list[dict[str, object]]) -> Path:
    """A manifest of ``runs`` writing JSON into ``folder`` (JSON is YAML)."""
    path = folder / "manifest.yaml"
    path.write_text(json.dumps({"outputs": {"json": str(folder / "out" / "{name}.json")},
                                "runs": runs}, ensure_ascii=False), encoding="utf-8")
    return path


def scheme_commands(scheme: Path, tmp: Path) -> Iterator[tuple[object, ...]]:
    yield "validate", scheme
    yield "validate", "--format", "json", scheme
    yield "evaluate", scheme, OK, "--format", "json"
    yield "evaluate", scheme, OK, "--format", "table"
    yield "explain", scheme, OK, "--id", "E001", "--format", "json"
    yield "explain", scheme, OK, "--id", "E001", "--format", "tree"
    yield "whatif", scheme, OK, "--id", "E001", "--format", "json"
    yield "diff", scheme, PROBE, OK, "--format", "json"
    yield "diff", PROBE, scheme, OK, "--format", "table"
    yield "template", scheme, "--format", "csv"
    yield "template", scheme, "-o", tmp / "template.xlsx"
    yield "init", scheme, "-o", tmp / "init.yaml"
    yield "schemes", scheme.stem
    yield "batch", manifest(tmp, [{"name": "run", "scheme": str(scheme), "actuals": str(OK)}])


def actuals_commands(actuals: Path, tmp: Path) -> Iterator[tuple[object, ...]]:
    for fmt in ("json", "jsonl", "csv", "table"):
        yield "evaluate", PROBE, actuals, "--format", fmt
    yield "evaluate", PROBE, actuals, "-o", tmp / "report.xlsx"
    yield "evaluate", NPS, NPS.parent / "actuals.xlsx", "--responses", actuals, "--format", "json"
    yield "explain", PROBE, actuals, "--id", "E001", "--format", "json"
    yield "explain", PROBE, actuals, "--id", "E001", "--format", "markdown"
    yield "whatif", PROBE, actuals, "--id", "E001", "--format", "table"
    yield "diff", PROBE, BAD / "formula.yaml", actuals, "--format", "json"
    yield "import", actuals, "-o", tmp / "draft.yaml", "--force"
    yield "batch", manifest(tmp, [
        {"name": "run", "scheme": str(PROBE), "actuals": str(actuals)},
        {"name": "roster", "roster": str(actuals), "role_column": "姓名",
         "schemes": {"张伟": str(PROBE), "李娜": str(PROBE)},
         "outputs": {"json": str(tmp / "out" / "{scheme}-roster.json")}}])


@pytest.mark.parametrize("scheme", SCHEMES, ids=lambda p: p.name)
def test_every_scheme_through_every_command(scheme: Path, tmp_path: Path) -> None:
    for args in scheme_commands(scheme, tmp_path):
        ran(*args)


@pytest.mark.parametrize("actuals", ACTUALS, ids=lambda p: p.name)
def test_every_actuals_file_through_every_command(actuals: Path, tmp_path: Path) -> None:
    for args in actuals_commands(actuals, tmp_path):
        ran(*args)


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_every_manifest_through_batch(path: Path) -> None:
    ran("batch", path)


def test_the_corpus_is_all_here() -> None:
    """Every kind of input the corpus holds is fed to the commands above."""
    assert len(SCHEMES) > 20 and len(ACTUALS) > 50
    kinds = {p.parent.name for p in BAD.glob("*/*") if p.is_file()} - {"cases"}
    assert kinds <= {"schemes", "actuals", "manifests"}, kinds
