"""Title rows above the header row: the header row found, or named with --header-row N,
and the first message saying what was found (xlsx and csv, every command that reads)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from helpers import run_cli, write, write_csv

SCHEME = """\
id: mini
title: 迷你客服考核
grades:
  - {name: 优秀, min: 90}
  - {name: 不合格}
indicators:
  - {id: csat, title: 客户满意度, target: 90, weight: 60,
     rule: {kind: deduct, per: 1, points: 1}}
  - {id: revisit, title: 回访率, unit: "%", target: 95, weight: 40,
     rule: {kind: deduct, per: 1, points: 2}}
"""
TITLE = "2024年3月 客服部绩效考核表"
HEADER = ["工号", "姓名", "部门", "客户满意度 (csat)", "回访率 (revisit)"]
PEOPLE = [["E001", "张伟", "客服一部", 95, 96], ["E002", "李娜", "客服二部", 88, 90]]
FOUND = ("!A4: the header row is row 4: it names 3 of the 3 columns the scheme reads; rows 1, 2 "
         f"above it ('{TITLE}' …) are skipped as titles (if the header row is another, name it "
         "with --header-row N)\n")
READ = "kpiscore: 2 rows read: 2 scored, 0 could not be scored\n"


@pytest.fixture()
def scheme(tmp_path: Path) -> Path:
    return write(tmp_path / "mini.yaml", SCHEME)


def card(tmp_path: Path, kind: str, rows: list[list[object]]) -> Path:
    """A card as people make them: a title, a subtitle, a blank row, then the headers."""
    if kind == "csv":
        return write_csv(tmp_path / "card.csv", rows)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "考核"
    for row in rows:
        ws.append(row)
    if len(rows[0]) == 1:  # a title across the table
        ws.merge_cells("A1:E1")
    path = tmp_path / "card.xlsx"
    wb.save(path)
    return path


def titled(tmp_path: Path, kind: str) -> Path:
    return card(tmp_path, kind, [[TITLE], ["考核人:王经理", None, None, "日期:2024-04-01"], [],
                                 HEADER, *PEOPLE])


def where(kind: str) -> str:
    return "card.csv" if kind == "csv" else "考核"


def scored(out: str) -> list[tuple[int, str, str]]:
    return [(r["row"], r["id"], r["total"]) for r in json.loads(out, parse_float=str)["results"]]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
@pytest.mark.parametrize("fmt", ["json", "csv"])  # streamed, and scored whole
def test_the_header_row_below_title_rows_is_found_and_said_first(
        scheme: Path, tmp_path: Path, kind: str, fmt: str) -> None:
    code, out, err = run_cli("evaluate", scheme, titled(tmp_path, kind), "--format", fmt)
    assert (code, err) == (0, where(kind) + FOUND + READ)
    if fmt == "json":
        assert scored(out) == [(5, "E001", "100.00"), (6, "E002", "94.80")]
    else:
        assert [line.split(",")[:2] for line in out.splitlines()[1:]] == [["5", "E001"],
                                                                          ["6", "E002"]]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_note_is_in_the_language_of_the_run(scheme: Path, tmp_path: Path,
                                                kind: str) -> None:
    code, _, err = run_cli("--lang", "zh", "evaluate", scheme, titled(tmp_path, kind),
                           "--format", "json")
    assert code == 0
    assert err.splitlines()[0] == (
        f"{where(kind)}!A4: 表头行是第 4 行:方案要读的 3 列中有 3 列在此行;其上的第 1, 2 行"
        f"('{TITLE}' 等)作为标题跳过(如果表头在别的行,请用 --header-row N 指定)")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_header_in_the_first_row_says_nothing(scheme: Path, tmp_path: Path,
                                                kind: str) -> None:
    code, out, err = run_cli("evaluate", scheme, card(tmp_path, kind, [HEADER, *PEOPLE]),
                             "--format", "json")
    assert (code, err) == (0, READ)
    assert scored(out) == [(2, "E001", "100.00"), (3, "E002", "94.80")]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_header_row_names_the_row_and_nothing_is_said(scheme: Path, tmp_path: Path,
                                                      kind: str) -> None:
    code, out, err = run_cli("evaluate", scheme, titled(tmp_path, kind), "--header-row", "4",
                             "--format", "json")
    assert (code, err) == (0, READ)
    assert scored(out) == [(5, "E001", "100.00"), (6, "E002", "94.80")]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_header_row_wins_over_what_would_be_found(scheme: Path, tmp_path: Path,
                                                  kind: str) -> None:
    """Two header-like rows: the first would be found; --header-row takes the second."""
    rows = [[TITLE], ["工号", "姓名", "部门", "客户满意度", "回访率"],
            ["编号", "名字", "组", "客户满意度 (csat)", "回访率 (revisit)"], *PEOPLE]
    path = card(tmp_path, kind, rows)
    code, out, err = run_cli("evaluate", scheme, path, "--format", "json")
    assert code == 1 and err.startswith(f"{where(kind)}!A2: the header row is row 2:")
    assert [r["row"] for r in json.loads(out)["results"]] == [3, 4, 5]  # 编号 is a person
    code, out, err = run_cli("evaluate", scheme, path, "--header-row", "3", "--format", "json")
    assert (code, err) == (0, READ)
    assert scored(out) == [(4, "E001", "100.00"), (5, "E002", "94.80")]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_header_row_on_a_blank_row_or_past_the_end_is_a_usage_error(
        scheme: Path, tmp_path: Path, kind: str) -> None:
    path = titled(tmp_path, kind)
    name = str(path)
    code, out, err = run_cli("evaluate", scheme, path, "--header-row", "3", "--format", "json")
    assert (code, out) == (2, "")
    assert err == (f"kpiscore: error: {name}: --header-row 3: row 3 is blank (the first "
                   "non-blank row is 1)\n")
    code, out, err = run_cli("evaluate", scheme, path, "--header-row", "40", "--format", "json")
    assert (code, out) == (2, "")
    assert err == f"kpiscore: error: {name}: --header-row 40: the table ends at row 6\n"


def test_header_row_must_be_a_positive_number(scheme: Path, tmp_path: Path) -> None:
    code, out, err = run_cli("evaluate", scheme, titled(tmp_path, "csv"), "--header-row", "0")
    assert (code, out) == (2, "")
    assert "Invalid value for '--header-row'" in err


def test_header_row_is_refused_for_a_database_table(scheme: Path, tmp_path: Path) -> None:
    db = tmp_path / "a.sqlite"
    with sqlite3.connect(db) as con:
        con.execute('CREATE TABLE t ("工号" TEXT, "客户满意度" REAL, "回访率" REAL)')
        con.execute("INSERT INTO t VALUES ('E001', 95, 96)")
    con.close()
    code, out, err = run_cli("evaluate", scheme, db, "--header-row", "2", "--format", "json")
    assert (code, out) == (2, "")
    assert err == (f"kpiscore: error: {db}: --header-row is for spreadsheets and CSV files; a "
                   "database table's header is its column names\n")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_title_over_a_table_that_names_no_column_says_so_first(
        scheme: Path, tmp_path: Path, kind: str) -> None:
    path = card(tmp_path, kind, [[TITLE], ["序号", "名字", "满意", "回访"],
                                 ["E001", "张伟", 95, 96]])
    code, _, err = run_cli("evaluate", scheme, path, "--format", "json")
    assert code == 1
    first = err.splitlines()[0]
    assert first == (f"{where(kind)}!A1: row 1 is read as the header row but holds only "
                     f"'{TITLE}', a title?, and no row below it names the scheme's columns: "
                     "name the header row with --header-row N [row 2]")
    assert err.endswith("kpiscore: 2 rows read: 0 scored, 2 could not be scored\n")


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_explain_whatif_and_diff_find_it_too(scheme: Path, tmp_path: Path, kind: str) -> None:
    path = titled(tmp_path, kind)
    code, out, err = run_cli("explain", scheme, path, "--id", "E002", "--format", "json")
    assert (code, err) == (0, where(kind) + FOUND)
    assert json.loads(out)["person"]["row"] == 6
    code, out, err = run_cli("whatif", scheme, path, "--id", "E002", "--total", "99",
                             "--format", "json")
    assert (code, err) == (0, where(kind) + FOUND)
    code, out, err = run_cli("diff", scheme, scheme, path, "--format", "json")
    assert (code, err) == (0, where(kind) + FOUND)
    code, out, err = run_cli("explain", scheme, path, "--id", "E002", "--header-row", "4",
                             "--format", "json")
    assert (code, err) == (0, "")
