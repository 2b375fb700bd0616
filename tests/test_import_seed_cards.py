"""The acceptance of ``kpiscore import`` (issue 13): each seed card, built as a workbook
laid out like the seed's table (tests/draft/build_cards.py), imported and compared
indicator by indicator with the shipped transcribed scheme.

Each card's file in tests/draft/cards/ says, under ``expect:``, which shipped
indicator each row of the draft is. The rule (kind and numbers), target,
direction, full marks, floor, weight within its part and formula must be the
shipped scheme's wherever the seed's text is complete. Where the card is read
as printed and the shipped scheme decided otherwise (its header says so), the
row gives the printed value and the shipped header's reason (``printed:``,
``why:``). A row the seed garbles or loses is ``unfinished:`` (its reason, the
shipped header's): the draft marks exactly those rows, and no other, as todo; and
they are exactly the rows whose shipped indicator is marked ``not_on_card`` (a
target or a reading the printed card does not give), but where the row says
why not (``explained:``).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from draft import build_cards
from helpers import yaml_decimals
from kpiscore.draft import check_draft, draft_text, import_card
from kpiscore.library import find
from kpiscore.rules import RULES
from kpiscore.rules.bands import Bands
from kpiscore.scheme.compile import CompiledScheme, compile_scheme, full_marks
from kpiscore.scheme.load import load_scheme
from kpiscore.scheme.models import Indicator, Scheme

CARDS = build_cards.names()
FIELDS = ("rule", "target", "better", "full_marks", "floor", "weight", "formula", "veto")


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return build_cards.build(tmp_path_factory.mktemp("cards"))


def _draft(path: Path) -> Scheme:
    """The draft as the scheme models read it (a draft with todos is still well-formed)."""
    return Scheme.model_validate(yaml.safe_load(draft_text(import_card(path))))


def _indicators(compiled: CompiledScheme) -> list[tuple[Indicator, Decimal, str]]:
    """Each indicator, its weight within its part (section), in order."""
    return [(ci.ind, ci.local_weight, ci.ind.id) for ci in compiled.indicators]


def _rule(value: Any) -> Any:
    """A rule as compared: bands by the intervals they mean (shorthand or not)."""
    if value is None:
        return None
    if isinstance(value, dict):
        try:
            value = RULES[value["kind"]].model_validate(yaml_decimals(value))
        except ValueError:  # as far as the card gives it (imported.rule)
            return ("incomplete", yaml_decimals(value))
    if isinstance(value, Bands):
        return ("bands", frozenset((iv.lo, iv.lo_incl, iv.hi, iv.hi_incl, iv.points)
                                   for iv in value.intervals))
    return value


def _formula(ind: Indicator, scheme: Scheme) -> str | None:
    """The formula with its inputs named by their titles (ids differ: sales vs 个人实际销售额)."""
    if ind.formula is None:
        return None
    text = ind.formula
    for inp in sorted(scheme.inputs, key=lambda i: -len(i.id)):
        text = text.replace(inp.id, inp.title or inp.id)
    return text.replace(" ", "").replace("[", "").replace("]", "")


def _values(ind: Indicator, weight: Decimal, scheme: Scheme, imported_rule: bool) -> dict[str, Any]:
    rule = ind.imported.rule if imported_rule and ind.imported and ind.imported.rule else ind.rule
    return {"rule": _rule(rule), "target": ind.target, "better": ind.better,
            "full_marks": full_marks(ind), "floor": ind.floor, "weight": weight,
            "formula": _formula(ind, scheme),
            "veto": str(ind.veto.when) if ind.veto else None}


def _not_on_card(ind: Indicator) -> list[str]:
    """What the shipped scheme marks as not on the printed card for this indicator: a
    target it invented, a reading of a lost or garbled number or text."""
    marks = list(ind.not_on_card) + (list(ind.veto.not_on_card) if ind.veto else [])
    return [m.kind for m in marks if m.kind in ("target", "reading")]


def _expected(field: str, value: Any) -> Any:
    if field == "rule":
        return value if isinstance(value, tuple) else _rule(value)
    if field in ("target", "full_marks", "weight") and value is not None:
        return Decimal(str(value))
    if field == "floor" and value != "none":
        return Decimal(str(value))
    if field == "formula" and value is not None:
        return str(value).replace(" ", "")
    return value


@pytest.mark.parametrize("name", CARDS)
def test_the_draft_matches_the_shipped_scheme_row_by_row(name: str,
                                                         workbooks: dict[str, Path]) -> None:
    expect = build_cards.load(name)["expect"]
    draft = _draft(workbooks[name])
    shipped = load_scheme(find(expect["shipped"]).path).scheme
    # weights as printed: scored the same way as the shipped card (weights: normalise)
    ours = _indicators(compile_scheme(draft.model_copy(update={"weights": shipped.weights})))
    theirs = {ind.id: (ind, w) for ind, w, _ in _indicators(compile_scheme(shipped))}
    rows = expect["rows"]
    assert len(ours) == len(rows), [i.title for i, _, _ in ours]
    for (ind, weight, _), row in zip(ours, rows, strict=True):
        row = {"shipped": row} if isinstance(row, str) else row
        label = f"{name}: {ind.title} ({ind.imported.cell if ind.imported else '?'})"
        todo = bool(ind.imported and ind.imported.todo)
        assert todo == ("unfinished" in row), \
            f"{label}: todo {ind.imported.todo if ind.imported else None}"
        if row.get("shipped"):
            marked = _not_on_card(theirs[row["shipped"]][0])
            assert bool(marked) == ("unfinished" in row) or "explained" in row, \
                f"{label}: the shipped scheme marks {marked or 'nothing'} not on the card"
        compared = row.get("compare", list(FIELDS))
        got = _values(ind, weight, draft, imported_rule="unfinished" in row)
        want: dict[str, Any] = {}
        if row.get("shipped"):
            sind, sweight = theirs[row["shipped"]]
            want = _values(sind, sweight, shipped, imported_rule=False)
        printed = row.get("printed") or {}
        for field in compared:
            if field in printed:
                expected = _expected(field, printed[field])
            elif field in want:
                expected = want[field]
            else:
                continue
            assert got[field] == expected, f"{label}: {field}: {got[field]!r} != {expected!r}"
    shipped_ids = [r["shipped"] if isinstance(r, dict) else r for r in rows]
    left = {i for i in theirs if i not in shipped_ids}
    assert left == set(expect.get("shipped_only") or {}), \
        f"{name}: shipped indicators no row is: {sorted(left)}"


@pytest.mark.parametrize("name", CARDS)
def test_the_summary_counts_and_the_card_wide_readings(name: str,
                                                       workbooks: dict[str, Path]) -> None:
    expect = build_cards.load(name)["expect"]
    draft = import_card(workbooks[name])
    counts = {"full": draft.count("full"), "partly": draft.count("partial"),
              "none": draft.count("none")}
    assert counts == expect["read"]
    data = yaml.safe_load(draft_text(draft))
    for key, value in (expect.get("card") or {}).items():
        got = data.get(key)
        assert yaml_decimals(got) == yaml_decimals(value), f"{name}: {key}: {got!r}"
    assert len(draft.todo) == expect.get("card_todo", 0), draft.todo


@pytest.mark.parametrize("name", CARDS)
def test_validate_refuses_exactly_the_unfinished_rows(name: str,
                                                      workbooks: dict[str, Path]) -> None:
    expect = build_cards.load(name)["expect"]
    text = draft_text(import_card(workbooks[name]))
    findings = check_draft(text, "draft.yaml")
    unfinished = [f for f in findings if f.code == "unfinished"]
    rows = [r for r in expect["rows"] if isinstance(r, dict) and "unfinished" in r]
    todo_lines = sum(1 for r in rows for _ in range(r.get("todos", 1)))
    assert len(unfinished) == todo_lines + expect.get("card_todo", 0), \
        [str(f) for f in unfinished]
    other = sorted({f.code for f in findings if f.severity == "error" and f.code != "unfinished"})
    assert other == sorted(expect.get("errors") or [])


def test_the_card_workbooks_are_built_deterministically(tmp_path: Path) -> None:
    first = build_cards.build(tmp_path / "a")
    second = build_cards.build(tmp_path / "b")
    assert {n: p.read_bytes() for n, p in first.items()} == \
        {n: p.read_bytes() for n, p in second.items()}
