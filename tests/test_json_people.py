"""The JSON writers' direct encoding of a plain person equals the generic one.

``_People.plain_fields`` writes most people's fields without building their dict
(docs/performance.md); ``dumps(person_dict(...))`` is the reference it must match
byte for byte, in both layouts (a JSONL line and the indented document).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kpiscore.outputs.json_format import _BREAK, _People, _plain, _rank_block, _rank_line, dumps
from kpiscore.outputs.records import indicator_dict, person_dict, rank_dict
from kpiscore.score.results import (
    GroupResult,
    IndicatorResult,
    PersonResult,
    Rank,
    Report,
    Summary,
)

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
numbers = st.one_of(st.none(), st.decimals(allow_nan=False, allow_infinity=False,
                                           min_value=-10**6, max_value=10**6))


@st.composite
def groups(draw: Any, sections: bool) -> GroupResult:
    return GroupResult(draw(texts), draw(texts),
                       draw(st.decimals(allow_nan=False, allow_infinity=False,
                                        min_value=Decimal("0.0001"), max_value=1000)),
                       draw(numbers), draw(st.none() | texts) if not sections else None)


@st.composite
def people(draw: Any) -> PersonResult:
    r = PersonResult(draw(st.integers(1, 10**7)), draw(st.none() | texts),
                     draw(st.none() | texts), draw(st.none() | texts))
    r.total = draw(numbers)
    r.grade = draw(st.none() | texts)
    r.quota_grade = draw(st.none() | texts)
    r.passed = draw(st.sampled_from([None, True, False]))
    r.pay = draw(numbers)
    r.period = draw(st.none() | texts)
    r.sections = draw(st.lists(groups(True), max_size=3))
    r.dimensions = draw(st.lists(groups(False), max_size=5))
    return r


def report(precision: int, pay_precision: int, sections: bool) -> Report:
    return Report("s", "S", precision, pay_precision, sections, True, True, "a.csv", [],
                  Summary())


@given(people(), st.integers(0, 4), st.integers(0, 2), st.booleans(),
       st.sampled_from([None, 2]), st.booleans(), texts)
def test_a_plain_person_is_written_as_the_generic_encoder_writes_it(
        r: PersonResult, precision: int, pay_precision: int, sections: bool,
        indent: int | None, jsonl: bool, scheme: str) -> None:
    assert _plain(r)
    head = report(precision, pay_precision, sections)
    first = {"kpiscore": 1, "scheme": scheme} if jsonl else None  # "{x}" is no hole
    fields = person_dict(r, precision, pay_precision, sections, indicators=False)
    expected = dumps({**first, **fields} if first else fields, indent)
    end = "}" if indent is None else "\n}"
    people = _People(head, indent, first)
    assert people.plain_fields(r) == expected[:-len(end)]
    assert people.plain_fields(r) == expected[:-len(end)]  # its groups' texts remembered


@st.composite
def indicator_results(draw: Any) -> list[IndicatorResult]:
    """Results of one indicator for several people: the same id, title, dimension,
    target, full marks and weight objects, each person's own actual, points,
    contribution and explanation (texts with braces, quotes and marks' look-alikes)."""
    title, dimension = draw(texts), draw(texts)
    target, full, weight = draw(numbers), draw(numbers), draw(numbers)
    ident = draw(texts)
    out = []
    for _ in range(draw(st.integers(1, 4))):
        actual = draw(st.one_of(numbers, texts))
        out.append(IndicatorResult(ident, title, dimension, actual, target, draw(numbers),
                                   full or Decimal(100), weight or Decimal(10),
                                   draw(numbers), draw(texts | st.just('{0}"x"\ue010'))))
    return out


@given(indicator_results(), st.integers(0, 4), st.sampled_from([None, 2]))
def test_an_indicator_is_written_as_the_generic_encoder_writes_it(
        results: list[IndicatorResult], precision: int, indent: int | None) -> None:
    people = _People(report(precision, 0, False), indent)
    for i in results:  # the first through the generic path, the others its template
        expected = dumps(indicator_dict(i, precision), indent)
        if indent is not None:
            expected = expected.replace("\n", "\n" + " " * indent * 2)
        assert people.indicator(i) == expected.encode()


@given(st.integers(1, 10**6), st.integers(1, 10**6), st.none() | st.integers(1, 10**6),
       st.none() | st.integers(1, 10**6))
def test_a_rank_is_written_as_the_generic_encoder_writes_it(
        overall: int, of: int, department: int | None, department_of: int | None) -> None:
    rank = Rank(overall, of, department, department_of)
    assert _rank_line(rank) == '"rank":' + dumps(rank_dict(rank), indent=None)
    assert _rank_block(rank) == '"rank": ' + dumps(rank_dict(rank)).replace("\n", _BREAK + "  ")


@st.composite
def people_sharing_groups(draw: Any) -> list[PersonResult]:
    """People whose groups share their id, title, section and weight objects (as every
    scored person's do), each with a contribution of their own: after the first, a
    group's text is its remembered text with the numbers filled in."""
    sections = draw(st.booleans())
    shapes = draw(st.lists(groups(sections), min_size=1, max_size=3))
    out = []
    for _ in range(draw(st.integers(1, 5))):
        r = PersonResult(draw(st.integers(1, 10**7)), None, None, None)
        r.total = draw(numbers)
        groups_of = [GroupResult(g.id, g.title, g.weight, draw(numbers), g.section)
                     for g in shapes]
        if sections:
            r.sections = groups_of
        else:
            r.dimensions = groups_of
        out.append(r)
    return out


@given(people_sharing_groups(), st.integers(0, 4), st.sampled_from([None, 2]))
def test_groups_met_again_are_written_as_the_generic_encoder_writes_them(
        rs: list[PersonResult], precision: int, indent: int | None) -> None:
    sections = bool(rs[0].sections)
    head = report(precision, 0, sections)
    people = _People(head, indent)
    end = "}" if indent is None else "\n}"
    for r in rs:
        fields = person_dict(r, precision, 0, sections, indicators=False)
        assert people.plain_fields(r) == dumps(fields, indent)[:-len(end)]
