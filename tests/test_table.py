"""The Table seam (kpiscore.io): the opener registry, the header normaliser and index,
and what every Table does whatever its kind."""

from __future__ import annotations

import inspect
import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpiscore import io as kio
from kpiscore.base.errors import InputUnreadable
from kpiscore.base.limits import Limits
from kpiscore.io import OPENERS, Opener, TableOptions, open_table, opener_for
from kpiscore.io.table import HeaderIndex, Row, Table, header_key, header_variants

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "inputs.md"

# -- the registry -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(OPENERS))
def test_every_opener_documents_itself(kind: str) -> None:
    opener = OPENERS[kind]
    doc = inspect.getdoc(opener.open)
    assert doc, f"{kind}: its open function has no docstring"
    assert "Options:" in doc and "Locations:" in doc, kind
    assert opener.suffixes, kind
    for suffix in opener.suffixes:
        assert re.fullmatch(r"\.[a-z0-9]+", suffix), suffix
        assert f"``{suffix}``" in doc, (kind, suffix)


def test_no_suffix_is_claimed_twice_or_claimed_and_refused() -> None:
    claimed = [s for o in OPENERS.values() for s in o.suffixes]
    assert len(claimed) == len(set(claimed))
    assert not set(claimed) & set(kio.REFUSED)
    assert kio.DEFAULT in OPENERS


def test_every_kind_has_its_section_in_docs_inputs() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for kind, opener in OPENERS.items():
        assert re.search(rf"^## .*`{kind}`", text, re.MULTILINE), kind
        for suffix in opener.suffixes:
            assert f"`{suffix}`" in text, suffix


@pytest.mark.parametrize("name,kind", [
    ("a.xlsx", "xlsx"), ("A.XLSX", "xlsx"), ("a.xlsm", "xlsx"), ("a.csv", "csv"),
    ("a.TSV", "csv"), ("a.txt", "csv"), ("a.sqlite", "sqlite"), ("a.sqlite3", "sqlite"),
    ("a.db", "sqlite"), ("a.dat", "xlsx"), ("noext", "xlsx"), ("a.csv.bak", "xlsx"),
])
def test_the_opener_is_chosen_by_suffix(name: str, kind: str) -> None:
    assert opener_for(name) == kind


@pytest.mark.parametrize("name,message", [
    ("a.xls", "a.xls: old .xls workbooks are not supported; save it as .xlsx"),
    ("a.XLSB", "a.XLSB: .xlsb files are not supported; save it as .xlsx (or .csv)"),
    ("a.ods", "a.ods: .ods files are not supported; save it as .xlsx (or .csv)"),
    ("a.numbers", "a.numbers: .numbers files are not supported; save it as .xlsx (or .csv)"),
])
def test_unsupported_suffixes_are_refused(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / name).write_bytes(b"x")
    with pytest.raises(InputUnreadable) as info, open_table(tmp_path / name):
        pass
    assert str(info.value) == f"{tmp_path}/{message}"
    with pytest.raises(InputUnreadable, match="cannot read: No such file"), \
            open_table(tmp_path / "missing" / name):
        pass


def test_an_unknown_suffix_is_read_as_a_workbook(tmp_path: Path) -> None:
    path = tmp_path / "actuals.dat"
    path.write_text("工号,得分\nE1,95\n", encoding="utf-8")
    with pytest.raises(InputUnreadable) as info, open_table(path):
        pass
    assert str(info.value) == (f"{path}: not an .xlsx workbook: it is text (a CSV file "
                               "with the wrong suffix?); rename it .csv")


def test_an_input_kind_is_one_registry_line(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The recipe of docs/inputs.md: a module with an open function, and one line."""
    seen: list[TableOptions] = []

    @contextmanager
    def open_lines(path: str, options: TableOptions) -> Iterator[Table]:
        """Lines: ``.lines``. Options: none. Locations: ``<file>:<line>``."""
        seen.append(options)
        with open(path, encoding="utf-8") as fh:
            header, *rest = fh.read().splitlines()
        rows = iter([Row(i, line.split()) for i, line in enumerate(rest, 2)])
        yield Table(os.path.basename(path), header.split(), 1, rows,
                    source=os.path.basename(path), kind="lines")

    monkeypatch.setitem(OPENERS, "lines", Opener((".lines",), open_lines))
    path = tmp_path / "a.lines"
    path.write_text("工号 得分\nE1 95\n\nE2 80\n", encoding="utf-8")
    with open_table(path, encoding="gbk", sheet="s", table="t", max_bytes=10_000,
                    limits=Limits(rows=7)) as table:
        people = [(row.number, row.values, where(1)) for row, where in table.people()]
    assert table.kind == "lines" and table.source == "a.lines"
    assert people == [(2, ["E1", "95"], "a.lines!B2"), (4, ["E2", "80"], "a.lines!B4")]
    [options] = seen
    assert (options.encoding, options.sheet, options.table) == ("gbk", "s", "t")
    assert (options.limits.input_bytes, options.limits.rows) == (10_000, 7)  # max_bytes folded


@pytest.mark.parametrize("suffix,kind", [(".csv", "csv"), (".xlsx", "xlsx")])
def test_source_and_kind(tmp_path: Path, suffix: str, kind: str) -> None:
    import openpyxl

    path = tmp_path / f"actuals{suffix}"
    if suffix == ".csv":
        path.write_text("工号,得分\nE1,95\n", encoding="utf-8")
    else:
        wb = openpyxl.Workbook()
        wb.active.append(["工号", "得分"])
        wb.active.append(["E1", 95])
        wb.save(path)
    with open_table(path) as table:
        assert (table.source, table.kind) == (f"actuals{suffix}", kind)
        assert [r.values for r, _ in table.people()] == [["E1", 95 if kind == "xlsx" else "95"]]


# -- people() -------------------------------------------------------------------------------


@pytest.mark.parametrize("error", [OSError("disk gone"), ValueError("bad XML"),
                                   KeyError("part"), EOFError("cut short")])
def test_people_turns_read_errors_into_one_line(error: Exception) -> None:
    def rows() -> Iterator[Row]:
        yield Row(2, ["E1"])
        yield Row(3, [None, " "])  # blank: skipped, but read
        raise error

    table = Table("数据", ["工号"], 1, rows(), source="a.xlsx", kind="xlsx")
    got = []
    with pytest.raises(InputUnreadable) as info:
        for row, where in table.people():
            got.append((row.number, where(0)))
    assert got == [(2, "数据!A2")]
    assert str(info.value) == f"a.xlsx: cannot read past row 3: {error}"


def test_people_lets_input_unreadable_and_other_errors_through() -> None:
    def rows(exc: Exception) -> Iterator[Row]:
        raise exc
        yield  # pragma: no cover

    table = Table("t", ["a"], 1, rows(InputUnreadable("x.csv: line 9 is too long")),
                  source="x.csv", kind="csv")
    with pytest.raises(InputUnreadable, match=r"^x\.csv: line 9 is too long$"):
        list(table.people())
    table = Table("t", ["a"], 1, rows(ZeroDivisionError()), source="x.csv", kind="csv")
    with pytest.raises(ZeroDivisionError):  # a bug, not a damaged file
        list(table.people())


# -- header_key and header_variants ------------------------------------------------------


@pytest.mark.parametrize("a,b", [
    ("客户满意度", "客户 满意度"), ("客户满意度", " 客户\u3000满意度\n"), ("KPI", "kpi"),
    ("ＫＰＩ", "kpi"), ("First Call", "firstcall"), ("首次响应时间达标率", "首次响应时间达标率"),
    ("Straße", "STRASSE"),
])
def test_header_key_ignores_width_case_and_space(a: str, b: str) -> None:
    assert header_key(a) == header_key(b)


@pytest.mark.parametrize("header,keys", [
    ("数值", {"数值"}),
    ("数值 (%)", {"数值(%)", "数值", "%"}),
    ("数值（value）", {"数值(value)", "数值", "value"}),
    ("数值\n(value)", {"数值(value)", "数值", "(value)", "value"}),
    ("数值【%】", {"数值【%】", "数值", "%"}),
    ("数值/value", {"数值/value", "数值", "value"}),
    ("a|b", {"a|b", "a", "b"}),
    ("工号 (id)", {"工号(id)", "工号", "id"}),
    ("客户 满意度", {"客户满意度"}),
])
def test_header_variants(header: str, keys: set[str]) -> None:
    assert header_variants(header) == keys


_WIDE = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}  # ASCII → full width
_SPACES = [" ", "\u3000", "\t", "\n", "  "]
_HEADER_TEXT = st.text(alphabet=st.sampled_from(
    "abcxyzABCXYZ0129%()_-" + "客户满意度工号数值率"), min_size=1, max_size=12)


@given(st.text())
def test_header_key_is_idempotent(text: str) -> None:
    key = header_key(text)
    assert header_key(key) == key
    assert not re.search(r"\s", key)
    assert unicodedata.normalize("NFKC", key) == key


@given(_HEADER_TEXT, st.data())
def test_header_key_ignores_width_case_and_inserted_space(text: str, data: st.DataObject) -> None:
    key = header_key(text)
    wide = "".join(_WIDE.get(ch, ch) for ch in text)
    cases = data.draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    mixed = "".join(ch.upper() if up else ch.lower() for ch, up in zip(text, cases, strict=True))
    spaced = "".join(ch + data.draw(st.sampled_from(["", *_SPACES])) for ch in text)
    assert header_key(wide) == header_key(mixed) == header_key(spaced) == key
    assert key in header_variants(text)


# -- HeaderIndex ---------------------------------------------------------------------------

HEADER = ["工号 (id)", "姓名", None, "数值", "数值 (上月)", "客户 满意度", "  ", "部门/dept",
          "rater"]


def test_matching_and_exact() -> None:
    index = HeaderIndex(HEADER)
    assert index.matching(["id"]) == [0]
    assert index.matching(["数值"]) == [3, 4]
    assert index.exact(["数值"]) == [3]
    assert index.matching(["客户满意度"]) == index.exact(["客户 满意度"]) == [5]
    assert index.matching(["dept", "部门"]) == [7]
    assert index.exact(["dept"]) == []
    assert index.matching(["nothing"]) == []
    assert index.matching(["None"]) == [] and index.exact([""]) == []  # blank cells match nothing


def test_find_narrows_to_the_one_exact_match() -> None:
    index = HeaderIndex(HEADER)
    assert index.find(["数值"]) == [3]
    assert index.find(["上月"]) == [4]
    two = HeaderIndex(["得分 (a)", "得分 (b)"])
    assert two.find(["得分"]) == [0, 1]  # ambiguous: the caller reports both


def test_skip_exclude_first_and_named() -> None:
    index = HeaderIndex(HEADER, skip=[8])
    assert index.first(["rater"]) is None
    assert HeaderIndex(HEADER).first(["rater"], exact=True) == 8
    assert index.matching(["数值"], exclude=[3]) == [4]
    assert index.find(["数值"], exclude=[3]) == [4]
    assert index.first(["数值", "姓名"]) == 1
    assert index.first(["数值"], exclude={3, 4}) is None
    assert [i for i, _ in index.named()] == [0, 1, 3, 4, 5, 7]
    assert dict(index.named())[5] == "客户 满意度"
    assert index.keys[5] == "客户满意度" and index.keys[2] is None


def test_the_example_of_docs_inputs_runs(monkeypatch: pytest.MonkeyPatch,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    text = DOCS.read_text(encoding="utf-8")
    block = re.search(r"^```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    assert block is not None
    monkeypatch.chdir(ROOT)
    exec(compile(block.group(1), str(DOCS), "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "xlsx actuals.xlsx 季度考核 ['工号', '姓名', '部门']"
    assert out[1] == "2 E001 季度考核!D2"
