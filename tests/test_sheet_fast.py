"""The fast worksheet reader (kpiscore.io.sheet_fast) gives every cell the value the
reference reader (openpyxl's own parser, kpiscore's path before it) gives.

Hypothesis writes worksheets as spreadsheet programs do and as they might:
numbers of every shape (17 digits, exponents, signs, spaces, junk), percent,
custom, literal-percent, date and duration formats, shared strings (plain and
rich, missing), inline strings, booleans, errors, formulas with and without a
saved value, empty and styled cells, attributes in either order, rows and
cells without numbers, entities, namespace prefixes, comments; each workbook
is read both ways and compared row by row, value by value (numbers as exact
Decimals, everything else with its type), with the percent columns.
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "bad"))
from build_corpus import MAIN_NS, XML_DECL, Strings, package, zip_bytes

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.limits import Limits
from kpiscore.io import open_table, xlsx_table

#: custom number formats, from 164 on: percent, literal percent signs (quoted, escaped,
#: after _ or *, in brackets), sections, colours and conditions (kpiscore.io.numfmt)
FORMATS = ["0.0%", '0"%"', "[h]:mm", "0\\%", "0.0%;-0.0%", "[Red]0%", "0;-0%", '"a%"0',
           "0_%", "0*%", "[$%-409]0", "#,##0.00%;[Red]-#,##0.00%;0%", "[>=100]0;0%",
           "0%;0;@", '"x;y"0%', "[Blue][<0]0%;0"]
#: cell styles: 0 General, 1 0% (built in), 2 a date (built in), then one per format
STYLES = (f'{XML_DECL}<styleSheet xmlns="{MAIN_NS}"><numFmts count="{len(FORMATS)}">'
          + "".join(f'<numFmt numFmtId="{164 + k}" formatCode="{escape(f, {chr(34): "&quot;"})}"/>'
                    for k, f in enumerate(FORMATS))
          + '</numFmts><fonts count="1"><font/></fonts><fills count="1"><fill><patternFill/></fill>'
          '</fills>'
          '<borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs>'
          f'<cellXfs count="{3 + len(FORMATS)}"><xf numFmtId="0"/>'
          '<xf numFmtId="9" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/>'
          + "".join(f'<xf numFmtId="{164 + k}" applyNumberFormat="1"/>'
                    for k in range(len(FORMATS)))
          + "</cellXfs></styleSheet>")
STYLE_IDS = [None, *range(3 + len(FORMATS))]

NUMBERS = st.one_of(
    st.integers(-10**6, 10**6).map(str),
    st.decimals(-10**6, 10**6, places=2, allow_nan=False).map(str),
    st.floats(-1e9, 1e9, allow_nan=False).map(repr),
    st.sampled_from(["0.1", "0.30000000000000004", "12345678901234567", "1E-3", "1.5e2",
                     "-0", "+5", " 12 ", "1_000", "abc", "inf", "1e999", "0x10", "",
                     "3.14159265358979323846", "95.", ".5", "1" * 30]),
)
TEXT = st.text(st.one_of(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")),
                         st.sampled_from("\n\r\t")), max_size=12)


@st.composite
def cells(draw: Any, strings: Strings) -> str:
    """One cell's XML after ``<c r=…``: attributes and content."""
    kind = draw(st.sampled_from(["n", "n", "n", "s", "inline", "rich", "b", "e", "str",
                                 "formula", "empty", "bad-s"]))
    style = draw(st.sampled_from(STYLE_IDS))
    s = "" if style is None else f' s="{style}"'
    if kind == "n":
        t = draw(st.sampled_from(["", ' t="n"']))
        attrs = s + t if draw(st.booleans()) else t + s
        return f'{attrs}><v>{escape(draw(NUMBERS))}</v></c>'
    if kind == "s":
        return f'{s} t="s"><v>{strings.index(draw(TEXT))}</v></c>'
    if kind == "bad-s":
        return f'{s} t="s"><v>{draw(st.sampled_from(["999", "x", "-1"]))}</v></c>'
    if kind == "inline":
        space = draw(st.sampled_from(["", ' xml:space="preserve"']))
        return f'{s} t="inlineStr"><is><t{space}>{escape(draw(TEXT))}</t></is></c>'
    if kind == "rich":
        runs = "".join(f"<r><t>{escape(draw(TEXT))}</t></r>" for _ in range(2))
        return f'{s} t="inlineStr"><is>{runs}</is></c>'
    if kind == "b":
        return f'{s} t="b"><v>{draw(st.sampled_from(["0", "1", "TRUE"]))}</v></c>'
    if kind == "e":
        return f'{s} t="e"><v>{draw(st.sampled_from(["#DIV/0!", "#N/A", "#VALUE!"]))}</v></c>'
    if kind == "str":
        return f'{s} t="str"><f>A1&amp;"x"</f><v>{escape(draw(TEXT))}</v></c>'
    if kind == "formula":
        f = draw(st.sampled_from(["<f>A1*2</f>", '<f t="shared" si="0"/>', "<f></f>"]))
        v = draw(st.sampled_from(["", "<v/>", "<v></v>", "<v>4</v>"]))
        return f"{s}>{f}{v}</c>"
    return f"{s}/>"  # an empty cell, styled or not


@st.composite
def sheets(draw: Any) -> tuple[bytes, Strings]:
    strings = Strings()
    rows = []
    number = 0
    for _ in range(draw(st.integers(0, 6))):
        number += draw(st.integers(1, 3))
        r = f' r="{number}"' if draw(st.integers(0, 9)) else ""
        # x14ac:r is not the row's number (openpyxl reads only r without a prefix)
        extra = draw(st.sampled_from(["", ' spans="1:5"', ' ht="15" customHeight="1"',
                                      ' x14ac:dyDescent="0.25"', ' x14ac:r="9"']))
        column = 0
        body = []
        for _ in range(draw(st.integers(0, 6))):
            column += draw(st.integers(1, 2))
            ref = f' r="{_letters(column)}{number}"' if draw(st.integers(0, 9)) else ""
            body.append(f"<c{ref}{draw(cells(strings))}")
        if len(body) > 1 and not draw(st.integers(0, 4)):  # cells out of order, or twice
            body = draw(st.permutations(body)) if draw(st.booleans()) \
                else [*body, body[draw(st.integers(0, len(body) - 1))]]
        if not r:  # openpyxl counts a row without a number after the one before
            number = number if rows else 1
        rows.append(f'<row{r}{extra}>{"".join(body)}</row>' if body or draw(st.booleans())
                    else f"<row{r}{extra}/>")
    prefix = draw(st.sampled_from(["", "", "", "x:"]))
    xml = "".join(rows)
    if prefix:
        xml = xml.replace("<row", "<x:row").replace("</row>", "</x:row>") \
            .replace("<c", "<x:c").replace("</c>", "</x:c>").replace("<v", "<x:v") \
            .replace("</v>", "</x:v>").replace("<f", "<x:f").replace("</f>", "</x:f>") \
            .replace("<is>", "<x:is>").replace("</is>", "</x:is>") \
            .replace("<t", "<x:t").replace("</t>", "</x:t>").replace("<r>", "<x:r>") \
            .replace("</r>", "</x:r>")
    comment = draw(st.sampled_from(["", "", "<!-- a comment -->"]))
    ns = f'xmlns{":x" if prefix else ""}="{MAIN_NS}" ' \
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"'
    sheet = (f'{XML_DECL}<{prefix}worksheet {ns}>{comment}<{prefix}sheetData>{xml}'
             f'</{prefix}sheetData></{prefix}worksheet>')
    return sheet.encode("utf-8"), strings


def _letters(column: int) -> str:
    out = ""
    while column:
        column, rem = divmod(column - 1, 26)
        out = chr(65 + rem) + out
    return out


def _read(path: Path, fast: bool) -> list[Any]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(xlsx_table, "FAST", fast)
        with open_table(path, limits=Limits()) as table:
            rows = [(table.header_row, _normal(table.header), [])]
            rows += [(r.number, _normal(r.values), sorted(r.percent)) for r in table.rows]
    return rows


def _normal(values: list[Any]) -> list[Any]:
    """Numbers as exact Decimals (what read_number makes of them); the rest as they are,
    with their type."""
    out: list[Any] = []
    for v in values:
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            v = Decimal(repr(v)) if isinstance(v, float) else Decimal(v)
        out.append((type(v).__name__ if not isinstance(v, Decimal) else "number", v,
                    getattr(v, "reason", None)))
    return out


@given(sheets(), st.integers(0, 2))
def test_the_fast_reader_gives_what_openpyxl_gives(tmp_path_factory: Any,
                                                   sheet: tuple[bytes, Strings],
                                                   column: int) -> None:
    xml, strings = sheet
    path = tmp_path_factory.mktemp("wb") / "w.xlsx"
    strings.items.append("\u00a0rich? <b>&amp;")
    path.write_bytes(zip_bytes(package([("数据", "visible", "")], strings,
                                       extra={"xl/styles.xml": STYLES.encode(),
                                              "xl/worksheets/sheet1.xml": xml})))
    try:
        reference = _read(path, False)
    except InputUnreadable as exc:  # an empty or unreadable sheet: the fast path must agree
        with pytest.raises(type(exc)) as info:
            _read(path, True)
        assert str(info.value) == str(exc)
        return
    assert _read(path, True) == reference
    _check_skim(path, reference, column)


def _keep(number: int) -> bool:
    return number % 3 != 1


def _check_skim(path: Path, reference: list[Any], column: int) -> None:
    """Skimming (a worker reads only the ids of others' rows) changes nothing of the rows
    kept, and a skimmed row is either read whole or holds just its cell in ``column``
    (the ones before it None), as read whole; a row skimmed away had nothing there."""
    with open_table(path, limits=Limits()) as table:
        assert table.skim(_keep, column)
        skimmed = {r.number: (_normal(r.values), sorted(r.percent)) for r in table.rows}
    rows = {number: (values, percent) for number, values, percent in reference[1:]}
    assert set(skimmed) <= set(rows)
    nothing = _normal([None])
    for number, (values, percent) in rows.items():
        got = skimmed.get(number)
        if _keep(number) or got == (values, percent):
            assert got == (values, percent)
        elif got is None:
            assert len(values) <= column or values[column][1] is None
        else:
            assert got == (nothing * column + values[column:column + 1], [])


#: pieces of cells, whole and broken, for the cell pattern's two readings
PIECES = ['<c r="A1"', '<c r="AB12"', '<c r="ABCD1"', '<c r="A"', ' s="1"', ' s="12"', ' t="n"',
          ' t="s"', ' t="inlineStr"', ">", "/>", "<f>A1*2</f>", '<f t="shared" si="0"/>', "<f/>",
          "<f>", "<v>1</v>", "<v/>", "<v></v>", "<v>", "<is><t>a</t></is>",
          '<is><t xml:space="preserve">b</t></is>', "<is><t>", "</c>", '"', "1", " ", "<", "x"]


@given(st.lists(st.one_of(st.sampled_from(PIECES), cells(Strings()).map('<c r="B2"'.__add__)),
                max_size=12).map("".join))
def test_the_cell_pattern_reads_alike_possessive_or_not(body: str) -> None:
    """The cell pattern's possessive repeats (Python 3.11 on) never change what it
    matches: a row splits into the same cells and groups read greedily (Python 3.10)."""
    from kpiscore.io import sheet_fast

    greedy = re.compile(sheet_fast.CELL_PATTERN.replace("~", ""))
    assert sheet_fast._CELL.split(body) == greedy.split(body)
    assert sheet_fast._CELL_BYTES.split(body.encode()) == \
        re.compile(greedy.pattern.encode()).split(body.encode())


def test_the_generated_workbooks_open(tmp_path: Path) -> None:
    """The styles every generated sheet is read with are a valid styles part (when they
    were not, every example failed to open, both ways alike, and compared nothing)."""
    strings = Strings()
    xml = (f'{XML_DECL}<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" s="4">'
           f'<v>80</v></c><c r="B1" s="1"><v>0.8</v></c></row></sheetData></worksheet>')
    path = tmp_path / "w.xlsx"
    path.write_bytes(zip_bytes(package([("数据", "visible", xml)], strings,
                                       extra={"xl/styles.xml": STYLES.encode()})))
    for fast in (True, False):
        assert _read(path, fast) == [(1, [("number", Decimal(80), None),
                                          ("number", Decimal("0.8"), None)], [])]


def test_regular_rows_take_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workbooks as Excel, WPS, LibreOffice and openpyxl write them never need the slow
    path: every example and the corpus's ordinary workbook."""
    from kpiscore.io.sheet_fast import FastRows

    def slow(self: FastRows, xml: bytes) -> None:
        raise AssertionError(xml[:200])

    monkeypatch.setattr(FastRows, "slow", slow)
    root = Path(__file__).resolve().parents[1]
    for path in [*sorted((root / "examples").glob("*/*.xlsx")),
                 root / "tests" / "bad" / "actuals" / "ok.xlsx"]:
        with open_table(path) as table:
            assert sum(1 for _ in table.rows) > 0, path


def test_a_declaration_anywhere_in_a_sheet_is_refused(tmp_path: Path) -> None:
    """defusedxml refused a document type wherever it was; so does the fast path, also
    long after the first 64 KiB the prolog check reads."""
    from kpiscore.base.errors import InputUnreadable

    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 20_000))
    xml = (f'{XML_DECL}<worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData>'
           '<!DOCTYPE x [<!ENTITY e "boom">]></worksheet>')
    path = tmp_path / "late.xlsx"
    path.write_bytes(zip_bytes(package([("数据", "visible", xml)])))
    with pytest.raises(InputUnreadable, match="declares a document type or entities"), \
            open_table(path) as table:
        list(table.rows)
