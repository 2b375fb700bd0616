"""No partial output when reading fails part-way: an actuals file that turns out unreadable
after some rows were read and scored (a line over the column limit, a row over the row
limit, a sheet whose XML breaks off) exits 2 with one message, and leaves no ``-o`` file,
no temporary file, and an existing ``-o`` file as it was, in every format. Standard output
gets nothing either: JSON, JSONL and CSV wait for the last row (ranks need every
total)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import run_cli, write, write_csv

SCHEME = """\
id: mini
title: 迷你客服考核
grades:
  - {name: 优秀, min: 90}
  - {name: 合格}
indicators:
  - id: csat
    title: 客户满意度
    target: 90
    rule: {kind: deduct, per: 1, points: 0.5}
"""

GOOD_ROWS = [[f"E{k}", f"员工{k}", "客服部", 80 + k] for k in range(1, 6)]

#: what is wrong → the actuals, the environment that makes them wrong, and the message
#: (its start, for a workbook: the rest is the XML parser's): each one found only after
#: five good rows were read and scored
FAILURES = {
    "columns": ("broken.csv", {"KPISCORE_MAX_COLUMNS": "8"}, "kpiscore: error: {actuals}: "
                "line 7 has more than 8 columns, over the limit (raise it with the environment "
                "variable KPISCORE_MAX_COLUMNS)\n"),
    "rows": ("broken.csv", {"KPISCORE_MAX_ROWS": "6"}, "kpiscore: error: {actuals}: more than "
             "6 rows, over the limit (raise it with the environment variable "
             "KPISCORE_MAX_ROWS)\n"),
    "workbook": ("broken.xlsx", {}, "kpiscore: error: {actuals}: sheet '三月': cannot read "
                 "past row 6: not well-formed"),
}


def broken_workbook(path: Path) -> Path:
    """A workbook whose sheet turns into malformed XML at its seventh row."""
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "三月"
    for row in [["工号", "姓名", "部门", "客户满意度"], *GOOD_ROWS, ["E6", "员工6", "客服部", 90]]:
        ws.append(row)
    whole = path.with_name("whole.xlsx")
    wb.save(whole)
    with zipfile.ZipFile(whole) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                assert data.count(b'<row r="7"') == 1
                data = data.replace(b'<row r="7"', b'<row r="7" <')
            dst.writestr(item, data)
    whole.unlink()
    return path


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    """The scheme; CSV actuals with five good rows, a line of 12 commas (8 in a quoted
    name), one more row; and a workbook broken after its five good rows."""
    write(tmp_path / "mini.yaml", SCHEME)
    write_csv(tmp_path / "broken.csv", [
        ["工号", "姓名", "部门", "客户满意度"], *GOOD_ROWS,
        ["E6", "员工6" + ",x" * 8, "客服部", 90], ["E7", "员工7", "客服部", 90]])
    broken_workbook(tmp_path / "broken.xlsx")
    return tmp_path


def evaluate(folder: Path, failure: str, *args: object) -> None:
    """``kpiscore evaluate`` of a broken input fails with its one message, and nothing on
    standard output."""
    name, env, message = FAILURES[failure]
    actuals = folder / name
    code, out, err = run_cli("evaluate", folder / "mini.yaml", actuals, *args, env=env)
    expected = message.format(actuals=actuals)
    assert (code, out) == (2, "")
    if expected.endswith("\n"):
        assert err == expected
    else:  # one line
        assert err.startswith(expected) and err.count("\n") == 1 and err.endswith("\n"), err


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".kpiscore-"))


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("suffix", [".csv", ".json", ".jsonl", ".xlsx"])
def test_no_output_file_when_reading_fails_midway(folder: Path, suffix: str,
                                                  failure: str) -> None:
    target = folder / "out" / f"results{suffix}"
    target.parent.mkdir()
    evaluate(folder, failure, "-o", target)
    assert not target.exists()
    assert leftovers(target.parent) == []


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("suffix", [".csv", ".json", ".jsonl", ".xlsx"])
def test_an_existing_output_file_is_left_as_it_was(folder: Path, suffix: str,
                                                   failure: str) -> None:
    target = folder / "out" / f"results{suffix}"
    target.parent.mkdir()
    target.write_bytes(b"last month's results\n")
    target.chmod(0o640)
    evaluate(folder, failure, "-o", target)
    assert target.read_bytes() == b"last month's results\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert leftovers(target.parent) == []


@pytest.mark.parametrize("failure", sorted(FAILURES))
@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_nothing_on_standard_output_when_reading_fails_midway(folder: Path, fmt: str,
                                                              failure: str) -> None:
    evaluate(folder, failure, "-f", fmt)


def test_the_same_file_read_whole_is_scored(folder: Path) -> None:
    """The CSV's failures above are the limits', not the file's: within the defaults it
    scores (the long line's commas are inside its quoted name: it is as wide as the
    header, as a record with more fields than the header would not be)."""
    target = folder / "results.csv"
    code, out, err = run_cli("evaluate", folder / "mini.yaml", folder / "broken.csv",
                             "-o", target)
    assert (code, out) == (0, "")
    assert err == f"kpiscore: 7 rows read: 7 scored, 0 could not be scored\nwrote {target}\n"
    assert target.read_text("utf-8-sig").count("\n") == 8
