"""Build the workbooks of examples/calibration: the actuals and the calibration moves.

Run from anywhere::

    python examples/build_calibration_workbooks.py

Deterministic like ``build_workbooks.py`` and ``build_across_workbooks.py`` (whose
fixed timestamps and sheet writer it reuses): running it again rewrites
byte-identical files.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_across_workbooks import Sheet, main, workbook_bytes  # noqa: E402

# 10 people, 业绩 of 70 + 行为 of 30; quotas A 20% / B 70% / C 10% = 2 / 7 / 1
PEOPLE = Sheet("季度考核", ["工号", "姓名", "部门", "业绩得分", "行为得分", "奖金基数"], [
    ["K01", "陈晨", "客服一部", 68, 28, 2000],  # 96 → A, quota A
    ["K02", "林雪", "客服一部", 65, 28, 2000],  # 93 → A, quota A
    ["K03", "黄磊", "客服二部", 64, 27, 2000],  # 91 → A, quota B (3rd); calibrated → A
    ["K04", "赵雷", "客服二部", 62, 26, 2000],  # 88 → B
    ["K05", "周婷", "客服一部", 60, 25, 2000],  # 85 → B
    ["K06", "吴昊", "客服二部", 57, 25, 2000],  # 82 → B
    ["K07", "郑爽", "客服一部", 56, 24, 2000],  # 80 → B
    ["K08", "王凯", "客服二部", 54, 23, 2000],  # 77 → B
    ["K09", "刘芳", "客服一部", 50, 22, 2000],  # 72 → C, quota B; calibrated → C
    ["K10", "孙悦", "客服二部", 45, 20, 2000],  # 65 → C, quota C
])

# HR's calibration meeting: two moves, each with its reason and who decided it
MOVES = Sheet("校准", ["工号", "姓名", "原等级", "调整后等级", "原因", "调整人"], [
    ["K03", "黄磊", "B", "A", "主导客户系统迁移项目,季度关键贡献未体现在指标中", "张总监"],
    ["K09", "刘芳", "B", "C", "两次重大客户投诉经复核属实,未计入考核数据", "张总监"],
])


def build() -> dict[str, bytes]:
    return {
        "calibration/actuals.xlsx": workbook_bytes("calibration", [PEOPLE]),
        "calibration/calibration.xlsx": workbook_bytes("calibration moves", [MOVES]),
    }


if __name__ == "__main__":
    main(build())
