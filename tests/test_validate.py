"""``kpiscore validate`` on example folders and on the seeds as published.

``tests/validate/good/*.yaml`` must be valid without any warning (even with
``--strict``). Each ``tests/validate/bad/*.yaml`` starts with comment lines

    # expect: LINE:COL: error: <message substring> (<code>)

(``warning`` instead of ``error`` for a warning) and ``kpiscore validate FILE``
must print exactly those findings, no more, and exit 1 (0 when every expected
finding is a warning; ``--strict`` then exits 1). A ``# xfail: <reason>`` line
marks a case the core gets wrong today (strict xfail: fixing the core makes
the test pass and the marker must then go).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import run_cli as run

HERE = Path(__file__).parent
GOOD = sorted((HERE / "validate" / "good").glob("*.yaml"))
BAD = sorted((HERE / "validate" / "bad").glob("*.yaml"))
SEED_000 = HERE / "schemes" / "seed-000-as-published.yaml"
SEED_001 = HERE / "schemes" / "seed-001-kefu-supervisor-as-published.yaml"

EXPECT = re.compile(r"^#\s*expect:\s*(\d+):(\d+):\s*(error|warning):\s*(.*?)\s+\(([\w-]+)\)\s*$")
FINDING = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<severity>error|warning): "
                     r"(?P<message>.*) \((?P<code>[\w-]+)\)$")


@dataclass(frozen=True)
class Finding:
    line: int
    col: int
    severity: str
    message: str
    code: str


def findings_in(stdout: str, path: Path) -> list[Finding]:
    out = []
    for text in stdout.splitlines():
        m = FINDING.match(text)
        if m and m["path"] == str(path):
            out.append(Finding(int(m["line"]), int(m["col"]), m["severity"], m["message"],
                               m["code"]))
    return out


def expectations(path: Path) -> tuple[list[Finding], str | None]:
    expects: list[Finding] = []
    xfail = None
    for text in path.read_text(encoding="utf-8").splitlines():
        if not text.startswith("#"):
            break
        m = EXPECT.match(text)
        if m:
            expects.append(Finding(int(m[1]), int(m[2]), m[3], m[4], m[5]))
        elif text.startswith("# xfail:"):
            xfail = text.split(":", 1)[1].strip()
    return expects, xfail


def case(path: Path) -> object:
    _, xfail = expectations(path)
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(path, id=path.name, marks=marks)


def test_example_folders_are_populated() -> None:
    assert len(GOOD) >= 5
    assert len(BAD) >= 30
    for path in BAD:
        assert expectations(path)[0], f"{path.name} has no '# expect:' line"


@pytest.mark.parametrize("path", [case(p) for p in GOOD])
def test_good_scheme_is_valid(path: Path) -> None:
    code, out, err = run("validate", "--strict", str(path))
    assert findings_in(out, path) == [], out
    assert code == 0, out
    assert out == ""
    assert err == "1 scheme file(s) checked: 0 error(s), 0 warning(s), valid\n"


@pytest.mark.parametrize("path", [case(p) for p in BAD])
def test_bad_scheme_reports_exactly_the_expected_findings(path: Path) -> None:
    expects, _ = expectations(path)
    code, out, err = run("validate", str(path))
    got = findings_in(out, path)  # findings on standard output, the count on standard error
    missing = []
    left = list(got)
    for want in expects:
        hit = next((g for g in left if (g.line, g.col, g.severity, g.code)
                    == (want.line, want.col, want.severity, want.code)
                    and want.message in g.message), None)
        if hit is None:
            missing.append(want)
        else:
            left.remove(hit)
    assert not missing and not left, (
        f"\nexpected but not printed: {missing}\nprinted but not expected: {left}\n"
        f"stdout:\n{out}")
    errors = sum(f.severity == "error" for f in expects)
    warnings = len(expects) - errors
    assert code == (1 if errors else 0), out
    assert len(out.splitlines()) == len(got)
    state = "invalid" if errors else "valid"
    assert err == (f"1 scheme file(s) checked: {errors} error(s), {warnings} warning(s), "
                   f"{state}\n")
    if not errors:
        strict_code, strict_out, strict_err = run("validate", "--strict", str(path))
        assert strict_code == 1
        assert len(findings_in(strict_out, path)) == len(expects)
        assert strict_err.rstrip().endswith("invalid")


# -- the seeds as published ---------------------------------------------------


def _line_of(path: Path, needle: str, after: str | None = None) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    start = 0
    if after is not None:
        start = next(i for i, t in enumerate(lines) if after in t and not t.startswith("#"))
    return next(i for i, t in enumerate(lines) if i >= start and needle in t
                and not t.lstrip().startswith("#")) + 1


def test_seed_000_internal_process_weights_do_not_add_up() -> None:
    """000: 内部流程 is published as 45% but its KPIs add up to 55%."""
    code, err, summary = run("validate", str(SEED_000))  # the findings are the output
    assert code == 1
    assert summary.endswith("invalid\n")
    line = _line_of(SEED_000, "weight: 45%", after="title: 内部流程")
    col = SEED_000.read_text(encoding="utf-8").splitlines()[line - 1].index("45%") + 1
    found = [f for f in findings_in(err, SEED_000) if f.code == "weights-sum" and f.line == line]
    assert len(found) == 1, err
    f = found[0]
    assert (f.line, f.col, f.severity) == (line, col, "error"), err
    assert "45" in f.message and "55" in f.message, f.message
    assert "内部流程" in f.message
    assert f"{SEED_000}:{line}:{col}: error: " in err


def test_seed_000_perspectives_do_not_add_up_to_100() -> None:
    """000: the 客户 perspective is missing, so 15 + 45 + 15 = 75."""
    code, err, _ = run("validate", str(SEED_000))
    assert code == 1
    line = _line_of(SEED_000, "dimensions:")
    found = [f for f in findings_in(err, SEED_000) if f.line == line]
    assert [(f.code, f.severity) for f in found] == [("weights-sum", "error")], err
    assert "75" in found[0].message and "100" in found[0].message
    # nothing else is wrong with the transcription
    assert len(findings_in(err, SEED_000)) == 2, err


def test_seed_001_performance_weights_add_up_to_105() -> None:
    """001 客服主管: the performance items are published with weights adding up to 105."""
    code, err, summary = run("validate", str(SEED_001))
    assert code == 1
    assert summary.endswith("invalid\n")
    line = _line_of(SEED_001, "indicators:", after="id: performance")
    found = findings_in(err, SEED_001)
    assert len(found) == 1, err
    f = found[0]
    assert (f.line, f.severity, f.code) == (line, "error", "weights-sum"), err
    assert "105" in f.message and "100" in f.message, f.message
    assert "performance" in f.message
    assert f"{SEED_001}:{line}:{f.col}: error: " in err


@pytest.mark.parametrize("seed", [SEED_000, SEED_001], ids=["000", "001"])
def test_seeds_are_valid_once_the_weights_are_fixed(seed: Path, tmp_path: Path) -> None:
    """The transcriptions are wrong only where the seeds are: fixing the weights fixes them."""
    text = seed.read_text(encoding="utf-8")
    if seed == SEED_000:
        # 内部流程 as its KPIs add up, and the missing 客户 perspective takes the rest
        assert text.count("weight: 45%") == 1
        text = text.replace("weight: 45%", "weight: 55%")
        text += ("  - id: 客户\n    title: 客户\n    weight: 15%\n    indicators:\n"
                 "      - {id: 客户满意度, unit: '%', target: 80, weight: 15%, "
                 "rule: threshold}\n")
    else:
        # 客户满意度 15% → 10%
        assert text.count("unit: 分\n        weight: 15%") == 1
        text = text.replace("unit: 分\n        weight: 15%", "unit: 分\n        weight: 10%")
    fixed = tmp_path / seed.name
    fixed.write_text(text, encoding="utf-8")
    code, _, err = run("validate", "--strict", str(fixed))
    assert code == 0, err
