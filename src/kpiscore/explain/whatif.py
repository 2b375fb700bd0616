"""What would it take? The actual each indicator needs for a goal, and scheme diffs.

``kpiscore whatif``: for one person and a goal (the next grade, a named grade
or a total), find for each indicator the least actual that reaches the goal
while every other value of the row stays as it is. Every rule is monotone in
the direction of ``better``, so the search is a bisection over the
indicator's valid range, on a grid of the indicator's resolution (whole units
for counts such as 次 or 篇, else the scheme's precision: 0.01), with exact
Decimals. Each answer is then
checked by scoring the row again with it — and with one step less — through
the engine itself (:meth:`kpiscore.explain.trace.Subject.evaluate`).

"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING, Any

from kpiscore.base.errors import KpiscoreError
from kpiscore.base.numbers import ZERO, quantum, round_half_up
from kpiscore.outputs.records import _fixed
from kpiscore.score.results import PersonResult

if TYPE_CHECKING:
    from kpiscore.explain.trace import Subject
    from kpiscore.scheme.compile import CompiledIndicator, CompiledScheme

#: Doublings tried when the better side of an indicator's range is open.
MAX_DOUBLINGS = 200


class GoalError(KpiscoreError):
    """The goal cannot be set (no grades, an unknown grade, already at the top)."""

    def __init__(self, key: str, **fields: Any) -> None:
        from kpiscore.base.i18n import t

        self.key = key
        self.fields = fields
        super().__init__(t(key, "en", **fields))


@dataclass(frozen=True)
class Goal:
    """Reach ``total`` (at least), or the grade ``grade`` (or a better one)."""

    total: Decimal | None
    grade: str | None = None
    ranks: tuple[str, ...] = ()  # grade names, best first

    def reached(self, result: PersonResult) -> bool:
        if result.status != "ok" or result.total is None:
            return False
        if self.grade is not None:
            if result.grade not in self.ranks:
                return False
            return self.ranks.index(result.grade) <= self.ranks.index(self.grade)
        assert self.total is not None
        return result.total >= self.total


def unsupported(compiled: CompiledScheme) -> str | None:
    """Why whatif cannot answer for this scheme, if it cannot: it scores one row again,
    so a person built from several rows (raters, periods) or survey responses is out."""
    if compiled.grouped:
        return "its people are scored from several rows (raters or periods)"
    if compiled.survey_of:
        return "some of its actuals come from survey responses"
    return None


def goal_for(compiled: CompiledScheme, result: PersonResult, *, grade: str | None = None,
             total: Decimal | None = None) -> Goal:
    """The goal asked for, or by default the grade just above the person's."""
    grades = compiled.scheme.grades
    ranks = tuple(g.name for g in grades)
    if grade is not None and total is not None:
        raise GoalError("msg.one_goal")
    if total is not None:
        return Goal(total)
    if not grades:
        raise GoalError("msg.no_grades")
    if grade is None:
        if result.grade not in ranks:
            raise GoalError("msg.no_grades")
        k = ranks.index(result.grade)
        if k == 0:
            raise GoalError("whatif.top", who=result.id or f"row {result.row}",
                            grade=result.grade)
        grade = ranks[k - 1]
    band = next((g for g in grades if g.name == grade), None)
    if band is None:
        raise GoalError("msg.unknown_grade", grade=grade, grades="、".join(ranks))
    if band.min is None:
        raise GoalError("msg.grade_no_min", grade=grade)
    return Goal(band.min, grade, ranks)


@dataclass
class Answer:
    """What one indicator needs, on its own, for the goal."""

    id: str
    title: str
    unit: str
    better: str
    formula: str | None
    current: Decimal | str | None
    points_now: Decimal | None
    reachable: bool
    needed: Decimal | str | None = None
    points_then: Decimal | None = None
    total_then: Decimal | None = None
    grade_then: str | None = None
    step: Decimal | None = None
    best: Decimal | str | None = None  # the best valid actual, when the goal is out of reach
    best_total: Decimal | None = None
    verified: bool = False


@dataclass
class WhatIf:
    subject_id: str | None
    name: str | None
    goal: Goal
    total: Decimal | None
    grade: str | None
    precision: int
    reached: bool = False  # the person already reaches the goal: nothing to find
    answers: list[Answer] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        p = self.precision

        def short(v: Decimal | str | None) -> Decimal | str | None:
            """An actual as people write it: exact when short, else rounded."""
            if v is None or isinstance(v, str):
                return v
            return _tidy(v) if v == v.quantize(quantum(p + 2)) else round_half_up(v, p)

        return {
            "person": {"id": self.subject_id, "name": self.name},
            "goal": {"total": short(self.goal.total), "grade": self.goal.grade},
            "now": {"total": _fixed(self.total, p), "grade": self.grade},
            "reached": self.reached,
            "indicators": [{
                "id": a.id, "title": a.title, "unit": a.unit, "better": a.better,
                "formula": a.formula, "actual": short(a.current),
                "points": _fixed(a.points_now, p), "reachable": a.reachable,
                "needed": short(a.needed), "step": short(a.step),
                "points_then": _fixed(a.points_then, p), "total_then": _fixed(a.total_then, p),
                "grade_then": a.grade_then, "best": short(a.best),
                "best_total": _fixed(a.best_total, p), "verified": a.verified,
            } for a in self.answers],
        }


def _tidy(value: Decimal) -> Decimal:
    """Without trailing zeros or an exponent: 93.40 → 93.4, 9E+1 → 90."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _decimals(values: list[Decimal | None]) -> int:
    """The most decimals any of ``values`` is written with (0 for whole numbers)."""
    most = 0
    for v in values:
        if v is None or not v.is_finite():
            continue
        exponent = v.normalize().as_tuple().exponent
        assert isinstance(exponent, int)
        most = max(most, -exponent)
    return most


#: Units of things counted one by one: their actuals move in whole steps.
COUNT_UNITS = frozenset("次 个 篇 项 件 人 单 笔 台 起 条 家 场 位 户 份 套 张 本 门 例 宗".split()
                        + ["times", "count", "pcs"])


def resolution(ci: CompiledIndicator, actual: Decimal, precision: int) -> Decimal:
    """The step between two actuals worth telling apart for this indicator: a count
    (次, 个, 篇 …) moves in whole units — or in the finest decimal its actual, target
    and rule bounds are written with, if finer —, anything else in steps of the
    scheme's precision (0.01 by default)."""
    if ci.ind.unit.strip().lower() not in COUNT_UNITS:
        return quantum(precision)
    numbers: list[Decimal | None] = [actual, ci.spec.target, ci.spec.lowest, ci.spec.highest]
    numbers += ci.rule.numbers()
    return quantum(min(_decimals(numbers), precision))


def _search(evaluate: Callable[[Decimal], PersonResult], goal: Goal, x0: Decimal,
            edge: Decimal, step: Decimal, sign: int) -> tuple[Decimal, PersonResult] | None:
    """The least actual better than ``x0`` (towards ``edge``) that reaches the goal: a
    multiple of ``step``, or ``edge`` itself. ``edge`` must reach it."""
    if sign > 0:
        first = (x0 / step).to_integral_value(rounding=ROUND_FLOOR) + 1
        last = (edge / step).to_integral_value(rounding=ROUND_FLOOR)
        grid = int(last - first + 1)
    else:
        first = (x0 / step).to_integral_value(rounding=ROUND_CEILING) - 1
        last = (edge / step).to_integral_value(rounding=ROUND_CEILING)
        grid = int(first - last + 1)
    grid = max(grid, 0)
    off_grid = edge != last * step
    count = grid + (1 if off_grid else 0)

    def candidate(j: int) -> Decimal:  # j = 1 … count
        if j <= grid:
            return _tidy((first + sign * (j - 1)) * step)
        return edge

    cache: dict[int, PersonResult] = {}

    def result(j: int) -> PersonResult:
        if j not in cache:
            cache[j] = evaluate(candidate(j))
        return cache[j]

    if count == 0 or not goal.reached(result(count)):
        return None
    lo, hi = 0, count  # candidate(lo) does not reach (0 is x0 itself), candidate(hi) does
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if goal.reached(result(mid)):
            hi = mid
        else:
            lo = mid
    return candidate(hi), result(hi)


def _points(result: PersonResult, key: str) -> Decimal | None:
    return next((i.points for i in result.indicators if i.id == key), None)


def what_if(subject: Subject, goal: Goal) -> WhatIf:
    """For each indicator of ``subject``, the actual it needs alone to reach ``goal``."""
    compiled = subject.compiled
    base = subject.result
    precision = compiled.scheme.precision
    out = WhatIf(base.id, base.name, goal, base.total, base.grade, precision,
                 reached=goal.reached(base))
    if out.reached:
        return out
    actuals = {r.id: r for r in base.indicators}
    for ci in compiled.indicators:
        now = actuals[ci.id]
        answer = Answer(ci.id, ci.ind.label, ci.ind.unit, ci.ind.better, ci.ind.formula,
                        now.actual, now.points, reachable=False)
        out.answers.append(answer)
        if isinstance(now.actual, str):
            _levels(subject, ci, goal, answer)
        elif now.actual is not None:
            _numeric(subject, ci, goal, answer, now.actual, precision)
    return out


def _finish(subject: Subject, goal: Goal, answer: Answer, key: str, needed: Decimal | str,
            then: PersonResult, short_of: Decimal | str | None) -> None:
    answer.reachable = True
    answer.needed = needed
    answer.points_then = _points(then, key)
    answer.total_then, answer.grade_then = then.total, then.grade
    # checked again from scratch: the answer reaches the goal, one step less does not
    ok = goal.reached(subject.evaluate({key: needed}))
    if short_of is not None:
        ok = ok and not goal.reached(subject.evaluate({key: short_of}))
    answer.verified = ok


def _numeric(subject: Subject, ci: CompiledIndicator, goal: Goal, answer: Answer,
             x0: Decimal, precision: int) -> None:
    spec = ci.spec
    sign = 1 if spec.better == "higher" else -1
    step = resolution(ci, x0, precision)
    answer.step = step

    def evaluate(x: Decimal) -> PersonResult:
        return subject.evaluate({ci.id: x})

    edge = spec.highest if sign > 0 else spec.lowest
    if edge is None:  # open on the better side: double the distance until points stop rising
        best_points = ci.rule.best(spec)
        gap = max(abs((spec.target or ZERO) - x0), abs(x0), step, Decimal(1))
        for _ in range(MAX_DOUBLINGS):
            edge = x0 + sign * gap
            r = evaluate(edge)
            points = _points(r, ci.id)
            if goal.reached(r) or (points is not None and points >= best_points):
                break
            gap *= 2
        assert edge is not None
    if (edge - x0) * sign <= 0:  # already at the best valid actual
        answer.best, answer.best_total = x0, subject.result.total
        return
    found = _search(evaluate, goal, x0, edge, step, sign)
    if found is None:
        at_edge = evaluate(edge)
        answer.best, answer.best_total = edge, at_edge.total
        return
    needed, then = found
    worse = _tidy(needed - sign * step)
    valid = (spec.lowest is None or worse >= spec.lowest) and (
        spec.highest is None or worse <= spec.highest)
    # one step less, unless that is not a valid actual at all
    _finish(subject, goal, answer, ci.id, needed, then, worse if valid else None)


def _answer_text(level: Any) -> str:
    """What to type for a level: its number, else its letter, else its label."""
    if level.level is not None:
        return str(level.level)
    return str(level.code or level.label)


def _levels(subject: Subject, ci: CompiledIndicator, goal: Goal, answer: Answer) -> None:
    rule: Any = ci.rule
    now = answer.points_now if answer.points_now is not None else ZERO
    ordered = sorted(rule.levels, key=lambda lv: lv.points)
    better = [lv for lv in ordered if ci.spec.clamp(lv.points) > now]
    below = answer.current if isinstance(answer.current, str) else None
    for lv in better:
        text = _answer_text(lv)
        then = subject.evaluate({ci.id: text})
        if goal.reached(then):
            _finish(subject, goal, answer, ci.id, text, then, below)
            return
        below = text
    if ordered:
        top = _answer_text(ordered[-1])
        answer.best = top
        answer.best_total = subject.evaluate({ci.id: top}).total
