"""Every word the report shows, in English and Chinese (``--lang``): sheet names,
headings, column heads, the cards' labels. The scheme's own titles and the
user's data are shown as they are written."""

from __future__ import annotations

from kpiscore.base.i18n import Phrase

# sheets
SUMMARY = Phrase("Summary", "汇总")
DISTRIBUTION = Phrase("Distribution", "分布")
ERRORS = Phrase("Errors", "错误")
NOT_ON_CARD = Phrase("Not on the card", "原表说明")
CALIBRATION = Phrase("Calibration", "校准")
CALIBRATION_HEADING = Phrase("Calibration: {moves} moves from {source}",
                             "绩效校准:{source} 中的 {moves} 项调整")
CALIBRATION_COUNTS = Phrase("Grades before and after calibration",
                            "校准前后各等级人数")
BANDED = Phrase("Banded", "按分数段")
ASSIGNED = Phrase("By the quotas", "按强制分布")
FINAL = Phrase("Final", "校准后")
FROM_GRADE = Phrase("From", "原等级")
TO_GRADE = Phrase("To", "调整后等级")
REASON = Phrase("Reason", "原因")
BY = Phrase("By", "调整人")
PEOPLE_COUNT = Phrase("{what} ({count} people)", "{what} ({count} 人)")
WEIGHTED = Phrase("{title} (weight {weight}%)", "{title} (权重 {weight}%)")

# columns
ROW = Phrase("Row", "行")
ID = Phrase("ID", "工号")
NAME = Phrase("Name", "姓名")
DEPARTMENT = Phrase("Department", "部门")
TOTAL = Phrase("Total", "总分")
GRADE = Phrase("Grade", "等级")
QUOTA_GRADE = Phrase("Forced grade", "强制分布等级")
CALIBRATED = Phrase("Calibrated", "校准")
CALIBRATED_GRADE = Phrase("Calibrated grade", "校准后等级")
CALIBRATION_MOVE = Phrase("{before} → {after}", "{before} → {after}")
CALIBRATION_NOTE = Phrase("from {before}: {reason}{by}", "原为 {before}:{reason}{by}")
CALIBRATION_BY = Phrase(" (by {by})", "(调整人:{by})")
RANK = Phrase("Rank", "排名")
DEPARTMENT_RANK = Phrase("Dept. rank", "部门排名")
PASSED = Phrase("Passed", "是否达标")
STATUS = Phrase("Status", "状态")
REMARKS = Phrase("Remarks", "说明")
PAY = Phrase("Performance pay", "绩效工资")
ACTUAL = Phrase("Actual", "实际")
POINTS = Phrase("Points", "得分")
GROUP_SCORE = Phrase("Score", "维度得分")
CONTRIBUTION = Phrase("Counts", "贡献")
WHERE = Phrase("Where", "位置")
FIELD = Phrase("Field", "字段")
MESSAGE = Phrase("Message", "说明")
NONE = Phrase("(none)", "（无）")

# words in cells
SCORED = Phrase("scored", "已评分")
VETOED = Phrase("vetoed", "否决")
NOT_SCORED = Phrase("not scored", "未能评分")
YES = Phrase("passed", "达标")
NO = Phrase("not passed", "未达标")

# the distribution
PEOPLE = Phrase("People", "人数")
MEAN = Phrase("Mean", "平均分")
LOWEST = Phrase("Lowest", "最低分")
HIGHEST = Phrase("Highest", "最高分")
SHARE = Phrase("Share", "占比")
RANGE = Phrase("Total", "总分区间")
GRADES_CHART = Phrase("Grades", "等级分布")
TOTALS_CHART = Phrase("Totals", "总分分布")

# the card
CARD_EMPLOYEE = Phrase("Employee", "被考核人")
CARD_PERIOD = Phrase("Period", "考核周期")
CARD_INDICATOR = Phrase("Indicator", "考核指标")
CARD_WEIGHT = Phrase("Weight", "权重")
CARD_TARGET = Phrase("Target", "目标")
CARD_HOW = Phrase("How it was scored", "评分说明")
CARD_GROUP = Phrase("{title}    weight {weight}%    score {score}    counts {counts}",
                    "{title}　权重 {weight}%　得分 {score}　计 {counts}")
CARD_GROUP_UNSCORED = Phrase("{title}    weight {weight}%", "{title}　权重 {weight}%")
CARD_FULL = Phrase("Full marks", "满分")
CARD_RANK = Phrase("{rank} of {of}", "{of} 人中第 {rank}")
CARD_AT_MIN = Phrase("at its minimum", "按下限")
CARD_AT_MAX = Phrase("at its maximum", "按上限")
CARD_VETO = Phrase("Veto", "否决")
CARD_COMMENTS = Phrase("Assessor's comments", "考核意见")
CARD_SIGNED_EMPLOYEE = Phrase("Employee (signature)", "被考核人（签名）")
CARD_SIGNED_ASSESSOR = Phrase("Assessor (signature)", "考核人（签名）")
CARD_DATE = Phrase("Date", "日期")
CARD_FOOTER = Phrase("{who} · scored by kpiscore with the scheme {scheme}",
                     "{who} · 由 kpiscore 按考核方案 {scheme} 计算")
CARD_ROW = Phrase("row {row}", "第 {row} 行")
NO_DEPARTMENT = Phrase("no department", "未分部门")

# what happened to the cards
CARDS_LEFT_OUT = Phrase(
    "the report holds no cards: {count} people are more than the {most} it holds; write "
    "each person's card with --cards DIR (one file a person, or --cards-by department)",
    "报告中不含考核卡:{count} 人超过报告可容纳的 {most} 张;可用 --cards 目录 为每人单独"
    "生成考核卡文件(或 --cards-by department 按部门)")
CARDS_FAILED = Phrase("cannot write the cards to {folder}: {error}",
                      "无法把考核卡写入 {folder}:{error}")
CARDS_WRITTEN = Phrase("wrote {count} cards in {files} files to {folder}",
                       "已写入 {count} 张考核卡({files} 个文件)到 {folder}")
