"""The registry of stock phrasings (kpiscore.draft.phrasings): every phrasing's golden
cases (tests/draft/phrasings/<name>.yaml) read as written, and its near-misses do not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import yaml_decimals
from kpiscore.draft.phrasings import BY_NAME, PHRASINGS, Context, Reading, first
from kpiscore.draft.text import fold

HERE = Path(__file__).resolve().parent / "draft" / "phrasings"


def _golden() -> dict[str, dict[str, Any]]:
    return {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(HERE.glob("*.yaml"))}


GOLDEN = _golden()


def _params(kind: str) -> list[Any]:
    return [pytest.param(name, case, id=f"{name}-{n + 1}")
            for name, data in GOLDEN.items() for n, case in enumerate(data.get(kind) or [])]


def test_every_phrasing_has_golden_cases_and_near_misses() -> None:
    assert sorted(GOLDEN) == sorted(p.name for p in PHRASINGS)
    for name, data in GOLDEN.items():
        assert data.get("cases"), f"{name}: no cases"
        assert data.get("near_misses"), f"{name}: no near-misses"


def test_every_phrasing_documents_itself() -> None:
    for p in PHRASINGS:
        assert "→" in p.doc and "``" in p.doc, f"{p.name}: its read() docstring is its docs"


def _context(case: dict[str, Any]) -> Context:
    given = case.get("context") or {}
    return Context(title=fold(given.get("title", "")), definition=fold(given.get("definition", "")),
                   rated=bool(given.get("rated", False)))


@pytest.mark.parametrize(("name", "case"), _params("cases"))
def test_golden_case_reads_as_written(name: str, case: dict[str, Any]) -> None:
    phrasing = BY_NAME[name]
    match = first(fold(case["text"]), _context(case), phrasing.role)
    assert match is not None, f"no phrasing reads {case['text']!r}"
    assert match.phrasing == name, f"{case['text']!r} is read by {match.phrasing}, not {name}"
    reading: Reading = match.reading
    expected_rule = yaml_decimals(case["rule"])
    assert (dict(reading.rule) if reading.rule is not None else None) == expected_rule
    for key in ("target", "better", "full_marks", "unit", "no_floor", "veto", "vetoed",
                "own_target"):
        if key in case:
            assert getattr(reading, key) == yaml_decimals(case[key]), key
    if "formula" in case:
        got = reading.formula.expression if reading.formula else None
        assert got == case["formula"]
    if "inputs" in case:
        assert reading.formula is not None and list(reading.formula.inputs) == case["inputs"]
    for key in ("missing", "notes"):
        assert len(getattr(reading, key)) == case.get(key, 0), key


@pytest.mark.parametrize(("name", "case"), _params("near_misses"))
def test_near_miss_is_not_read_by_the_phrasing(name: str, case: dict[str, Any]) -> None:
    assert BY_NAME[name].read(fold(case["text"]), _context(case)) is None


def test_rules_read_completely_are_valid_rules() -> None:
    """A rule a golden case reads with nothing missing is one the scheme format accepts."""
    from kpiscore.rules import RULES

    for data in GOLDEN.values():
        for case in data["cases"]:
            if case["rule"] is not None and not case.get("missing"):
                rule = yaml_decimals(case["rule"])
                RULES[rule["kind"]].model_validate(rule)


def test_a_text_longer_than_a_phrasing_is_not_read_and_takes_no_time() -> None:
    """A pasted document in a 评分标准 cell is no stock phrasing; the patterns' time stays
    linear in the card's size (measured: well under 0.1 s here)."""
    import time

    from kpiscore.draft.lines import read_line
    from kpiscore.draft.phrasings import MAX_TEXT

    for text in (":a/" * 3000, "得分=1*(" + "a/" * 5000, "总分=" + "a*1%+" * 3000):
        assert len(text) > MAX_TEXT
        start = time.perf_counter()
        assert first(text, Context()) is None
        assert read_line(text) is None
        assert time.perf_counter() - start < 1
    worst = ":a/" * (MAX_TEXT // 3)
    start = time.perf_counter()
    for p in PHRASINGS:
        p.read(worst, Context())
    assert time.perf_counter() - start < 1
