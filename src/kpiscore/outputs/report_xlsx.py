"""The .xlsx report for people: a workbook a manager hands on.

Sheets, in this order (docs/report.md shows them):

- ``汇总`` — one row per person: id, name, department, total, grade, rank, pay,
  status, and what went wrong;
- ``分布`` — counts per grade and per tenth of the scale, with a column chart each;
- one sheet per dimension — each indicator's actual and points, the
  dimension's score and contribution;
- ``考核卡`` — one printable card per person, laid out like the paper forms
  (title, person fields, indicator table, total and grade, signature lines),
  one A4 page each (manual page breaks, a print scale that fits the tallest
  card; 1000 cards per sheet, Excel's limit on page breaks);
- ``错误`` — one row per error: ``sheet!cell`` and the message.

The layout is written through a small row-by-row interface so that rows are
streamed to disk as they are made (XlsxWriter's ``constant_memory`` mode;
see docs/report.md for the measurements behind the choice of library).
Every text from the input is written as a string cell, never as a formula,
whatever it starts with. Numbers are rounded half up to the scheme's
precision here, at the very end, like every other output.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpiscore.base.numbers import plain, round_half_up
from kpiscore.score.results import PersonResult, Report

if TYPE_CHECKING:
    from kpiscore.outputs import Options
    from kpiscore.scheme.load import LoadedScheme

#: Cards per card sheet: Excel keeps at most 1026 manual page breaks per sheet.
CARDS_PER_SHEET = 1000
#: Fixed document date, so that the same inputs give a byte-identical workbook.
FIXED_DATE = _dt.datetime(2000, 1, 1, 0, 0, 0)

Value = str | int | float | Decimal | None


@dataclass(frozen=True, eq=False)
class Style:
    """How a cell looks; each style object becomes one format in the workbook (styles
    compare by identity, so make each once and reuse it)."""

    bold: bool = False
    size: float | None = None
    fill: str | None = None  # "#RRGGBB"
    border: bool = False  # thin border all round
    line: bool = False  # bottom border only: a line to write on
    align: str | None = None  # left, center, right
    valign: str = "vcenter"
    wrap: bool = False
    num: str | None = None  # number format
    color: str | None = None  # font colour


Cell = tuple[Value, Style | None]


#: Every sheet's margins when printed: left, right, top, bottom, in inches.
MARGINS = (0.4, 0.4, 0.5, 0.5)


# -- text helpers -----------------------------------------------------------------------------

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def clean_text(text: str) -> str:
    """Text a workbook can hold: XML-illegal control characters become U+FFFD."""
    return _ILLEGAL.sub("\ufffd", text)


#: East Asian wide and full-width characters (unicodedata.east_asian_width W or F).
_WIDE = re.compile("[\u1100-\u115f\u231a-\u231b\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf"
                   "\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f"
                   "\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]")
_DIGITS = re.compile(r"[0-9A-Z%]")
_NARROW = re.compile(r"[ .,:;'!|()\[\]ijlrtf-]")


def text_width(text: str) -> float:
    """Display width in Excel character units (the width of a digit), a little generous:
    CJK and full-width characters 1.8, digits and capitals 1, narrow letters,
    spaces and punctuation 0.55, other letters and symbols 0.85 (Calibri)."""
    wide = len(_WIDE.findall(text))
    digits = len(_DIGITS.findall(text))
    narrow = len(_NARROW.findall(text))
    return 1.8 * wide + digits + 0.55 * narrow + 0.85 * (len(text) - wide - digits - narrow)


def lines_needed(text: str, width: float, size: float = 11) -> int:
    """How many lines ``text`` wraps to in a column ``width`` characters wide."""
    usable = max(width - 1.5, 1) * 11 / size
    return sum(max(1, math.ceil(text_width(part) / usable)) for part in text.split("\n"))


def sheet_name(title: str, taken: set[str]) -> str:
    """A legal, unique worksheet name (31 characters, no []:*?/\\)."""
    base = (_SHEET_FORBIDDEN.sub("_", clean_text(title)).strip().strip("'") or "sheet")[:31]
    name, n = base, 2
    while name.casefold() in taken:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    taken.add(name.casefold())
    return name


# -- numbers ----------------------------------------------------------------------------------

def _fixed_format(precision: int) -> str:
    return "0" if precision <= 0 else "0." + "0" * precision


def _round(value: Decimal | None, precision: int) -> float | None:
    return None if value is None else float(round_half_up(value, precision))


def _short(value: Decimal | str | None, precision: int) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return plain(round_half_up(value, precision))


def bucket_counts(totals: Sequence[Decimal], scale: Decimal) -> list[tuple[str, int]]:
    """``(label, count)`` per tenth of the scale, low inclusive, high exclusive except for
    the last, which includes a perfect total; totals outside the scale counted apart."""
    step = scale / 10
    counts = [0] * 10
    below = above = 0
    for t in totals:
        if t < 0:
            below += 1
        elif t > scale:
            above += 1
        else:
            k = min(int(t * 10 / scale), 9) if scale > 0 else 9
            counts[k] += 1
    out = [(f"{plain(step * k)}–{plain(step * (k + 1))}", n) for k, n in enumerate(counts)]
    if below:
        out.insert(0, ("< 0", below))
    if above:
        out.append((f"> {plain(scale)}", above))
    return out


# -- styles -----------------------------------------------------------------------------------

HEAD_FILL = "#D9E1F2"
GROUP_FILL = "#EDEDED"
SECTION_FILL = "#D0D0D0"
ERROR_RED = "#C00000"


class _Styles:
    def __init__(self, precision: int) -> None:
        self.title = Style(bold=True, size=14)
        self.head = Style(bold=True, fill=HEAD_FILL, border=True, align="center", wrap=True)
        self.text = Style(border=True)
        self.num = Style(border=True, num=_fixed_format(precision))


# -- the report -------------------------------------------------------------------------------


@dataclass
class _Meta:
    """What the report needs to know about the scheme besides the results."""

    title: str
    scheme_id: str
    scale: Decimal
    grades: list[str]
    pay_title: str
    units: dict[str, str]
    lower: set[str]
    sections: dict[str, str]  # section id → title


def _meta(report: Report, loaded: LoadedScheme | None) -> _Meta:
    if loaded is None:
        return _Meta(report.scheme_title, report.scheme_id, Decimal(100), [], "绩效工资", {},
                     set(), {})
    s = loaded.scheme
    compiled = loaded.compiled
    return _Meta(
        s.title, s.id, s.scale, [g.name for g in s.grades],
        (s.pay.title if s.pay is not None and s.pay.title else "绩效工资"),
        {ci.id: ci.ind.unit for ci in compiled.indicators},
        {ci.id for ci in compiled.indicators if ci.ind.better == "lower"},
        {g.id: g.title for g in compiled.sections})


Progress = Callable[[int, int], None]


def write_xlsx(report: Report, path: str, options: Options) -> None:
    """The report for people: a summary, the distribution with charts, a sheet per
    dimension, a printable card per person, and the errors (docs/report.md)."""
    write_report(path, report, options.loaded, period=options.period,
                 progress=options.progress)


def write_report(path: str, report: Report, loaded: LoadedScheme | None = None, *,
                 period: str | None = None, progress: Progress | None = None) -> None:
    """Write the report workbook to ``path`` (use :func:`kpiscore.outputs.files.atomic_path`).

    ``loaded`` adds what the results do not carry (units, grades, the scale);
    ``period`` heads the sheets and fills the cards' 考核周期; ``progress`` hears
    ``(cards written, people)`` now and then.
    """
    book = Book(path)
    try:
        build(book, report, loaded, period=period, progress=progress)
    finally:
        book.close()


def build(book: Book, report: Report, loaded: LoadedScheme | None, *,
          period: str | None, progress: Progress | None = None) -> None:
    meta = _meta(report, loaded)
    st = _Styles(report.precision)
    taken: set[str] = set()
    names = {k: sheet_name(v, taken) for k, v in
             (("summary", "汇总"), ("dist", "分布"), ("errors", "错误"))}
    _summary(book, names["summary"], report, meta, st, period)
    _distribution(book, names["dist"], report, meta, st, period)
    for k in range(len(report.results[0].dimensions) if report.results else 0):
        _dimension_sheet(book, taken, report, meta, st, k)
    _cards(book, taken, report, meta, period, progress or (lambda done, total: None))
    _errors(book, names["errors"], report, st)
    if loaded is not None and loaded.compiled.departures:
        _not_on_card(book, sheet_name("原表说明", taken), loaded, st)


def _heading(meta: _Meta, period: str | None, what: str) -> str:
    return " · ".join([meta.title, period, what] if period else [meta.title, what])


def _status(r: PersonResult) -> str:
    if r.status != "ok":
        return "未能评分"
    return "否决" if r.vetoes else "已评分"


def _remark(r: PersonResult) -> str:
    if r.status != "ok":
        return "; ".join(str(e) for e in r.errors)
    return "; ".join(v.reason for v in r.vetoes)


def _t(value: str | None, style: Style | None) -> Cell:
    """A text cell (always stored as text; control characters cleaned)."""
    return ("" if value is None else clean_text(value), style)


def _summary(book: Book, name: str, report: Report, meta: _Meta, st: _Styles,
             period: str | None) -> None:
    head: list[tuple[str, float]] = [("行", 6), ("工号", 12), ("姓名", 12), ("部门", 16),
                                     ("总分", 9)]
    quotas = any(r.quota_grade is not None for r in report.results)
    departments = any(r.rank is not None and r.rank.department is not None
                      for r in report.results)
    if report.has_grades:
        head.append(("等级", 9))
    if quotas:
        head.append(("强制分布等级", 13))
    head.append(("排名", 7))
    if departments:
        head.append(("部门排名", 9))
    passed = any(r.passed is not None for r in report.results)
    if passed:
        head.append(("是否达标", 9))
    pays: dict[str, tuple[str, int]] = {}  # pay line id → title, precision
    for r in report.results:
        for line in r.pay_lines or []:
            pays.setdefault(line.id, (line.title, line.precision))
    if report.has_pay and not pays:
        pays["pay"] = (meta.pay_title, report.pay_precision)
    head += [(title, max(12.0, text_width(title) + 2)) for title, _ in pays.values()]
    pay_styles = {k: Style(border=True, num=_fixed_format(p)) for k, (_, p) in pays.items()}
    head += [("状态", 10), ("说明", 60)]
    ws = book.sheet(name, [w for _, w in head], freeze=(2, 3))
    ws.row(0, [_t(_heading(meta, period, f"汇总 ({len(report.results)} 人)"),
                  st.title)], height=24)
    ws.row(1, [_t(h, st.head) for h, _ in head], height=20)
    red = Style(border=True, color=ERROR_RED)
    for i, r in enumerate(report.results):
        row: list[Cell | None] = [(r.row, st.text), _t(r.id, st.text), _t(r.name, st.text),
                                  _t(r.department, st.text),
                                  (_round(r.total, report.precision), st.num)]
        if report.has_grades:
            row.append(_t(r.grade, st.text))
        if quotas:
            row.append(_t(r.quota_grade, st.text))
        row.append((r.rank.overall if r.rank else None, st.text))
        if departments:
            row.append((r.rank.department if r.rank else None, st.text))
        if passed:
            row.append(_t(None if r.passed is None else "达标" if r.passed else "未达标",
                          st.text))
        amounts = {line.id: line.amount for line in r.pay_lines or []}
        if r.pay_lines is None:
            amounts["pay"] = r.pay
        for key, (_, p) in pays.items():
            row.append((_round(amounts.get(key), p), pay_styles[key]))
        row.append(_t(_status(r), red if r.status != "ok" else st.text))
        row.append(_t(_remark(r), st.text))
        ws.row(i + 2, row)
    ws.finish(last_row=len(report.results) + 1, last_col=len(head) - 1, autofilter_row=1,
              print_area=True)


def _distribution(book: Book, name: str, report: Report, meta: _Meta, st: _Styles,
                  period: str | None) -> None:
    ws = book.sheet(name, [14, 10, 10, 4], freeze=None)
    p = report.precision
    s = report.summary
    ws.row(0, [_t(_heading(meta, period, "分布"), st.title)], height=24)
    stats: list[tuple[str, Value, Style]] = [
        ("人数", s.rows, st.text), ("已评分", s.ok, st.text), ("未能评分", s.error, st.text),
        ("平均分", _round(s.mean, p), st.num), ("最低分", _round(s.min, p), st.num),
        ("最高分", _round(s.max, p), st.num)]
    r = 2
    for label, value, style in stats:
        ws.row(r, [_t(label, st.head), (value, style)])
        r += 1
    totals = [round_half_up(x.total, p) for x in report.results
              if x.status == "ok" and x.total is not None]
    share = Style(border=True, num="0.0%")
    charts: list[tuple[str, int, int]] = []

    def counted(head: str, chart: str, counts: list[tuple[str, int]], at: int) -> int:
        """A table of counts and shares headed at row ``at``, and its chart; its last row."""
        ws.row(at, [_t(head, st.head), _t("人数", st.head), _t("占比", st.head)])
        for k, (label, n) in enumerate(counts, start=at + 1):
            ws.row(k, [_t(label, st.text), (n, st.text), (n / len(totals) if totals else 0, share)])
        charts.append((chart, at + 1, at + len(counts)))
        return at + len(counts)

    if report.has_grades:
        grades = {g: 0 for g in meta.grades}
        for x in report.results:
            if x.status == "ok" and x.grade is not None:
                grades[x.grade] = grades.get(x.grade, 0) + 1
        r = counted("等级", "等级分布", list(grades.items()), r + 1)
    r = counted("总分区间", "总分分布", bucket_counts(totals, meta.scale), r + 2)
    ws.finish(last_row=r, last_col=2)
    for n, (title, lo, hi) in enumerate(charts):
        book.column_chart(ws, title, lo, hi, (1 + 17 * n, 4))


def _dimension_sheet(book: Book, taken: set[str], report: Report, meta: _Meta,
                     st: _Styles, k: int) -> None:
    """The sheet of the ``k``-th dimension (of the first result: every result has them)."""
    first = report.results[0]
    dim = first.dimensions[k]
    members = [i for i, ind in enumerate(first.indicators) if ind.dimension == dim.id]
    titles = [first.indicators[i].title for i in members]
    title = dim.title
    if dim.section is not None and sum(1 for d in first.dimensions if d.title == title) > 1:
        title = f"{meta.sections.get(dim.section, dim.section)}-{dim.title}"
    widths: list[float] = [12, 12, 16]
    for text in titles:
        widths += [max(9.0, min(24.0, text_width(text) / 2 + 1))] * 2
    widths += [10, 10]
    ws = book.sheet(sheet_name(title, taken), widths, freeze=(3, 3))
    ws.row(0, [_t(f"{meta.title} · {dim.title} (权重 {plain(dim.weight)}%)", st.title)],
           height=24)
    # each indicator's title spans its two columns, 实际 and 得分
    head: list[Cell | None] = [_t(h, st.head) for h in ("工号", "姓名", "部门")]
    sub: list[Cell | None] = [("", st.head)] * 3
    for text in titles:
        head += [_t(text, st.head), None]
        sub += [_t("实际", st.head), _t("得分", st.head)]
    head += [_t("维度得分", st.head), _t("贡献", st.head)]
    sub += [("", st.head)] * 2
    merges = [(3 + 2 * n, 4 + 2 * n) for n in range(len(titles))]
    height = 15 * max(lines_needed(text, widths[3 + 2 * n])
                      for n, text in enumerate(titles)) + 6 if titles else None
    ws.row(1, head, merges=merges, height=height)
    ws.row(2, sub)
    p = report.precision
    text_right = Style(border=True, align="right")
    for n, r in enumerate(report.results):
        row: list[Cell | None] = [_t(r.id, st.text), _t(r.name, st.text),
                                  _t(r.department, st.text)]
        for i in members:
            if i >= len(r.indicators):
                row += [None, None]
                continue
            actual = r.indicators[i].actual
            row.append(_t(actual, text_right) if isinstance(actual, str)
                       else (_round(actual, p), st.text))
            row.append((_round(r.indicators[i].points, p), st.num))
        d = r.dimensions[k] if k < len(r.dimensions) else None
        row.append((_round(d.score() if d else None, p), st.num))
        row.append((_round(d.contribution if d else None, p), st.num))
        ws.row(n + 3, row)
    ws.finish(last_row=len(report.results) + 2, last_col=len(head) - 1, autofilter_row=2,
              print_area=True)


# -- cards ------------------------------------------------------------------------------------

#: Card columns: indicator, weight, target, actual, points, explanation.
CARD_WIDTHS: tuple[float, ...] = (22, 8, 10, 10, 9, 40)
#: Renderers draw columns wider than Excel's own arithmetic (LibreOffice by about 6%).
WIDTH_SLACK = 1.08
#: A4 in points, and the space inside the card sheet's margins.
A4_WIDTH, A4_HEIGHT = 595.0, 842.0
BODY = 10.0  # font size of the card's body
SMALL = 9.0  # font size of the explanations
LINE = 13.0  # points per line of body text


def _column_points(width: float) -> float:
    """Printed width of a column ``width`` characters wide (Calibri 11: 7 px a character)."""
    return (math.trunc(width * 7 + 5)) * 0.75


class _CardStyles:
    def __init__(self, precision: int) -> None:
        b = BODY
        self.title = Style(bold=True, size=16, align="center")
        self.sub = Style(size=b, align="center", color="#404040")
        self.label = Style(bold=True, size=b, fill=GROUP_FILL, border=True, align="center")
        self.value = Style(size=b, border=True, align="left", wrap=True)
        self.head = Style(bold=True, size=b, fill=HEAD_FILL, border=True, align="center",
                          wrap=True)
        self.section = Style(bold=True, size=b, fill=SECTION_FILL, border=True, align="left")
        self.group = Style(bold=True, size=b, fill=GROUP_FILL, border=True, align="left")
        self.name = Style(size=b, border=True, align="left", wrap=True)
        self.cell = Style(size=b, border=True, align="center", wrap=True)
        self.points = Style(size=b, border=True, align="center",
                            num=_fixed_format(precision))
        self.explain = Style(size=SMALL, border=True, align="left", wrap=True)
        self.total = Style(bold=True, size=12, border=True, align="center",
                           num=_fixed_format(precision))
        self.grade = Style(bold=True, size=12, border=True, align="center")
        self._pay: dict[int, Style] = {}
        self.alert = Style(size=b, border=True, align="left", wrap=True, color=ERROR_RED)
        self.sign = Style(size=b, align="right")
        self.line = Style(size=b, line=True)
        self.note = Style(size=8, color="#808080", align="left")

    def pay_style(self, precision: int) -> Style:
        if precision not in self._pay:
            self._pay[precision] = Style(bold=True, size=BODY, border=True, align="center",
                                         num=_fixed_format(precision))
        return self._pay[precision]


@dataclass
class _CardRow:
    cells: list[Cell | None]
    height: float
    merges: list[tuple[int, int]] = field(default_factory=list)


def _card(r: PersonResult, report: Report, meta: _Meta, cs: _CardStyles,
          period: str | None) -> list[_CardRow]:
    p = report.precision
    w = CARD_WIDTHS
    rows: list[_CardRow] = []
    last = len(w) - 1

    def add(cells: list[Cell | None], height: float = LINE + 7,
            merges: list[tuple[int, int]] | None = None) -> None:
        rows.append(_CardRow(cells, height, merges or []))

    def band(text: str, style: Style, height: float = LINE + 7) -> None:
        """A text across the card."""
        add([_t(text, style)], height, [(0, last)])

    def pairs(a: Cell, x: Cell, b: Cell, y: Cell, height: float = LINE + 7) -> None:
        """Two labels, each with a value two columns wide."""
        add([a, x, None, b, y], height, [(1, 2), (4, 5)])

    def noted(label: str, value: Cell, note: str = "") -> None:
        """A label, a value two columns wide and a note across the rest."""
        add([_t(label, cs.label), value, None, _t(note, cs.value)], merges=[(1, 2), (3, last)])

    def wide(label: str, text: str, style: Style, height: float) -> None:
        """A label and a text across the rest of the card."""
        add([_t(label, cs.label), _t(text, style)], height, [(1, last)])

    band(meta.title, cs.title, 30)
    rank = "" if r.rank is None else f" · 排名 {r.rank.overall} / {r.rank.of}"
    band(f"考核表 {meta.scheme_id}{rank}", cs.sub, LINE + 3)
    pairs(_t("被考核人", cs.label), _t(r.name, cs.value), _t("工号", cs.label), _t(r.id, cs.value))
    pairs(_t("部门", cs.label), _t(r.department, cs.value), _t("考核周期", cs.label),
          _t(period, cs.value))
    add([_t(h, cs.head) for h in ("考核指标", "权重", "目标", "实际", "得分", "评分说明")],
        LINE + 9)
    dims = {d.id: d for d in r.dimensions}
    show_groups = len(r.dimensions) > 1 or report.has_sections
    current_section: str | None = None
    current_dim: str | None = None
    sections = {s.id: s for s in r.sections}
    for ind in r.indicators:
        d = dims.get(ind.dimension)
        if report.has_sections and d is not None and d.section != current_section:
            current_section = d.section
            s = sections.get(d.section or "")
            if s is not None:
                text = f"{s.title}　权重 {plain(round_half_up(s.weight, p))}%"
                if s.contribution is not None:
                    text += f"　计 {round_half_up(s.contribution, p)}"
                band(text, cs.section)
        if show_groups and d is not None and ind.dimension != current_dim:
            current_dim = ind.dimension
            text = f"{d.title}　权重 {plain(round_half_up(d.weight, p))}%"
            score = d.score()
            if score is not None and d.contribution is not None:
                text += (f"　得分 {round_half_up(score, p)}　计 "
                         f"{round_half_up(d.contribution, p)}")
            band(text, cs.group)
        target = _short(ind.target, p)
        unit = meta.units.get(ind.id, "")
        if target and unit:
            target += unit
        if target and ind.id in meta.lower:
            target = "≤ " + target
        actual = _short(ind.actual, p)
        if actual and unit and not isinstance(ind.actual, str):
            actual += unit
        explanation = ind.explanation
        lines = max(lines_needed(ind.title, w[0], BODY), lines_needed(explanation, w[5], SMALL),
                    lines_needed(target, w[2], BODY), lines_needed(actual, w[3], BODY))
        add([_t(ind.title, cs.name), _t(f"{plain(round_half_up(ind.weight, p))}%", cs.cell),
             _t(target, cs.cell), _t(actual, cs.cell),
             (_round(ind.points, p), cs.points), _t(explanation, cs.explain)], _height(lines))
    total = (_round(r.total, p), cs.total)
    if report.has_grades:
        pairs(_t("总分", cs.label), total, _t("等级", cs.label), _t(r.grade, cs.grade), 24)
    else:
        pairs(_t("总分", cs.label), total, _t("满分", cs.label), (float(meta.scale), cs.total), 24)
    if r.passed is not None:
        noted("是否达标", _t("达标" if r.passed else "未达标", cs.grade))
    for title, amount, precision, note in _pay_lines(r, report, meta):
        noted(title, (_round(amount, precision), cs.pay_style(precision)), note)
    if r.vetoes:
        text = "; ".join(f"{v.title}: {v.reason}" for v in r.vetoes)
        wide("否决", text, cs.alert, _height(lines_needed(text, sum(w[1:]), BODY)))
    if r.status != "ok":
        wide("未能评分", _remark(r), cs.alert, _height(lines_needed(_remark(r), sum(w[1:]), BODY)))
    wide("考核意见", "", cs.value, 54)
    add([], 18)
    for who in ("被考核人（签名）", "考核人（签名）"):
        pairs(_t(who, cs.sign), ("", cs.line), _t("日期", cs.sign), ("", cs.line), 30)
    band(f"第 {r.row} 行 · 由 kpiscore 按考核表 {meta.scheme_id} 计算", cs.note, LINE + 3)
    return rows


def _height(lines: int) -> float:
    """The height of a card row of ``lines`` lines of body text."""
    return max(LINE + 7, lines * LINE + 5)


def _pay_lines(r: PersonResult, report: Report,
               meta: _Meta) -> list[tuple[str, Decimal | None, int, str]]:
    """``(title, amount, precision, note)`` of each pay line of a person."""
    if r.pay_lines is not None:
        notes = {"min": "按下限", "max": "按上限"}
        return [(line.title, line.amount, line.precision, notes.get(line.capped or "", ""))
                for line in r.pay_lines]
    if report.has_pay:
        return [(meta.pay_title, r.pay, report.pay_precision, "")]
    return []


def _card_scale(heights: Iterator[float]) -> int:
    """The print scale (percent) at which the widest and the tallest card fit on A4."""
    left, right, top, bottom = MARGINS
    usable_w = A4_WIDTH - (left + right) * 72
    usable_h = (A4_HEIGHT - (top + bottom) * 72) * 0.96  # a little room for renderers
    width = sum(_column_points(c) for c in CARD_WIDTHS) * WIDTH_SLACK
    scale = min(1.0, usable_w / width, usable_h / max(heights, default=1.0))
    return max(10, math.floor(scale * 100))


def _cards(book: Book, taken: set[str], report: Report, meta: _Meta,
           period: str | None, progress: Progress) -> None:
    cs = _CardStyles(report.precision)
    results = report.results
    chunks = [range(i, min(i + CARDS_PER_SHEET, len(results)))
              for i in range(0, len(results), CARDS_PER_SHEET)] or [range(0)]
    for chunk in chunks:
        cards = [_card(results[i], report, meta, cs, period) for i in chunk]
        scale = _card_scale(sum(row.height for row in card) for card in cards)
        title = "考核卡" if len(chunks) == 1 else f"考核卡 {chunk.start + 1}-{chunk.stop}"
        ws = book.sheet(sheet_name(title, taken), CARD_WIDTHS, freeze=None, scale=scale)
        r = 0
        breaks = []
        for k, card in enumerate(cards, start=chunk.start + 1):
            for row in card:
                ws.row(r, row.cells, height=row.height, merges=row.merges)
                r += 1
            breaks.append(r)  # a break after the card's last row (1-based row r)
            if k % 100 == 0 and k != chunk.stop:
                progress(k, len(results))
        ws.finish(last_row=max(r - 1, 0), last_col=len(CARD_WIDTHS) - 1,
                  breaks=breaks[:-1], print_area=bool(cards))
        progress(chunk.stop, len(results))
        del cards


def _errors(book: Book, name: str, report: Report, st: _Styles) -> None:
    ws = book.sheet(name, [6, 12, 12, 18, 18, 80], freeze=(1, 0))
    ws.row(0, [_t(h, st.head) for h in ("行", "工号", "姓名", "位置", "字段", "说明")])
    r = 1
    for person in report.results:
        for e in person.errors:
            ws.row(r, [(person.row, st.text), _t(person.id, st.text), _t(person.name, st.text),
                       _t(e.where, st.text), _t(e.field, st.text), _t(str(e.message), st.text)])
            r += 1
    if r == 1:
        ws.row(1, [None, None, None, None, None, _t("（无）", None)])
    ws.finish(last_row=max(r - 1, 1), last_col=5, autofilter_row=0 if r > 1 else None)


def _not_on_card(book: Book, name: str, loaded: LoadedScheme, st: _Styles) -> None:
    """What the scheme has that the printed card does not (docs/library.md), in Chinese."""
    from kpiscore.scheme.describe import departure_lines

    lines = departure_lines(loaded.compiled.departures, "zh")
    ws = book.sheet(name, [120], freeze=None)
    ws.row(0, [_t(lines[0], st.title)], height=24)
    for r, line in enumerate(lines[1:], start=1):
        ws.row(r, [_t(line.strip(), st.text)])
    ws.finish(last_row=len(lines) - 1, last_col=0)


# -- XlsxWriter ------------------------------------------------------------------------------


class Sheet:
    def __init__(self, book: Book, ws: Any) -> None:
        self.book = book
        self.ws = ws

    def row(self, r: int, cells: Sequence[Cell | None], *, height: float | None = None,
            merges: Sequence[tuple[int, int]] = ()) -> None:
        """Write row ``r`` (0-based, increasing); ``merges`` are column spans of it."""
        ws = self.ws
        fmt = self.book.format
        if height is not None:
            ws.set_row(r, height)
        spans = {c1 for c1, _ in merges}
        for c1, c2 in merges:
            first = cells[c1] if c1 < len(cells) else None
            ws.merge_range(r, c1, r, c2, "", fmt(first[1] if first is not None else None))
        covered = {c for c1, c2 in merges for c in range(c1 + 1, c2 + 1)}
        for c, cell in enumerate(cells):
            if cell is None or c in covered:
                continue
            value, style = cell
            f = fmt(style)
            if isinstance(value, str) and value:
                ws.write_string(r, c, value, f)  # text is text, whatever it starts with
            elif value is None or isinstance(value, (str, bool)):
                if f is not None and c not in spans:
                    ws.write_blank(r, c, None, f)
            else:
                ws.write_number(r, c, float(value), f)

    def finish(self, *, last_row: int, last_col: int, breaks: Sequence[int] = (),
               autofilter_row: int | None = None, print_area: bool = False) -> None:
        """Page breaks after the given rows, a filter on a header row, the print area."""
        ws = self.ws
        if breaks:
            ws.set_h_pagebreaks(list(breaks))
        if autofilter_row is not None and last_row > autofilter_row:
            ws.autofilter(autofilter_row, 0, last_row, last_col)
        if print_area:
            ws.print_area(0, 0, last_row, last_col)


#: The XlsxWriter format property of each field of a :class:`Style`.
_FORMAT = {"bold": "bold", "size": "font_size", "fill": "bg_color", "border": "border",
           "line": "bottom", "align": "align", "valign": "valign", "wrap": "text_wrap",
           "num": "num_format", "color": "font_color"}


class Book:
    def __init__(self, path: str) -> None:
        import xlsxwriter  # type: ignore[import-untyped,unused-ignore]

        self.wb = xlsxwriter.Workbook(path, {
            "constant_memory": True, "strings_to_numbers": False,
            "strings_to_formulas": False, "strings_to_urls": False})
        self.wb.set_properties({"created": FIXED_DATE, "comments": "kpiscore"})
        self.formats: dict[Style, Any] = {}

    def format(self, style: Style | None) -> Any:
        if style is None:
            return None
        f = self.formats.get(style)
        if f is None:
            props = {_FORMAT[k]: v for k, v in vars(style).items()
                     if v is not None and v is not False}
            if style.fill is not None:
                props["pattern"] = 1
            f = self.formats[style] = self.wb.add_format(props)
        return f

    def sheet(self, name: str, widths: Sequence[float], *, freeze: tuple[int, int] | None,
              scale: int | None = None) -> Sheet:
        """A sheet printed on A4, centred: landscape and as wide as the page, or with a
        ``scale`` (percent) portrait (the cards)."""
        ws = self.wb.add_worksheet(name)
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        if freeze is not None:
            ws.freeze_panes(*freeze)
        ws.set_paper(9)  # A4
        left, right, top, bottom = MARGINS
        ws.set_margins(left=left, right=right, top=top, bottom=bottom)
        ws.center_horizontally()
        if scale is None:
            ws.set_landscape()
            ws.fit_to_pages(1, 0)
        else:
            ws.set_portrait()
            ws.set_print_scale(scale)
        return Sheet(self, ws)

    def column_chart(self, sheet: Sheet, title: str, first: int, last: int,
                     at: tuple[int, int]) -> None:
        """A chart at cell ``at`` of rows ``first`` to ``last``: labels in column A, values
        in B."""
        chart = self.wb.add_chart({"type": "column"})
        name = sheet.ws.name
        chart.add_series({"name": title, "categories": [name, first, 0, last, 0],
                          "values": [name, first, 1, last, 1], "data_labels": {"value": True},
                          "fill": {"color": "#4472C4"}, "gap": 60})
        chart.set_title({"name": title, "name_font": {"size": 12}})
        chart.set_legend({"none": True})
        chart.set_y_axis({"name": "人数", "major_gridlines": {"visible": True}, "min": 0})
        sheet.ws.insert_chart(at[0], at[1], chart, {"x_scale": 1.3, "y_scale": 1.1})

    def close(self) -> None:
        self.wb.close()
