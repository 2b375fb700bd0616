"""Build the ``actuals.xlsx`` of every example folder from the fixed data below.

Run from anywhere::

    python examples/build_workbooks.py

The workbooks are deterministic: fixed content, fixed document properties
(created / modified) and fixed timestamps inside the zip package, so running
the script again rewrites byte-identical files and ``git status`` stays clean.

Some percentage columns are written as real spreadsheet percentages (the
number 0.94 with the number format ``0%``, shown as 94%), others as the text
people type (``"91%"``, ``"９５％"``, ``"120,000"``): kpiscore must read both as
the number a person means.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

HERE = Path(__file__).resolve().parent
#: Every workbook claims to be created and modified at this moment.
FIXED_TIME = dt.datetime(2024, 1, 1, 9, 0, 0)
#: Timestamp of every member of the zip package.
ZIP_TIME = (2024, 1, 1, 9, 0, 0)
AUTHOR = "kpiscore examples"

PCT = "0%"  # a real percentage cell: 0.94 shows as 94%
PCT1 = "0.0%"  # with one decimal: 0.985 shows as 98.5%


@dataclass
class Sheet:
    folder: str
    title: str  # the worksheet's name (errors are reported as title!cell)
    header: list[str]
    rows: list[list[Any]]
    #: number formats by header text, e.g. {"安装一次合格率": PCT}
    formats: dict[str, str] = field(default_factory=dict)
    widths: dict[str, float] = field(default_factory=dict)


SHEETS: list[Sheet] = [
    # DOMAIN §1: the 5/4/3/2 threshold rule (seeds/000).
    Sheet(
        folder="threshold-5432",
        title="年度考核",
        header=["工号", "姓名", "部门", "部门内预算执行情况", "与增值服务供应商的沟通、交流",
                "部门人员的培训时间"],
        rows=[
            # spend 95000 → 5, meetings 8 → 3, training 40 → 4: 50 + 18 + 16 = 84.00
            ["C001", "王芳", "客户服务部", 95000, 8, 40],
            # 100000 → 4, 12 → 5, 45 → 5: 40 + 30 + 20 = 90.00
            ["C002", "李强", "客户服务部", 100000, 12, 45],
            # "120,000" (text with a thousands separator) → 3, 10 → 4, 32 → 3: 66.00
            ["C003", "刘洋", "客户服务部", "120,000", 10, 32],
            # 130000 → 2, 7 → 2, 31 → 2: 20 + 12 + 8 = 40.00
            ["C004", "陈静", "客户服务部", 130000, 7, 31],
        ],
    ),
    # DOMAIN §12: the 技术支持经理 card (seeds/003); E001 is the worked case, 97.19.
    Sheet(
        folder="tech-support-manager",
        title="季度考核",
        header=["工号", "姓名", "部门", "关键客户满意度评分", "客户投诉解决率",
                "首次响应时间达标率", "客户回访满意度", "重大服务事故发生次数",
                "技术问题一次性解决率", "复杂问题处理效率", "知识库贡献数量", "培训覆盖率",
                "跨部门协作有效性", "团队培训完成率", "团队绩效达标率", "员工流失率",
                "团队协作满意度", "团队流程优化建议采纳率", "服务流程优化次数",
                "新服务工具应用率", "客户反馈采纳率", "成本节约贡献", "创新服务提案数量"],
        rows=[
            # DOMAIN §12 (2h40m is written as 160 minutes): total 97.19
            ["E001", "张伟", "技术支持部", 86, 0.91, 0.985, 80, 1, "75%", 160, 3, "96%", "92%",
             "100%", "80%", 0.08, 82, "60%", 1, "85%", "50%", "3%", 0],
            # everything at or beyond its target: 100.00
            ["E002", "李娜", "技术支持部", 95, 0.97, 0.99, 90, 0, "85%", 110, 6, "100%", "95%",
             "100%", "90%", 0.03, 85, "75%", 3, "90%", "65%", "6%", 2],
            # short almost everywhere; 135 minutes is exactly one started quarter over;
            # the exact total 91.605 rounds half up to 91.61
            ["E003", "王磊", "技术支持部", 70, 0.80, 0.90, 85, 3, "60%", 135, 0, "90%",
             "88.5%", "95%", "70%", 0.125, 60, "40%", 0, "80%", "30%", "0%", 0],
            # percentages typed as people type them: full width, a space before %
            ["E004", "赵敏", "技术支持部", 88, 0.95, 0.98, 84, 0, "９５％", 125, 4, "98 %",
             "90%", "９８％", "85 %", 0.05, 79.5, "70%", 2, "84%", "60%", "5%", 1],
            # 200 minutes is 80 over: 6 started quarters
            ["E005", "孙浩", "技术支持二部", 90, 0.93, 0.97, 86, 2, "78%", 200, 5, "100%",
             "91%", "100%", "82%", 0.065, 80, "66%", 2, "86%", "55%", "4.5%", 1],
            # far short: 40% attrition costs 105 points and stops at the floor, 0; 良好
            ["E006", "刘畅", "技术支持二部", 60, 0.70, 0.80, 60, 4, "50%", 240, 1, "70%", "70%",
             "60%", "60%", 0.40, 50, "20%", 0, "40%", "10%", "0%", 0],
        ],
        formats={"客户投诉解决率": PCT, "首次响应时间达标率": PCT1, "员工流失率": PCT1},
    ),
    # DOMAIN §6 and §14: the 全屋定制 installation card (seeds/001); A001 is the worked case.
    Sheet(
        folder="installation-card",
        title="月度考核",
        header=["工号", "姓名", "部门", "基本工资", "安装一次合格率", "安检工作",
                "售后回访服务满意度", "与销售的配合度", "仓库管理违规次数",
                "安装工具及车辆管理违规次数"],
        rows=[
            # 24 + 17 + 17 + 8 + 7 + 8 = 81 → 合格, pay 81 / 80 × 6000 = 6075.00
            ["A001", "周强", "安装部", 6000, 0.94, 85, 0.97, 8, 1, 0],
            # 30 (capped) + 19.2 + 20 + 10 + 8 + 8 = 95.2 → pay 95.2 / 80 × 5500 = 6545.00
            ["A002", "吴刚", "安装部", 5500, 1, 96, 1, 10, 0, 0],
            # 15 + 14 + 12 + 6 + 5 + 6 = 58 → 不合格, pay 58 / 80 × 5000 = 3625.00
            ["A003", "郑伟", "安装部", 5000, 0.85, 70, 0.92, 6, 3, 2],
            # 22 + 18 + 15 + 10 + 8 + 7 = 80 exactly → 合格, pay = base pay 6000.00
            ["A004", "冯涛", "安装部", 6000, 0.92, 90, 0.95, 10, 0, 1],
            # "n/a" where a number belongs: the row is reported as an error, not scored
            ["A005", "陈亮", "安装部", 6000, 0.96, "n/a", 0.96, 9, 0, 0],
        ],
        formats={"安装一次合格率": PCT, "售后回访服务满意度": PCT, "基本工资": "#,##0"},
    ),
    # DOMAIN §7 and §10: baseline / target / challenge (seeds/002).
    Sheet(
        folder="baseline-target-challenge",
        title="半年度考核",
        header=["工号", "姓名", "部门", "实际发生费用总额", "预算费用总额", "租金收取完成率",
                "部门协作满意度", "客户服务满意度", "呼叫回复及时率", "客户投诉处理关闭率",
                "客户回访率", "产权办理及时率", "培训计划完成率"],
        rows=[
            # rent 93% → 84 → 8.40; overspent 207 of 200 = 3.5% → 110 → 11.00; total 99.40
            ["B001", "黄丽", "客户服务部", 207, 200, 0.93, 70, 65, "90%", "90%", "90%", "96%",
             "95%"],
            # rent 97% → 113.33 → 11.33; underspent 193 of 200 = 3.5% → 110 → 11.00;
            # total 99.53
            ["B002", "林峰", "客户服务部", 193, 200, 0.97, 72, 60, "81%", "95%", "90%", "96%",
             "95%"],
            # below every baseline: rent 89%, deviation 6%, collaboration 58 → 0; total 47.75
            ["B003", "何军", "物业服务部", 212, 200, 0.89, 58, 55, "72%", "45%", "81%", "84%",
             "76%"],
            # at or beyond every challenge (capped at 120%): total 110.00
            ["B004", "罗敏", "物业服务部", 200, 200, 0.99, 75, 70, "100%", "100%", "100%",
             "100%", "100%"],
            # exactly at the baselines of the financial KPIs: 60% each; total 90.50
            ["B005", "高洁", "客户服务部", 190, 200, 0.90, 65, 67.5, "90%", "90%", "90%", "96%",
             "95%"],
        ],
        formats={"租金收取完成率": PCT},
    ),
    # DOMAIN §3: the step bands of 客服主管 (seeds/001).
    Sheet(
        folder="step-bands",
        title="月度考核",
        header=["工号", "姓名", "部门", "统一产品和服务行为模式的执行率", "客户意见反馈及时率",
                "客户服务信息传递及时率", "客户回访率", "客户投诉解决速度",
                "服务流程改进建议被采纳次数", "客户满意度", "大客户流失数"],
        rows=[
            # 25 + 15 + 10 + 10 + 10 + 10 + 15 + 5 = 100
            ["S001", "马超", "客服部", 0.992, "92%", 0.5, "100%", 0, 4, 93, "0.5%"],
            # 20 + 15 + 10 + 5 + 5 + 10 + 15 + 5 = 85
            ["S002", "胡静", "客服部", 0.97, "90%", 1, "95%", 1, 3, 90, "1%"],
            # 20 + 10 + 0 + 5 + 0 + 0 + 10 + 0 = 45
            ["S003", "郭敏", "客服部", 0.95, "85%", 1.5, "90%", 2, 2, 85, "1.2%"],
            # 10 + 0 + 10 + 0 + 10 + 10 + 10 + 5 = 55
            ["S004", "宋佳", "客服部", 0.92, "79.9%", 0.8, "89%", 0, 5, 82, "0%"],
            # 0 + 10 + 10 + 5 + 0 + 10 + 10 + 0 = 45
            ["S005", "唐亮", "客服部", 0.899, "80%", 1, "99.5%", 3, 3, 80, "2%"],
        ],
        formats={"统一产品和服务行为模式的执行率": PCT1},
    ),
]


def workbook_bytes(sheet: Sheet) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet.title
    ws.append(sheet.header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in sheet.rows:
        ws.append(row)
    for col, head in enumerate(sheet.header, start=1):
        letter = ws.cell(row=1, column=col).column_letter
        ws.column_dimensions[letter].width = sheet.widths.get(head, max(8.0, 2.2 * len(head)))
        fmt = sheet.formats.get(head)
        if fmt is None:
            continue
        for r in range(2, len(sheet.rows) + 2):
            cell = ws.cell(row=r, column=col)
            if isinstance(cell.value, (int, float)):
                cell.number_format = fmt
    ws.freeze_panes = "D2"
    return fixed_bytes(wb, sheet.folder)


def fixed_bytes(wb: Workbook, name: str) -> bytes:
    """The workbook's bytes, the same on every build (fixed times and zip stamps)."""
    props = wb.properties
    props.creator = AUTHOR
    props.lastModifiedBy = AUTHOR
    props.title = f"kpiscore example: {name}"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    # Workbook.save() stamps ``modified`` with the current time; the writer it
    # calls does not, so call the writer directly to keep FIXED_TIME.
    buf = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED)).save()
    return _fixed_zip(buf.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """Repack the package with fixed member timestamps (openpyxl stamps the current time)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            dst.writestr(member, src.read(info.filename))
    return out.getvalue()


def sqlite_bytes(workbook: Path, table: str) -> bytes:
    """The rows of ``workbook`` as a SQLite table, each row's rowid its row number in the
    sheet (so results name the same rows), values as the workbook reads them."""
    import sqlite3
    import tempfile

    from kpiscore.io import open_table
    from kpiscore.io.cells import read_number

    with open_table(workbook) as source, tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "actuals.sqlite"
        db = sqlite3.connect(path)
        names = [str(h) for h in source.header]
        columns = ", ".join('"' + n.replace('"', '""') + '"' for n in names)
        db.execute(f'CREATE TABLE "{table}" ({columns})')
        for row in source.rows:
            cells = row.values + [None] * (len(names) - len(row.values))
            # SQLite has no cell formats: a percent-formatted 0.915 is stored as 91.5
            values = [str(read_number(v, True)) if i in row.percent else v
                      for i, v in enumerate(cells)]
            db.execute(f'INSERT INTO "{table}" (rowid, {columns}) VALUES (?, '
                       + ", ".join("?" * len(names)) + ")", [row.number, *values])
        db.commit()
        db.close()
        return path.read_bytes()


def main() -> None:
    sqlite = HERE / "sqlite-table" / "actuals.sqlite"
    sqlite.parent.mkdir(exist_ok=True)
    data = sqlite_bytes(HERE / "tech-support-manager" / "actuals.xlsx", "2024_06")
    if not sqlite.exists() or sqlite.read_bytes() != data:
        sqlite.write_bytes(data)
        print(f"wrote     {sqlite.relative_to(HERE.parent)}")
    for sheet in SHEETS:
        path = HERE / sheet.folder / "actuals.xlsx"
        data = workbook_bytes(sheet)
        if path.exists() and path.read_bytes() == data:
            print(f"unchanged {path.relative_to(HERE.parent)}")
            continue
        path.write_bytes(data)
        print(f"wrote     {path.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
