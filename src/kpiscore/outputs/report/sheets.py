"""The report's tables: the summary, the distribution, a sheet per dimension, the
errors. People are added one at a time, as they are scored: dimension and error rows
are written at once, and what the summary needs waits in a spool file (a person's
cells) and in memory (their total and department, for the ranks) until everyone is
in. Everything is in the input order, like every other output."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import add

from kpiscore.base.numbers import plain, round_half_up
from kpiscore.outputs.report import labels as L
from kpiscore.outputs.report.book import Book, Cell, Style, Tails, Value, column
from kpiscore.outputs.report.context import Context, fixed, number_format
from kpiscore.outputs.report.text import sheet_name, text_width
from kpiscore.score.across import Standings
from kpiscore.score.results import PersonResult, Rank, Summary

HEAD_FILL = "#D9E1F2"
ERROR_RED = "#C00000"

Progress = Callable[[int, int], None]
#: Between the parts of a person's rows as :class:`PersonRows` writes them (no cell's XML
#: holds a control character: text_tail replaces them).
PART = "\x02"
#: Where a row's number goes in a row made before its place is known.
ROW = "\x00"


class Styles:
    """The tables' styles (one object each: a style is one format in the workbook)."""

    def __init__(self, precision: int) -> None:
        self.title = Style(bold=True, size=14)
        self.head = Style(bold=True, fill=HEAD_FILL, border=True, align="center", wrap=True)
        self.text = Style(border=True, align="left", indent=1)
        self.middle = Style(border=True, align="center")
        self.bold_middle = Style(bold=True, border=True, align="center")
        self.num = Style(border=True, num=number_format(precision, pad=True), align="right")
        self.count = Style(border=True, num="0_ ", align="right")
        self.share = Style(border=True, num="0.0%_ ", align="right")
        self.red = Style(border=True, color=ERROR_RED, align="center")
        self.right = Style(border=True, align="right", indent=1)
        self.general = Style(border=True, align="right")  # as they are: 98.5
        self._money: dict[int, Style] = {}

    def money(self, precision: int) -> Style:
        """Pay: thousands separated, to the pay's own precision."""
        if precision not in self._money:
            self._money[precision] = Style(border=True, num=number_format(precision, True, True),
                                           align="right")
        return self._money[precision]

    def fixed(self, shape: Shape) -> list[Style]:
        """The styles of people's rows, in the order the workbook numbers them first, so
        that another process can make those rows (:class:`PersonRows`)."""
        return [self.title, self.head, self.text, self.middle, self.bold_middle, self.num,
                self.count, self.share, self.red, self.right, self.general,
                *(self.money(precision) for _, precision in shape.pays.values())]


def _t(value: str | None, style: Style | None) -> Cell:
    return ("" if value is None else value, style)


class Widest:
    """The width a column needs for its texts, measured as they go by (roughly, for
    speed: a CJK character as two digits), with room for the indent."""

    def __init__(self, least: float, most: float = 40) -> None:
        self.least, self.most, self.seen = least, most, 0.0

    def see(self, text: str | None) -> None:
        if text:
            width = self.measure(text)
            if width > self.seen:
                self.seen = width

    @staticmethod
    def measure(text: str) -> float:
        return len(text) * (1.0 if text.isascii() else 1.9)

    @property
    def width(self) -> float:
        return min(self.most, max(self.least, self.seen + 2.5))


def number_width(largest: Decimal | None, precision: int, thousands: bool = False) -> float:
    """A column's width for numbers up to ``largest`` (in absolute value)."""
    if largest is None:
        return 0
    text = f"{largest:,.{max(precision, 0)}f}" if thousands else \
        plain(round_half_up(largest, precision))
    return len(text) + 3.5  # a sign, the indent, room


def _lines(text: str, width: float) -> int:
    return max(1, -(-int(text_width(text) + 1) // max(1, int(width - 1))))


def _remark(r: PersonResult) -> str:
    if r.status != "ok":
        return "; ".join(str(e) for e in r.errors)
    return "; ".join(v.reason for v in r.vetoes)


def _amounts(r: PersonResult) -> dict[str, Decimal | None]:
    if r.pay_lines is None:
        return {"pay": r.pay}
    return {line.id: line.amount for line in r.pay_lines}


# -- a person's rows ---------------------------------------------------------------------------


@dataclass
class Shape:
    """What the tables' columns are, from the first person (every person of a scheme has
    the same parts): the summary's score columns and pay, each dimension's indicators."""

    #: the summary's score columns: section (or, with several, dimension) id → title
    groups: dict[str, str]
    #: pay line id (or "pay") → title, precision
    pays: dict[str, tuple[str, int]]
    #: each dimension's indicators (their places among the person's)
    members: list[list[int]]

    @classmethod
    def of(cls, first: PersonResult, ctx: Context) -> Shape:
        groups: dict[str, str] = {}
        if first.sections:
            groups = {s.id: s.title for s in first.sections}
        elif len(first.dimensions) > 1:
            groups = {d.id: d.title for d in first.dimensions}
        pays = {line.id: (line.title, line.precision) for line in first.pay_lines or []}
        if ctx.report.has_pay and first.pay_lines is None:
            pays["pay"] = (ctx.pay_title, ctx.report.pay_precision)
        members = [[i for i, ind in enumerate(first.indicators) if ind.dimension == d.id]
                   for d in first.dimensions]
        return cls(groups, pays, members)


class PersonRows:
    """A person's cells of the summary and rows of the dimension sheets, as one text
    (:meth:`encode`): made by whichever process scored the person (a worker process
    too: score/workers.py), and written into the workbook by :class:`SummarySheet` and
    :class:`DimensionSheet` in this one. ``tails`` numbers the styles of
    :meth:`Styles.fixed` (a :class:`~kpiscore.outputs.report.book.FixedTails`, or the
    book itself when they are its first formats).

    The parts, joined by :data:`PART`: the summary's cells (joined by ``\\x01``, the
    ranks left empty), the width its remark needs, each pay amount, then each
    dimension's row, its row number left as :data:`ROW`.
    """

    def __init__(self, ctx: Context, st: Styles,
                 tails: Callable[[Sequence[Style]], Tails]) -> None:
        self.ctx, self.st, self._tails = ctx, st, tails
        self.shape: Shape | None = None
        self.passed = {True: ctx.say(L.YES), False: ctx.say(L.NO), None: None}
        #: per dimension, the XML of the two cells of an indicator result shared by
        #: everyone with the same actual (the same object for all of them: kept alive by
        #: the scorer)
        self.pairs: list[dict[int, str]] = []
        self.prefixes: list[str] = []  # each column's ``<c r="D\x00"``

    def start(self, first: PersonResult) -> Shape:
        shape = self.shape = Shape.of(first, self.ctx)
        self.tails = self._tails(self.st.fixed(shape))
        self.pairs = [{} for _ in shape.members]
        self.prefixes = [f'<c r="{column(c)}{ROW}"'
                         for c in range(5 + 2 * max(map(len, shape.members), default=0))]
        return shape

    def encode(self, r: PersonResult) -> str:
        shape = self.shape or self.start(r)
        ctx, st, p = self.ctx, self.st, self.ctx.precision
        tails = self.tails
        tail, number = tails.cell_tail, tails.number_tail
        who = (tails.text_tail(r.id, st.text), tails.text_tail(r.name, st.text),
               tail(r.department, st.text))
        remark = _remark(r)
        c = r.calibration
        if c is not None:
            by = ctx.say(L.CALIBRATION_BY, by=c.by) if c.by else ""
            remark = "; ".join(x for x in (remark, ctx.say(
                L.CALIBRATION_NOTE, before=c.before, reason=c.reason, by=by)) if x)
        cells = [f"{tails.xf(st.count)}><v>{r.row}</v></c>", *who, number(r.total, st.num, p),
                 tail(c.banded if c else r.grade, st.middle),
                 tail(c.quota if c else r.quota_grade, st.middle),
                 tail(ctx.report.counted_grade(r) if r.scored else None,
                      st.bold_middle if c else st.middle), "", "",
                 tail(self.passed[r.passed], st.middle)]
        if shape.groups:
            scores = {g.id: g.score() for g in (r.sections or r.dimensions)}
            cells += [number(scores.get(g), st.num, p) for g in shape.groups]
        amounts: list[str] = []
        if shape.pays:
            paid = _amounts(r)
            for key, (_, precision) in shape.pays.items():
                amount = paid.get(key)
                amounts.append("" if amount is None else str(amount))
                cells.append(number(amount, st.money(precision), precision))
        cells.append(tail(ctx.status(r), st.red if r.status != "ok" else st.middle))
        cells.append(tails.text_tail(remark, st.text))
        parts = ["\x01".join(cells), repr(Widest.measure(remark)) if remark else "", *amounts]
        indicators = r.indicators
        prefixes = self.prefixes
        who_xml = "".join(map(_cell, prefixes[:3], who))  # columns A to C
        for k, members in enumerate(shape.members):
            pairs = self.pairs[k]
            xml = [f'<row r="{ROW}">', who_xml]
            for n, i in enumerate(members):
                if i >= len(indicators):
                    continue  # two empty cells: left out
                ind = indicators[i]
                pair = pairs.get(id(ind)) if ind.shared else None
                if pair is None:
                    actual = ind.actual
                    pair = _cell(prefixes[3 + 2 * n], tail(actual, st.right)
                                 if isinstance(actual, str) else number(actual, st.general, p))
                    pair += _cell(prefixes[4 + 2 * n], number(ind.points, st.num, p))
                    if ind.shared:
                        pairs[id(ind)] = pair
                xml.append(pair)
            d = r.dimensions[k] if k < len(r.dimensions) else None
            at = 3 + 2 * len(members)
            xml.append(_cell(prefixes[at], number(d.score() if d else None, st.num, p)))
            xml.append(_cell(prefixes[at + 1], number(d.contribution if d else None, st.num,
                                                      p)))
            xml.append("</row>")
            parts.append("".join(xml))
        return PART.join(parts)


def _cell(prefix: str, tail: str) -> str:
    """A cell's XML from its ``<c r="D\x00"`` and its tail ("" for a cell left out)."""
    return prefix + tail if tail else ""


# -- the summary ------------------------------------------------------------------------------

#: The summary's columns, in order; some are left out when no one has them.
_FIXED = ("row", "id", "name", "department", "total", "grade", "quota", "calibrated", "rank",
          "department_rank", "passed")


class SummarySheet:
    """One row per person: who, total, grade, rank, each section's (or dimension's)
    score, pay, status and what went wrong (written once everyone is ranked)."""

    def __init__(self, book: Book, ctx: Context, name: str, st: Styles) -> None:
        self.book, self.ctx, self.st = book, ctx, st
        self.ws = book.sheet(name, [])
        self.spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
        self.standings = Standings()  # for the ranks
        self.groups: dict[str, str] = {}  # score columns: section (or dimension) id → title
        self.pays: dict[str, tuple[str, int]] = {}  # pay line id → title, precision
        self.has = {"grade": ctx.report.has_grades, "quota": False, "passed": False,
                    "department_rank": False,
                    "calibrated": ctx.report.summary.calibration is not None}
        self.widths = {k: Widest(8) for k in ("id", "name", "department")}
        self.remarks = Widest(12, 60)
        self.largest: dict[str, Decimal] = {}  # pay line id (and "total") → its largest

    def start(self, shape: Shape) -> None:
        """The columns that depend on the scheme."""
        self.groups, self.pays = shape.groups, shape.pays

    def add(self, r: PersonResult, parts: Sequence[str]) -> None:
        """A person, with their :meth:`PersonRows.encode` parts."""
        has = self.has
        widths = self.widths
        widths["id"].see(r.id)
        widths["name"].see(r.name)
        widths["department"].see(r.department)
        if parts[1]:
            self.remarks.seen = max(self.remarks.seen, float(parts[1]))
        if r.quota_grade is not None:
            has["quota"] = True
        if r.passed is not None:
            has["passed"] = True
        if r.scored and r.department is not None:
            has["department_rank"] = True
        self._largest("total", r.total)
        for key, amount in zip(self.pays, parts[2:2 + len(self.pays)], strict=True):
            if amount:
                self._largest(key, Decimal(amount))
        self.spool.write(parts[0] + "\n")  # cells hold no newline: text_tail
        self.standings.add(r)

    def _largest(self, key: str, value: Decimal | None) -> None:
        if value is not None and (key not in self.largest or abs(value) > self.largest[key]):
            self.largest[key] = abs(value)

    def close(self, ranks: Sequence[Rank | None], progress: Progress) -> None:
        ctx, st, say, book = self.ctx, self.st, self.ctx.say, self.book
        p = ctx.precision
        keep = [k for k, name in enumerate(_FIXED) if self.has.get(name, True)]
        heads = {"row": (say(L.ROW), number_width(Decimal(len(self.standings) + 1), 0)),
                 "id": (say(L.ID), self.widths["id"].width),
                 "name": (say(L.NAME), self.widths["name"].width),
                 "department": (say(L.DEPARTMENT), self.widths["department"].width),
                 "total": (say(L.TOTAL), max(8, number_width(self.largest.get("total"), p))),
                 "grade": (say(L.GRADE), max([7.0, *(text_width(g) + 2 for g in ctx.grades)])),
                 "quota": (say(L.QUOTA_GRADE), 12),
                 "calibrated": (say(L.CALIBRATED_GRADE), 12), "rank": (say(L.RANK), 7),
                 "department_rank": (say(L.DEPARTMENT_RANK), 9), "passed": (say(L.PASSED), 9)}
        head = [heads[_FIXED[k]] for k in keep]
        head += [(title, max(8, min(16, text_width(title) / 2 + 2)))
                 for title in self.groups.values()]
        head += [(title, max(10, text_width(title) + 2,
                             number_width(self.largest.get(key), precision, True)))
                 for key, (title, precision) in self.pays.items()]
        head += [(say(L.STATUS), 10), (say(L.REMARKS), self.remarks.width)]
        ws = self.ws
        ws.widths([w for _, w in head])
        ws.freeze(2, 3)
        what = say(L.PEOPLE_COUNT, what=say(L.SUMMARY), count=len(self.standings))
        ws.row([_t(ctx.heading(what), st.title)], height=24)
        ws.row([_t(h, st.head) for h, _ in head],
               height=15 * max([1, *(_lines(h, w) for h, w in head)]) + 6)
        rank_at, tail = _FIXED.index("rank"), book.cell_tail
        unranked = tail(None, st.middle)
        prefixes = [f'<c r="{column(c)}{ROW}"' for c in range(len(head))]
        rows: list[str] = []
        self.spool.seek(0)
        for i, (line, rank) in enumerate(zip(self.spool, ranks, strict=True)):
            cells = line[:-1].split("\x01")
            if rank is not None:
                cells[rank_at] = tail(rank.overall, st.middle)
                cells[rank_at + 1] = tail(rank.department, st.middle)
            else:
                cells[rank_at] = cells[rank_at + 1] = unranked
            cells = [cells[k] for k in keep] + cells[len(_FIXED):]
            if all(cells):
                xml = "".join(map(add, prefixes, cells))
            else:  # an empty cell is left out
                xml = "".join([x + t for x, t in zip(prefixes, cells, strict=True) if t])
            rows.append(f'<row r="{ROW}">{xml}</row>'.replace(ROW, str(ws.next + 1 + len(rows))))
            if len(rows) == 512:
                ws.run("".join(rows), len(rows), len(head))
                rows.clear()
            if i % 10000 == 9999:
                progress(i + 1, len(self.standings))
        ws.run("".join(rows), len(rows), len(head))
        self.spool.close()
        ws.finish(autofilter_row=1, print_area=True, repeat=(1, 1))


# -- the distribution -------------------------------------------------------------------------


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


def shares(counts: Sequence[int]) -> list[Decimal]:
    """Each count's share of their sum to a tenth of a percent, rounded so that the
    shares add up to exactly 100% (the largest remainders get the spare tenths)."""
    total = sum(counts)
    if not total:
        return [Decimal(0)] * len(counts)
    floors = [n * 1000 // total for n in counts]
    spare = 1000 - sum(floors)
    for k in sorted(range(len(counts)), key=lambda k: -(counts[k] * 1000 % total))[:spare]:
        floors[k] += 1
    return [Decimal(k) / 1000 for k in floors]


class DistributionSheet:
    """People, scored, not scored, mean, lowest and highest; counts and shares per grade
    and per tenth of the scale, each with a column chart. Shares are of everyone
    (人数): those who could not be scored have a row of their own, so they add up."""

    def __init__(self, book: Book, ctx: Context, name: str, st: Styles) -> None:
        self.book, self.ctx, self.st = book, ctx, st
        self.ws = book.sheet(name, [16, 10, 10, 4])
        self.totals: list[Decimal] = []  # rounded, of the people scored
        self.grades = {g: 0 for g in ctx.grades}
        self.people = 0

    def add(self, r: PersonResult) -> None:
        self.people += 1
        if r.status == "ok" and r.total is not None:
            self.totals.append(round_half_up(r.total, self.ctx.precision))
            grade = r.calibration.banded if r.calibration is not None else r.grade
            if grade is not None:  # banded: the calibration sheet counts the final grades
                self.grades[grade] = self.grades.get(grade, 0) + 1

    def close(self, s: Summary) -> None:
        ws, ctx, st, book = self.ws, self.ctx, self.st, self.book
        say, p = ctx.say, ctx.precision
        ws.row([_t(ctx.heading(say(L.DISTRIBUTION)), st.title)], height=24)
        ws.row([])
        stats: list[tuple[str, Value, Style]] = [
            (say(L.PEOPLE), s.rows, st.count), (say(L.SCORED), s.ok, st.count),
            (say(L.NOT_SCORED), s.error, st.count), (say(L.MEAN), fixed(s.mean, p), st.num),
            (say(L.LOWEST), fixed(s.min, p), st.num), (say(L.HIGHEST), fixed(s.max, p), st.num)]
        for label, value, style in stats:
            ws.row([_t(label, st.head), (value, style)])
        unscored = self.people - len(self.totals)
        charts: list[tuple[str, int, int, int]] = []

        def counted(head: str, chart: str, counts: list[tuple[str, int]]) -> None:
            """A table of counts and shares, and its chart (of the people scored)."""
            ws.row([])
            ws.row([_t(head, st.head), _t(say(L.PEOPLE), st.head), _t(say(L.SHARE), st.head)])
            first = ws.next
            rows = counts + ([(say(L.NOT_SCORED), unscored)] if unscored else [])
            for (label, n), share in zip(rows, shares([n for _, n in rows]), strict=True):
                ws.row([_t(label, st.text), (n, st.count), (share, st.share)])
            charts.append((chart, first, first + len(counts) - 1,
                           max((n for _, n in counts), default=0)))

        if ctx.report.has_grades:
            counted(say(L.GRADE), say(L.GRADES_CHART), list(self.grades.items()))
        counted(say(L.RANGE), say(L.TOTALS_CHART), bucket_counts(self.totals, ctx.scale))
        ws.finish()
        for n, (title, lo, hi, most) in enumerate(charts):
            book.column_chart(ws, title, say(L.PEOPLE), lo, hi, (1 + 17 * n, 4), most)


# -- a sheet per dimension --------------------------------------------------------------------


class DimensionSheet:
    """The sheet of one dimension: each person's actual and points for each of its
    indicators, the dimension's score and contribution."""

    def __init__(self, book: Book, ctx: Context, taken: set[str], st: Styles,
                 first: PersonResult, k: int, members: Sequence[int]) -> None:
        self.book, self.ctx, self.st, self.k = book, ctx, st, k
        say = ctx.say
        dim = first.dimensions[k]
        titles = [first.indicators[i].title for i in members]
        title = dim.title
        if dim.section is not None and sum(1 for d in first.dimensions if d.title == title) > 1:
            title = f"{ctx.sections.get(dim.section, dim.section)}-{dim.title}"
        self.widths = [8.0, 8.0, 8.0]  # id, name, department: set when closed
        for text in titles:
            self.widths += [max(8.0, min(24.0, text_width(text) / 2 + 1))] * 2
        self.widths += [10, 10]
        ws = self.ws = book.sheet(sheet_name(title, taken), self.widths, freeze=(3, 3))
        ws.row([_t(ctx.heading(say(L.WEIGHTED, title=dim.title, weight=plain(dim.weight))),
                   st.title)], height=24)
        # each indicator's title spans its two columns, 实际 and 得分
        head: list[Cell | None] = [_t(h, st.head) for h in (say(L.ID), say(L.NAME),
                                                             say(L.DEPARTMENT))]
        sub: list[Cell | None] = [("", st.head)] * 3
        for text in titles:
            head += [_t(text, st.head), None]
            sub += [_t(say(L.ACTUAL), st.head), _t(say(L.POINTS), st.head)]
        head += [_t(say(L.GROUP_SCORE), st.head), _t(say(L.CONTRIBUTION), st.head)]
        sub += [("", st.head)] * 2
        merges = [(3 + 2 * n, 4 + 2 * n) for n in range(len(titles))]
        height = 15 * max((_lines(text, self.widths[3 + 2 * n])
                           for n, text in enumerate(titles)), default=1) + 6
        ws.row(head, merges=merges, height=height)
        ws.row(sub)
        self.cells = len(self.widths)  # the columns a person's row reaches
        self.waiting: list[str] = []  # people's rows not yet written

    def add(self, row: str) -> None:
        """A person's row, as :meth:`PersonRows.encode` made it, with its number."""
        waiting = self.waiting
        waiting.append(row)
        if len(waiting) >= 512:
            self.flush()

    def flush(self) -> None:
        self.ws.run("".join(self.waiting), len(self.waiting), self.cells)
        self.waiting.clear()

    def close(self, who: Sequence[Widest]) -> None:
        self.flush()
        self.ws.widths([w.width for w in who] + self.widths[3:])
        self.ws.finish(autofilter_row=2, print_area=True, repeat=(1, 2))


# -- errors -----------------------------------------------------------------------------------


class ErrorsSheet:
    """One row per error: the row, who, ``sheet!cell``, the field and the message."""

    def __init__(self, book: Book, ctx: Context, name: str, st: Styles) -> None:
        self.st, say = st, ctx.say
        self.widest = [Widest(5), Widest(8), Widest(8), Widest(12), Widest(8, 24),
                       Widest(40, 100)]
        self.ws = book.sheet(name, [], freeze=(1, 0))
        self.ws.row([_t(h, st.head) for h in (say(L.ROW), say(L.ID), say(L.NAME),
                                              say(L.WHERE), say(L.FIELD), say(L.MESSAGE))])
        self.none = _t(say(L.NONE), None)

    def add(self, r: PersonResult) -> None:
        st = self.st
        for e in r.errors:
            texts = (str(r.row), r.id, r.name, e.where, e.field, str(e.message))
            for w, text in zip(self.widest, texts, strict=True):
                w.see(text)
            self.ws.row([(r.row, st.count), _t(r.id, st.text), _t(r.name, st.text),
                         _t(e.where, st.text), _t(e.field, st.text),
                         _t(str(e.message), st.text)])

    def close(self) -> None:
        ws = self.ws
        errors = ws.next > 1
        if not errors:
            ws.row([None, None, None, None, None, self.none])
        ws.widths([w.width for w in self.widest])
        ws.finish(autofilter_row=0 if errors else None, repeat=(0, 0))


def calibration(book: Book, name: str, ctx: Context, st: Styles) -> None:
    """The calibration's audit sheet: each grade's count banded, by the quotas and final,
    then every move: who, total, from, to, reason, by and the move's cell."""
    c = ctx.report.summary.calibration
    assert c is not None
    say, p = ctx.say, ctx.precision
    heads = [(say(L.ROW), 6.0), (say(L.ID), 10.0), (say(L.NAME), 10.0),
             (say(L.DEPARTMENT), 12.0), (say(L.TOTAL), 8.0), (say(L.FROM_GRADE), 9.0),
             (say(L.TO_GRADE), 11.0), (say(L.REASON), 40.0), (say(L.BY), 10.0),
             (say(L.WHERE), 14.0)]
    reasons, who = Widest(12, 60), [Widest(8), Widest(8), Widest(10)]
    for r in c.moved:
        assert r.calibration is not None
        reasons.see(r.calibration.reason)
        for w, text in zip(who, (r.id, r.name, r.department), strict=True):
            w.see(text)
    widths = [w for _, w in heads]
    widths[1:4] = [w.width for w in who]
    widths[7] = reasons.width
    ws = book.sheet(name, widths)
    ws.row([_t(ctx.heading(say(L.CALIBRATION_HEADING, moves=len(c.moved), source=c.source)),
               st.title)], height=24)
    ws.row([])
    ws.row([_t(say(L.CALIBRATION_COUNTS), st.head)])
    ws.row([_t(h, st.head) for h in (say(L.GRADE), say(L.BANDED), say(L.ASSIGNED),
                                     say(L.FINAL))])
    for n in c.counts:
        ws.row([_t(n.grade, st.middle), (n.banded, st.count),
                (n.assigned, st.count) if n.assigned is not None else ("", st.middle),
                (n.final, st.count)])
    ws.row([])
    ws.row([_t(h, st.head) for h, _ in heads])
    for r in c.moved:
        m = r.calibration
        assert m is not None
        ws.row([(r.row, st.count), _t(r.id, st.text), _t(r.name, st.text),
                _t(r.department, st.text), (fixed(r.total, p), st.num),
                _t(m.before, st.middle), _t(m.after, st.bold_middle), _t(m.reason, st.text),
                _t(m.by, st.text), _t(m.where, st.text)])
    ws.finish(print_area=True)


def not_on_card(book: Book, name: str, lines: Sequence[str], st: Styles) -> None:
    """What the scheme has that the printed card does not: a heading, a line a mark."""
    ws = book.sheet(name, [120])
    ws.row([_t(lines[0], st.title)], height=24)
    for line in lines[1:]:
        ws.row([_t(line.strip(), st.text)])
    ws.finish()
