"""The terminal table fits the terminal without cutting an id, a number or a grade, and a
pipe gets every column whole (kpiscore.cli.fit and the renderer)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from helpers import run_cli, run_on_terminal, with_additions, write, write_csv
from kpiscore.cli.fit import Column, fit, need

ROOT = Path(__file__).resolve().parents[1]
TSM = ROOT / "examples" / "tech-support-manager"
ACCOUNTED = "kpiscore: 6 rows read: 6 scored, 0 could not be scored\n"

terminal = pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")


# -- the arithmetic ----------------------------------------------------------------------------


def test_a_table_with_room_keeps_every_natural_width() -> None:
    columns = [Column(4, 4), Column(10, 6, drop=0), Column(12, 8, wrap=1)]
    assert fit(columns, 200) == [4, 10, 12]
    assert fit(columns, None) == [4, 10, 12]
    assert need([4, 10, 12]) == 4 + 10 + 12 + 3 * 3 + 1


def test_dimension_headers_wrap_before_any_column_is_hidden() -> None:
    columns = [Column(4, 4), Column(10, 6, drop=0), Column(14, 8, drop=1), Column(8, 8)]
    natural = need([4, 10, 14, 8])
    # 6 cells short: the widest saving first, and only that one
    assert fit(columns, natural - 6) == [4, 10, 8, 8]
    # 10 short: both headers on two lines
    assert fit(columns, natural - 10) == [4, 6, 8, 8]


def test_the_highest_ranked_droppable_goes_first_and_the_others_get_their_room_back() -> None:
    columns = [Column(4, 4), Column(10, 6, drop=0), Column(14, 8, drop=1), Column(8, 8)]
    # room for the first dimension unwrapped once the second is hidden
    width = need([4, 10, None, 8])
    assert fit(columns, width) == [4, 10, None, 8]
    assert fit(columns, width - 1) == [4, 6, None, 8]


def test_text_columns_wrap_only_once_every_droppable_is_hidden() -> None:
    columns = [Column(4, 4), Column(12, 8, wrap=1), Column(10, 6, drop=0), Column(6, 6)]
    assert fit(columns, need([4, 12, None, 6])) == [4, 12, None, 6]
    assert fit(columns, need([4, 12, None, 6]) - 3) == [4, 9, None, 6]


def test_text_columns_give_up_their_room_from_the_widest() -> None:
    columns = [Column(20, 8, wrap=1), Column(12, 8, wrap=2), Column(6, 6)]
    assert fit(columns, need([20, 12, 6]) - 10) == [11, 11, 6]


def test_nothing_goes_below_its_least_even_when_the_table_cannot_fit() -> None:
    columns = [Column(6, 6), Column(12, 8, wrap=1), Column(10, 6, drop=0), Column(6, 6)]
    widths = fit(columns, 10)
    assert widths == [6, 8, None, 6]
    assert need(widths) > 10  # wider than the terminal, rather than cut


# -- on a terminal -----------------------------------------------------------------------------


def _expected(*args: str) -> list[dict[str, object]]:
    code, out, _ = run_cli("evaluate", *args, "--format", "json")
    assert code in (0, 1)
    results: list[dict[str, object]] = json.loads(out, parse_float=str)["results"]
    return results


def _row_line(out: str, pid: str) -> str:
    lines = [ln for ln in out.splitlines() if re.search(rf"│ {re.escape(pid)} +│", ln)]
    assert len(lines) == 1, f"{pid} is not whole on one line:\n{out}"
    return lines[0]


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("│").split("│")]


@terminal
@pytest.mark.parametrize("columns", [80, 120])
def test_every_id_number_and_grade_is_whole_on_a_terminal(columns: int, tmp_path: Path) -> None:
    args = (str(graded(tmp_path)), str(TSM / "actuals.xlsx"))
    code, out, err = run_on_terminal("evaluate", *args, "--format", "table", columns=columns)
    assert (code, err) == (0, ACCOUNTED)
    assert max(len(ln) for ln in out.splitlines()) <= columns or \
        max(_width(ln) for ln in out.splitlines()) <= columns
    assert "…" not in out
    for person in _expected(*args):
        cells = _cells(_row_line(out, str(person["id"])))
        assert str(person["row"]) in cells
        assert person["total"] is not None and str(person["total"]) in cells
        assert str(person["grade"]) in cells
        shown = [d for d in person["dimensions"]  # type: ignore[attr-defined]
                 if str(d["contribution"]) in cells]
        assert shown, f"no dimension shown whole for {person['id']}"
    if columns == 120:  # every dimension has room, with a header on two lines
        assert "not shown" not in out
    else:
        assert "not shown, to fit the terminal: 团队管理效能, 服务创新与改进" in out


def graded(folder: Path) -> Path:
    """The 技术支持经理 card with grades to show (the example's own, an addition)."""
    return with_additions(TSM / "scheme.yaml", folder)


def _width(line: str) -> int:
    from rich.cells import cell_len

    return cell_len(line)


@terminal
def test_a_terminal_too_narrow_for_the_whole_columns_gets_a_wider_table_not_cut_ids(
        tmp_path: Path) -> None:
    args = (str(graded(tmp_path)), str(TSM / "actuals.xlsx"))
    code, out, err = run_on_terminal("evaluate", *args, "--format", "table", columns=40)
    assert (code, err) == (0, ACCOUNTED)
    assert "…" not in out
    for person in _expected(*args):
        cells = _cells(_row_line(out, str(person["id"])))
        assert str(person["total"]) in cells and str(person["grade"]) in cells


@terminal
def test_error_rows_keep_their_status_and_ids_whole_at_80_columns(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", SCHEME)
    actuals = write_csv(tmp_path / "a.csv", [HEADER, *ROWS, ["客服部门人员编号0099", "某某某",
                                                             "客服一部", "n/a", 9, 9]])
    code, out, err = run_on_terminal("--lang", "zh", "evaluate", scheme, actuals, "-f", "table",
                                     columns=80)
    assert code == 1
    assert err.endswith("kpiscore: 共读取 4 行:3 行已计分,1 行无法计分\n")
    cells = _cells(_row_line(out, "客服部门人员编号0099"))
    assert "错误 (1)" in cells
    assert "…" not in out


# -- piped or redirected -----------------------------------------------------------------------

SCHEME = """\
id: depts
title: 客服部门考核
grades:
  - {name: 优秀, min: 90}
  - {name: 不合格}
dimensions:
  - id: a
    title: 客户满意度与服务质量
    weight: 40%
    indicators:
      - {id: csat, title: 满意度, target: 90, rule: {kind: deduct, per: 1, points: 1}}
  - id: b
    title: 问题解决效率与质量
    weight: 30%
    indicators:
      - {id: fcr, title: 一次解决率, target: 90, rule: {kind: deduct, per: 1, points: 1}}
  - id: c
    title: 团队协作与知识分享
    weight: 30%
    indicators:
      - {id: share, title: 分享次数, target: 9, rule: {kind: deduct, per: 1, points: 10}}
"""
HEADER = ["工号", "姓名", "部门", "满意度 (csat)", "一次解决率 (fcr)", "分享次数 (share)"]
ROWS = [["E001", "张伟", "客服一部", 95, 88, 9], ["E002", "李娜", "客服二部", 80, 92, 7],
        ["E003", "欧阳明月", "客服二部(夜班)", 90, 90, 9]]


def test_a_pipe_gets_every_column_whole_whatever_columns_says(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", SCHEME)
    actuals = write_csv(tmp_path / "a.csv", [HEADER, *ROWS])
    code, out, err = run_cli("evaluate", scheme, actuals, "--format", "table",
                             env={"COLUMNS": "40"})
    assert (code, err) == (0, "kpiscore: 3 rows read: 3 scored, 0 could not be scored\n")
    assert "…" not in out and "not shown" not in out
    for pid, dept in (("E001", "客服一部"), ("E002", "客服二部"), ("E003", "客服二部(夜班)")):
        assert dept in _cells(_row_line(out, pid))
    head = next(ln for ln in out.splitlines() if "客户满意度与服务质量" in ln)
    assert "问题解决效率与质量" in head and "团队协作与知识分享" in head


def test_a_pipe_with_colour_is_not_cut_either(tmp_path: Path) -> None:
    scheme = write(tmp_path / "s.yaml", SCHEME)
    actuals = write_csv(tmp_path / "a.csv", [HEADER, *ROWS])
    code, out, _ = run_cli("evaluate", scheme, actuals, "--format", "table", "--color",
                           "always", env={"COLUMNS": "40"})
    assert code == 0
    plain = re.sub(r"\x1b\[[0-9;]*m", "", out)
    assert "客服二部(夜班)" in plain and "…" not in plain


@terminal
def test_the_library_list_keeps_ids_whole_at_80_columns() -> None:
    code, out, err = run_on_terminal("schemes", columns=80)
    assert (code, err) == (0, "")
    code, listing, _ = run_cli("schemes", "--format", "json")
    for entry in json.loads(listing):
        assert any(f"│ {entry['id']} " in ln for ln in out.splitlines()), entry["id"]
