"""English and Chinese labels for the terminal: table headers, report labels, messages.

A plain dictionary of short keys to :class:`Phrase` objects (the text in every
language), no gettext and no third-party code, so that the core may use it too;
each phrase has the same ``{placeholders}`` in every language (a test checks).
Scheme titles are shown as the
scheme writes them and never translated; the engine's one-line explanations
are part of the JSON contract and stay as they are::

    from kpiscore.base.i18n import t
    t("total", "zh")                          # '总分'
    t("summary.rows", "en", rows=3, ok=3, error=0)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple, cast

from kpiscore.base.numbers import plain, readable

#: The languages kpiscore speaks; the first is the default.
LANGS = ("en", "zh")
DEFAULT = "en"
#: Where the CLI keeps the chosen language (``click.Context.meta``).
META_KEY = "kpiscore.lang"


class Phrase(NamedTuple):
    """One sentence or phrase in every language kpiscore speaks, with ``{placeholders}``
    (the same in each). Calling it with values gives a :class:`Text`."""

    en: str
    zh: str

    def pick(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def __call__(self, precision: int | None = None, /, **values: object) -> Text:
        return Text(self, values, precision)


CATALOG: dict[str, Phrase] = {
    # the top-level group
    "cli.help": Phrase("Score employees' KPIs from a YAML scheme and an actuals spreadsheet.\n\n"
                       "\b\nExit codes: 0 ok · 1 findings (invalid scheme, rows that could not "
                       "be\nscored) · 2 usage error or unreadable input.",
                       "按 YAML 考核方案和实际数据表格,为员工的 KPI 精确计分。\n\n"
                       "退出码:0 正常 · 1 有问题(方案无效,或有行无法计分)· "
                       "2 用法错误或输入无法读取。"),
    "cli.epilog": Phrase("Run kpiscore COMMAND --help for a command's options. Labels and "
                         "messages are in English or Chinese: --lang en|zh (default: zh when "
                         "the locale, LC_ALL, LC_MESSAGES or LANG, starts with zh). Shell "
                         "completion: see docs/completion.md.",
                         "运行 kpiscore 命令 --help 查看该命令的选项。标签和消息可用中文或英文:"
                         "--lang zh|en(默认:区域设置 LC_ALL、LC_MESSAGES 或 LANG 以 zh "
                         "开头时为中文)。"
                         "Shell 补全:见 docs/completion.md。"),
    "cli.commands": Phrase("Commands", "命令"),
    # tables (render.py)
    "row": Phrase("row", "行"),
    "id": Phrase("id", "工号"),
    "name": Phrase("name", "姓名"),
    "department": Phrase("department", "部门"),
    "total": Phrase("total", "总分"),
    "grade": Phrase("grade", "等级"),
    "pay": Phrase("pay", "工资"),
    "status": Phrase("status", "状态"),
    "status.ok": Phrase("ok", "正常"),
    "status.veto": Phrase("veto", "否决"),
    "status.error": Phrase("error", "错误"),
    "summary.rows": Phrase("{rows} rows: {ok} scored, {error} with errors",
                           "共 {rows} 行:{ok} 行已计分,{error} 行有错误"),
    "summary.stats": Phrase("; mean {mean}, min {min}, max {max}",
                            ";平均 {mean},最低 {min},最高 {max}"),
    "table.hidden": Phrase("not shown, to fit the terminal: {columns} (a wider window, or "
                           "--format csv, shows every column)",
                           "为适应终端宽度未显示:{columns}"
                           "(加宽窗口或用 --format csv 可看到全部列)"),
    "veto.for": Phrase("veto for {id}: {reason} ({outcome})", "{id} 被否决:{reason}({outcome})"),
    "calibrated": Phrase("calibrated", "校准后"),
    "calibration.for": Phrase("calibration of {id}: {before} → {after}: {reason}{by}",
                              "{id} 校准:{before} → {after}:{reason}{by}"),
    "calibration.by": Phrase(" (by {by})", "(调整人:{by})"),
    "calibration.counts": Phrase("grades banded / by the quotas / after calibration: {counts}",
                                 "等级人数 按分数段 / 按强制分布 / 校准后:{counts}"),
    "library.title": Phrase("{count} shipped schemes (kpiscore init ID -o my.yaml)",
                            "{count} 个内置方案(kpiscore init ID -o my.yaml)"),
    "library.matching": Phrase("{count} shipped schemes match {name!r} (kpiscore schemes ID "
                               "shows one)",
                               "{count} 个内置方案与 {name!r} 相符(kpiscore schemes 编号 "
                               "可查看其中一个)"),
    "library.yaml_one": Phrase("--format yaml shows one scheme: give its NAME",
                               "--format yaml 只显示一个方案:请给出它的名称"),
    "library.id": Phrase("id", "编号"),
    "title": Phrase("title", "名称"),
    "roles": Phrase("roles", "岗位"),
    "period": Phrase("period", "周期"),
    "indicators": Phrase("indicators", "指标数"),
    "origin": Phrase("origin", "来源类型"),
    "file": Phrase("file", "文件"),
    "source": Phrase("source", "出处"),
    "dimension": Phrase("dimension", "维度"),
    "indicator": Phrase("indicator", "指标"),
    "weight": Phrase("weight", "权重"),
    "target": Phrase("target", "目标"),
    "full": Phrase("full", "满分"),
    "scoring": Phrase("scoring", "计分方法"),
    "veto": Phrase("veto", "否决"),
    "grades": Phrase("grades", "等级"),
    "weights.normalise": Phrase("weights: normalise — the printed weights are scored as "
                                "printed, each level × 100/its sum (kpiscore evaluate "
                                "names the factors)",
                                "weights: normalise — 按原表权重计分,各层权重乘以 100/其合计"
                                "(kpiscore evaluate 会给出系数)"),
    # explain
    "explain.person": Phrase("{who} · {scheme}", "{who} · {scheme}"),
    "explain.section": Phrase("{title} ({id}): score {score} × {weight}%{scale} = {contribution}",
                              "{title}({id}):得分 {score} × {weight}%{scale} = {contribution}"),
    "explain.dimension": Phrase("{title} ({id}): {mean} {score} × {weight}%{scale} = "
                                "{contribution}",
                                "{title}({id}):{mean} {score} × {weight}%{scale} = {contribution}"),
    "explain.dimension.unscored": Phrase("{title} ({id}): not scored ({weight}%)",
                                         "{title}({id}):未计分({weight}%)"),
    "explain.mean": Phrase("mean", "平均"),
    "explain.weighted_mean": Phrase("weighted mean", "加权平均"),
    "explain.of_scale": Phrase(" of {scale}", "(满分 {scale})"),
    "explain.indicator": Phrase("{title} ({id}): {actual} → {points} of {full}",
                                "{title}({id}):{actual} → {points} 分(满分 {full})"),
    "explain.indicator.unscored": Phrase("{title} ({id}): {actual} → not scored",
                                         "{title}({id}):{actual} → 未计分"),
    "explain.no_actual": Phrase("no actual", "无实际值"),
    "explain.rule": Phrase("rule: {summary}{target}", "规则:{summary}{target}"),
    "explain.rule.target": Phrase("; target {target}, {better} is better",
                                  ";目标 {target},{better}"),
    "explain.better.higher": Phrase("higher", "越高越好"),
    "explain.better.lower": Phrase("lower", "越低越好"),
    "explain.formula": Phrase("actual = {formula}", "实际值 = {formula}"),
    "explain.contribution": Phrase("contribution: {points}/{full} × {weight}%{scale} = "
                                   "{contribution}",
                                   "贡献:{points}/{full} × {weight}%{scale} = {contribution}"),
    "explain.total": Phrase("total: {parts} = {total}", "总分:{parts} = {total}"),
    "explain.total.exact": Phrase(" (exactly {exact}, rounded half up)",
                                  "(精确值 {exact},四舍五入)"),
    "explain.total.vetoed": Phrase("total: {parts} = {total} → {zero} (veto)",
                                   "总分:{parts} = {total} → {zero}(否决)"),
    "explain.total.none": Phrase("total: not scored", "总分:未计分"),
    "explain.veto.none": Phrase("veto: none", "否决:无"),
    "explain.veto.fired": Phrase("veto: {reason} → {outcome}", "否决:{reason} → {outcome}"),
    "explain.veto.by": Phrase(" (fired by {rater}'s rating)", "(由{rater}的评分触发)"),
    "explain.outcome.zero": Phrase("total 0", "总分为 0"),
    "explain.outcome.lowest_grade": Phrase("lowest grade", "最低等级"),
    "explain.grade": Phrase("grade: {total} {op} {bound} → {grade}",
                            "等级:{total} {op} {bound} → {grade}"),
    "explain.grade.last": Phrase("grade: {total} is below every other band → {grade}",
                                 "等级:{total} 低于其他各档 → {grade}"),
    "explain.grade.veto": Phrase("grade: vetoed → {grade} (the lowest)",
                                 "等级:被否决 → {grade}(最低等级)"),
    "explain.grade.none": Phrase("grade: the scheme names no grades", "等级:方案未设等级"),
    "explain.pay": Phrase("pay: {formula} = {pay}{values}", "工资:{formula} = {pay}{values}"),
    "explain.pay.values": Phrase(" with {values}", "(其中 {values})"),
    "explain.pay.none": Phrase("pay: not in the scheme", "工资:方案未设工资公式"),
    "explain.errors": Phrase("errors", "错误"),
    "explain.grade.quota": Phrase("; forced distribution → {grade}", ";强制分布 → {grade}"),
    "explain.calibrated": Phrase("; calibrated → {grade}: {reason}{by} ({where})",
                                 ";校准 → {grade}:{reason}{by}({where})"),
    "explain.calibrated.by": Phrase(", by {by}", ",调整人 {by}"),
    "explain.grade.advisory": Phrase(" (forced distribution would give {grade}; advisory)",
                                     "(强制分布下为 {grade};仅供参考)"),
    "explain.pass.yes": Phrase("pass: {total} ≥ {mark} → passed",
                               "合格线:{total} ≥ {mark} → 合格"),
    "explain.pass.no": Phrase("pass: {total} < {mark} → not passed",
                              "合格线:{total} < {mark} → 不合格"),
    "explain.pass.veto": Phrase("pass: vetoed → not passed", "合格线:被否决 → 不合格"),
    "explain.rank": Phrase("rank: {rank} of {of}", "排名:{of} 人中第 {rank}"),
    "explain.rank.department": Phrase("; {rank} of {of} in the department",
                                      ";部门 {of} 人中第 {rank}"),
    "explain.pay_line": Phrase("{title}: {formula} = {amount}", "{title}:{formula} = {amount}"),
    "explain.capped": Phrase(" (at its {cap})", "(已达{cap}限)"),
    "explain.raters": Phrase("raters", "评分人"),
    "explain.rater": Phrase("{title} ({id}): {total} × {weight}% = {contribution}",
                            "{title}({id}):{total} × {weight}% = {contribution}"),
    "explain.rater.missing": Phrase("{title} ({id}): no rating", "{title}({id}):无评分"),
    "explain.rater.uncombined": Phrase("{title} ({id}): {total}, not combined (a rater is "
                                       "missing)",
                                       "{title}({id}):{total},未合计(缺少评价人)"),
    "explain.rating": Phrase("{source} row {row}{period}: total {total}",
                             "{source} 第 {row} 行{period}:总分 {total}"),
    "explain.rating.indicator": Phrase("{title} ({id}): {actual} → {points}",
                                       "{title}({id}):{actual} → {points}"),
    "explain.rating.dropped": Phrase("{title} ({id}): {actual} → {points}, dropped (a highest "
                                     "or lowest)",
                                     "{title}({id}):{actual} → {points},已去掉(最高分或最低分)"),
    "explain.rater.drops": Phrase(" (each indicator's highest and lowest dropped)",
                                  "(各指标去掉一个最高分、一个最低分)"),
    "explain.periods": Phrase("periods", "各期"),
    "explain.period": Phrase("{period} ({source}): total {total}",
                             "{period}({source}):总分 {total}"),
    "explain.period.weighted": Phrase("{period} ({source}): total {total}, weight {weight}%",
                                      "{period}({source}):总分 {total},权重 {weight}%"),
    # whatif
    "whatif.goal.total": Phrase("goal: total ≥ {total}", "目标:总分 ≥ {total}"),
    "whatif.goal.grade": Phrase("goal: grade {grade} (total ≥ {total})",
                                "目标:等级 {grade}(总分 ≥ {total})"),
    "whatif.now": Phrase("now: total {total}{grade}", "当前:总分 {total}{grade}"),
    "whatif.reached": Phrase("{who} already reaches the goal", "{who} 已达到目标"),
    "whatif.top": Phrase("{who} already has the top grade {grade}; give --grade or --total",
                         "{who} 已是最高等级 {grade};请用 --grade 或 --total 指定目标"),
    "whatif.needed": Phrase("needed", "需要达到"),
    "whatif.actual": Phrase("actual", "实际值"),
    "whatif.points": Phrase("points", "得分"),
    "whatif.then": Phrase("total then", "届时总分"),
    "whatif.unreachable": Phrase("not reachable with this indicator alone", "仅靠此指标无法达到"),
    "whatif.summary": Phrase("{reachable} of {count} indicators can reach the goal alone "
                             "(holding the others)",
                             "{count} 个指标中有 {reachable} 个单独改进即可达到目标(其他指标不变)"),
    # diff
    "diff.old": Phrase("old", "原"),
    "diff.new": Phrase("new", "新"),
    "diff.change": Phrase("change", "变化"),
    "diff.moved": Phrase("{people} people: {moved} move ({up} up, {down} down), {same} unchanged",
                         "共 {people} 人:{moved} 人变动({up} 人上升,{down} 人下降),{same} 人不变"),
    "diff.mean": Phrase("; mean change {mean}", ";平均变化 {mean}"),
    "diff.grades": Phrase("grade changes: {count}", "等级变化:{count} 人"),
    "diff.grade_move": Phrase("  {old} → {new}: {count}", "  {old} → {new}:{count} 人"),
    "diff.missing": Phrase("not scored", "未计分"),
    # messages
    "msg.no_person": Phrase("no person with id {id} in {file}", "{file} 中没有工号为 {id} 的人"),
    "msg.not_scored": Phrase("{who} could not be scored ({errors} problem(s) above); whatif "
                             "needs a row that scores",
                             "{who} 无法计分(见上方 {errors} 个问题);whatif 需要能计分的行"),
    "msg.no_grades": Phrase("the scheme names no grades: give --total",
                            "方案未设等级:请用 --total 指定目标"),
    "msg.unknown_grade": Phrase("no grade named {grade!r} (grades: {grades})",
                                "没有名为 {grade!r} 的等级(等级:{grades})"),
    "msg.grade_no_min": Phrase("grade {grade!r} has no lower bound: every total reaches it",
                               "等级 {grade!r} 没有下限:任何总分都能达到"),
    "msg.one_goal": Phrase("give --grade or --total, not both", "--grade 与 --total 只能给一个"),
}

#: Short help of each command in the command list of ``kpiscore --help`` (Chinese only:
#: English comes from the commands' own docstrings).
ZH_COMMANDS: dict[str, str] = {
    "batch": "按清单(MANIFEST)中的方案和数据文件批量计分",
    "evaluate": "用方案为实际数据表(.xlsx 或 .csv)的每一行计分",
    "validate": "检查方案文件(及其所在文件夹)中的错误",
    "schemes": "列出内置方案,或显示某一个方案",
    "init": "从内置方案开始编写自己的方案",
    "template": "为方案生成空白的实际数据表",
    "schema": "输出方案格式的 JSON Schema(供编辑器使用)",
    "explain": "逐步解释一个人的得分:维度、指标、规则、算式、总分、否决、等级、工资",
    "whatif": "要达到下一等级(或指定总分),每个指标各需达到多少",
    "diff": "比较修改前后的方案:谁的总分和等级变了、变了多少",
    "import": "根据部门现有的考核表(.xlsx 或 .csv)起草方案",
}

#: Help text of every command in Chinese (a test checks that each command has one).
ZH_HELP: dict[str, str] = {
    "evaluate": "用 SCHEME(.yaml 方案文件,或内置方案的 id)为 ACTUALS(.xlsx、.csv 或 SQLite "
                "数据库)的每一行计分。多个 ACTUALS 是多个周期(每月一个文件……),按方案的 rollup "
                "汇总。- 表示从标准输入读取其中一个(或方案)。\n\n"
                "每一输入行都出现在结果中:计了分,或带着它的错误。错误也以 工作表!单元格: 说明 "
                "的形式列在标准错误上;有任何一行无法计分(或某份问卷答复对不上人)时退出码为 1。",
    "validate": "检查方案文件(及其所在文件夹)中的错误;- 表示从标准输入读取方案。\n\n"
                "每个问题以 文件:行:列: 级别: 说明 (代码) 输出到标准输出,数量输出到标准错误。"
                "所有方案都有效时退出码为 0,有错误(或用了 --strict 时有警告)时为 1,"
                "路径无法读取时为 2。",
    "schemes": "列出内置方案,或显示 NAME 所指的那一个:它的 id、标题、岗位(客服主管)"
               "或标题的一部分。NAME 对应多个方案时列出它们。\n\n"
               "kpiscore schemes                        所有内置方案\n"
               "kpiscore schemes 客服主管                某个岗位的方案\n"
               "kpiscore schemes customer-service-supervisor   某一个方案的详情\n"
               "kpiscore schemes tech-support-manager -f yaml > my.yaml",
    "init": "从内置方案开始编写自己的方案:NAME 是它的 id、标题,或只对应一个方案的岗位"
            "(技术支持经理;kpiscore schemes 岗位 列出某岗位的方案)。\n\n"
            "复制的是内置文件本身,注释也在;修改后用 kpiscore validate 检查。",
    "template": "为 SCHEME(方案文件或内置方案的 id)生成空白的实际数据表。\n\n"
                "工作簿有 工号 / 姓名 / 部门 三列,方案读取的每个值一列,表头为 \"标题 (id)\";"
                "每个表头的批注写明单位、目标和规则;等级输入有下拉列表;说明工作表解释其余内容。"
                "填好后原样交给 kpiscore evaluate。",
    "schema": "输出方案格式的 JSON Schema(供编辑器使用:VS Code 的 YAML 扩展会检查并补全"
              "第一行为 `# yaml-language-server: $schema=kpiscore.schema.json` 的方案)。",
    "batch": "按 MANIFEST(列出各方案及其实际数据的 YAML 文件,或按岗位选方案的人员名单)"
             "逐项计分,并以原子方式写出每项的结果(json、jsonl、csv、xlsx)。\n\n"
             "一项失败不会停止其他各项。标准错误上的汇总说明计了哪些分、哪些失败及原因。"
             "每一项的每一行都计了分时退出码为 0,有行或项失败时为 1,清单无法使用、"
             "某项的输入无法读取或结果无法写出时为 2。清单中的路径相对于清单所在文件夹"
             "(- 表示从标准输入读取清单:相对于当前文件夹);结果留在该文件夹内,"
             "除非清单的 output_folders: 列出了其他文件夹;不是 kpiscore batch 写出的已有文件"
             "绝不会被替换(--force 才替换)。同一个月再运行一次写出相同的字节。"
             "进度只在终端上显示。见 docs/batch.md。",
    "import": "根据 CARD(部门现有的考核表,.xlsx 或 .csv)起草方案:它的指标、权重、目标"
              "和评分标准表格。\n\n"
              "评分标准的每种常见写法(超出标准5分/达标4分…、每低1分扣0.5分、大于99%得25分…、"
              "1级10分…)都变成带数字的规则。每个指标保留原表的单元格和文字;考核表没写明的"
              "标为 todo,在有人补全之前 kpiscore validate 会拒绝这份草稿。标准错误上的汇总"
              "说明多少指标完整读出、部分读出和未能读出。\n\n"
              "草稿完整有效时退出码为 0,有 todo 或其他问题时为 1(草稿仍会写出),"
              "CARD 无法读取或其中没有考核表时为 2。",
    "explain": "逐步解释 ACTUALS 中工号为 ID 的人的得分:维度 → 指标 → 规则 → 算式 → "
               "贡献 → 总分 → 否决 → 等级 → 工资。\n\n终端中显示为树;--format json 或 "
               "markdown 便于保存和转发。",
    "whatif": "对 ACTUALS 中工号为 ID 的人,计算每个指标各需达到多少实际值才能达到下一等级"
              "(或 --grade 指定的等级、--total 指定的总分),其他指标保持不变。\n\n"
              "每个答案都用该实际值重新计分验证;仅靠一个指标达不到时会注明。",
    "diff": "用同一份 ACTUALS 比较 OLD 与 NEW 两个方案:谁的总分变了、变了多少,"
            "等级变化的人数。",
}

#: Help of every option in Chinese, by its English help (a test checks that every option
#: of every command has one); ``kpiscore --lang zh COMMAND --help`` shows these.
ZH_OPTIONS: dict[str, str] = {
    "Show the version and exit.": "显示版本并退出。",
    "Show this message and exit.": "显示此帮助并退出。",
    "Language of labels and messages: en or zh (default: zh when the locale, LC_ALL, "
    "LC_MESSAGES or LANG, starts with zh, else en).":
        "标签和消息的语言:en(英文)或 zh(中文)(默认:区域设置 LC_ALL、LC_MESSAGES 或 LANG "
        "以 zh 开头时为 zh,否则为 en)。",
    "Language of labels and messages: en or zh.": "标签和消息的语言:en(英文)或 zh(中文)。",
    "Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never. "
    "Every command takes it too.":
        "输出是否着色:auto(在终端上着色,除非设置了 NO_COLOR)、always(总是)或 never(从不)。"
        "每个命令也都接受此选项。",
    "Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never.":
        "输出是否着色:auto(在终端上着色,除非设置了 NO_COLOR)、always(总是)或 never(从不)。",
    "Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never.  "
    "[default: auto]":
        "输出是否着色:auto(在终端上着色,除非设置了 NO_COLOR)、always(总是)或 never(从不)。"
        "  [默认:auto]",
    "Colour the summary: auto (on a terminal, unless NO_COLOR is set), always or never.":
        "汇总是否着色:auto(在终端上着色,除非设置了 NO_COLOR)、always(总是)或 never(从不)。",
    "Survey responses (.xlsx or .csv) for the scheme's surveys; SURVEY= for one survey only. "
    "Default: the sheet each survey names in ACTUALS.":
        "方案中问卷的答复(.xlsx 或 .csv);SURVEY= 表示只用于某一份问卷。"
        "默认:ACTUALS 中各问卷指定的工作表。",
    "Calibration moves (.xlsx or .csv: 工号, 调整后等级, 原因, 调整人), applied after the grades "
    "and quotas; every output shows each move with its reason (docs/scheme.md#calibration).":
        "绩效校准的调整(.xlsx 或 .csv:工号、调整后等级、原因、调整人),在定级和强制分布之后应用;"
        "每种输出都列出每项调整及其原因(docs/scheme.md#calibration)。",
    "Calibration moves (工号, 调整后等级, 原因, 调整人), applied as evaluate --calibration "
    "applies them: the grade line shows the move.":
        "绩效校准的调整(工号、调整后等级、原因、调整人),按 evaluate --calibration 的方式应用:"
        "等级一行显示这次调整。",
    "Output format. Default: from the -o file's suffix (.csv, .jsonl, .xlsx, else json); table "
    "on a terminal; json when piped. xlsx: a report for people (needs -o; docs/report.md).":
        "输出格式。默认:按 -o 文件的后缀(.csv、.jsonl、.xlsx,其他为 json);在终端上为 table,"
        "管道中为 json。xlsx:给人看的报告(需要 -o;见 docs/report.md)。",
    "Write the results to FILE (atomically; a FIFO or device is written into) instead of "
    "standard output; - is standard output.":
        "把结果写入 FILE(原子写入;FIFO 或设备则直接写入),而不是标准输出;- 表示标准输出。",
    "Worksheet to read (default: the first visible one with a header row; a workbook with "
    "people on several sheets needs it).":
        "要读取的工作表(默认:第一个有表头行的可见工作表;人员分布在多个工作表上的工作簿需要指定)。",
    "Table (or view) of a SQLite database to read (default: its only table).":
        "要读取的 SQLite 数据库中的表(或视图)(默认:唯一的那张表)。",
    "Encoding of a CSV file (default UTF-8; e.g. gbk).": "CSV 文件的编码(默认 UTF-8;例如 gbk)。",
    "The row that holds the column headers (default: the first non-blank row, or, below title "
    "rows, the first of the first 10 rows that names a column the scheme reads).":
        "列表头所在的行(默认:第一个非空行;若上方有标题行,"
        "则为前 10 行中第一个写有方案所读列名的行)。",
    "Refuse actuals files larger than N bytes (default 200 MiB; also KPISCORE_MAX_BYTES). "
    "Other limits: docs/security.md.":
        "拒绝大于 N 字节的实际数据文件(默认 200 MiB;也可用 KPISCORE_MAX_BYTES)。"
        "其他上限:见 docs/security.md。",
    "The period's label (e.g. 2024-06) on the xlsx report's titles and on each card (考核周期).":
        "考核周期的标签(例如 2024-06),显示在 xlsx 报告的标题和每张考核表上(考核周期)。",
    "Also write every person's printable card to DIR (made if missing): one .xlsx a person, to "
    "send each their own. docs/report.md.":
        "同时把每个人可打印的考核表写到 DIR(不存在则创建):每人一个 .xlsx,便于分别发给本人。"
        "见 docs/report.md。",
    "With --cards: a file per person, or per department (a card a sheet).":
        "与 --cards 一起用:每人一个文件(person),或每个部门一个文件(department,每张考核表一个"
        "工作表)。",
    "csv: begin with a byte-order mark, which Excel and WPS need to read UTF-8. Default: a BOM "
    "in an -o FILE.csv, none on standard output.":
        "csv:以字节顺序标记(BOM)开头,Excel 和 WPS 需要它才能正确读取 UTF-8。"
        "默认:-o FILE.csv 时写 BOM,标准输出上不写。",
    "csv: head the columns by labels in the --lang language (总分, 排名, a dimension's title "
    "with its id: 任务绩效 (performance)), or by ids, the same in every language (total, rank, "
    "dimension.performance.score), for scripts. Default: labels in an -o FILE, ids on standard "
    "output. docs/json.md#csv.":
        "csv:列表头用 --lang 语言的标签(总分、排名、维度的标题加 id:任务绩效 (performance)),"
        "或用各语言都相同的 id(total、rank、dimension.performance.score),便于脚本使用。"
        "默认:-o FILE 时用标签,标准输出上用 id。见 docs/json.md#csv。",
    "text: file:line:col lines; json: a report; github: workflow annotations.":
        "text:文件:行:列 形式的行;json:一份报告;github:工作流注释。",
    "Treat warnings as failures (exit 1).": "把警告也当作失败(退出码 1)。",
    "table (default on a terminal), json, or yaml (the file itself, with NAME).":
        "table(终端上的默认)、json,或 yaml(方案文件本身,需给出 NAME)。",
    "Write the copy to FILE (default, or -: standard output).":
        "把副本写入 FILE(默认或 -:标准输出)。",
    "Overwrite FILE if it exists.": "FILE 已存在时覆盖它。",
    "Write to FILE (required for xlsx; - is standard output).":
        "写入 FILE(xlsx 必须给出;- 表示标准输出)。",
    "xlsx (default; from -o's suffix) or csv.": "xlsx(默认;按 -o 的后缀)或 csv。",
    "The person to explain: the value of the id column (工号).": "要解释的人:工号列的值(工号)。",
    "tree (default on a terminal), json (default when piped) or markdown (a report to paste or "
    "keep).":
        "tree(终端上的默认)、json(管道中的默认)或 markdown(便于粘贴或保存的报告)。",
    "Write json or markdown (for a .md FILE) to FILE, atomically, instead of standard output "
    "(-).":
        "把 json 或 markdown(FILE 为 .md 时)原子地写入 FILE,而不是标准输出(-)。",
    "The person: the value of the id column (工号).": "这个人:工号列的值(工号)。",
    "The grade to reach (default: the grade above the person's).":
        "要达到的等级(默认:比此人现在高一级的等级)。",
    "The total to reach, instead of a grade.": "要达到的总分(代替等级)。",
    "table (default on a terminal) or json (default when piped).":
        "table(终端上的默认)或 json(管道中的默认)。",
    "In the table, list only the people whose total or grade changes.":
        "表格中只列出总分或等级有变化的人。",
    "The period's label (e.g. 2024-06): fills {period} in the manifest's paths and heads the "
    "reports. Overrides the manifest's period:.":
        "周期标签(例如 2024-06):填入清单路径中的 {period},并作为报告的标题;"
        "优先于清单中的 period:。",
    "Print nothing when everything was scored; when something failed, print the problems and "
    "the summary. No progress display.":
        "全部计分成功时什么也不输出;有失败时输出问题和汇总。不显示进度。",
    "Also append every message and the summary, time-stamped, to FILE (- for standard output). "
    "Never an input or an output of the batch.":
        "同时把每条消息和汇总加上时间戳追加到 FILE(- 表示标准输出)。"
        "它不能是本次批量运行的输入或输出。",
    "Replace existing output files that kpiscore batch did not write (by default they are left "
    "alone and their run fails; docs/batch.md).":
        "替换不是 kpiscore batch 写出的已有输出文件(默认不动它们,其运行失败;见 docs/batch.md)。",
    "Write the draft to FILE (default, or -: standard output).":
        "把草稿写入 FILE(默认或 -:标准输出)。",
    "Worksheet holding the card (default: the first visible one).":
        "考核表所在的工作表(默认:第一个可见工作表)。",
    "Encoding of a CSV card (default UTF-8; e.g. gbk).": "CSV 考核表的编码(默认 UTF-8;例如 gbk)。",
}
#: click's own words in help screens, in Chinese
ZH_CLICK = {"Usage:": "用法:", "Options": "选项", "[OPTIONS]": "[选项]", "default": "默认",
            "required": "必填"}

#: The catalog in each language: key → text.
CATALOGS: dict[str, dict[str, str]] = {lang: {k: p.pick(lang) for k, p in CATALOG.items()}
                                      for lang in LANGS}
EN = CATALOGS["en"]


def detect(environ: Mapping[str, str]) -> str:
    """The language the locale asks for: ``zh`` when LC_ALL, LC_MESSAGES or LANG (the
    first one set, in that order of precedence) starts with ``zh``, else ``en``."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(name)
        if value:
            return "zh" if value.strip().lower().startswith("zh") else DEFAULT
    return DEFAULT


def normalise(lang: str | None) -> str:
    """A supported language code (``zh_CN``, ``zh-Hans`` → ``zh``; unknown → ``en``)."""
    if not lang:
        return DEFAULT
    head = lang.strip().lower().replace("-", "_").split("_", 1)[0]
    return head if head in LANGS else DEFAULT


def t(key: str, lang: str = DEFAULT, /, **fields: object) -> str:
    """The text for ``key`` in ``lang`` (English for a language kpiscore does not speak)."""
    text = CATALOG[key].pick(lang)
    return text.format(**fields) if fields else text


def cell_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: East Asian wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


#: what a terminal must not be given as it is: control characters (an ESC starts a
#: terminal command), bidi and other invisible formatting characters (U+202E shows
#: "E\u202e200" as "E002"), line separators; surrogates, private and unassigned ones
_HIDDEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def visible(text: str) -> str:
    """``text`` as a terminal may show it: every character that would be invisible or
    act on the terminal written as its escape (``\\x1b``, ``\\u202e``), the rest as is.
    For display only: results keep the exact text."""
    if text.isprintable():
        return text
    return "".join(c if c == "\n" or unicodedata.category(c) not in _HIDDEN
                   else c.encode("unicode_escape").decode("ascii") for c in text)


_TOKEN = re.compile(r"[!-~]+|\s+|.")  # a run of printable ASCII, white space, or one character
_NO_LINE_START = set(",。、:;!?)」』】》,.:;!?)")
_NO_LINE_END = set("(「『【《(")


def wrap(text: str, width: int) -> list[str]:
    """``text`` broken into lines of at most ``width`` columns, counting wide
    characters as two (textwrap counts characters). Line breaks in ``text`` stay;
    ASCII words are not split; closing punctuation never starts a line."""
    out: list[str] = []
    for source in text.split("\n"):
        line, used = "", 0
        for token in _TOKEN.findall(source):
            w = cell_width(token)
            if token.isspace():
                if line:
                    line, used = line + " ", used + 1
                continue
            # closing punctuation stays on its line; a file suffix (.csv) may start one
            if line and used + w > width and (token[0] not in _NO_LINE_START
                                              or (token[0] == "." and len(token) > 1)):
                carry = ""
                if line[-1] in _NO_LINE_END:  # an opening bracket goes with what it opens
                    line, carry = line[:-1], line[-1]
                out.append(line.rstrip())
                line, used = carry, cell_width(carry)
            line, used = line + token, used + w
        out.append(line.rstrip())
    return out


# -- localized texts --------------------------------------------------------------------

_LANG: ContextVar[str] = ContextVar("kpiscore_lang", default=DEFAULT)


def current() -> str:
    """The language texts are rendered in now (see :func:`using`)."""
    return _LANG.get()


@contextmanager
def using(lang: str) -> Iterator[None]:
    """Render :class:`Text` in ``lang`` inside the block (the CLI wraps each command)."""
    token = _LANG.set(normalise(lang))
    try:
        yield
    finally:
        _LANG.reset(token)


@dataclass(frozen=True, slots=True, eq=False)
class Text:
    """A phrase and the values in it, rendered in a language only when it is shown.

    Values may be numbers (exact; with a ``precision``: exact when short, else rounded),
    words (a :class:`Phrase`), other texts, plain strings, or None (shown as nothing).
    Readers of the numbers (explain) use :meth:`value`; ``str()`` renders in the
    current language.
    """

    phrase: Phrase
    values: Mapping[str, object]
    precision: int | None = None

    def value(self, name: str) -> object:
        return self.values.get(name)

    def render(self, lang: str) -> str:
        template = self.phrase.zh if lang == "zh" else self.phrase.en
        values = self.values
        if not values and "{" not in template:
            return template
        precision = self.precision
        shown: dict[str, str] = {}
        for k, v in values.items():  # numbers and words inline: an explanation has many
            kind = type(v)
            if kind is Decimal:
                number = cast(Decimal, v)
                shown[k] = plain(number) if precision is None else readable(number, precision)
            elif kind is str:
                shown[k] = cast(str, v)
            elif v is None:
                shown[k] = ""
            elif kind is Phrase:
                shown[k] = cast(Phrase, v).pick(lang)
            else:
                shown[k] = _show(v, lang, precision)
        return template.format_map(shown)

    def __str__(self) -> str:
        return self.render(_LANG.get())


OR = Phrase(" or ", " 或 ")
#: between the items of a list in a sentence
LIST_SEP = Phrase(", ", "、")


@dataclass(frozen=True, slots=True)
class Alternatives:
    """Names quoted and joined by "or" in the language of the text they are in."""

    names: tuple[str, ...]

    def render(self, lang: str) -> str:
        return OR.pick(lang).join(repr(n) for n in self.names)


@dataclass(frozen=True, slots=True)
class Joined:
    """Parts (texts, numbers, words) shown one after the other with ``sep`` between."""

    parts: tuple[object, ...]
    sep: str | Phrase = ", "
    precision: int | None = None

    def render(self, lang: str) -> str:
        sep = self.sep.pick(lang) if isinstance(self.sep, Phrase) else self.sep
        return sep.join(_show(p, lang, self.precision) for p in self.parts)


def _show(value: object, lang: str, precision: int | None) -> str:
    if isinstance(value, Decimal):
        return plain(value) if precision is None else readable(value, precision)
    if isinstance(value, (Text, Alternatives, Joined)):
        return value.render(lang)
    if isinstance(value, Phrase):
        return value.pick(lang)
    if value is None:
        return ""
    return str(value)
