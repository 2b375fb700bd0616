"""Build the workbooks of the seed cards scored with their raters, surveys and periods.

Run from anywhere::

    python examples/build_seed_workbooks.py

Like ``build_across_workbooks.py`` (whose helpers it reuses), the files are
deterministic: running it again rewrites byte-identical files. The folders:

- ``tech-support-raters``: 003 with 员工评分 30% + 上级评分 70%, a row per rater;
- ``customer-service-raters``: 001 客服主管 with its 自评 / 上级 columns;
- ``customer-service-surveys``: 000 with 公司卡1, 2 and 4 answered, a sheet each;
- ``record-card-quarter``: 000's record card 7.1, a quarter from three months.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from build_across_workbooks import Sheet, workbook_bytes  # noqa: E402
from build_across_workbooks import main as write  # noqa: E402
from build_workbooks import PCT, PCT1  # noqa: E402

# -- 003: 员工评分 30% + 上级评分 70% ----------------------------------------------------------

TSM_TITLES = ["关键客户满意度评分", "客户投诉解决率", "首次响应时间达标率", "客户回访满意度",
              "重大服务事故发生次数", "技术问题一次性解决率", "复杂问题处理效率", "知识库贡献数量",
              "培训覆盖率", "跨部门协作有效性", "团队培训完成率", "团队绩效达标率", "员工流失率",
              "团队协作满意度", "团队流程优化建议采纳率", "服务流程优化次数", "新服务工具应用率",
              "客户反馈采纳率", "成本节约贡献", "创新服务提案数量"]
#: every indicator at its target: 100.00
AT_TARGET: list[Any] = [90, 0.95, 0.98, 85, 0, 0.80, 120, 5, 1, 0.90, 1, 0.85, 0.05, 80, 0.70,
                        2, 0.85, 0.60, 0.05, 1]
#: DOMAIN §12's worked person: 97.19
WORKED: list[Any] = [86, 0.91, 0.985, 80, 1, 0.75, 160, 3, 0.96, 0.92, 1, 0.80, 0.08, 82, 0.60,
                     1, 0.85, 0.50, 0.03, 0]
TSM_FORMATS = {t: PCT for t in ("客户投诉解决率", "技术问题一次性解决率", "培训覆盖率",
                                "跨部门协作有效性", "团队培训完成率", "团队绩效达标率",
                                "团队流程优化建议采纳率", "新服务工具应用率", "客户反馈采纳率",
                                "成本节约贡献", "员工流失率")}
TSM_FORMATS["首次响应时间达标率"] = PCT1

TSM_RATERS = Sheet(
    "季度考核", ["工号", "姓名", "部门", "评价人", *TSM_TITLES],
    [
        # E001: the employee 100.00, the supervisor 97.19 → 30 + 68.033 = 98.03
        ["E001", "张伟", "技术支持部", "员工", *AT_TARGET],
        ["E001", "张伟", "技术支持部", "上级", *WORKED],
        # E002: the other way round → 29.157 + 70 = 99.157 → 99.16
        ["E002", "李娜", "技术支持部", "上级", *AT_TARGET],
        ["E002", "李娜", "技术支持部", "员工", *WORKED],
        # E003: both agree on DOMAIN's figures → 97.19
        ["E003", "王磊", "技术支持部", "员工", *WORKED],
        ["E003", "王磊", "技术支持部", "上级", *WORKED],
        # E004: the supervisor has not rated yet → an error row naming the missing rater
        ["E004", "赵敏", "技术支持部", "员工", *AT_TARGET],
    ],
    formats=TSM_FORMATS,
)

# -- 001 客服主管: 自评 / 上级 columns for 行为考核 ---------------------------------------------

PERFORMANCE = ["统一产品和服务行为模式的执行率", "客户意见反馈及时率", "客户服务信息传递及时率",
               "客户回访率", "客户投诉解决速度", "服务流程改进建议被采纳次数", "客户满意度",
               "部门协作满意度", "大客户流失数"]
BEHAVIOUR = ["以客户为中心", "服务细致", "工作服从"]
KEFU = Sheet(
    "月度考核",
    ["工号", "姓名", "部门", *PERFORMANCE, *(f"{b}(自评)" for b in BEHAVIOUR),
     *(f"{b}(上级)" for b in BEHAVIOUR)],
    [
        # every item at its top band (105/105 → 70); behaviour 95 and 80 → 84.50 → 25.35:
        # 95.35
        ["K01", "王芳", "客服部", 0.995, 0.92, 1, 1, 0, 4, 93, 91, 0.008,
         "5级", "4级", "5级", "4级", "3级", "5级"],
        # 20+10+0+5+5+0+10+0+5 = 55/105 → 36.67; behaviour 3级,4级,4级 both → 70 → 21.00:
        # 57.67 (DOMAIN §3's bands: 97 → 20, 85 → 10)
        ["K02", "李强", "客服部", 0.97, 0.85, 0.98, 0.95, 0.5, 2, 88, 88, 0.008,
         "3级", "4级", "4级", "3级", "4级", "4级"],
        # 25+15+10+10+10+10+15+5+0 = 100/105 → 66.67; self 100, supervisor 55 (2,3,3 →
        # 15+20+20) → 30 + 38.5 = 68.50 → 20.55: 87.22
        ["K03", "张丽", "客服部", 0.99, 0.9, 1, 1, 0, 3, 90, 90, 0.015,
         "5", "5", "5", "2级", "3级", "3级"],
    ],
    formats={"统一产品和服务行为模式的执行率": PCT1, "客户意见反馈及时率": PCT,
             "客户服务信息传递及时率": PCT, "客户回访率": PCT, "大客户流失数": PCT1},
)

# -- 000: 公司卡1, 2, 4 answered; 公司卡3 counted -------------------------------------------

DEPARTMENTS = Sheet(
    "考核表",
    ["工号", "部门", "部门实际费用", "部门预算费用", "客户服务活动实际费用", "客户服务活动预算费用",
     "客户资料库的建立与及时更新", "客户资料分析报告", "与增值服务供应商的沟通、交流",
     "部门人员的培训时间", "项目间的知识分享,交流活动的次数"],
    [
        # every KPI scores 5 but 内部客户满意度 (公司卡1: DOMAIN §9, 5) and the
        # surveys below: see README.md
        ["D01", "客户服务部(总部)", 95000, 100000, 48000, 50000, 26, 5, 12, 44, 12],
        ["D02", "客户服务部(华东)", 100000, 100000, 50000, 50000, 24, 4, 10, 40, 10],
    ],
)
#: 被评部门, 评估部门, three answers
CARD1 = Sheet("公司卡1", ["被评部门", "评估部门", "工作范围内与合作者相处程度",
                         "解决问题的积极性、主动性、工作灵活性", "工作的纪律性"], [
    # DOMAIN §9: (A,B,A), (B,B,C), (A,A,B) → 39/45 = 86.67% > 80% → 5
    ["D01", "市场营销部", "A", "B", "A"],
    ["D01", "人力资源部", "B基本满意", "B", "C"],
    ["D01", "项目一部", "A非常满意", "A", "B"],
    # D02: (B,B,B), (C,B,B) → 23/30 = 76.67% ≥ 64% (80% of 80) → 3
    ["D02", "市场营销部", "B", "B", "B"],
    ["D02", "项目一部", "C尚可", "4", "B"],
])
CARD2 = Sheet("公司卡2", ["被评部门", "问卷编号", "对本公司的产品和服务的满意程度",
                         "对规划设计的满意度", "您对本公司的某项目了解吗", "对公司品牌的了解"], [
    # D01: (A,B | A,B) = 5+4+10+8 = 27, (B,B | C,D) = 4+4+6+4 = 18 → 45/60 = 75% → 3
    ["D01", "W001", "A非常满意", "B", "A印象很深", "B基本了解"],
    ["D01", "W002", "B", "基本满意", "C", "听说过"],
    # D02: (A,A | A,A) = 30, (A,B | B,A) = 27 → 57/60 = 95% → 5
    ["D02", "W101", "A", "A", "A", "A"],
    ["D02", "W102", "A", "B", "B基本了解", "A"],
])
CARD4 = Sheet("公司卡4", ["被评部门", "评估人", "制度的完善性", "制度的灵活性",
                         "制度监督执行的有效性"], [
    # D01: (A,A,B) → 14/15 = 93.33% → 5; D02: (B,B,B) → 12/15 = 80% → 4
    ["D01", "主管副总", "A", "A", "B"],
    ["D02", "主管副总", "B", "B", "B"],
])

# -- 000 record card 7.1: three months into a quarter ------------------------------------------

RECORD_HEADER = ["工号", "部门", "客户资料库更新的相关记录次数", "分析报告数量"]
RECORD_MONTHS = {
    # D01: updates 2+2+3 = 7 → 5, reports 0+0+1 = 1 → 4: 90.00
    # D02: updates 2+2+2 = 6 → 4, reports 1+1+0 = 2 → 5: 90.00
    # D03: updates 1+1+2 = 4 < 4.8 → 2, reports 0+0+0 = 0 → 2: 40.00
    "2024-01": [["D01", "客户服务部(总部)", 2, 0], ["D02", "客户服务部(华东)", 2, 1],
                ["D03", "客户服务部(华南)", 1, 0]],
    "2024-02": [["D01", "客户服务部(总部)", 2, 0], ["D02", "客户服务部(华东)", 2, 1],
                ["D03", "客户服务部(华南)", 1, 0]],
    "2024-03": [["D01", "客户服务部(总部)", 3, 1], ["D02", "客户服务部(华东)", 2, 0],
                ["D03", "客户服务部(华南)", 2, 0]],
}


def build() -> dict[str, bytes]:
    out = {
        "tech-support-raters/actuals.xlsx": workbook_bytes("tech-support-raters", [TSM_RATERS]),
        "customer-service-raters/actuals.xlsx": workbook_bytes("customer-service-raters",
                                                               [KEFU]),
        "customer-service-surveys/actuals.xlsx": workbook_bytes(
            "customer-service-surveys", [DEPARTMENTS, CARD1, CARD2, CARD4]),
    }
    for month, rows in RECORD_MONTHS.items():
        out[f"record-card-quarter/{month}.xlsx"] = workbook_bytes(
            f"record-card-quarter {month}", [Sheet("业务记录卡7.1", RECORD_HEADER, rows)])
    return out


if __name__ == "__main__":
    write(build())
