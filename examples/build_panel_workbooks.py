"""Build the workbooks of the rater-panel and weighted-quarter examples (issue 11, point 6).

Run from anywhere::

    python examples/build_panel_workbooks.py

Like ``build_across_workbooks.py`` (whose sheet writer and fixed timestamps it
reuses), the files are deterministic: running it again rewrites byte-identical
files.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_across_workbooks import Sheet, main, workbook_bytes  # noqa: E402

# -- raters-panel: 去掉一个最高分、一个最低分, at least 3 peers ------------------------------------

PANEL = Sheet(
    "行为考核",
    ["工号", "姓名", "部门", "评价人", "以客户为中心", "服务细致", "工作服从"],
    [
        # D01: five peers; each item's highest and lowest peer points are dropped
        ["D01", "林晓", "客服一部", "上级", "4级", "4级", "5级"],
        ["D01", "林晓", "客服一部", "同事", "5级", "4级", "4级"],
        ["D01", "林晓", "客服一部", "同事", "3级", "3级", "3级"],
        ["D01", "林晓", "客服一部", "同事", "4级", "5级", "4级"],
        ["D01", "林晓", "客服一部", "同事", "2级", "4级", "5级"],
        ["D01", "林晓", "客服一部", "同事", "5级", "5级", "5级"],
        # D02: three peers, one of them far below the others (dropped on every item)
        ["D02", "高远", "客服一部", "上级", 3, 3, 3],
        ["D02", "高远", "客服一部", "同事", 4, 4, 4],
        ["D02", "高远", "客服一部", "同事", 1, 2, 1],
        ["D02", "高远", "客服一部", "同事", 5, 4, 4],
        # D03: two peers, fewer than min_raters 3: an error row
        ["D03", "沈静", "客服二部", "上级", "5级", "5级", "5级"],
        ["D03", "沈静", "客服二部", "同级", "5级", "5级", "5级"],
        ["D03", "沈静", "客服二部", "同级", "4级", "4级", "4级"],
        # D04: four peers with ties: one of the tied points is dropped
        ["D04", "韩冰", "客服二部", "上级", "3级", "4级", "4级"],
        ["D04", "韩冰", "客服二部", "同事", "4级", "3级", "4级"],
        ["D04", "韩冰", "客服二部", "同事", "4级", "4级", "4级"],
        ["D04", "韩冰", "客服二部", "同事", "4级", "5级", "4级"],
        ["D04", "韩冰", "客服二部", "同事", "2级", "3级", "4级"],
    ],
)

# -- weighted-quarter: months 30/30/40, a survey pooled over the quarter ----------------------

MONTH_HEADER = ["工号", "姓名", "部门", "客户满意度评分", "客户回访次数", "季度奖金基数"]
MONTHS: dict[str, list[list[Any]]] = {
    "2024-01": [["W01", "钱进", "客服部", 92, 10, 3000], ["W02", "孔宁", "客服部", 80, 8, 2800],
                ["W03", "曹阳", "客服部", 90, 9, 2500]],
    "2024-02": [["W01", "钱进", "客服部", 88, 9, 3000], ["W02", "孔宁", "客服部", 90, 10, 2800],
                ["W03", "曹阳", "客服部", 86, 9, 2500]],
    # W03 left at the end of February: rolled up over January and February (missing: present)
    "2024-03": [["W01", "钱进", "客服部", 85, 12, 3200], ["W02", "孔宁", "客服部", 95, 11, 2800]],
}

RESPONSES = Sheet("客户满意度调查", ["月份", "被评价人工号", "评价人", "服务态度", "响应速度"], [
    ["2024-01", "W01", "客户01", "A", "A"], ["2024-01", "W01", "客户02", "B", "A"],
    ["2024-02", "W01", "客户03", "A", "B"],  # one respondent in February: too few for a month
    ["2024-03", "W01", "客户04", "B", "B"], ["2024-03", "W01", "客户05", "A", "A"],
    ["2024-03", "W01", "客户06", "C", "B"],
    ["2024-01", "W02", "客户07", "A", "A"], ["2024-01", "W02", "客户08", "A", "A"],
    ["2024-01", "W02", "客户09", "A", "B"],
    ["2024-02", "W02", "客户10", "B", "B"],
    ["2024-03", "W02", "客户11", "C", "C"], ["2024-03", "W02", "客户12", "B", "C"],
    ["2024-01", "W03", "客户13", "B", "B"], ["2024-01", "W03", "客户14", "B", "C"],
    ["2024-02", "W03", "客户15", "A", "B"],
])


def build() -> dict[str, bytes]:
    out = {"raters-panel/actuals.xlsx": workbook_bytes("raters-panel", [PANEL]),
           "weighted-quarter/responses.xlsx": workbook_bytes("weighted-quarter responses",
                                                             [RESPONSES])}
    for month, rows in MONTHS.items():
        out[f"weighted-quarter/{month}.xlsx"] = workbook_bytes(
            f"weighted-quarter {month}", [Sheet("月度考核", MONTH_HEADER, rows)])
    return out


if __name__ == "__main__":
    main(build())
