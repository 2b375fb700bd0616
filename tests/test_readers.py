"""Reading actuals (.xlsx, .csv) as a person means them, or refusing with sheet!cell.

Workbooks are built in each test with openpyxl. Values are checked twice:
through :func:`kpiscore.api.evaluate_file` with a one-indicator scheme whose
actual is reported as read, so the whole path (reader → header binding → cell
value) is exercised; and straight through :func:`kpiscore.io.open_table`,
:class:`~kpiscore.io.table.HeaderIndex` and :mod:`kpiscore.io.cells`, so the
openers are tested without the engine.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from kpiscore.api import evaluate_file
from kpiscore.base.errors import InputUnreadable
from kpiscore.io import open_table
from kpiscore.io.cells import BadValue, read_number, read_text
from kpiscore.io.table import HeaderIndex
from kpiscore.scheme.load import LoadedScheme, load_scheme
from kpiscore.score.results import PersonResult

SCHEME = """\
id: reader-probe
title: 读取测试
indicators:
  - id: value
    title: 数值
    target: 1
    weight: 100
    min_value: -1000000
    max_value: 1000000
    rule: threshold
"""


@pytest.fixture(scope="module")
def scheme(tmp_path_factory: pytest.TempPathFactory) -> LoadedScheme:
    path = tmp_path_factory.mktemp("scheme") / "probe.yaml"
    path.write_text(SCHEME, encoding="utf-8")
    return load_scheme(path)


def workbook(path: Path, rows: list[list[Any]], *, sheet: str = "数据",
             formats: dict[str, str] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for ref, fmt in (formats or {}).items():
        ws[ref].number_format = fmt
    wb.save(path)
    return path


def results(scheme: LoadedScheme, path: Path, **kw: Any) -> list[PersonResult]:
    return evaluate_file(scheme, path, **kw).results


def one_value(scheme: LoadedScheme, tmp_path: Path, cell: Any,
              fmt: str | None = None) -> PersonResult:
    path = workbook(tmp_path / "a.xlsx", [["工号", "数值"], ["E1", cell]],
                    formats={"B2": fmt} if fmt else None)
    [r] = results(scheme, path)
    return r


def actual(r: PersonResult) -> Any:
    return r.indicators[0].actual


# -- numbers as people type them --------------------------------------------------


AS_MEANT = [
    (95, None, "95"),
    (86.5, None, "86.5"),
    ("95", None, "95"),
    (" 88 ", None, "88"),
    ("12.5", None, "12.5"),
    ("95%", None, "95"),
    ("95 %", None, "95"),
    ("95％", None, "95"),
    (0.95, "0%", "95"),
    (0.955, "0.0%", "95.5"),
    (1, "0%", "100"),
    ("９５", None, "95"),
    ("９５．５", None, "95.5"),
    ("1,234", None, "1234"),
    ("1,234.5", None, "1234.5"),
    ("-3", None, "-3"),
    ("+7", None, "7"),
    # a % that Excel shows as text does not scale: quoted, escaped, after _ or *, bracketed
    (80, '0"%"', "80"),
    (80, "0\\%", "80"),
    (80, '"达成率 %"0', "80"),
    (80, "0_%", "80"),
    (80, "0*%", "80"),
    (80, "[$%-409]0", "80"),
    # sections, colours and conditions: the section that draws the value decides
    (0.8, "0.0%;-0.0%", "80"),
    (-0.8, "0.0%;[Red]-0.0%", "-80"),
    (0.8, "[Red]0%", "80"),
    (80, "0;-0%", "80"),
    (-0.8, "0;-0%", "-80"),
    (150, "[>=100]0;0%", "150"),
    (0.5, "[>=100]0;0%", "50"),
    (0.5, '"x;y"0%', "50"),
]


@pytest.mark.parametrize("cell,fmt,expected", AS_MEANT, ids=lambda v: repr(v))
def test_number_read_as_meant(scheme: LoadedScheme, tmp_path: Path, cell: Any,
                              fmt: str | None, expected: str) -> None:
    r = one_value(scheme, tmp_path, cell, fmt)
    assert r.status == "ok", r.errors
    assert r.errors == []
    assert actual(r) == Decimal(expected)


UNUSABLE = [
    (None, "blank"),
    ("   ", "blank"),
    ("\u3000", "blank"),  # an ideographic space is still blank
    ("#DIV/0!", "#DIV/0!"),
    ("#N/A", "#N/A"),
    ("#VALUE!", "#VALUE!"),
    (dt.date(2024, 3, 1), "date"),
    (dt.datetime(2024, 3, 1, 9, 30), "date"),
    (True, "yes/no"),
    (False, "yes/no"),
    ("abc", "not a number"),
    ("九十五", "not a number"),
    ("1.234,5", "not a number"),
    ("95%%", "not a number"),
]


@pytest.mark.parametrize("cell,reason", UNUSABLE, ids=lambda v: repr(v))
def test_unusable_cell_is_an_error_naming_the_cell(scheme: LoadedScheme, tmp_path: Path,
                                                   cell: Any, reason: str) -> None:
    r = one_value(scheme, tmp_path, cell)
    assert r.status == "error"
    assert r.total is None
    assert actual(r) is None  # never scored as 0
    assert r.indicators[0].points is None
    [error] = r.errors
    assert error.where == "数据!B2"
    assert error.field == "value"
    assert reason in error.message


def test_blank_is_an_error_not_zero(scheme: LoadedScheme, tmp_path: Path) -> None:
    path = workbook(tmp_path / "a.xlsx", [["工号", "数值"], ["E1", 0], ["E2", None]])
    zero, blank = results(scheme, path)
    assert (zero.status, actual(zero)) == ("ok", Decimal(0))
    assert zero.total is not None
    assert (blank.status, actual(blank), blank.total) == ("error", None, None)
    assert "blank" in blank.errors[0].message and blank.errors[0].where == "数据!B3"


def _with_cached_values(path: Path, replace: dict[str, str]) -> None:
    """Give formula cells the cached results Excel would have saved (openpyxl can't)."""
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    xml = members["xl/worksheets/sheet1.xml"].decode()
    for old, new in replace.items():
        assert old in xml, old
        xml = xml.replace(old, new)
    members["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)


def test_formula_cells_are_read_by_their_saved_value(scheme: LoadedScheme,
                                                     tmp_path: Path) -> None:
    path = workbook(tmp_path / "f.xlsx", [["工号", "数值"], ["E1", "=40+50"], ["E2", "=1/0"]])
    _with_cached_values(path, {
        '<c r="B2"><f>40+50</f><v /></c>': '<c r="B2"><f>40+50</f><v>90</v></c>',
        '<c r="B3"><f>1/0</f><v /></c>': '<c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
    })
    ok, err = results(scheme, path)
    assert (ok.status, actual(ok)) == ("ok", Decimal(90))
    assert err.status == "error"
    assert err.errors[0].where == "数据!B3" and "#DIV/0!" in err.errors[0].message


def test_formula_without_saved_value_is_not_called_blank(scheme: LoadedScheme,
                                                         tmp_path: Path) -> None:
    r = one_value(scheme, tmp_path, "=40+50")
    assert r.status == "error" and actual(r) is None
    assert r.errors[0].where == "数据!B2"
    assert "formula" in r.errors[0].message


# -- the header row -----------------------------------------------------------------


HEADERS = ["数值", "value", "VALUE", " 数值 ", "数值 (%)", "数值（%）", "数值\n(value)",
           "数值/value", "数值【%】"]


@pytest.mark.parametrize("header", HEADERS)
def test_header_matched_by_id_or_title(scheme: LoadedScheme, tmp_path: Path,
                                       header: str) -> None:
    path = workbook(tmp_path / "h.xlsx", [["工号", header], ["E1", 42]])
    [r] = results(scheme, path)
    assert r.status == "ok", r.errors
    assert actual(r) == Decimal(42)


def test_header_with_lenticular_unit_brackets(scheme: LoadedScheme, tmp_path: Path) -> None:
    path = workbook(tmp_path / "h.xlsx", [["工号", "数值【%】"], ["E1", 42]])
    [r] = results(scheme, path)
    assert r.status == "ok", r.errors
    assert actual(r) == Decimal(42)


def test_missing_header_names_what_is_expected(scheme: LoadedScheme, tmp_path: Path) -> None:
    path = workbook(tmp_path / "h.xlsx", [["工号", "得分"], ["E1", 42], ["E2", 43]])
    rows = results(scheme, path)
    assert [r.status for r in rows] == ["error", "error"]
    for r in rows:
        assert any("'value'" in e.message and "'数值'" in e.message for e in r.errors)


def test_first_non_blank_row_is_the_header(scheme: LoadedScheme, tmp_path: Path) -> None:
    path = workbook(tmp_path / "h.xlsx", [[None, None], [], ["", "  "], ["工号", "数值"],
                                          ["E1", 7], ["E2", "x"]])
    ok, bad = results(scheme, path)
    assert (ok.row, ok.id, actual(ok)) == (5, "E1", Decimal(7))
    assert bad.row == 6 and bad.errors[0].where == "数据!B6"


def test_hidden_first_sheet_is_skipped(scheme: LoadedScheme, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["填表说明:每人一行"])
    notes.sheet_state = "hidden"
    data = wb.create_sheet("三月")
    data.append(["工号", "数值"])
    data.append(["E1", 3])
    wb.save(tmp_path / "h.xlsx")
    [r] = results(scheme, tmp_path / "h.xlsx")
    assert (r.id, actual(r)) == ("E1", Decimal(3))
    bad = tmp_path / "bad.xlsx"
    data.append(["E2", "?"])
    wb.save(bad)
    assert results(scheme, bad)[1].errors[0].where == "三月!B3"


def test_numeric_ids_read_as_written(scheme: LoadedScheme, tmp_path: Path) -> None:
    path = workbook(tmp_path / "ids.xlsx", [["工号", "数值"], [1001, 1], [1002.0, 2],
                                            ["007", 3]])
    assert [r.id for r in results(scheme, path)] == ["1001", "1002", "007"]


# -- people and rows ------------------------------------------------------------------


def test_duplicate_person_id_second_row_is_an_error(scheme: LoadedScheme,
                                                    tmp_path: Path) -> None:
    path = workbook(tmp_path / "d.xlsx", [["工号", "数值"], ["E1", 1], ["E2", 2], ["E1", 3]])
    first, second, dup = results(scheme, path)
    assert first.status == second.status == "ok"
    assert dup.status == "error" and dup.total is None
    assert dup.row == 4
    assert any("duplicate" in e.message and "E1" in e.message and "2" in e.message
               and e.where == "数据!A4" for e in dup.errors)



def test_a_duplicate_tells_the_first_rows_spelling_where_it_differs_in_white_space(
        scheme: LoadedScheme, tmp_path: Path) -> None:
    # the first row's spelling is kept only where it is not the key itself: both orders
    path = workbook(tmp_path / "d.xlsx", [["工号", "数值"], ["E1", 1], ["E 2", 2], ["E 1", 3],
                                          ["E2", 4], ["E 2", 5]])
    messages = [[e.message for e in r.errors] for r in results(scheme, path)]
    assert messages[:2] == [[], []]
    assert messages[2:] == [
        ["duplicate id 'E 1' (also on row 2, written 'E1': they differ only in white space)"],
        ["duplicate id 'E2' (also on row 3, written 'E 2': they differ only in white space)"],
        ["duplicate id 'E 2' (also on row 3)"]]

def test_person_without_id_is_an_error_row(scheme: LoadedScheme, tmp_path: Path) -> None:
    path = workbook(tmp_path / "n.xlsx", [["工号", "数值"], ["E1", 1], [None, 2]])
    ok, anonymous = results(scheme, path)
    assert ok.status == "ok"
    assert anonymous.status == "error" and anonymous.id is None and anonymous.row == 3
    assert any(e.where == "数据!A3" and "id" in e.message for e in anonymous.errors)


def test_blank_rows_are_skipped_and_every_other_row_is_reported(scheme: LoadedScheme,
                                                                 tmp_path: Path) -> None:
    rows: list[list[Any]] = [["工号", "数值"], ["E1", 1], [None, None], ["E2", "bad"], [],
                             ["  ", ""], [None, 5], ["E3", None], ["E4", 4]]
    path = workbook(tmp_path / "b.xlsx", rows)
    out = results(scheme, path)
    assert [(r.row, r.id, r.status) for r in out] == [
        (2, "E1", "ok"), (4, "E2", "error"), (7, None, "error"), (8, "E3", "error"),
        (9, "E4", "ok")]
    report = evaluate_file(scheme, path)
    assert (report.summary.rows, report.summary.ok, report.summary.error) == (5, 2, 3)


# -- CSV --------------------------------------------------------------------------------


def test_csv_with_bom(scheme: LoadedScheme, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeff工号,数值\r\nE1,95%\r\nE2,\"1,234\"\r\n".encode())
    r1, r2 = results(scheme, path)
    assert (r1.id, actual(r1), r2.id, actual(r2)) == ("E1", Decimal(95), "E2", Decimal(1234))


def test_semicolon_csv(scheme: LoadedScheme, tmp_path: Path) -> None:
    path = tmp_path / "semi.csv"
    path.write_text("工号;姓名;数值\nE1;张三;95\nE2;李四;\"1,234\"\nE3;王五;1,5\n",
                    encoding="utf-8")
    r1, r2, r3 = results(scheme, path)
    assert (r1.name, actual(r1)) == ("张三", Decimal(95))
    assert actual(r2) == Decimal(1234)
    # a decimal comma is refused, never read as 15
    assert r3.status == "error" and actual(r3) is None
    assert r3.errors[0].where == "semi.csv!C4"


def test_csv_blank_lines_and_cell_names(scheme: LoadedScheme, tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("\n\n工号,数值\n\nE1,1\n,\nE2,\nE3,3\n", encoding="utf-8")
    out = results(scheme, path)
    assert [(r.row, r.id, r.status) for r in out] == [(5, "E1", "ok"), (7, "E2", "error"),
                                                      (8, "E3", "ok")]
    assert out[1].errors[0].where == "a.csv!B7"


def test_gbk_csv_with_encoding(scheme: LoadedScheme, tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    path.write_bytes("工号,姓名,数值\nE1,张三,９５％\n".encode("gbk"))
    [r] = results(scheme, path, encoding="gbk")
    assert (r.name, actual(r)) == ("张三", Decimal(95))


def test_csv_duplicate_ids(scheme: LoadedScheme, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("工号,数值\nE1,1\nE1,2\n", encoding="utf-8")
    first, dup = results(scheme, path)
    assert first.status == "ok"
    assert dup.status == "error" and any("duplicate" in e.message for e in dup.errors)


# -- the same, read straight through kpiscore.io.open_table ---------------------------------
#
# No engine: the opener's rows, HeaderIndex for the column, kpiscore.io.cells for the value.


def table_rows(path: Path, **kw: Any) -> tuple[list[Any], list[tuple[int, list[Any], Any, Any]]]:
    """The header and each non-blank row: (number, values, percent columns, locator)."""
    with open_table(path, **kw) as table:
        return list(table.header), [(row.number, row.values, row.percent, where)
                                    for row, where in table.people()]


def value_column(header: list[Any]) -> int:
    [col] = HeaderIndex(header).find(["value", "数值"])
    return col


def read_value(path: Path, **kw: Any) -> list[tuple[int, Any, str]]:
    """Each row's number, its 数值 read as a number (or the BadValue's message), and where."""
    header, rows = table_rows(path, **kw)
    col = value_column(header)
    out = []
    for number, values, percent, where in rows:
        cell = values[col] if col < len(values) else None
        try:
            value: Any = None if cell is None or not str(cell).strip() else \
                read_number(cell, col in percent)
        except BadValue as exc:
            value = str(exc)
        out.append((number, value, where(col)))
    return out


@pytest.mark.parametrize("cell,fmt,expected", AS_MEANT, ids=lambda v: repr(v))
def test_number_read_as_meant_by_open_table(tmp_path: Path, cell: Any, fmt: str | None,
                                            expected: str) -> None:
    path = workbook(tmp_path / "a.xlsx", [["工号", "数值"], ["E1", cell]],
                    formats={"B2": fmt} if fmt else None)
    assert read_value(path) == [(2, Decimal(expected), "数据!B2")]


@pytest.mark.parametrize("cell,reason", UNUSABLE, ids=lambda v: repr(v))
def test_unusable_cell_named_by_open_table(tmp_path: Path, cell: Any, reason: str) -> None:
    path = workbook(tmp_path / "a.xlsx", [["工号", "数值"], ["E1", cell]])
    [(number, value, where)] = read_value(path)
    assert (number, where) == (2, "数据!B2")
    assert value is None if reason == "blank" else reason in value


def test_formula_cells_by_open_table(tmp_path: Path) -> None:
    path = workbook(tmp_path / "f.xlsx", [["工号", "数值"], ["E1", "=40+50"], ["E2", "=1/0"],
                                          ["E3", "=2+2"]])
    _with_cached_values(path, {
        '<c r="B2"><f>40+50</f><v /></c>': '<c r="B2"><f>40+50</f><v>90</v></c>',
        '<c r="B3"><f>1/0</f><v /></c>': '<c r="B3" t="e"><f>1/0</f><v>#DIV/0!</v></c>',
    })
    ok, div, never = read_value(path)
    assert ok == (2, Decimal(90), "数据!B2")
    assert div[2] == "数据!B3" and "#DIV/0!" in div[1]
    assert never[2] == "数据!B4" and "=2+2 has no saved value" in never[1]


@pytest.mark.parametrize("header", HEADERS)
def test_header_matched_by_id_or_title_in_the_index(tmp_path: Path, header: str) -> None:
    path = workbook(tmp_path / "h.xlsx", [["工号", header], ["E1", 42]])
    assert read_value(path) == [(2, Decimal(42), "数据!B2")]


def test_missing_header_gives_no_column(tmp_path: Path) -> None:
    path = workbook(tmp_path / "h.xlsx", [["工号", "得分"], ["E1", 42]])
    header, _ = table_rows(path)
    assert HeaderIndex(header).find(["value", "数值"]) == []


def test_first_non_blank_row_is_the_header_of_the_table(tmp_path: Path) -> None:
    path = workbook(tmp_path / "h.xlsx", [[None, None], [], ["", "  "], ["工号", "数值"],
                                          ["E1", 7], ["E2", "x"]])
    with open_table(path) as table:
        assert (table.name, table.header, table.header_row) == ("数据", ["工号", "数值"], 4)
        assert table.where(1) == "数据!B4"
    assert read_value(path) == [(5, Decimal(7), "数据!B5"), (6, "'x' is not a number", "数据!B6")]


def test_hidden_first_sheet_is_skipped_by_open_table(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    notes = wb.active
    notes.title = "说明"
    notes.append(["填表说明:每人一行"])
    notes.sheet_state = "hidden"
    data = wb.create_sheet("三月")
    data.append(["工号", "数值"])
    data.append(["E1", 3])
    wb.save(tmp_path / "h.xlsx")
    assert read_value(tmp_path / "h.xlsx") == [(2, Decimal(3), "三月!B2")]
    with open_table(tmp_path / "h.xlsx", sheet="说明") as table:
        assert table.header == ["填表说明:每人一行"]
    with pytest.raises(InputUnreadable, match=r"no sheet named '四月' \(sheets: 说明, 三月\)"), \
            open_table(tmp_path / "h.xlsx", sheet="四月"):
        pass


def test_numeric_ids_as_written_by_open_table(tmp_path: Path) -> None:
    path = workbook(tmp_path / "ids.xlsx", [["工号", "数值"], [1001, 1], [1002.0, 2],
                                            ["007", 3]])
    _, rows = table_rows(path)
    assert [read_text(values[0]) for _, values, _, _ in rows] == ["1001", "1002", "007"]


def test_blank_rows_are_skipped_by_people(tmp_path: Path) -> None:
    rows: list[list[Any]] = [["工号", "数值"], ["E1", 1], [None, None], ["E2", "bad"], [],
                             ["  ", ""], [None, 5], ["E3", None], ["E4", 4]]
    path = workbook(tmp_path / "b.xlsx", rows)
    assert [number for number, _, _ in read_value(path)] == [2, 4, 7, 8, 9]


def test_csv_by_open_table(tmp_path: Path) -> None:
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeff工号,数值\r\nE1,95%\r\nE2,\"1,234\"\r\n".encode())
    assert read_value(bom) == [(2, Decimal(95), "bom.csv!B2"), (3, Decimal(1234), "bom.csv!B3")]
    semi = tmp_path / "semi.csv"
    semi.write_text("工号;姓名;数值\nE1;张三;95\nE2;李四;\"1,234\"\nE3;王五;1,5\n",
                    encoding="utf-8")
    assert read_value(semi) == [(2, Decimal(95), "semi.csv!C2"),
                                (3, Decimal(1234), "semi.csv!C3"),
                                (4, "'1,5' is not a number", "semi.csv!C4")]
    lines = tmp_path / "a.csv"
    lines.write_text("\n\n工号,数值\n\nE1,1\n,\nE2,\nE3,3\n", encoding="utf-8")
    assert read_value(lines) == [(5, Decimal(1), "a.csv!B5"), (7, None, "a.csv!B7"),
                                 (8, Decimal(3), "a.csv!B8")]
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes("工号,姓名,数值\nE1,张三,９５％\n".encode("gbk"))
    assert read_value(gbk, encoding="gbk") == [(2, Decimal(95), "gbk.csv!C2")]
    assert read_value(gbk) == [(2, Decimal(95), "gbk.csv!C2")]  # recognised as GB18030
    with open_table(gbk) as table:
        assert [str(n) for n in table.notes] == [
            "not UTF-8 text: read as GB18030 (GBK), the encoding Excel in China saves CSV in; "
            "if a name looks wrong, name the file's encoding with --encoding"]
    with open_table(gbk, encoding="gbk") as table:
        assert (table.name, table.source, table.kind) == ("gbk.csv", "gbk.csv", "csv")
        assert table.notes == []  # given, not recognised: nothing to tell
    neither = tmp_path / "latin.csv"
    neither.write_bytes("工号,姓名,数值\n".encode("gbk") + "E1,Zoë,95\n".encode("latin-1"))
    with pytest.raises(InputUnreadable, match="nor GB18030 or GBK"), open_table(neither):
        pass


def test_the_csv_delimiter_comes_from_the_header() -> None:
    from kpiscore.io.csv_table import _delimiter

    assert _delimiter('工号;"姓名,全名";得分\nE1;张三;95\n') == ";"
    assert _delimiter("工号\t姓名\n") == "\t"
    assert _delimiter("\n\n工号\n") == ","


def test_csv_quoted_cells_over_lines_are_found_as_csv_reads_them() -> None:
    from kpiscore.io.csv_table import _Quote, _spanning

    assert _spanning(['a,"b\n', 'c",d\n'], ",") == [_Quote(1, 0, 1)]
    assert _spanning(['a,"b""\n', '""c"\n'], ",") == [_Quote(1, 0, 1)]  # doubled quotes
    assert _spanning(['a,b"c,"d\n'], ",") == [_Quote(2, 0, None)]  # a quote mid-field is text
    assert _spanning(['"x\n', "\n", 'z"y;"w\n'], ";") == [_Quote(0, 0, 2), _Quote(1, 2, None)]
    assert _spanning(['"x"y,"\n'], ";") == []  # text after a closing quote joins the cell
    assert _spanning(['a;"b;c";d\n'], ";") == []


def test_csv_rows_are_numbered_by_the_line_they_start_on(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('工号,姓名,数值\nE1,"张\n三",1\nE2,李四,2,3\nE3,王五\n', encoding="utf-8")
    with open_table(path) as table:
        rows = [(row.number, [str(m) for _, m in table.row_problems(row)], where(0))
                for row, where in table.people()]
    assert [(n, len(problems), at) for n, problems, at in rows] == [
        (2, 1, "a.csv!A2"), (4, 1, "a.csv!A4"), (5, 0, "a.csv!A5")]
    assert rows[0][1][0].startswith("a quote opened on line 2 closes on line 3")
    assert rows[1][1][0].startswith("line 4 has 4 fields but the header row (line 1) has 3")


def test_the_csv_reader_speaks_both_languages() -> None:
    """Every message of the CSV reader and of the tables' shared refusals has both
    languages with the same fields, and its Chinese has no English words: only codes
    (options, variables, encodings, suffixes) and the values put in."""
    import re
    import string

    from kpiscore.base.i18n import Phrase
    from kpiscore.io import csv_table, table

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    phrases = [(f"{m.__name__}.{name}", value) for m in (csv_table, table)
               for name, value in vars(m).items() if isinstance(value, Phrase)]
    phrases += [(f"SEPARATORS[{k!r}]", v) for k, v in csv_table.SEPARATORS.items()]
    assert len(phrases) > 30
    codes = re.compile(r"\{[a-z]+\}(?:-le|-be)?|--[a-z-]+(?: (?:utf-16-le|gbk))?|"
                       r"KPISCORE_[A-Z_]+|\.xlsx|"
                       r"\b(?:CSV|UTF-8|UTF-16|BOM|NUL|ASCII|GBK|GB18030|Excel|kpiscore|N)\b")
    for name, phrase in phrases:
        assert phrase.en and phrase.zh, name
        assert fields(phrase.en) == fields(phrase.zh), name
        assert not re.search(r"[A-Za-z]{2,}", codes.sub("", phrase.zh)), (name, phrase.zh)


def test_csv_structure_messages_under_zh(tmp_path: Path) -> None:
    from helpers import run_cli

    scheme = Path(__file__).parent / "bad" / "probe.yaml"
    path = tmp_path / "a.csv"
    path.write_text('工号,姓名,得分,行为等级\nE001,张伟,9,5,4级\nE002,"李娜\n",81,3\n',
                    encoding="utf-8")
    code, _, err = run_cli("--lang", "zh", "evaluate", scheme, path, "-f", "json")
    assert code == 1
    assert err.splitlines()[:2] == [
        "a.csv!E2: 第 2 行有 5 个字段,但表头行(第 1 行)只有 4 个:数字或姓名中的英文逗号"
        "(如把 9.5 写成 9,5)会使其后的每个值错位,也可能是某一列没有表头;请给该单元格加上"
        "引号、删去多余的分隔符,或为该列写上表头 [E001]",
        "a.csv!B3: 第 3 行开始的引号到第 4 行才结束,因此第 3-4 行被读成了一行:若那里少了"
        "右引号,这几行上的人就会被合并;CSV 单元格中的换行不予读取(请删除换行,或把表格"
        "另存为 .xlsx) [E002]"]
    path.write_text('工号,姓名,得分,行为等级\nE001,"张伟,95,4级\n', encoding="utf-8")
    code, out, err = run_cli("--lang", "zh", "evaluate", scheme, path, "-f", "json")
    assert (code, out) == (2, "")
    assert err.endswith(f"{path}:第 2 行第 B 列开始的引号一直没有结束:文件其余部分"
                        "(第 2-2 行)会被读成一个单元格;请补上右引号或删去该引号\n")


def test_workbook_parts_are_read_in_bounded_chunks() -> None:
    from kpiscore.io.xlsx_table import CHUNK, _BoundedZip

    calls: list[int] = []
    ok = Path(__file__).parent / "bad" / "actuals" / "ok.xlsx"
    with open(ok, "rb") as fh, _BoundedZip(fh) as archive:
        with archive.open("xl/worksheets/sheet1.xml") as part:
            real = part._part.read

            def spy(n: int = -1) -> bytes:
                calls.append(n)
                return real(n)

            part._part.read = spy
            assert part.read().startswith(b"<?xml")
    assert calls and all(0 < n <= CHUNK for n in calls)
