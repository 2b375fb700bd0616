"""Score one person: read their values, compute formulas, score each indicator, weigh
them into dimensions, sections and the total, then vetoes, grade, pass and pay.

A :class:`Scorer` belongs to one run: it remembers each indicator's points and
explanation per distinct actual (people share most actuals: 95, 100%, 0
incidents), so the compiled scheme itself never changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, DecimalException, Overflow, Underflow, localcontext
from typing import Any

from kpiscore.base.i18n import Phrase, Text, current
from kpiscore.base.numbers import (
    HUNDRED,
    ONE,
    SCORING,
    ZERO,
    normalise_text,
    plain,
    round_half_up,
    shown,
)
from kpiscore.io.cells import BadValue, is_blank, read_number, read_text
from kpiscore.rules.levels import UnknownLevel
from kpiscore.scheme import formula
from kpiscore.scheme.compile import CompiledIndicator, CompiledScheme, Field
from kpiscore.scheme.models import SchemeVeto, Veto
from kpiscore.score.binding import Binding
from kpiscore.score.results import (
    GroupResult,
    IndicatorResult,
    PayLineResult,
    PersonResult,
    RowError,
    Scored,
    SurveyStat,
    VetoResult,
)

ROW = Phrase("row {n}", "第 {n} 行")
NO_ID = Phrase("the person has no id", "此人没有工号")
BLANK = Phrase("{label} is blank", "{label} 为空")
LABELLED = Phrase("{label}: {problem}", "{label}:{problem}")
VALUE_PROBLEM = Phrase("{value} {problem}", "{value} {problem}")
SET_MIN = Phrase("(set min_value to allow it)", "(如需允许,请设置 min_value)")
SET_MAX = Phrase("(set max_value to allow it)", "(如需允许,请设置 max_value)")
RATING_FROM = Phrase("(a rating runs from the floor {floor})", "(评分从保底分 {floor} 起)")
RATING_UP_TO = Phrase("(a rating runs up to the full marks)", "(评分最高为满分)")
NO_RESPONSES = Phrase("{label}: no responses were read for survey {survey!r}",
                      "{label}:没有读到问卷 {survey!r} 的回答")
FORMULA_RANGE = Phrase("{label}: {formula} gives {value}, {problem}",
                       "{label}:{formula} 得 {value},{problem}")
BELOW_PLAIN = Phrase("is below the smallest valid value {lowest} {hint}",
                     "小于最小有效值 {lowest}{hint}")
ABOVE_PLAIN = Phrase("is above the largest valid value {highest} {hint}",
                     "大于最大有效值 {highest}{hint}")
DIVIDES = Phrase("{label}: {formula} divides by zero for {who} ({divisor} is 0); set "
                 "if_divide_by_zero to give it a value",
                 "{label}:{formula} 对 {who} 除以零({divisor} 为 0);"
                 "可设置 if_divide_by_zero 给出取值")
THIS_PERSON = Phrase("this person", "此人")
NO_ACTUAL = Phrase("no usable actual", "没有可用的实际值")
UNKNOWN = Phrase("unknown level", "未知等级")
NOT_SCORED = Phrase("could not be scored", "无法计分")
INCOMPLETE = Phrase("some indicators have no actual", "部分指标没有实际值")
PAY_ZERO = Phrase("{id} formula divides by zero ({divisor} is 0)",
                  "{id} 公式除以零({divisor} 为 0)")
PAY_COEFFICIENT = Phrase("{id} formula: grade {grade!r} has no coefficient",
                         "{id} 公式:等级 {grade!r} 没有系数")
PAY_NEEDS = Phrase("{id} formula needs {name!r}", "{id} 公式需要 {name!r}")
VETO_REASON = Phrase("{label} {when} (actual {actual})", "{label} {when}(实际值 {actual})")
VETO_ZERO = Phrase("veto {id}: {formula} divides by zero ({divisor} is 0), so it cannot be "
                   "decided", "否决项 {id}:{formula} 除以零({divisor} 为 0),无法判定")
WEIGHTING = Phrase("/{full} × {weight}%{section}{scale} = {contribution}",
                   "/{full} × {weight}%{section}{scale} = {contribution}")
OF_SCALE = Phrase(" of {scale}", "(满分 {scale})")
THEN = Phrase(" → ", " → ")
INCOMPUTABLE = Phrase("{label}: {formula} cannot be computed for {who}: {why}",
                      "{label}:{formula} 对 {who} 无法计算:{why}")
VETO_INCOMPUTABLE = Phrase("veto {id}: {formula} cannot be computed: {why}; the veto cannot "
                           "be decided", "否决项 {id}:{formula} 无法计算:{why};无法判定")
PAY_INCOMPUTABLE = Phrase("{id} formula cannot be computed: {why}", "{id} 公式无法计算:{why}")
RULE_INCOMPUTABLE = Phrase("{actual} cannot be scored: {why}", "{actual} 无法计分:{why}")
TOO_LARGE = Phrase("a number reaches 10^100, past what kpiscore computes",
                   "数值达到 10^100,超出 kpiscore 的计算范围")
TOO_SMALL = Phrase("a number comes closer to 0 than 10^-100, past what kpiscore computes",
                   "数值比 10^-100 更接近 0,超出 kpiscore 的计算范围")
INVALID = Phrase("an operation that has no exact result ({signal})",
                 "出现了没有精确结果的运算({signal})")

#: How many distinct actuals an indicator remembers (enough for typical data,
#: bounded for hostile data).
MEMO_SIZE = 4096
#: When an indicator (or a field) has remembered this many cells, it looks at how many
#: of its rows were hits: fewer than 1 in :data:`FEW` and its cells do not repeat (every
#: actual distinct: amounts of money, six decimals), so it forgets them and remembers no
#: more (:func:`forgets`). Typical data is far above the bar (an indicator of 4 000
#: values two decimals long has about 1 hit in 8 rows by then, and 96% of its cells are
#: hits at 100 000 people); every actual distinct had kept 4 096 finished results an
#: indicator, never met again, in each process (about 1.5 KiB each in a lane: 120 MiB
#: for 20 indicators).
TRIAL = 1024
FEW = 32
#: How many points an indicator remembers the weighting of: the memory of actuals
#: above keeps each actual's finished result already, so this only saves weighing again
#: the points many actuals share (full marks, a floor); one per actual had cost 5 MiB
#: of each process at 100 000 people.
WEIGHED_SIZE = 256


def forgets(kept: int, rows: int) -> bool:
    """Whether a memory that has just made its ``kept``-th entry, in ``rows`` rows (each
    one a hit or a new entry), forgets its entries and takes no more: at its
    :data:`TRIAL`-th, with fewer than 1 hit in :data:`FEW` rows."""
    return kept == TRIAL and rows - TRIAL < rows // FEW


def why_incomputable(exc: ArithmeticError) -> Text:
    """What a decimal signal raised while scoring means, for the row's error."""
    if isinstance(exc, Overflow):
        return TOO_LARGE()
    if isinstance(exc, Underflow):
        return TOO_SMALL()
    return INVALID(signal=type(exc).__name__)


def evaluate(node: formula.Node, env: Mapping[str, Decimal]) -> Decimal:
    """A formula's value in the scoring context (:data:`kpiscore.base.numbers.SCORING`):
    a number out of its bounds raises a decimal signal (an ``ArithmeticError``) at once
    rather than growing for minutes."""
    with localcontext(SCORING):
        return node.eval(env)


def row_label(number: int) -> str:
    return ROW.pick(current()).format(n=number)  # for every row: no Text on the way


def cell_text(value: Any) -> str | None:
    """A cell as an id, name or label: trimmed, full-width folded, ``7.0`` as ``7``."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise_text(str(value))


@dataclass
class Injection:
    """A value given to an indicator from outside its row (a survey's result)."""

    value: Decimal | None
    errors: list[RowError] = field(default_factory=list)
    survey: SurveyStat | None = None


@dataclass
class Reading:
    """One person's values, read and computed, before scoring."""

    result: PersonResult
    values: dict[str, Decimal]
    answers: dict[str, str]
    where: Callable[[str], str]  # field key → sheet!cell, or "row N"
    surveys: dict[str, SurveyStat] = field(default_factory=dict)


def out_of_range(x: Decimal, f: Field | CompiledIndicator) -> Text | None:
    """Why ``x`` is not a valid value of a field (or of a computed actual), if it is not."""
    if isinstance(f, Field):
        lowest, highest, rating = f.lowest, f.highest, f.rating
    else:
        lowest, highest, rating = f.spec.lowest, f.spec.highest, False
    if lowest is not None and x < lowest:
        hint = RATING_FROM(floor=lowest) if rating else SET_MIN()
        return BELOW_PLAIN(lowest=lowest, hint=hint)
    if highest is not None and x > highest:
        return ABOVE_PLAIN(highest=highest, hint=RATING_UP_TO() if rating else SET_MAX())
    return None


#: cell value types whose reading depends only on their text (and percent format)
_NUMERIC_CELLS = frozenset({int, float, Decimal})


def reading_key(raw: object, percent: bool) -> object | None:
    """What a cell's reading depends on: the exact text of a text cell; a number's type,
    its text (Decimal("95.0") equals 95 but is shown as written) and its percent format.
    None for anything else (dates, formulas without values, unreadable cells)."""
    kind = type(raw)
    if kind is str:
        return raw
    if kind in _NUMERIC_CELLS:
        return (kind, str(raw), percent)
    return None


class Scorer:
    """Scores people with one compiled scheme (see the module's docstring)."""

    def __init__(self, compiled: CompiledScheme) -> None:
        self.compiled = compiled
        self.lang = current()
        self._memo: list[dict[Decimal | str, Scored]] = [{} for _ in compiled.indicators]
        self._weighed: list[dict[Decimal, tuple[Decimal, str]]] = [{} for _ in compiled.indicators]
        self._weighting: list[tuple[str, str] | None] = [None] * len(compiled.indicators)
        self._fields = {f.key: f for f in compiled.fields}
        #: each numeric field's reading (a number, or why it is not one) per raw cell
        self._readings: list[dict[object, Decimal | str]] = [{} for _ in compiled.fields]
        #: whether each indicator's memory of actuals, and each field's of readings, still
        #: takes new entries (see TRIAL), and the rows read, which look each one up
        self._keeping = [True] * len(compiled.indicators)
        self._keeping_readings = [True] * len(compiled.fields)
        self.rows = 0
        #: (binding, its lane or None) of the last table scored (score/lane.py)
        self.lane: tuple[object, object] | None = None

    # -- reading ------------------------------------------------------------------------

    def read(self, binding: Binding, row: int, cells: Sequence[Any],
             where: Callable[[int], str], percent: Callable[[int], bool] = lambda i: False,
             injected: Mapping[str, Injection] | None = None,
             overrides: Mapping[str, Decimal | str] | None = None) -> Reading:
        """Read one row's values and compute its formulas. ``overrides`` replace the
        actuals of some indicators (read or computed): whatif asks "what if …"."""
        compiled = self.compiled
        width = len(cells)
        columns = binding.columns

        def cell(i: int | None) -> Any:
            return cells[i] if i is not None and i < width else None

        def where_of(key: str) -> str:
            col = columns.get(key)
            return where(col) if col is not None else row_label(row)

        self.rows += 1
        result = PersonResult(row, cell_text(cell(binding.id_col)),
                              cell_text(cell(binding.name_col)), cell_text(cell(binding.dept_col)))
        errors = result.errors
        errors.extend(binding.problems)
        if result.id is None and binding.id_col is not None:
            errors.append(RowError(where(binding.id_col), NO_ID()))
        values: dict[str, Decimal] = {}
        answers: dict[str, str] = {}
        given = overrides or {}
        for i, (f, readings) in enumerate(zip(compiled.fields, self._readings, strict=True)):
            col = columns.get(f.key)
            if f.key in given:
                raw: Any = given[f.key]
                pct = False
            else:
                raw = cell(col)
                pct = col is not None and percent(col)
                if f.numeric and raw is not None:  # read before: most cells repeat
                    known = readings.get(reading_key(raw, pct))
                    if known is not None:
                        if isinstance(known, str):
                            errors.append(RowError(where_of(f.key), known, f.key))
                        else:
                            values[f.key] = known
                        continue
                if col is None or is_blank(raw):
                    if f.if_missing is not None:
                        values[f.key] = f.if_missing
                    elif col is not None:
                        errors.append(RowError(where(col), BLANK(label=f.label), f.key))
                    continue
            if f.numeric:
                key = reading_key(raw, pct)
                parsed = self.read_field(f, raw, pct)
                if key is not None and len(readings) < MEMO_SIZE and self._keeping_readings[i]:
                    readings[key] = parsed
                    if forgets(len(readings), self.rows):
                        readings.clear()  # its cells do not repeat: see TRIAL
                        self._keeping_readings[i] = False
                if isinstance(parsed, str):
                    errors.append(RowError(where_of(f.key), parsed, f.key))
                else:
                    values[f.key] = parsed
                continue
            try:
                answers[f.key] = read_text(raw)
            except BadValue as exc:
                errors.append(RowError(where_of(f.key), LABELLED(label=f.label, problem=str(exc)),
                                       f.key))
        surveys: dict[str, SurveyStat] = {}
        for key, sid in compiled.survey_of.items():
            if key in given:
                continue
            got = (injected or {}).get(key)
            if got is None:
                errors.append(RowError(row_label(row), NO_RESPONSES(
                    label=compiled.indicator(key).ind.label, survey=sid), key))
                continue
            if got.survey is not None:
                surveys[key] = got.survey
            errors.extend(got.errors)
            if got.value is not None:
                values[key] = got.value
        for key, value in given.items():  # computed or survey actuals replaced
            if key not in self._fields:
                if isinstance(value, str):
                    answers[key] = value
                else:
                    values[key] = value
        reading = Reading(result, values, answers, where_of, surveys)
        self.compute(reading, row_label(row), skip=frozenset(given))
        return reading

    @staticmethod
    def read_field(f: Field, raw: object, percent: bool) -> Decimal | str:
        """A numeric field's cell as its number, or the row error's message."""
        try:
            number = read_number(raw, percent)
            problem = out_of_range(number, f)
            if problem is not None:
                raise BadValue(str(VALUE_PROBLEM(value=plain(number), problem=problem)))
            return number
        except BadValue as exc:
            return str(LABELLED(label=f.label, problem=str(exc)))

    def compute(self, reading: Reading, label: str, only: set[str] | None = None,
                skip: frozenset[str] = frozenset()) -> None:
        """Run the formulas (in dependency order) on the values read; ``only`` limits
        them to some indicators (a period roll-up recomputes those that sum)."""
        values, errors = reading.values, reading.result.errors
        for k in self.compiled.formula_order:
            ci = self.compiled.indicators[k]
            if (only is not None and ci.id not in only) or ci.id in skip:
                continue
            node = ci.formula
            assert node is not None
            if not node.names() <= values.keys():
                continue  # a missing input is already reported
            ind = ci.ind
            try:
                computed = evaluate(node, values)
            except formula.DivisionByZero as exc:
                if ind.if_divide_by_zero is not None:
                    values[ci.id] = ind.if_divide_by_zero
                else:
                    errors.append(RowError(label, DIVIDES(
                        label=ind.label, formula=ind.formula,
                        who=reading.result.id or THIS_PERSON, divisor=exc.divisor), ci.id))
                continue
            except DecimalException as exc:
                errors.append(RowError(label, INCOMPUTABLE(
                    label=ind.label, formula=ind.formula, who=reading.result.id or THIS_PERSON,
                    why=why_incomputable(exc)), ci.id))
                continue
            problem = out_of_range(computed, ci)
            if problem is not None:
                errors.append(RowError(label, FORMULA_RANGE(
                    label=ind.label, formula=ind.formula, value=computed, problem=problem), ci.id))
            else:
                values[ci.id] = computed

    # -- scoring ------------------------------------------------------------------------

    def score(self, reading: Reading) -> list[Scored]:
        """Each indicator's points for the values read (in scheme order)."""
        out: list[Scored] = []
        values, answers, surveys = reading.values, reading.answers, reading.surveys
        for k, ci in enumerate(self.compiled.indicators):
            actual: Decimal | str | None = values.get(ci.id)
            if actual is None:
                actual = answers.get(ci.id)
            if actual is None:
                out.append(Scored(None, None, NO_ACTUAL(), survey=surveys.get(ci.id)))
                continue
            scored = self.score_actual(k, actual, reading.result.errors, reading.where)
            stat = surveys.get(ci.id)
            if stat is not None:
                source = stat.describe()
                head = source.render(self.lang) + THEN.pick(self.lang)
                scored = Scored(actual, scored.points, scored.step, source, stat,
                                head + scored.head(self.lang))
            out.append(scored)
        return out

    def score_actual(self, k: int, actual: Decimal | str, errors: list[RowError],
                     where: Callable[[str], str]) -> Scored:
        """Points for one actual by indicator ``k``'s rule (an unknown level is an error)."""
        memo = self._memo[k]
        hit = memo.get(actual)
        if hit is not None:
            return hit
        ci = self.compiled.indicators[k]
        try:
            with localcontext(SCORING):
                points, step = ci.rule.score(actual, ci.spec)
        except UnknownLevel as exc:
            errors.append(RowError(where(ci.id), LABELLED(label=ci.ind.label,
                                                          problem=str(exc)), ci.id))
            return Scored(actual, None, UNKNOWN())
        except DecimalException as exc:
            errors.append(RowError(where(ci.id), LABELLED(label=ci.ind.label, problem=(
                RULE_INCOMPUTABLE(actual=shown(actual) if isinstance(actual, Decimal) else actual,
                                  why=why_incomputable(exc)))), ci.id))
            return Scored(actual, None, NOT_SCORED())
        remember = len(memo) < MEMO_SIZE and self._keeping[k]
        scored = Scored(actual, points, step, text=step.render(self.lang), memo=remember)
        if remember:
            memo[actual] = scored
            if forgets(len(memo), self.rows):
                memo.clear()  # its actuals do not repeat: see TRIAL
                self._keeping[k] = False
        return scored

    def weigh(self, k: int, points: Decimal) -> tuple[Decimal, str]:
        """Indicator ``k``'s contribution for ``points``, and the explanation's weighting
        part ("/100 × 8% = 7.84")."""
        memo = self._weighed[k]
        hit = memo.get(points)
        if hit is not None:
            return hit
        ci = self.compiled.indicators[k]
        precision = self.compiled.scheme.precision
        c = points * ci.factor / self.compiled.denominator
        around = self._weighting[k]
        if around is None:
            around = self._weighting[k] = self._weighting_around(ci)
        text = around[0] + str(round_half_up(c, precision)) + around[1]
        if len(memo) < WEIGHED_SIZE:
            memo[points] = (c, text)
        return c, text

    def _weighting_around(self, ci: CompiledIndicator) -> tuple[str, str]:
        """An indicator's weighting text before and after its contribution: the same for
        every person (a new actual's explanation only fills the number in)."""
        s = self.compiled.scheme
        mark = "\x00"  # never in a scheme's numbers or these words
        text = WEIGHTING(
            full=ci.spec.full, weight=round_half_up(ci.local_weight, s.precision + 2),
            section="" if ci.section_weight == HUNDRED else f" × {plain(ci.section_weight)}%",
            scale="" if s.scale == HUNDRED else OF_SCALE(scale=s.scale),
            contribution=mark).render(self.lang)
        before, after = text.split(mark)
        return before, after

    # -- assembling ---------------------------------------------------------------------

    def assemble(self, result: PersonResult, scored: Sequence[Scored],
                 values: Mapping[str, Decimal], *, label: str,
                 vetoes: list[VetoResult] | None = None) -> PersonResult:
        """Weigh scored indicators into groups and the total; vetoes, grade, pass, pay.

        ``vetoes`` (default: tested on ``values``) are those already decided, e.g. on
        each rater's or period's values.
        """
        compiled = self.compiled
        numerator = ZERO
        complete = True
        shares: list[Decimal | None] = []
        indicators = result.indicators
        for k, (ci, s) in enumerate(zip(compiled.indicators, scored, strict=True)):
            if s.memo:  # the same for everyone with this actual: finished once
                hit = s.finished
                if hit is None:
                    hit = s.finished = self.finish(k, ci, s, True)
                indicators.append(hit[0])
                shares.append(hit[1])
                numerator += hit[1]
                continue
            made = self.finish(k, ci, s, False)
            indicators.append(made[0])
            if s.points is None:
                complete = False
                shares.append(None)
            else:
                shares.append(made[1])
                numerator += made[1]
        for groups, out in ((compiled.dimensions, result.dimensions),
                            (compiled.sections, result.sections)):
            for g in groups:
                value: Decimal | None = ZERO
                for i in g.members:
                    part = shares[i]
                    value = None if part is None or value is None else value + part
                out.append(GroupResult(g.id, g.title, g.weight, None if value is None
                                       else value / compiled.denominator, g.section))
        result.vetoes = list(vetoes) if vetoes is not None else \
            self.vetoes(values, label, result.errors)
        if compiled.pay_lines:
            result.pay_lines = [PayLineResult(line.id, line.title or line.id, None, None, None)
                                for line, _ in compiled.pay_lines]
        if not complete and not result.errors:
            result.errors.append(RowError(label, INCOMPLETE()))
        if result.errors:
            return result
        total = numerator / compiled.denominator
        if any(v.outcome == "zero" for v in result.vetoes):
            total = ZERO
        vetoed = bool(result.vetoes)
        result.total = total
        result.grade = compiled.grade_for(total, vetoed)
        mark = compiled.scheme.pass_mark
        result.passed = None if mark is None else (not vetoed and total >= mark)
        result.env = dict(values)
        self.pay(result, label)
        return result

    def finish(self, k: int, ci: CompiledIndicator, s: Scored,
               shared: bool) -> tuple[IndicatorResult, Decimal]:
        """Indicator ``k``'s result for one scored actual, and its share of the total's
        numerator (0 when it could not be scored)."""
        head = s.head(self.lang)
        c: Decimal | None = None
        share = ZERO
        if s.points is not None:
            share = s.points * ci.factor
            c, weighting = self.weigh(k, s.points)
            head += weighting
        ind = ci.ind
        return IndicatorResult(ci.id, ind.label, ci.dimension, s.actual, ind.target, s.points,
                               ci.spec.full, ci.weight, c, head, s.survey, s.step,
                               shared), share

    def score_row(self, binding: Binding, row: int, cells: Sequence[Any],
                  where: Callable[[int], str], percent: Callable[[int], bool] = lambda i: False,
                  injected: Mapping[str, Injection] | None = None,
                  overrides: Mapping[str, Decimal | str] | None = None,
                  errors: Sequence[RowError] = ()) -> PersonResult:
        """One row, read, scored and assembled; ``errors`` are known before (a row whose
        shape is wrong, a duplicate id), so the row is an error row. They come after the
        table's own problems (a missing column) and before what reading the row's cells
        says, which they may be the cause of."""
        reading = self.read(binding, row, cells, where, percent, injected, overrides)
        at = len(binding.problems)
        reading.result.errors[at:at] = errors
        return self.assemble(reading.result, self.score(reading), reading.values,
                             label=row_label(row))

    # -- vetoes and pay -----------------------------------------------------------------

    def vetoes(self, values: Mapping[str, Decimal], label: str,
               errors: list[RowError]) -> list[VetoResult]:
        """The vetoes that fire on ``values``; errors deciding them go to ``errors``."""
        tests: list[tuple[str, str, Veto | SchemeVeto, Decimal | None]] = [
            (ci.id, ci.ind.label, ci.ind.veto, values.get(ci.id))
            for ci in self.compiled.indicators if ci.ind.veto is not None]
        for sv, node in self.compiled.vetoes:
            actual = values.get(f"veto:{sv.id}")
            if node is not None and node.names() <= values.keys():
                try:
                    actual = evaluate(node, values)
                except formula.DivisionByZero as exc:
                    errors.append(RowError(label, VETO_ZERO(id=sv.id, formula=sv.formula,
                                                            divisor=exc.divisor), sv.id))
                    actual = None
                except DecimalException as exc:
                    errors.append(RowError(label, VETO_INCOMPUTABLE(
                        id=sv.id, formula=sv.formula, why=why_incomputable(exc)), sv.id))
                    actual = None
            tests.append((sv.id, sv.title or sv.id, sv, actual))
        out: list[VetoResult] = []
        for ident, title, veto, actual in tests:
            if actual is not None and veto.when.holds(actual):
                reason = veto.reason or str(VETO_REASON(label=title, when=str(veto.when),
                                                        actual=actual))
                out.append(VetoResult(ident, title, veto.outcome, f"{ident} {veto.when}", actual,
                                      reason))
        return out

    def pay(self, result: PersonResult, label: str, grade: str | None = None) -> None:
        """Compute every pay line of a scored person (again, after a forced distribution:
        ``grade`` is then the grade that counts)."""
        compiled = self.compiled
        if not compiled.pay_lines or result.total is None:
            return
        env = dict(result.env)
        env["total"] = result.total
        coefficient = compiled.coefficient(grade if grade is not None else result.grade)
        if coefficient is not None:
            env["grade_coefficient"] = coefficient
        if result.passed is not None:
            env["passed"] = ONE if result.passed else ZERO
        lines: list[PayLineResult] = []
        problems: list[RowError] = []
        for line, node in compiled.pay_lines:
            title = line.title or line.id
            amount: Decimal | None = None
            uncapped: Decimal | None = None
            capped: str | None = None
            if node is not None:
                try:
                    uncapped = evaluate(node, env)
                except formula.DivisionByZero as exc:
                    problems.append(RowError(label, PAY_ZERO(id=line.id, divisor=exc.divisor),
                                             line.id))
                except DecimalException as exc:
                    problems.append(RowError(label, PAY_INCOMPUTABLE(
                        id=line.id, why=why_incomputable(exc)), line.id))
                except KeyError as exc:
                    name = exc.args[0] if exc.args else "?"
                    problems.append(RowError(label, PAY_COEFFICIENT(id=line.id,
                                                                    grade=result.grade)
                                             if name == "grade_coefficient"
                                             else PAY_NEEDS(id=line.id, name=name), line.id))
            if uncapped is not None:
                amount = uncapped
                if line.max is not None and amount > line.max:
                    amount, capped = line.max, "max"
                if line.min is not None and amount < line.min:
                    amount, capped = line.min, "min"
                env[line.id] = amount
            lines.append(PayLineResult(line.id, title, amount, uncapped, capped, line.precision))
        result.pay_lines = lines
        result.pay = lines[0].amount if compiled.scheme.pay is not None else None
        if problems:
            result.fail(*problems)
