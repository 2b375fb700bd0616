"""Find a card's table in its sheet: the header row among title rows, what each column
holds, the groups (维度, 考核类别: a label merged down the rows it covers), and the
lines written under the table.

A sheet may hold several tables one after the other (客服主管: 任务绩效, then 行为考核),
each with its own header row: each is a :class:`Part`. Everything is decided from
the cells' texts (in their folded form, so 考核維度 is 考核维度); a merged cell is its
top-left value with blanks below, which is how groups are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kpiscore.draft.grid import Grid
from kpiscore.draft.text import fold

#: What a header cell may say, by the role of its column (folded, lower case). Titles
#: are in order of preference: with two candidates, the first is the title and a
#: general one to its left (项目, 考核项目) names the groups.
TITLES = ("指标名称", "考核指标", "kpi关键业绩指标", "kpi指标", "kpi名称", "关键绩效指标", "kpi",
          "考核子项目", "具体指标", "行为指标", "二级指标", "指标项", "指标项目", "考核要素",
          "考核内容", "指标", "考核项目", "项目", "考核事项")
ROLES: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "编号", "序", "no", "no."),
    "group": ("考核维度", "维度", "视角", "考核类别", "类别", "指标类别", "考核项目及权重",
              "考核方面", "方面", "一级指标", "考核模块", "模块", "考核类型", "类型", "指标维度",
              "考核层面"),
    "title": TITLES,
    "weight": ("权重", "kpi权重", "指标权重", "比重", "所占权重", "权重比例", "权数"),
    "points": ("分值", "满分", "考核总分", "标准分", "配分", "分数", "标准分值", "总分值"),
    "target": ("目标值", "目标", "衡量标准", "指标要求", "考核目标", "标准值", "目标要求",
               "绩效目标", "考核要求", "达成标准"),
    "text": ("评分标准", "评分等级", "评估办法", "评分原则", "项目详述", "考核标准", "计分方法",
             "评分方法", "评分规则", "考核评分", "计分标准", "评价标准", "扣分标准", "评分细则",
             "计分规则", "考核办法", "评分说明"),
    "definition": ("指标说明", "指标定义", "指标定义/计算公式", "计算方法", "计算公式", "指标解释",
                   "定义", "指标描述", "考核说明"),
    "source": ("数据来源", "数据来源方式", "数据提供", "信息来源", "数据提供部门"),
    "rater": ("自评", "上级", "上级评分", "领导评分", "店长评分", "考核", "审核", "他评",
              "主管评分", "部门评分", "员工评分", "复核", "总经理确认", "经理评分", "自我评分",
              "直接上级评分", "互评", "上级评价", "自我评价"),
    "baseline": ("基准值", "基准", "门槛值"),
    "challenge": ("挑战值", "挑战目标"),
    "ignore": ("得分", "实际业绩", "实际达成", "实际完成", "结果", "备注", "最终得分", "评比得分",
               "实际值", "完成情况", "数据来源岗位", "数据来源表单", "考评人", "加权得分",
               "实际得分", "评分", "实际", "说明"),
}
_BY_KEY = {key: role for role, keys in ROLES.items() for key in keys}
#: A row that totals the table (it ends the rows of items).
TOTALS = ("合计", "总计", "总分", "加权合计", "合计得分", "得分合计", "小计", "总得分", "合计分数")
_BRACKET = re.compile(r"[((][^()()]*[))]$")
#: A group label carrying its weight or points: 综合能力(30%), 关键绩效指标(80分).
_GROUP_SHARE = re.compile(r"^(.*?)[((]\s*(\d+(?:\.\d+)?)\s*(%|分)\s*[))]$")


def header_key(text: str) -> str:
    """A header cell as the roles list it: folded, lower case, a bracketed unit dropped
    (权重(%) is 权重)."""
    key = fold(text).casefold()
    bare = _BRACKET.sub("", key)
    return bare or key


def role_of(text: str) -> str | None:
    return _BY_KEY.get(header_key(text)) if text else None


@dataclass
class Item:
    """One indicator's row: ``k`` is its index in the grid."""

    k: int


@dataclass
class Group:
    title: str | None  # None: the part has no groups
    k: int | None = None  # where its label is
    col: int | None = None
    weight: str | None = None  # as printed (30%, from 综合能力(30%) or a weight column)
    weight_cell: tuple[int, int] | None = None
    points: str | None = None  # 关键绩效指标(80分)
    items: list[Item] = field(default_factory=list)


@dataclass
class Part:
    """One table: its header row, columns by role, groups of items, and its total row."""

    header: int  # grid index of the header row
    columns: dict[str, int]
    raters: list[str]
    group_weight: int | None  # a weight column that holds the groups' weights
    title: str | None = None
    title_cell: tuple[int, int] | None = None
    groups: list[Group] = field(default_factory=list)
    total: int | None = None

    def col(self, role: str) -> int | None:
        return self.columns.get(role)


@dataclass
class Card:
    title: str | None
    title_cell: tuple[int, int] | None
    parts: list[Part]
    #: lines outside the tables (notes, formulas, signatures): (grid index, column, text)
    lines: list[tuple[int, int, str]]
    #: the text before the first table (title and form rows), for the period
    preface: str = ""


def find_card(grid: Grid) -> Card | None:
    """The card's tables, or None when no row of the sheet looks like a card's header."""
    headers = [k for k in range(len(grid.rows)) if _is_header(grid, k)]
    if not headers:
        return None
    parts: list[Part] = []
    lines: list[tuple[int, int, str]] = []
    for n, k in enumerate(headers):
        end = headers[n + 1] if n + 1 < len(headers) else len(grid.rows)
        part, after = _part(grid, k, end)
        parts.append(part)
        lines += after
    title, title_cell = _title(grid, headers[0])
    preface = " ".join(t for k in range(headers[0]) for t in grid.rows[k][1] if t)
    return Card(title, title_cell, parts, lines, preface)


def _is_header(grid: Grid, k: int) -> bool:
    known = [r for r in (role_of(c) for c in grid.rows[k][1]) if r is not None]
    return ("title" in known and len(known) >= 3 and
            any(r in known for r in ("text", "target", "weight", "points", "baseline")))


def _columns(cells: list[str]) -> tuple[dict[str, int], list[int], list[int]]:
    """Columns by role (the first of each), the rater columns, and the weight columns."""
    columns: dict[str, int] = {}
    raters: list[int] = []
    weights: list[int] = []
    titles = sorted((TITLES.index(header_key(c)), i) for i, c in enumerate(cells)
                    if role_of(c) == "title")
    if titles:
        columns["title"] = titles[0][1]
    for i, c in enumerate(cells):
        role = role_of(c)
        if role == "rater":
            raters.append(i)
        elif role == "weight":
            weights.append(i)
        elif role == "title":
            if i < columns.get("title", -1) and "group" not in columns:
                columns["group"] = i  # 项目 left of 具体指标
        elif role is not None and role != "ignore":
            columns.setdefault(role, i)
    return columns, raters, weights


def _part(grid: Grid, k: int, end: int) -> tuple[Part, list[tuple[int, int, str]]]:
    cells = list(grid.rows[k][1])
    first = k + 1
    if first < end and _is_subheader(grid, first):
        for i, c in enumerate(grid.rows[first][1]):
            if c:
                cells += [""] * (i + 1 - len(cells))
                cells[i] = c
        first += 1
    columns, raters, weights = _columns(cells)
    part = Part(k, columns, [cells[i] for i in raters], None)
    lines: list[tuple[int, int, str]] = []
    rows: list[int] = []
    for j in range(first, end):
        if part.total is not None or lines:  # under the table: notes and formulas
            lines += [(j, i, t) for i, t in enumerate(grid.rows[j][1]) if t]
        elif _is_total(grid, j, columns):
            part.total = j
        elif _is_line(grid, j, columns):
            lines += [(j, i, t) for i, t in enumerate(grid.rows[j][1]) if t]
        else:
            rows.append(j)
    part.group_weight, item_weight = _weight_columns(grid, rows, columns, weights)
    if item_weight is not None:
        part.columns["weight"] = item_weight
    label = _part_label(grid, k, rows)
    if label is not None:
        part.title, part.title_cell = grid.cell(k, label), (k, label)
    part.groups = _groups(grid, rows, part)
    return part, lines


def _is_subheader(grid: Grid, k: int) -> bool:
    """A second header row under the first (评比得分 over 自评 · 考核 · 审核)."""
    texts = [t for t in grid.rows[k][1] if t]
    return bool(texts) and all(role_of(t) is not None for t in texts) and \
        not any(role_of(t) == "title" for t in texts)


def _part_label(grid: Grid, k: int, rows: list[int]) -> int | None:
    """A header cell that names no column and whose column is empty in every row of
    the table (任务绩效, merged down the left edge of its table)."""
    for i, c in enumerate(grid.rows[k][1]):
        if c and role_of(c) is None and all(not grid.cell(j, i) for j in rows):
            return i
    return None


def _is_total(grid: Grid, k: int, columns: dict[str, int]) -> bool:
    cells = grid.rows[k][1]
    probe = [columns[r] for r in ("seq", "group", "title") if r in columns]
    for i in probe:
        text = fold(cells[i]) if i < len(cells) else ""
        if text and (text in TOTALS or (text.startswith(TOTALS) and len(text) <= 8)):
            return True
    return False


_ITEM_ROLES = ("title", "text", "target", "points", "definition", "baseline", "challenge",
               "weight")


def _is_line(grid: Grid, k: int, columns: dict[str, int]) -> bool:
    """A note under the table (备注:…, 本考核表用于…, a formula): one cell of text that is
    long, holds a colon or an equals sign, outside the title column. It ends the
    table's rows."""
    filled = [i for i, t in enumerate(grid.rows[k][1]) if t]
    if len(filled) != 1 or filled[0] == columns.get("title"):
        return False
    folded = fold(grid.cell(k, filled[0]))
    return len(folded) >= 15 or ":" in folded or "=" in folded


def _weight_columns(grid: Grid, rows: list[int], columns: dict[str, int],
                    weights: list[int]) -> tuple[int | None, int | None]:
    """Which weight column holds the groups' weights (values only where a group starts,
    merged down its rows) and which the items'."""
    group = columns.get("group")
    starts = {j for j in rows if group is not None and grid.cell(j, group)}
    grouped: int | None = None
    items: list[int] = []
    for c in weights:
        filled = {j for j in rows if grid.cell(j, c)}
        if grouped is None and filled and filled <= starts and len(filled) < len(rows):
            grouped = c
        else:
            items.append(c)
    return grouped, (items[0] if items else None)


def _groups(grid: Grid, rows: list[int], part: Part) -> list[Group]:
    """The rows in their groups: a label in the group column starts a group (on an
    item's row or a row of its own); a row with any item cell is an item."""
    col = part.col("group")
    item_cols = [c for r, c in part.columns.items() if r in _ITEM_ROLES]
    groups: list[Group] = []
    for j in rows:
        label = grid.cell(j, col) if col is not None else ""
        if label:
            groups.append(_group(label, j, col))
            if part.group_weight is not None and grid.cell(j, part.group_weight):
                groups[-1].weight = grid.cell(j, part.group_weight)
                groups[-1].weight_cell = (j, part.group_weight)
        elif not groups:
            groups.append(Group(None))
        if any(grid.cell(j, c) for c in item_cols):
            groups[-1].items.append(Item(j))
    return [g for g in groups if g.items]


def _group(label: str, k: int, col: int | None) -> Group:
    m = _GROUP_SHARE.match(label.strip())
    if not m:
        return Group(label.strip(), k, col)
    title, value, unit = m.group(1).strip(), m.group(2), m.group(3)
    if unit == "%":
        return Group(title, k, col, weight=f"{value}%",
                     weight_cell=(k, col) if col is not None else None)
    return Group(title, k, col, points=value)


def _title(grid: Grid, header: int) -> tuple[str | None, tuple[int, int] | None]:
    """The card's title: the first text above the header that is not a form line
    (姓名:____ 部门:____)."""
    for k in range(header):
        for i, t in enumerate(grid.rows[k][1]):
            if t and ":" not in fold(t) and len(fold(t)) >= 4:
                return t, (k, i)
    return None, None
