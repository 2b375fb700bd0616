"""Build the workbooks of the raters, survey, distribution, period and pay examples.

Run from anywhere::

    python examples/build_across_workbooks.py

Like ``build_workbooks.py`` (whose fixed timestamps it reuses), the files are
deterministic: running it again rewrites byte-identical files. These examples
need more than one sheet per workbook (survey responses), several workbooks
per folder (one per month) or a CSV beside the workbook (NPS responses).
"""

from __future__ import annotations

import csv
import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_workbooks import PCT, fixed_bytes  # noqa: E402


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[list[Any]]
    formats: dict[str, str] = field(default_factory=dict)


def workbook_bytes(name: str, sheets: list[Sheet]) -> bytes:
    wb = Workbook()
    first = True
    for sheet in sheets:
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = sheet.title
        ws.append(sheet.header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append(row)
        for col, head in enumerate(sheet.header, start=1):
            letter = ws.cell(row=1, column=col).column_letter
            ws.column_dimensions[letter].width = max(8.0, 2.2 * len(head))
            fmt = sheet.formats.get(head)
            if fmt is None:
                continue
            for r in range(2, len(sheet.rows) + 2):
                cell = ws.cell(row=r, column=col)
                if isinstance(cell.value, (int, float)):
                    cell.number_format = fmt
        ws.freeze_panes = "B2"
    return fixed_bytes(wb, name)


def csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


# -- DOMAIN §13: raters ------------------------------------------------------------------------

SELF_SUPERVISOR = Sheet(
    "行为考核",
    ["工号", "姓名", "部门", "以客户为中心(自评)", "服务细致(自评)", "工作服从(自评)",
     "以客户为中心(上级)", "服务细致(上级)", "工作服从(上级)"],
    [
        # self 40 + 25 + 30 = 95, supervisor 30 + 20 + 30 = 80: 30% × 95 + 70% × 80 = 84.50
        ["K001", "孙丽", "客服部", "5级", "4级", "5级", "4级", "3级", "5级"],
        # both 100 → 100.00
        ["K002", "周明", "客服部", "5级", "5级", "5级", "5", "5", "5"],
        # self 20 + 20 + 25 = 65, supervisor 15 + 20 + 20 = 55: 19.5 + 38.5 = 58.00
        ["K003", "吴军", "客服部", "3级", "3级", "4级", "2级", "3级", "3级"],
    ],
)

# 工号, 姓名, 部门, 评价人, 执行率, 回访率, 以客户为中心, 服务细致, 工作服从
RATERS_360 = Sheet(
    "360度评价",
    ["工号", "姓名", "部门", "评价人", "统一服务行为模式执行率", "客户回访率", "以客户为中心",
     "服务细致", "工作服从"],
    [
        # P001: the objective rates on the supervisor's row; two peers, one subordinate
        ["P001", "王芳", "客服一部", "上级", 0.992, 1, "4级", "4级", "5级"],
        ["P001", "王芳", "客服一部", "本人", None, None, "5级", "5级", "5级"],
        ["P001", "王芳", "客服一部", "同事", None, None, 4, 4, 4],
        ["P001", "王芳", "客服一部", "同事", None, None, 3, 4, 5],
        ["P001", "王芳", "客服一部", "下级", None, None, "5级", "4级", "4级"],
        # P002: the objective rates on a row that names no rater; three peers, two subordinates
        ["P002", "李强", "客服一部", None, 0.96, 0.95, None, None, None],
        ["P002", "李强", "客服一部", "自评", None, None, 4, 4, 4],
        ["P002", "李强", "客服一部", "上级", None, None, 3, 3, 4],
        ["P002", "李强", "客服一部", "同事", None, None, 4, 3, 3],
        ["P002", "李强", "客服一部", "同事", None, None, 5, 4, 4],
        ["P002", "李强", "客服一部", "同事", None, None, 3, 3, 3],
        ["P002", "李强", "客服一部", "下属", None, None, 4, 4, 4],
        ["P002", "李强", "客服一部", "下级", None, None, 3, 4, 4],
        # P003: no subordinate rated (the missing rater)
        ["P003", "刘洋", "客服二部", "上级", 0.92, 0.9, "4级", "3级", "3级"],
        ["P003", "刘洋", "客服二部", "自评", None, None, "5级", "4级", "4级"],
        # P004
        ["P004", "陈静", "客服二部", "上级", 0.89, 0.85, 2, 2, 3],
        ["P004", "陈静", "客服二部", "自评", None, None, 3, 3, 3],
        ["P004", "陈静", "客服二部", "同事", None, None, 2, 3, 2],
        ["P004", "陈静", "客服二部", "下级", None, None, 3, 3, 2],
        # P005: no self rating (the missing rater); two subordinates
        ["P005", "赵敏", "客服二部", "上级", 1, 1, 5, 5, 5],
        ["P005", "赵敏", "客服二部", "同事", None, None, 5, 5, 4],
        ["P005", "赵敏", "客服二部", "下级", None, None, 5, 4, 5],
        ["P005", "赵敏", "客服二部", "下级", None, None, 4, 5, 5],
        # a row of P003's, away from the others: rows are grouped by id
        ["P003", "刘洋", "客服二部", "同事", None, None, "4级", "4级", "4级"],
    ],
    formats={"统一服务行为模式执行率": "0.0%", "客户回访率": PCT},
)

# -- DOMAIN §9: survey cards -------------------------------------------------------------------

PEOPLE = Sheet("人员", ["工号", "姓名", "部门"], [
    ["S01", "郑洁", "客户服务部"], ["S02", "冯刚", "客户服务部"], ["S03", "韩梅", "客户服务部"],
    ["S04", "杨帆", "客户服务部"], ["S05", "朱琳", "客户服务部"]])


def _card1_rows() -> list[list[Any]]:
    rows: list[list[Any]] = [
        # S01, the worked case: (A,B,A), (B,B,C), (A,A,B) → 39 / 45 = 86.67%
        ["S01", "员工01", "A", "B", "A"],
        ["S01", "员工02", "B", "B", "C"],
        ["S01", "员工03", "A", "A", "B"],
    ]
    # answers written as people write them: letters, labels, letter+label, level numbers
    s02 = [("A", "满意", "A"), ("B", "B", "B满意"), ("5", "4", "4"), ("A非常满意", "A", "B"),
           ("C", "B", "B"), ("B", "A", "A"), ("4", "4", "5"), ("B", "C", "B")]
    s03 = [("C", "C", "B"), ("D", "C", "C"), ("一般", "不太满意", "C"), ("B", "C", "D"),
           ("C", "C", "C"), ("3", "2", "3"), ("C", "B", "C"), ("D", "D", "C")]
    s04 = [("A", "A", "A"), ("A", "B", "A"), ("B", "A", "A"), ("A", "A", "B"), ("A", "A", "A"),
           ("B", "B", "A"), ("A", "A", "A"), ("A", "B", "B"), ("非常满意", "A", "A"),
           ("A", None, "A"), ("B", "A", "A")]  # one question left blank: not counted
    for who, answers in (("S02", s02), ("S03", s03), ("S04", s04)):
        for n, (a, b, c) in enumerate(answers, start=1):
            rows.append([who, f"员工{n + 10:02d}", a, b, c])
    # S05: only 2 respondents, fewer than min_respondents 3 → an error row
    rows += [["S05", "员工31", "A", "A", "B"], ["S05", "员工32", "B", "B", "B"]]
    # a response for someone not in the actuals: reported, exit code 1
    rows.append(["S99", "员工33", "A", "A", "A"])
    return rows


CARD1 = Sheet("公司卡1", ["被评价人工号", "评价人", "服务态度", "响应速度", "专业能力"],
              _card1_rows())

CARD2 = Sheet("公司卡2", ["被评价人工号", "评价人", "合作满意度", "总体评价"], [
    # 合作满意度 A–E 5..1; 总体评价 A–E 10/8/6/4/2
    ["S01", "供应商A", "A", "A"], ["S01", "供应商B", "B", "B"], ["S01", "供应商C", "A", "B"],
    ["S02", "供应商A", "B", "B"], ["S02", "供应商B", "B", "C"], ["S02", "供应商C", "C", "B"],
    ["S02", "供应商D", "B", "B"],
    ["S03", "供应商A", "C", "C"], ["S03", "供应商B", "D", "C"], ["S03", "供应商C", "C", "D"],
    # S04: 2 suppliers, fewer than 3 → the survey's if_too_few: 80
    ["S04", "供应商A", "A", "A"], ["S04", "供应商B", "A", "B"],
    ["S05", "供应商A", "A", "A"], ["S05", "供应商B", "A", "A"], ["S05", "供应商C", "B", "A"],
])

# -- DOMAIN §9: NPS ----------------------------------------------------------------------------

NPS_PEOPLE = Sheet("门店", ["工号", "姓名", "部门"], [
    ["N01", "门店一", "华东"], ["N02", "门店二", "华东"], ["N03", "门店三", "华南"],
    ["N04", "门店四", "华南"]])


def _nps_rows() -> list[list[Any]]:
    answers = {
        "N01": [10, 9, 9, 8, 7, 10, 6, 5, 9, 3],  # 50% − 30% = 20
        "N02": [9, 10, "１０", 9, 8, 6, None],  # 4 promoters, 1 detractor of 6 = 50
        "N03": [3, 5, 6, 7, 8, 2, 9],  # 1 − 4 of 7 = −42.86
        "N04": [8, 8, 7],  # all passives: 0
    }
    rows: list[list[Any]] = []
    n = 0
    for who, values in answers.items():
        for v in values:
            n += 1
            rows.append([who, f"C{n:03d}", "" if v is None else v])
    return rows


# -- DOMAIN §15: forced distribution -----------------------------------------------------------


def _fifty() -> list[list[Any]]:
    """50 people: 业绩 (of 70) and 行为 (of 30); the totals are chosen so that people tie
    at two quota boundaries of 10/20/40/20/10 (5/10/20/10/5 people)."""
    totals = [99, 97, 96, 95,  # S: positions 1-4
              94, 94,  # positions 5 and 6 tie across the S/A boundary: both S (ties: better)
              93, 92, 91, 90, 90, 89, 88, 87, 86,  # A: positions 7-15 (A's 10, less one)
              85, 84, 84, 83, 82, 81, 80, 80, 79, 78, 77, 76, 75, 74, 73, 72, 71, 70,
              69, 69, 69, 69,  # positions 34-37 tie across the B/C boundary (35|36): all B
              68, 67, 66, 65, 64, 63, 62, 61,  # C: positions 38-45 (C's 10, less two)
              60, 58, 55, 52, 40]  # D: positions 46-50
    assert len(totals) == 50
    rows = []
    for n, total in enumerate(totals):
        behaviour = min(30, total // 3)
        dept = "客服一部" if n % 2 == 0 else "客服二部"
        rows.append([f"F{n + 1:03d}", f"员工{n + 1:02d}", dept, total - behaviour, behaviour,
                     1000])
    # in input order by id, not by total: shuffle deterministically
    return [rows[(k * 17) % 50] for k in range(50)]


FIFTY = Sheet("年度考核", ["工号", "姓名", "部门", "业绩得分", "行为得分", "奖金基数"], _fifty())

CALIBRATION = Sheet("季度考核", ["工号", "姓名", "部门", "综合得分"], [
    [f"C{n + 1:02d}", f"员工{n + 1:02d}", "客服部" if n < 12 else "售后部", t]
    for n, t in enumerate([98, 96, 95, 93, 92, 91, 90, 90, 88, 86, 85, 84, 83, 81, 80, 79, 78,
                           75, 72, 70, 66, 61, 55])])

# -- periods -----------------------------------------------------------------------------------

MONTH_HEADER = ["工号", "姓名", "部门", "客户满意度评分", "解决数", "问题总数", "客户回访次数",
                "有效投诉次数", "季度奖金基数"]
MONTHS = {
    "2024-01": [
        ["Q01", "许晴", "客服部", 92, 48, 50, 11, 0, 3000],
        ["Q02", "何磊", "客服部", 85, 40, 45, 8, 1, 3000],
        ["Q03", "罗敏", "客服部", 90, 30, 30, 10, 0, 2500],
        ["Q04", "马超", "客服部", 88, 20, 25, 9, 0, 2500],
    ],
    "2024-02": [
        ["Q02", "何磊", "客服部", 88, 45, 50, 9, 0, 3000],
        ["Q01", "许晴", "客服部", 94, 50, 50, 10, 0, 3000],
        ["Q03", "罗敏", "客服部", 89, 28, 30, 10, 1, 2500],
        ["Q04", "马超", "客服部", 90, 24, 25, 8, 0, 2500],
    ],
    "2024-03": [
        ["Q01", "许晴", "客服部", 90, 47, 50, 12, 0, 3200],
        ["Q02", "何磊", "客服部", 91, 50, 55, 10, 0, 3000],
        ["Q03", "罗敏", "客服部", 93, 29, 30, 11, 0, 2500],
        # Q04 is missing in March: an error row (rollup missing: error)
    ],
}

# -- DOMAIN §14: pay -------------------------------------------------------------------------

INSTALL = Sheet("月度考核", ["工号", "姓名", "部门", "基本工资", "绩效奖金基数", "安装一次合格率",
                          "安检工作", "售后回访服务满意度", "与销售的配合度", "仓库管理违规次数",
                          "安装工具及车辆管理违规次数"], [
    # 24 + 17 + 17 + 8 + 7 + 8 = 81 → 合格; pay 81 / 80 × 6000 = 6075.00; bonus 800 × 1.0
    ["A001", "周强", "安装部", 6000, 800, 0.94, 85, 0.97, 8, 1, 0],
    # 30 + 19.2 + 20 + 10 + 8 + 8 = 95.2 → 优秀; 95.2 / 80 × 7000 = 8330 → max 8000;
    # bonus 1000 × 1.5 = 1500 → max 1200
    ["A002", "吴刚", "安装部", 7000, 1000, 1, 96, 1, 10, 0, 0],
    # 15 + 14 + 12 + 6 + 5 + 6 = 58 → 不合格; 3625.00; bonus 800 × 0 = 0
    ["A003", "郑伟", "安装部", 5000, 800, 0.85, 70, 0.92, 6, 3, 2],
    # 0 + 10 + 5 + 5 + 5 + 8 = 33 → 不合格; 33 / 80 × 5000 = 2062.50 → min 3000
    ["A004", "冯涛", "安装部", 5000, 800, 0.70, 50, 0.85, 5, 3, 0],
    # 22 + 18 + 15 + 10 + 8 + 7 = 80 exactly → 合格, passes; 6000.00; bonus 800
    ["A005", "陈亮", "安装部", 6000, 800, 0.92, 90, 0.95, 10, 0, 1],
], formats={"安装一次合格率": PCT, "售后回访服务满意度": PCT})

FILES: dict[str, bytes] = {}


def build() -> dict[str, bytes]:
    out = {
        "raters-self-supervisor/actuals.xlsx": workbook_bytes("raters-self-supervisor",
                                                              [SELF_SUPERVISOR]),
        "raters-360/actuals.xlsx": workbook_bytes("raters-360", [RATERS_360]),
        "raters-360-reweight/actuals.xlsx": workbook_bytes("raters-360", [RATERS_360]),
        "survey-card/actuals.xlsx": workbook_bytes("survey-card", [PEOPLE, CARD1, CARD2]),
        "nps/actuals.xlsx": workbook_bytes("nps", [NPS_PEOPLE]),
        "nps/responses.csv": csv_bytes(["被评价人工号", "评价人", "推荐意愿"], _nps_rows()),
        "forced-distribution/actuals.xlsx": workbook_bytes("forced-distribution", [FIFTY]),
        "quota-calibration/actuals.xlsx": workbook_bytes("quota-calibration", [CALIBRATION]),
        "installation-bonus/actuals.xlsx": workbook_bytes("installation-bonus", [INSTALL]),
    }
    for month, rows in MONTHS.items():
        out[f"quarter-rollup/{month}.xlsx"] = workbook_bytes(
            f"quarter-rollup {month}", [Sheet("月度考核", MONTH_HEADER, rows)])
    return out


def main(built: dict[str, bytes] | None = None) -> None:
    """Write each built file under examples/ unless it is already there as built."""
    for name, data in (build() if built is None else built).items():
        path = HERE / name
        if path.exists() and path.read_bytes() == data:
            print(f"unchanged examples/{name}")
            continue
        path.write_bytes(data)
        print(f"wrote     examples/{name}")


if __name__ == "__main__":
    main()
