"""The CSV reader's bulk path against its line-by-line one.

``_csv_rows`` reads many lines at a time while every line is a record of its own within
the limits, and hands the rest to the line reader (``_exact_rows``), which was the whole
reader before. Held here to give the same rows (line numbers, values, problems) and the
same refusal, at the same row, as the line reader alone, on generated files full of what
makes CSV hard: quotes, doubled quotes, quoted line breaks, ``\\r`` and ``\\r\\n``, blank
lines, NUL and other line breaks, rows wider or longer than low limits, more rows than
the row limit, a quote never closed; and with chunks as small as a few characters, so
that every line and quote falls across a chunk's end somewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.limits import Limits
from kpiscore.io import csv_table
from kpiscore.io.csv_table import _csv_rows, _exact_rows
from kpiscore.io.table import Row

_PIECES = ["a", "b", "1", "9.5", "员工", "部门", " ", ",", ";", "\t", '"', '""', "\n", "\r\n",
           "\r", "x,y", '"q,r"', '"s\nt"', '"u\r\nv"', "\x00", "\x0c", "\u2028", "\x85", "E001"]


def _read(reader: Any) -> tuple[list[tuple[int, list[str], list[tuple[int, str]]]], str | None]:
    """Every row a reader gives (its problems as text), then the refusal, if any."""
    rows: list[tuple[int, list[str], list[tuple[int, str]]]] = []
    try:
        for row in reader:
            assert isinstance(row, Row)
            rows.append((row.number, row.values, [(c, str(p)) for c, p in row.problems]))
    except InputUnreadable as exc:
        return rows, str(exc)
    return rows, None


def _both(path: Path, delimiter: str, limits: Limits, chunk: int,
          monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as m:
        m.setattr(csv_table, "_CHUNK", chunk)
        bulk = _read(_csv_rows(str(path), "utf-8", delimiter, limits))
    exact = _read(_exact_rows(str(path), "utf-8", delimiter, limits, 0))
    assert bulk == exact


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.lists(st.sampled_from(_PIECES), max_size=60).map("".join),
       delimiter=st.sampled_from([",", ";", "\t"]),
       chunk=st.sampled_from([1, 2, 3, 5, 8, 13, 64, 1 << 17]),
       columns=st.sampled_from([2, 3, 5, 16_384]), rows=st.sampled_from([1, 3, 8, 1_048_576]))
@example(text='a,"b\nc"\nd,e\n', delimiter=",", chunk=8, columns=16_384, rows=1_048_576)
@example(text='a,b\nc,"d', delimiter=",", chunk=3, columns=16_384, rows=1_048_576)
@example(text="a,b\r\nc,d\r", delimiter=",", chunk=4, columns=16_384, rows=1_048_576)
@example(text="a,b,c,d\n", delimiter=",", chunk=64, columns=3, rows=1_048_576)
@example(text="a\nb\nc\nd\n", delimiter=",", chunk=64, columns=16_384, rows=3)
def test_bulk_reading_reads_what_the_line_reader_reads(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, delimiter: str, chunk: int,
        columns: int, rows: int) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(text.encode("utf-8"))
    _both(path, delimiter, Limits(columns=columns, rows=rows), chunk, monkeypatch)


@pytest.mark.parametrize("chunk", [7, 1 << 17])
def test_bulk_reading_of_a_long_file_with_a_late_irregular_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    """Thousands of plain lines read in bulk, then a quoted line break, a NUL, a line
    over the limit: the rows before each are the same and so is the refusal."""
    plain = "".join(f"E{i:05d},员工{i},{i % 100}.5\r\n" for i in range(3000))
    for tail in ['E9,"two\nlines",1\r\nE10,x,2\r\n', "E9,a\x00b,1\r\n", "E9," + "9" * 2000 + "\n",
                 'E9,"never closed,1\r\nE10,x,2\r\n']:
        path = tmp_path / "a.csv"
        path.write_bytes((plain + tail + plain).encode("utf-8"))
        _both(path, ",", Limits(columns=3), chunk, monkeypatch)


def test_a_plain_file_is_read_in_bulk_to_its_end(tmp_path: Path) -> None:
    """No line of a plain file is left to the line reader (whose rows would be the same,
    only slower): the bulk reader says it reached the end."""
    path = tmp_path / "a.csv"
    path.write_bytes("".join(f"E{i},员工{i},{i}\r\n" for i in range(5000)).encode("utf-8"))
    bulk = csv_table._regular_rows(str(path), "utf-8", ",", Limits())
    count = 0
    with pytest.raises(StopIteration) as done:
        while True:
            next(bulk)
            count += 1
    assert count == 5000
    assert done.value.value is None


# -- the cells a CSV file holds: numbers and blanks by the short way --------------------


class _Text(str):
    """Text that is not exactly ``str``: read_number and is_blank take the long way."""


_NUMBERISH = st.one_of(
    st.from_regex(r"\A[+-]?[0-9]{0,17}(\.[0-9]{0,17})?\Z"),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(alphabet="0123456789.-+%, e９５\u3000", max_size=20),
    st.text(max_size=8))


@given(_NUMBERISH)
@example("-0")
@example("0.000000000000001")
@example("999999999999999.999999999999999")
@example("999999999999999.999999999999")
@example("1000000000000000")
@example("0000000000000001")
def test_a_plain_number_is_read_as_the_long_way_reads_it(text: str) -> None:
    from kpiscore.io.cells import BadValue, read_number

    def read(value: str) -> tuple[str, str]:
        try:
            number = read_number(value)
        except BadValue as exc:
            return "refused", str(exc)
        return "read", repr(number)  # the same digits, exponent and sign

    assert read(text) == read(_Text(text))


@given(st.text(alphabet=st.sampled_from("aZ09 \t\u3000\xa0\u2028é员,.-%\u0308"), max_size=6))
def test_blank_is_what_nfkc_leaves_empty(text: str) -> None:
    from kpiscore.base.numbers import normalise_text
    from kpiscore.io.cells import is_blank

    assert is_blank(text) == is_blank(_Text(text)) == (normalise_text(text) == "")


@given(st.from_regex(r"\A-?[0-9]{1,16}(\.[0-9]{1,16})?\Z"), st.integers(1, 30))
def test_a_plain_number_is_read_the_same_in_a_narrow_decimal_context(text: str,
                                                                     prec: int) -> None:
    """The range check rounds through the context (``abs``): the short way keeps it."""
    import decimal

    from kpiscore.io.cells import BadValue, read_number

    def read(value: str) -> str:
        try:
            return repr(read_number(value))
        except BadValue as exc:
            return str(exc)

    with decimal.localcontext(decimal.Context(prec=prec)):
        assert read(text) == read(_Text(text))
