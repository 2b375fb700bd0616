"""The quick way through a plain row: each cell straight to its finished indicator.

Most rows of a month-end table are plain: every actual a number or answer already
seen, no error, no veto. For such a row the scorer's whole path — read the cell,
check its range, score it, weigh it, build the indicator's result — gives the same
finished, shared :class:`~kpiscore.score.results.IndicatorResult` for the same cell
every time. A :class:`Lane` remembers, per indicator, each cell's finished result
and share of the total's numerator, so a plain row costs a dictionary lookup an
indicator, the sums of its dimensions and the total.

A lane is only made for a scheme whose every indicator is read from a column of its
own and needs nothing else (no formulas, surveys, raters, periods, scheme-level
vetoes or pay lines), bound without problems; it gives up on any row that is not
plain (returns None) and the scorer's own path scores it, so the two always agree.
``tests/test_lane.py`` holds a lane to the scorer's path, result for result.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, DecimalException, getcontext, setcontext
from typing import Any

from kpiscore.base.numbers import SCORING, ZERO
from kpiscore.io.cells import BadValue, is_blank, read_text
from kpiscore.rules.levels import UnknownLevel
from kpiscore.score.binding import Binding
from kpiscore.score.results import GroupResult, IndicatorResult, PersonResult, Scored
from kpiscore.score.scorer import MEMO_SIZE, Scorer, cell_text, forgets, reading_key

#: an indicator's piece: its finished result, its share of the total's numerator and the
#: cell it was made for
Piece = tuple[IndicatorResult, Decimal, Any]


class Lane:
    """Plain rows of one table, scored from remembered pieces (see the module)."""

    def __init__(self, scorer: Scorer, binding: Binding) -> None:
        compiled = scorer.compiled
        self.scorer = scorer
        fields = {f.key: f for f in compiled.fields}
        self.fields = [fields[ci.id] for ci in compiled.indicators]
        self.columns: list[int] = [binding.columns[f.key] for f in self.fields]
        #: per indicator: its index, its column and its pieces per cell
        self.slots: list[tuple[int, int, dict[object, Piece | None]]] = [
            (k, col, {}) for k, col in enumerate(self.columns)]
        #: per indicator: whether it still remembers new cells (see scorer.TRIAL)
        self.keeping = [True] * len(self.columns)
        self.rows = 0  # rows scored here: each looks an indicator up at most once
        self.dimensions = compiled.dimensions
        self.sections = compiled.sections
        self.denominator = compiled.denominator
        self.mark = compiled.scheme.pass_mark
        self.grade_for = compiled.grade_for
        #: the context rules score in (SCORING's traps and limits); its own, so that the
        #: flags a rule sets (which nothing reads) do not touch SCORING
        self.context = SCORING.copy()
        self.id_col, self.name_col, self.dept_col = (binding.id_col, binding.name_col,
                                                     binding.dept_col)
        # the values pay formulas and tie-breaks read (PersonResult.env), in field order
        order = {ci.id: k for k, ci in enumerate(compiled.indicators)}
        self.numeric = [(f.key, order[f.key]) for f in compiled.fields if f.numeric]
        self.width = max([*self.columns, *(c for c in (self.id_col, self.name_col,
                                                       self.dept_col) if c is not None)]) + 1

    @staticmethod
    def fits(scorer: Scorer, binding: Binding) -> bool:
        """Whether a lane can score this scheme's plain rows (see the module)."""
        c = scorer.compiled
        keys = [f.key for f in c.fields]
        return (not binding.problems and not c.formula_order and not c.vetoes
                and not c.pay_lines and not c.survey_of and not c.grouped
                and sorted(keys) == sorted(ci.id for ci in c.indicators)
                and len(set(keys)) == len(keys)
                and all(binding.columns.get(k) is not None for k in keys))

    def score(self, row: int, cells: Sequence[Any], percent: frozenset[int] | set[int],
              ident: str | None) -> PersonResult | None:
        """The row's result, or None when the row is not plain; ``ident`` is its id cell
        as :func:`~kpiscore.score.scorer.cell_text` reads it (the loop over people has
        read it already)."""
        if len(cells) < self.width:
            return None
        if ident is None and self.id_col is not None:
            return None
        self.rows += 1
        indicators: list[IndicatorResult] = []
        shares: list[Decimal] = []
        numerator = ZERO
        for k, col, pieces in self.slots:
            raw = cells[col]
            kind = type(raw)
            if kind is str:  # a text cell reads the same whatever its format
                piece = pieces.get(raw)
                if piece is not None:
                    indicators.append(piece[0])
                    shares.append(piece[1])
                    numerator += piece[1]
                    continue
            pct = col in percent if percent else False
            # a Decimal (what openers give for numbers) is its own key, its spelling
            # (95 or 95.0) checked on a hit
            key = raw if kind is str or (kind is Decimal and not pct) else \
                reading_key(raw, pct)
            try:
                piece = pieces.get(key) if key is not None else None
                if piece is not None and kind is Decimal and not pct \
                        and not piece[2].same_quantum(raw):
                    key = reading_key(raw, pct)  # 95.0 where 95 is remembered: its own
                    piece = pieces.get(key)
            except TypeError:  # a signalling NaN cannot be hashed
                return None
            if piece is None:
                if key is not None and key in pieces:
                    return None  # known not plain
                keep = key is not None and len(pieces) < MEMO_SIZE and self.keeping[k]
                piece = self._piece(k, raw, pct, keep)
                if keep:
                    pieces[key] = piece
                    if forgets(len(pieces), self.rows):
                        pieces.clear()  # its cells do not repeat: see scorer.TRIAL
                        self.keeping[k] = False
                if piece is None:
                    return None
            indicators.append(piece[0])
            shares.append(piece[1])
            numerator += piece[1]
        result = PersonResult(row, ident, cell_text(cells[self.name_col])
                              if self.name_col is not None else None,
                              cell_text(cells[self.dept_col])
                              if self.dept_col is not None else None)
        result.indicators = indicators
        result.env = {key: indicators[k].actual for key, k in self.numeric}  # type: ignore[misc]
        denominator = self.denominator
        for groups, out in ((self.dimensions, result.dimensions),
                            (self.sections, result.sections)):
            for g in groups:
                value = ZERO
                for i in g.members:
                    value += shares[i]
                out.append(GroupResult(g.id, g.title, g.weight, value / denominator,
                                       g.section))
        total = numerator / denominator
        result.total = total
        result.grade = self.grade_for(total, False)
        mark = self.mark
        result.passed = None if mark is None else total >= mark
        return result

    def _piece(self, k: int, raw: object, pct: bool, keep: bool) -> Piece | None:
        """Indicator ``k``'s finished result for a cell, as the scorer's path makes it
        (None if the cell is blank, unreadable, out of range, fires a veto or cannot be
        scored: the scorer's path then says why); ``keep``: it will be remembered, so
        shared by everyone with this cell. Scored here, not through the scorer's own
        memory: the lane remembers the finished result, which is all a plain row needs."""
        scorer = self.scorer
        f = self.fields[k]
        ci = scorer.compiled.indicators[k]
        if is_blank(raw):
            return None
        actual: Decimal | str
        if f.numeric:
            parsed = scorer.read_field(f, raw, pct)
            if isinstance(parsed, str):
                return None
            actual = parsed
        else:
            try:
                actual = read_text(raw)
            except BadValue:
                return None
        veto = ci.ind.veto
        if veto is not None and isinstance(actual, Decimal) and veto.when.holds(actual):
            return None
        before = getcontext()
        setcontext(self.context)  # localcontext(SCORING) without a copy a new actual
        try:
            points, step = ci.rule.score(actual, ci.spec)
        except (UnknownLevel, DecimalException):
            return None
        finally:
            setcontext(before)
        scored = Scored(actual, points, step, text=step.render(scorer.lang), memo=keep)
        return (*scorer.finish(k, ci, scored, keep), raw)
