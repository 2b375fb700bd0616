"""Compile a scheme once, then score rows with it.

Compiling resolves everything that does not depend on a person: effective
weights, full marks, floors, valid ranges, parsed formulas and their order,
and every check ``validate`` reports. Scoring a row is then a few Decimal
operations per indicator.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from kpiscore.base.errors import Finding, SchemeInvalid
from kpiscore.base.numbers import HUNDRED, ZERO, normalise_text, plain, round_half_up
from kpiscore.io.cells import BadValue, is_blank, read_number, read_text
from kpiscore.rules import Rule, Spec
from kpiscore.rules.levels import Levels, UnknownLevel
from kpiscore.scheme import formula as expr
from kpiscore.scheme.models import Condition, Dimension, Indicator, PayLine, Scheme
from kpiscore.scheme.yamlload import Located, Path
from kpiscore.score.results import (
    GroupResult,
    IndicatorResult,
    PayLineResult,
    PersonResult,
    RowError,
    SurveyStat,
    VetoResult,
)

# Words that name a quantity where less is better; a score that rises with
# such an actual is probably a mistake (the seed's error-rate formula).
_LOWER_IS_BETTER = re.compile(
    r"差错|错误|失误|投诉|事故|流失|成本|费用|时长|耗时|延迟|延误|逾期|遗留|违规|违反|缺陷|故障率|"
    r"返修|退货|退款|纠纷|差评|error|defect|complaint|incident|churn|attrition|cost|delay|"
    r"latency|overdue|violation", re.IGNORECASE)
# ... unless the title names the good side of it (投诉解决率, 成本节约, 事故处理及时率)
_GOOD_SIDE = re.compile(r"解决|处理率|关闭|闭环|及时|满意|达标|完成|采纳|节约|节省|覆盖|培训|学时|"
                        r"报告|提交|分析|resol|saving|on.time|closed|closure|training|report",
                        re.IGNORECASE)


@dataclass
class CompiledIndicator:
    ind: Indicator
    path: Path
    rule: Rule
    spec: Spec
    weight: Decimal  # percent of the total (for display)
    local_weight: Decimal  # percent within its section
    section_weight: Decimal
    dimension: str
    formula: expr.Node | None = None
    #: contribution = points × factor / CompiledScheme.denominator; integers chosen at
    #: compile time so that one division per sum keeps equal splits (100/3) exact
    factor: Decimal = ZERO
    weight_share: tuple[Decimal, int] = (ZERO, 1)  # weight = share[0] / share[1]
    #: points and explanation already worked out for an actual (see score_actual)
    memo: dict[Decimal | str, tuple[Decimal, str]] = field(default_factory=dict, repr=False)
    weighting: str | None = None  # "/100 × 8%", the explanation's weighting part

    @property
    def id(self) -> str:
        return self.ind.id


@dataclass
class CompiledGroup:
    id: str
    title: str
    weight: Decimal  # percent of the total
    members: list[int]  # indexes into CompiledScheme.indicators
    section: str | None = None


@dataclass
class Field:
    """Something read from a column: an indicator's actual, an input, a veto flag."""

    key: str
    label: str
    headers: list[str]  # candidate header texts, normalised
    numeric: bool
    lowest: Decimal | None = None
    highest: Decimal | None = None
    if_missing: Decimal | None = None
    rating: bool = False  # a direct rating: its range is floor..full marks


@dataclass
class Binding:
    """Where each field sits in one file's header row."""

    columns: dict[str, int]
    id_col: int | None
    name_col: int | None
    dept_col: int | None
    problems: list[RowError] = field(default_factory=list)


def header_key(text: object) -> str:
    return re.sub(r"\s+", " ", normalise_text(str(text))).casefold()


def header_variants(text: object) -> set[str]:
    """``标题 (id)``, ``标题\\nid`` and ``标题【单位】`` headers match by either part."""
    raw = normalise_text(str(text))
    out = {header_key(raw)}
    for part in re.split(r"[\n/|]", raw):
        out.add(header_key(part))
    m = re.match(r"^(.*?)\s*[(\[【]([^()\[\]【】]*)[)\]】]\s*$", raw)
    if m:
        out.add(header_key(m.group(1)))
        out.add(header_key(m.group(2)))
    out.discard("")
    return out


@dataclass
class Injection:
    """A value given to an indicator from outside its row (a survey's result)."""

    value: Decimal | None
    errors: list[RowError] = field(default_factory=list)
    survey: SurveyStat | None = None


@dataclass
class Reading:
    """One row's values, read and computed, before scoring."""

    result: PersonResult
    values: dict[str, Decimal]
    answers: dict[str, str]
    where: Callable[[str], str]  # field key → sheet!cell, or "row N"
    surveys: dict[str, SurveyStat] = field(default_factory=dict)


@dataclass
class Scored:
    """One indicator scored: its actual, points (None when it could not be) and why."""

    actual: Decimal | str | None
    points: Decimal | None
    explanation: str
    survey: SurveyStat | None = None


class CompiledScheme:
    """A scheme ready to score rows; build with :func:`compile_scheme`."""

    def __init__(self, scheme: Scheme, source: str) -> None:
        self.scheme = scheme
        self.source = source
        self.indicators: list[CompiledIndicator] = []
        self.dimensions: list[CompiledGroup] = []
        self.sections: list[CompiledGroup] = []
        self.has_sections = scheme.sections is not None
        self.fields: list[Field] = []
        self.formula_order: list[int] = []
        self.scheme_vetoes: list[tuple[Any, expr.Node | None]] = []
        self.pay_formula: expr.Node | None = None
        #: every pay line in order, the scheme's pay first (id "pay"): (line, formula)
        self.pay_lines: list[tuple[PayLine, expr.Node | None]] = []
        self.findings: list[Finding] = []
        self.denominator = Decimal(1)
        #: indicator id → the survey whose result is its actual
        self.survey_of: dict[str, str] = {}
        #: ids of the indicators each rater scores (with raters)
        self.rated: set[str] = set()
        #: indicator id → how its periods roll up
        self.rollup_of: dict[str, str] = {}

    @property
    def grouped(self) -> bool:
        """Whether a person's result may come from several rows (raters, periods)."""
        return self.scheme.raters is not None or self.scheme.rollup is not None

    # -- scoring -------------------------------------------------------------

    def bind(self, header: Sequence[object], where: Callable[[int], str],
             fields: Sequence[Field] | None = None, skip: Sequence[int] = ()) -> Binding:
        """Match the header row to the fields this scheme reads (or to ``fields``);
        columns in ``skip`` are taken by something else (a rater or period column)."""
        keys = [header_variants(h) if not is_blank(h) and i not in skip else set()
                for i, h in enumerate(header)]

        def find(candidates: list[str]) -> list[int]:
            return [i for i, k in enumerate(keys) if any(c in k for c in candidates)]

        cols: dict[str, int] = {}
        problems: list[RowError] = []
        for f in self.fields if fields is None else fields:
            hits = find(f.headers)
            if len(hits) > 1:
                exact = [i for i in hits if header_key(header[i]) in f.headers]
                hits = exact if len(exact) == 1 else hits
            if not hits:
                if f.if_missing is None:
                    problems.append(RowError(
                        where(0), f"no column for {f.label}: expected a header named "
                        + " or ".join(repr(h) for h in f.headers), f.key))
            elif len(hits) > 1:
                problems.append(RowError(
                    where(hits[1]), f"{len(hits)} columns match {f.label}: "
                    + ", ".join(where(i) for i in hits) + "; rename or remove one", f.key))
            else:
                cols[f.key] = hits[0]
        cfg = self.scheme.columns

        def person(names: list[str]) -> int | None:
            wanted = {header_key(n) for n in names}
            for i, k in enumerate(keys):
                if k & wanted and i not in cols.values():
                    return i
            return None

        id_col = person(cfg.id)
        if id_col is None:
            problems.append(RowError(where(0), "no id column: expected a header named "
                                     + " or ".join(repr(n) for n in cfg.id), None))
        return Binding(cols, id_col, person(cfg.name), person(cfg.department), problems)

    def evaluate(self, binding: Binding, row_number: int, cells: Sequence[Any],
                 where: Callable[[int], str],
                 percent: Callable[[int], bool] = lambda i: False,
                 injected: Mapping[str, Injection] | None = None) -> PersonResult:
        """Score one row; problems become row errors, never exceptions.

        ``injected`` gives the actuals of survey indicators (by indicator id).
        """
        reading = self.read(binding, row_number, cells, where, percent, injected)
        return self.assemble(reading.result, self.score(reading), reading.values,
                             row_label=f"row {row_number}")

    def read(self, binding: Binding, row_number: int, cells: Sequence[Any],
             where: Callable[[int], str],
             percent: Callable[[int], bool] = lambda i: False,
             injected: Mapping[str, Injection] | None = None) -> Reading:
        """Read one row's values (and compute its formulas), before scoring."""

        def cell(i: int | None) -> Any:
            return cells[i] if i is not None and i < len(cells) else None

        result = PersonResult(row=row_number, id=cell_text(cell(binding.id_col)),
                              name=cell_text(cell(binding.name_col)),
                              department=cell_text(cell(binding.dept_col)))
        errors = result.errors
        errors.extend(RowError(p.where, p.message, p.field) for p in binding.problems)
        if result.id is None and binding.id_col is not None:
            errors.append(RowError(where(binding.id_col), "the person has no id", None))

        values: dict[str, Decimal] = {}
        answers: dict[str, str] = {}
        for f in self.fields:
            col = binding.columns.get(f.key)
            raw = cell(col)
            if col is None or is_blank(raw):
                if f.if_missing is not None:
                    values[f.key] = f.if_missing
                elif col is not None:
                    errors.append(RowError(where(col), f"{f.label} is blank", f.key))
                continue
            try:
                if f.numeric:
                    number = read_number(raw, percent(col))
                    problem = _out_of_range(number, f.lowest, f.highest, f.rating)
                    if problem:
                        raise BadValue(f"{plain(number)} {problem}")
                    values[f.key] = number
                else:
                    answers[f.key] = read_text(raw)
            except BadValue as exc:
                errors.append(RowError(where(col), f"{f.label}: {exc}", f.key))

        surveys: dict[str, SurveyStat] = {}
        for key, sid in self.survey_of.items():
            given = (injected or {}).get(key)
            ci = next(c for c in self.indicators if c.id == key)
            if given is None:
                errors.append(RowError(f"row {row_number}", f"{ci.ind.label}: no responses "
                                       f"were read for survey {sid!r}", key))
                continue
            if given.survey is not None:
                surveys[key] = given.survey
            errors.extend(given.errors)
            if given.value is not None:
                values[key] = given.value

        def where_of(key: str) -> str:
            col = binding.columns.get(key)
            return where(col) if col is not None else f"row {row_number}"

        reading = Reading(result, values, answers, where_of, surveys)
        self.compute(reading, f"row {row_number}")
        return reading

    def compute(self, reading: Reading, row_label: str,
                only: set[str] | None = None) -> None:
        """Run the formulas (in dependency order) on the values read; ``only`` limits
        them to some indicators (a period roll-up recomputes those that sum)."""
        values, errors = reading.values, reading.result.errors
        for idx in self.formula_order:
            ci = self.indicators[idx]
            if only is not None and ci.id not in only:
                continue
            assert ci.formula is not None
            needed = ci.formula.names()
            if not needed <= values.keys():
                continue  # a missing input is already reported
            try:
                computed = ci.formula.eval(values)
                problem = _out_of_range(computed, ci.spec.lowest, ci.spec.highest)
                if problem:
                    errors.append(RowError(
                        row_label, f"{ci.ind.label}: {ci.ind.formula} gives "
                        f"{plain(computed)}, {problem}", ci.id))
                else:
                    values[ci.id] = computed
            except expr.DivisionByZero as exc:
                if ci.ind.if_divide_by_zero is not None:
                    values[ci.id] = ci.ind.if_divide_by_zero
                else:
                    errors.append(RowError(
                        row_label, f"{ci.ind.label}: {ci.ind.formula} divides by "
                        f"zero for {reading.result.id or 'this person'} ({exc.divisor} is 0); "
                        "set if_divide_by_zero to give it a value", ci.id))

    def score(self, reading: Reading) -> list[Scored]:
        """Each indicator's points for the values read (in scheme order)."""
        out: list[Scored] = []
        for ci in self.indicators:
            actual: Decimal | str | None = reading.values.get(ci.id,
                                                              reading.answers.get(ci.id))
            stat = reading.surveys.get(ci.id)
            if actual is None:
                out.append(Scored(None, None, "no usable actual", stat))
                continue
            points, explanation = self.score_actual(ci, actual, reading.result.errors,
                                                    reading.where)
            if stat is not None:
                explanation = f"{stat.describe()} → {explanation}"
            out.append(Scored(actual, points, explanation, stat))
        return out

    def score_actual(self, ci: CompiledIndicator, actual: Decimal | str,
                     errors: list[RowError],
                     where: Callable[[str], str]) -> tuple[Decimal | None, str]:
        """Points for one actual by the indicator's rule (an unknown level is an error)."""
        # A rule is a pure function of the actual: people share most actuals (95, 100%,
        # 0 incidents), so each indicator remembers what it has scored already.
        memo = ci.memo
        hit = memo.get(actual)
        if hit is not None:
            return hit
        try:
            points, step = ci.rule.score(actual, ci.spec)
            scored = points, step.render("en")  # the JSON contract is in English
            if len(memo) < _MEMO_SIZE:
                memo[actual] = scored
            return scored
        except UnknownLevel as exc:
            errors.append(RowError(where(ci.id), f"{ci.ind.label}: {exc}", ci.id))
            return None, "unknown level"

    def contribution(self, ci: CompiledIndicator, points: Decimal) -> Decimal:
        return points * ci.factor / self.denominator

    def subtotal(self, points: Sequence[Decimal | None]) -> Decimal | None:
        """The total (before vetoes) for each indicator's points, None if any is missing."""
        numerator = ZERO
        for ci, p in zip(self.indicators, points, strict=True):
            if p is None:
                return None
            numerator += p * ci.factor
        return numerator / self.denominator

    def assemble(self, result: PersonResult, scored: Sequence[Scored],
                 values: Mapping[str, Decimal], *, row_label: str,
                 vetoes: list[VetoResult] | None = None) -> PersonResult:
        """Weigh scored indicators into groups and the total; vetoes, grade, pass, pay.

        ``vetoes`` (default: tested on ``values``) are those already decided, e.g. on
        each rater's or period's values.
        """
        errors = result.errors
        numerator = ZERO  # the total × denominator, summed exactly
        complete = True
        contrib: list[Decimal | None] = []
        for ci, s in zip(self.indicators, scored, strict=True):
            c: Decimal | None = None
            explanation = s.explanation
            if s.points is not None:
                share = s.points * ci.factor
                numerator += share
                c = share / self.denominator
                explanation += self._weighting(ci, s.points, c)
                contrib.append(share)
            else:
                complete = False
                contrib.append(None)
            result.indicators.append(IndicatorResult(
                ci.id, ci.ind.label, ci.dimension, s.actual, ci.ind.target, s.points,
                ci.spec.full, ci.weight, c, explanation, s.survey))

        for group, out in ((self.dimensions, result.dimensions), (self.sections, result.sections)):
            for g in group:
                value: Decimal | None = ZERO
                for i in g.members:
                    part = contrib[i]
                    value = None if part is None or value is None else value + part
                if value is not None:
                    value = value / self.denominator
                out.append(GroupResult(g.id, g.title, g.weight, value, g.section))

        if vetoes is None:
            self._vetoes(result, dict(values), ci_values=dict(values), row_number=row_label)
        else:
            result.vetoes = list(vetoes)
        if self.pay_lines:
            result.pay_lines = [PayLineResult(line.id, line.title or line.id, None, None, None)
                                for line, _ in self.pay_lines]
        if errors or not complete:
            result.status = "error"
            if not errors:
                errors.append(RowError(row_label, "some indicators have no actual"))
            return result
        total = numerator / self.denominator
        if any(v.outcome == "zero" for v in result.vetoes):
            total = ZERO
        result.total = total
        result.grade = self._grade(total, vetoed=bool(result.vetoes))
        result.passed = self.passes(total, vetoed=bool(result.vetoes))
        result.env = dict(values)
        self.apply_pay(result, row_label)
        return result

    def vetoes_for(self, values: Mapping[str, Decimal],
                   row_label: str) -> tuple[list[VetoResult], list[RowError]]:
        """The vetoes that fire on ``values``, and errors deciding them."""
        holder = PersonResult(0, None, None, None)
        self._vetoes(holder, dict(values), dict(values), row_label)
        return holder.vetoes, holder.errors

    def passes(self, total: Decimal, vetoed: bool) -> bool | None:
        mark = self.scheme.pass_mark
        if mark is None:
            return None
        return not vetoed and total >= mark

    def grade_coefficient(self, grade: str | None) -> Decimal | None:
        for g in self.scheme.grades:
            if g.name == grade:
                return g.coefficient
        return None

    def apply_pay(self, result: PersonResult, row_label: str,
                  grade: str | None = None) -> None:
        """Compute every pay line of a scored person (again, after a forced distribution:
        ``grade`` is then the grade that counts)."""
        if not self.pay_lines or result.total is None:
            return
        env = dict(result.env)
        env["total"] = result.total
        coefficient = self.grade_coefficient(grade if grade is not None else result.grade)
        if coefficient is not None:
            env["grade_coefficient"] = coefficient
        if result.passed is not None:
            env["passed"] = Decimal(1) if result.passed else ZERO
        lines: list[PayLineResult] = []
        for line, node in self.pay_lines:
            title = line.title or line.id
            if node is None:
                lines.append(PayLineResult(line.id, title, None, None, None))
                continue
            try:
                uncapped = node.eval(env)
            except expr.DivisionByZero as exc:
                result.errors.append(RowError(row_label, f"{line.id} formula divides by zero "
                                              f"({exc.divisor} is 0)", line.id))
                lines.append(PayLineResult(line.id, title, None, None, None))
                continue
            except KeyError as exc:
                name = exc.args[0] if exc.args else "?"
                why = (f": grade {result.grade!r} has no coefficient"
                       if name == "grade_coefficient" else f" needs {name!r}")
                result.errors.append(RowError(row_label, f"{line.id} formula{why}", line.id))
                lines.append(PayLineResult(line.id, title, None, None, None))
                continue
            amount, capped = uncapped, None
            if line.max is not None and amount > line.max:
                amount, capped = line.max, "max"
            if line.min is not None and amount < line.min:
                amount, capped = line.min, "min"
            env[line.id] = amount
            lines.append(PayLineResult(line.id, title, amount, uncapped, capped,
                                       line.precision))
        result.pay_lines = lines
        result.pay = lines[0].amount if self.scheme.pay is not None else None
        if any(line.amount is None for line in lines):
            result.status = "error"
            result.pay = None

    def _weighting(self, ci: CompiledIndicator, points: Decimal, c: Decimal) -> str:
        p = self.scheme.precision
        parts = ci.weighting
        if parts is None:  # the same for every person: built once
            parts = f"/{plain(ci.spec.full)} × {plain(round_half_up(ci.local_weight, p + 2))}%"
            if ci.section_weight != HUNDRED:
                parts += f" × {plain(ci.section_weight)}%"
            if self.scheme.scale != HUNDRED:
                parts += f" of {plain(self.scheme.scale)}"
            ci.weighting = parts
        return f"{parts} = {round_half_up(c, p)}"

    def _vetoes(self, result: PersonResult, values: dict[str, Decimal],
                ci_values: dict[str, Decimal], row_number: int | str) -> None:
        label = row_number if isinstance(row_number, str) else f"row {row_number}"
        for ci in self.indicators:
            veto = ci.ind.veto
            actual = values.get(ci.id)
            if veto is not None and actual is not None and veto.when.holds(actual):
                result.vetoes.append(VetoResult(
                    ci.id, ci.ind.label, veto.outcome, f"{ci.id} {veto.when}", actual,
                    veto.reason or f"{ci.ind.label} {veto.when} (actual {plain(actual)})"))
        for sv, node in self.scheme_vetoes:
            key = f"veto:{sv.id}"
            actual = values.get(key)
            if node is not None and node.names() <= values.keys():
                try:
                    actual = node.eval(values)
                except expr.DivisionByZero as exc:
                    result.errors.append(RowError(
                        label, f"veto {sv.id}: {sv.formula} divides by zero "
                        f"({exc.divisor} is 0), so it cannot be decided", sv.id))
                    actual = None
            if actual is not None and sv.when.holds(actual):
                title = sv.title or sv.id
                result.vetoes.append(VetoResult(
                    sv.id, title, sv.outcome, f"{sv.id} {sv.when}", actual,
                    sv.reason or f"{title} {sv.when} (actual {plain(actual)})"))

    def _grade(self, total: Decimal, vetoed: bool) -> str | None:
        grades = self.scheme.grades
        if not grades:
            return None
        if vetoed:
            return grades[-1].name
        for g in grades:
            if g.min is None or total >= g.min:
                return g.name
        return grades[-1].name


def cell_text(value: Any) -> str | None:
    """A cell as an id, name or label: trimmed, full-width folded, ``7.0`` as ``7``."""
    if is_blank(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise_text(str(value))


# -- compiling ---------------------------------------------------------------


#: How many distinct actuals an indicator remembers (enough for typical data,
#: bounded for hostile data).
_MEMO_SIZE = 4096


def _out_of_range(x: Decimal, lowest: Decimal | None, highest: Decimal | None,
                  rating: bool = False) -> str | None:
    if rating:  # a direct rating's range is its floor and full marks, not min/max_value
        lo, hi = "(a rating runs from the floor", "(a rating runs up to the full marks)"
    else:
        lo, hi = "(set min_value to allow it)", "(set max_value to allow it)"
    if lowest is not None and x < lowest:
        if rating:
            lo += f" {plain(lowest)})"
        return f"is below the smallest valid value {plain(lowest)} {lo}"
    if highest is not None and x > highest:
        return f"is above the largest valid value {plain(highest)} {hi}"
    return None


def _did_you_mean(name: str, options: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


class _Compiler:
    def __init__(self, scheme: Scheme, located: Located | None, source: str) -> None:
        self.scheme = scheme
        self.located = located
        self.source = source
        self.out = CompiledScheme(scheme, source)

    def find(self, loc: Path, code: str, message: str, severity: str = "error",
             key: bool = False) -> None:
        if self.located is not None:
            self.out.findings.append(self.located.finding(loc, code, message,
                                                          severity=severity, key=key))
        else:
            where = ".".join(str(p) for p in loc)
            self.out.findings.append(Finding(self.source, 0, 0, severity, code,  # type: ignore[arg-type]
                                             f"{where}: {message}" if where else message))

    def run(self) -> CompiledScheme:
        s = self.scheme
        if s.sections is not None:
            total = sum((sec.weight for sec in s.sections), ZERO)
            if total != HUNDRED:
                self.find(("sections",), "weights-sum",
                          f"section weights add up to {plain(total)}, not 100")
            for k, sec in enumerate(s.sections):
                dims = sec.dimensions or [Dimension(id=sec.id, title=sec.title,
                                                    indicators=sec.indicators or [])]
                base: Path = ("sections", k, "dimensions") if sec.dimensions else \
                    ("sections", k)
                self.section(sec.id, sec.title or sec.id, sec.weight, dims, base,
                             implicit=sec.dimensions is None)
        else:
            dims = s.dimensions or [Dimension(id="main", title=s.title,
                                              indicators=s.indicators or [])]
            base = ("dimensions",) if s.dimensions else ()
            self.section(None, None, HUNDRED, dims, base, implicit=s.dimensions is None)
        self.factors()
        self.ids()
        self.surveys()
        self.fields()
        self.formulas()
        self.vetoes()
        self.grades()
        self.pay()
        self.raters()
        self.rollups()
        self.distribution()
        return self.out

    def section(self, sid: str | None, stitle: str | None, sweight: Decimal,
                dims: list[Dimension], base: Path, implicit: bool) -> None:
        members_start = len(self.out.indicators)
        dim_total = ZERO
        for d, dim in enumerate(dims):
            dpath: Path = base if implicit else base + (d,)
            weight = self.dimension(dim, dpath, sid, sweight)
            dim_total += weight
        where: Path = base + ("indicators",) if implicit else base
        if dim_total != HUNDRED:
            scope = f"section {sid!r}" if sid else "the scheme"
            what = "indicator weights" if implicit else "dimension weights"
            hint = ""
            if dim_total == 1:
                hint = " (weights are percents: write 40 or 40%, not 0.4)"
            self.find(where, "weights-sum",
                      f"{what} in {scope} add up to {plain(dim_total)}, not 100{hint}",
                      key=True)
        if sid is not None:
            self.out.sections.append(CompiledGroup(
                sid, stitle or sid, sweight,
                list(range(members_start, len(self.out.indicators)))))

    def dimension(self, dim: Dimension, dpath: Path, sid: str | None,
                  sweight: Decimal) -> Decimal:
        inds = dim.indicators
        ipath: Path = dpath + ("indicators",)
        given = [i.weight for i in inds]
        full = [self.full_marks(i) for i in inds]
        known = [w for w in given if w is not None]
        missing = len(given) - len(known)
        if dim.weight is not None:
            if missing == 0:
                total = sum(known, ZERO)
                if total != dim.weight:
                    self.find(dpath + ("weight",), "weights-sum",
                              f"dimension {dim.title or dim.id!r} has weight "
                              f"{plain(dim.weight)} but its indicators' weights add up to "
                              f"{plain(total)}")
                weights = [(w, 1) for w in known]
            else:
                rest = dim.weight - sum(known, ZERO)
                if rest < 0:
                    self.find(dpath + ("weight",), "weights-sum",
                              f"dimension {dim.title or dim.id!r} has weight "
                              f"{plain(dim.weight)} but its weighted indicators already take "
                              f"{plain(sum(known, ZERO))}")
                    rest = ZERO
                weights = [(w, 1) if w is not None else (rest, missing) for w in given]
            dweight = dim.weight
        else:
            if 0 < missing < len(given):
                self.find(ipath, "weights-missing",
                          f"some indicators of {dim.title or dim.id!r} have a weight and some "
                          "do not; give every one a weight, or give the dimension a weight "
                          "to share", key=True)
            # a points card: an item worth 20 points weighs 20
            weights = [(w if w is not None else f, 1) for w, f in zip(given, full, strict=True)]
            dweight = sum((w for w, _ in weights), ZERO)
        members = []
        for j, (ind, w) in enumerate(zip(inds, weights, strict=True)):
            members.append(len(self.out.indicators))
            self.indicator(ind, ipath + (j,), w, sweight, dim.id)
        self.out.dimensions.append(CompiledGroup(
            dim.id, dim.title or dim.id, dweight * sweight / HUNDRED, members, sid))
        return dweight

    def full_marks(self, ind: Indicator) -> Decimal:
        if ind.full_marks is not None:
            return ind.full_marks
        default = ind.the_rule.default_full_marks()
        return default if default is not None else HUNDRED

    def indicator(self, ind: Indicator, path: Path, share: tuple[Decimal, int],
                  sweight: Decimal, dim: str) -> None:
        weight = share[0] / share[1]
        rule = ind.the_rule
        full = self.full_marks(ind)
        floor: Decimal | None = None if ind.floor == "none" else ind.floor
        if full <= 0:
            self.find(path + ("full_marks",), "bad-full-marks",
                      f"full marks must be positive, not {plain(full)}")
            full = HUNDRED
        if floor is not None and floor > full:
            self.find(path + ("floor",), "bad-floor",
                      f"floor {plain(floor)} is above full marks {plain(full)}")
        spec = Spec(ind.target, full, floor, ind.better, None, None, self.scheme.precision)
        lo, hi = rule.default_range(spec)
        survey = next((sv for sv in self.scheme.surveys if sv.id == ind.survey), None)
        if survey is not None and survey.result != "mean":
            lo, hi = (Decimal(-100), HUNDRED) if survey.result == "nps" else (ZERO, HUNDRED)
        if lo is None and ind.min_value is None:
            lo = ZERO
        if hi is None and ind.max_value is None and ind.unit.strip() in ("%", "％", "percent"):
            hi = HUNDRED
        lo = ind.min_value if ind.min_value is not None else lo
        hi = ind.max_value if ind.max_value is not None else hi
        spec = Spec(ind.target, full, floor, ind.better, lo, hi, self.scheme.precision)
        if lo is not None and hi is not None and lo > hi:
            self.find(path + ("min_value",), "bad-range",
                      f"min_value {plain(lo)} is above max_value {plain(hi)}")
        if rule.needs_target and ind.target is None:
            self.find(path, "missing-target",
                      f"indicator {ind.label!r} uses the {rule.kind} rule, which needs a target",  # type: ignore[attr-defined]
                      key=True)
        elif rule.divides_by_target and ind.target is not None and ind.target <= 0:
            if ind.target == 0:
                self.find(path + ("target",), "zero-target",
                          f"a target of 0 makes the {rule.kind} rule's ratio meaningless "  # type: ignore[attr-defined]
                          "(it divides by the target)")
            else:
                self.find(path + ("target",), "negative-target",
                          f"the {rule.kind} rule divides by the target, which must be "  # type: ignore[attr-defined]
                          f"positive, not {plain(ind.target)}")
        else:
            for check in rule.checks(spec):
                if check.severity == "warning" and check.code in ind.allow:
                    continue
                self.find(path + check.where, check.code, check.message, check.severity)
            if ind.target is not None or not rule.needs_target:
                best = rule.best(spec)
                if best < full and "unreachable-full-marks" not in ind.allow:
                    self.find(path + ("full_marks",) if ind.full_marks is not None else path,
                              "unreachable-full-marks",
                              f"full marks {plain(full)} of {ind.label!r} can never be "
                              f"reached: the best valid actual earns {plain(best)} (add "
                              "'unreachable-full-marks' to allow if the card means it)",
                              "warning", key=ind.full_marks is None)
        if ind.veto is not None and rule.reads_labels:
            self.find(path + ("veto",), "bad-veto",
                      f"a veto compares a number, but the {rule.kind} rule reads labels; "  # type: ignore[attr-defined]
                      "put the veto on a numeric column under vetoes:", key=True)
        if ind.veto is not None and ind.veto.outcome == "lowest_grade" and not self.scheme.grades:
            self.find(path + ("veto", "outcome"), "bad-veto",
                      "outcome lowest_grade needs grades: the scheme defines none")
        if ind.better == "lower" and not rule.directional:
            self.find(path, "bad-parameter",
                      f"better: lower does not apply to the {rule.kind} rule: its points are "  # type: ignore[attr-defined]
                      "the rating's own (remove better:)", key=True)
        if (ind.better == "higher" and rule.directional
                and _LOWER_IS_BETTER.search(f"{ind.id} {ind.title or ''}")
                and not _GOOD_SIDE.search(f"{ind.id} {ind.title or ''}")
                and "higher-is-better" not in ind.allow
                and "lower-is-better" not in ind.allow):
            self.find(path, "lower-is-better",
                      f"{ind.label!r} sounds like a quantity where less is better, but its "
                      "score rises with the actual; set better: lower (or add "
                      "'higher-is-better' to allow)", "warning", key=True)
        self.out.indicators.append(CompiledIndicator(
            ind, path, rule, spec, weight * sweight / HUNDRED, weight, sweight, dim,
            weight_share=share))

    def factors(self) -> None:
        """Contribution = points × weight × section weight × scale / (full × 100 × 100),
        with the weight itself a share (dimension weight / n). Put every indicator over
        one integer denominator so sums divide once and stay exact."""
        ratios = []
        for ci in self.out.indicators:
            num, div = ci.weight_share
            ratio = Fraction(num) * Fraction(ci.section_weight) * Fraction(self.scheme.scale) \
                / (Fraction(ci.spec.full) * div * 10000)
            ratios.append(ratio)
        denominator = 1
        for r in ratios:
            denominator = math.lcm(denominator, r.denominator)
        self.out.denominator = Decimal(denominator)
        for ci, r in zip(self.out.indicators, ratios, strict=True):
            ci.factor = Decimal(r.numerator * (denominator // r.denominator))

    def ids(self) -> None:
        seen: dict[str, Path] = {}
        named: list[tuple[str, Path]] = [(ci.id, ci.path) for ci in self.out.indicators]
        named += [(inp.id, ("inputs", k)) for k, inp in enumerate(self.scheme.inputs)]
        reserved = {"total": "the total score"}
        if self.scheme.grades:
            reserved["grade_coefficient"] = "the grade's coefficient"
        if self.scheme.pass_mark is not None:
            reserved["passed"] = "1 when the total passes, else 0"
        for ident, path in named:
            if ident in reserved:
                self.find(path + ("id",), "reserved-id", f"{ident!r} is reserved for "
                          f"{reserved[ident]} in formulas; choose another id")
            if ident in seen:
                self.find(path + ("id",), "duplicate-id",
                          f"duplicate id {ident!r} (also used at line "
                          f"{self.line(seen[ident])})")
            else:
                seen[ident] = path
        dims: dict[str, int] = {}
        for g in self.out.dimensions:
            dims[g.id] = dims.get(g.id, 0) + 1
        for name, count in dims.items():
            if count > 1:
                self.find(("dimensions",), "duplicate-id",
                          f"dimension id {name!r} is used {count} times", key=True)

    def line(self, path: Path) -> int:
        return self.located.where(path)[0] if self.located else 0

    def fields(self) -> None:
        out = self.out
        for ci in out.indicators:
            ind = ci.ind
            if ind.formula is not None or ind.survey is not None:
                continue
            heads = [ind.column] if ind.column else [ind.id] + ([ind.title] if ind.title else [])
            missing = None if ind.if_missing == "error" else ind.if_missing
            out.fields.append(Field(ci.id, f"{ind.label} ({ind.id})" if ind.title else ind.id,
                                    [header_key(h) for h in heads], not ci.rule.reads_labels,
                                    ci.spec.lowest, ci.spec.highest,
                                    missing,
                                    rating=ci.rule.is_rating
                                    and ind.min_value is None and ind.max_value is None))
        for inp in self.scheme.inputs:
            heads = [inp.column] if inp.column else [inp.id] + ([inp.title] if inp.title else [])
            out.fields.append(Field(inp.id, f"{inp.title} ({inp.id})" if inp.title else inp.id,
                                    [header_key(h) for h in heads], True,
                                    inp.min_value, inp.max_value))
        for sv in self.scheme.vetoes:
            if sv.column is not None:
                out.fields.append(Field(f"veto:{sv.id}", sv.title or sv.id,
                                        [header_key(sv.column)], True))

    def parse(self, text: str, path: Path) -> expr.Node | None:
        try:
            return expr.parse(text)
        except expr.FormulaError as exc:
            line, col = self.located.text_start(path) if self.located else (0, 0)
            self.out.findings.append(Finding(self.source, line, col + exc.offset, "error",
                                             "formula", f"formula {text!r}: {exc}"))
            return None

    def check_names(self, node: expr.Node, path: Path, known: set[str], what: str) -> bool:
        ok = True
        for name, offset in expr.name_offsets(node).items():
            if name not in known:
                ok = False
                line, col = self.located.text_start(path) if self.located else (0, 0)
                self.out.findings.append(Finding(
                    self.source, line, col + offset, "error", "unknown-name",
                    f"{what} names {name!r}, which is neither an input nor an indicator"
                    f"{_did_you_mean(name, sorted(known))}; declare it under inputs:"))
        return ok

    def formulas(self) -> None:
        out = self.out
        known = {ci.id for ci in out.indicators} | {i.id for i in self.scheme.inputs}
        deps: dict[int, set[str]] = {}
        for k, ci in enumerate(out.indicators):
            if ci.ind.formula is None:
                continue
            node = self.parse(ci.ind.formula, ci.path + ("formula",))
            if node is None:
                continue
            if self.check_names(node, ci.path + ("formula",), known, "the formula"):
                ci.formula = node
                deps[k] = node.names()
                if ci.id in deps[k]:
                    self.find(ci.path + ("formula",), "formula-cycle",
                              f"the formula of {ci.id!r} uses its own actual")
        # order formulas so each runs after the computed actuals it uses
        by_id = {out.indicators[k].id: k for k in deps}
        done: set[int] = set()
        visiting: set[int] = set()

        def visit(k: int) -> None:
            if k in done:
                return
            if k in visiting:
                ci = out.indicators[k]
                self.find(ci.path + ("formula",), "formula-cycle",
                          f"the formula of {ci.id!r} depends on itself through other formulas")
                return
            visiting.add(k)
            for name in deps[k]:
                if name in by_id and by_id[name] != k:
                    visit(by_id[name])
            visiting.discard(k)
            done.add(k)
            out.formula_order.append(k)

        for k in deps:
            visit(k)

    def vetoes(self) -> None:
        known = {ci.id for ci in self.out.indicators} | {i.id for i in self.scheme.inputs}
        for k, sv in enumerate(self.scheme.vetoes):
            path: Path = ("vetoes", k)
            node = None
            if sv.outcome == "lowest_grade" and not self.scheme.grades:
                self.find(path + ("outcome",), "bad-veto",
                          "outcome lowest_grade needs grades: the scheme defines none")
            if (sv.column is None) == (sv.formula is None):
                self.find(path, "veto-source", f"veto {sv.id!r} needs either a column or a "
                          "formula", key=True)
            elif sv.formula is not None:
                node = self.parse(sv.formula, path + ("formula",))
                if node is not None and not self.check_names(node, path + ("formula",), known,
                                                             "the veto formula"):
                    node = None
            self.out.scheme_vetoes.append((sv, node))

    def grades(self) -> None:
        grades = self.scheme.grades
        names: set[str] = set()
        previous: Decimal | None = None
        for k, g in enumerate(grades):
            path: Path = ("grades", k)
            if g.name in names:
                self.find(path + ("name",), "duplicate-grade", f"grade {g.name!r} is given twice")
            names.add(g.name)
            if g.min is None and k != len(grades) - 1:
                self.find(path, "grade-order", f"only the last grade may leave out min "
                          f"(grade {g.name!r} catches every total, so later grades never apply)",
                          key=True)
            if g.min is not None and previous is not None and g.min >= previous:
                self.find(path + ("min",), "grade-order",
                          f"grades run from the best down: min {plain(g.min)} of {g.name!r} "
                          f"should be below {plain(previous)}")
            if g.min is not None:
                previous = g.min

    def pay(self) -> None:
        s = self.scheme
        known = {"total"} | {i.id for i in s.inputs} | {ci.id for ci in self.out.indicators}
        if s.grades:
            known.add("grade_coefficient")
        if s.pass_mark is not None:
            known.add("passed")
        lines: list[tuple[PayLine, Path]] = []
        if s.pay is not None:
            lines.append((PayLine(id="pay", title=s.pay.title, formula=s.pay.formula,
                                  precision=s.pay.precision, min=s.pay.min, max=s.pay.max),
                          ("pay",)))
        elif s.pay_lines:
            self.find(("pay_lines",), "missing-field", "pay_lines are further lines after "
                      "pay: give pay as well", key=True)
        lines += [(line, ("pay_lines", k)) for k, line in enumerate(s.pay_lines)]
        uses_coefficient: Path | None = None
        for line, path in lines:
            if line.id in known or any(line.id == other.id for other, _ in
                                       lines[:lines.index((line, path))]):
                self.find(path + ("id",), "duplicate-id", f"pay line id {line.id!r} is "
                          "already the name of an input, indicator or earlier pay line")
            if line.min is not None and line.max is not None and line.min > line.max:
                self.find(path + ("min",), "bad-range", f"min {plain(line.min)} is above "
                          f"max {plain(line.max)}")
            node = self.parse(line.formula, path + ("formula",))
            what = "the pay formula" if line.id == "pay" else f"the {line.id} formula"
            if node is not None and not self.check_names(node, path + ("formula",), known,
                                                         what):
                node = None
            if node is not None and "grade_coefficient" in node.names() and \
                    uses_coefficient is None:
                uses_coefficient = path
            self.out.pay_lines.append((line, node))
            known.add(line.id)
        if s.pay is not None:
            self.out.pay_formula = self.out.pay_lines[0][1]
        if uses_coefficient is not None:
            for k, g in enumerate(s.grades):
                if g.coefficient is None:
                    self.find(("grades", k), "missing-coefficient",
                              f"grade {g.name!r} has no coefficient, but the formula at line "
                              f"{self.line(uses_coefficient + ('formula',))} uses "
                              "grade_coefficient", key=True)

    def surveys(self) -> None:
        s = self.scheme
        seen: dict[str, int] = {}
        for k, sv in enumerate(s.surveys):
            path: Path = ("surveys", k)
            if sv.id in seen:
                self.find(path + ("id",), "duplicate-id", f"survey id {sv.id!r} is given twice")
            seen[sv.id] = k
            if sv.result == "nps":
                if sv.answers is not None or any(q.answers for q in sv.questions):
                    self.find(path, "survey-answers", "an NPS survey reads numbers from 0 to "
                              "10: give no answers (scale defaults to 0–10)", key=True)
                elif sv.scale is not None and (sv.scale.min != 0 or sv.scale.max != 10):
                    self.find(path + ("scale",), "survey-answers",
                              "an NPS survey's scale is 0 to 10")
            elif sv.answers is None and sv.scale is None and \
                    any(q.answers is None for q in sv.questions):
                self.find(path, "survey-answers", f"survey {sv.id!r} needs answers (what A–E "
                          "or 非常满意 … are worth) or a scale for numeric answers", key=True)
            if sv.scale is not None and sv.scale.min >= sv.scale.max:
                self.find(path + ("scale", "min"), "bad-range", f"scale min "
                          f"{plain(sv.scale.min)} is not below max {plain(sv.scale.max)}")
            qids: set[str] = set()
            for j, q in enumerate(sv.questions):
                if q.id in qids:
                    self.find(path + ("questions", j, "id"), "duplicate-id",
                              f"question id {q.id!r} is given twice")
                qids.add(q.id)
            for where, answers in [(path + ("answers",), sv.answers)] + \
                    [(path + ("questions", j, "answers"), q.answers)
                     for j, q in enumerate(sv.questions)]:
                if not answers:
                    continue
                levels = Levels(kind="levels", levels=answers)
                top = max(a.points for a in answers)
                spec = Spec(None, top, ZERO, "higher", None, None, s.precision)
                for check in levels.checks(spec):
                    self.find(where + check.where[2:], check.code, check.message,
                              check.severity)
        used: set[str] = set()
        for ci in self.out.indicators:
            ind = ci.ind
            if ind.survey is None:
                continue
            if ind.survey not in seen:
                self.find(ci.path + ("survey",), "unknown-name", f"survey {ind.survey!r} is "
                          "not among the scheme's surveys"
                          f"{_did_you_mean(ind.survey, sorted(seen))}")
                continue
            used.add(ind.survey)
            if ind.formula is not None or ind.column is not None:
                self.find(ci.path + ("survey",), "survey-source", "an indicator takes its "
                          "actual from a survey, a formula or a column: only one")
            if ci.rule.reads_labels:
                self.find(ci.path + ("rule",), "survey-source", "a survey's result is a "
                          f"number; the {ci.rule.kind} rule reads labels")  # type: ignore[attr-defined]
            self.out.survey_of[ci.id] = ind.survey
        for sv_id, k in seen.items():
            if sv_id not in used:
                self.find(("surveys", k), "unused-survey", f"survey {sv_id!r} is not the "
                          "survey: of any indicator", "warning", key=True)

    def raters(self) -> None:
        r = self.scheme.raters
        if r is None:
            return
        total = sum((role.weight for role in r.roles), ZERO)
        if total != HUNDRED:
            self.find(("raters", "roles"), "weights-sum",
                      f"rater weights add up to {plain(total)}, not 100", key=True)
        names: dict[str, str] = {}
        for k, role in enumerate(r.roles):
            for name in [role.id, role.title or role.id, *role.names]:
                key = header_key(name)
                if key in names and names[key] != role.id:
                    self.find(("raters", "roles", k), "duplicate-id",
                              f"{name!r} names both rater {names[key]!r} and {role.id!r}",
                              key=True)
                names.setdefault(key, role.id)
        out = self.out
        readable = {ci.id for ci in out.indicators
                    if ci.ind.formula is None and ci.ind.survey is None}
        problem = False
        if r.rated is None:
            out.rated = set(readable)
        else:
            groups = {g.id: g for g in out.sections + out.dimensions}
            for k, ident in enumerate(r.rated):
                path: Path = ("raters", "rated", k)
                if ident in groups:
                    out.rated |= {out.indicators[i].id for i in groups[ident].members
                                  if out.indicators[i].id in readable}
                elif ident in readable:
                    out.rated.add(ident)
                elif any(ci.id == ident for ci in out.indicators):
                    problem = True
                    self.find(path, "bad-rated", f"{ident!r} is computed (a formula or a "
                              "survey), not read from a column: rate the columns it uses")
                else:
                    problem = True
                    known = sorted(groups) + sorted(readable)
                    self.find(path, "unknown-name", f"{ident!r} is neither a section, a "
                              f"dimension nor an indicator{_did_you_mean(ident, known)}")
        if not out.rated and not problem:
            self.find(("raters",), "bad-rated", "the raters rate nothing: every indicator "
                      "is computed", key=True)

    def rollups(self) -> None:
        ru = self.scheme.rollup
        default = ru.default if ru is not None else "mean_points"
        for ci in self.out.indicators:
            kind = ci.ind.rollup or default
            path = ci.path + ("rollup",) if ci.ind.rollup else ci.path
            if ci.ind.rollup is not None and ru is None:
                self.find(path, "rollup", "rollup needs the scheme's rollup: (which period "
                          "the periods roll into)")
            elif ci.rule.reads_labels and kind in ("sum", "mean"):
                self.find(path, "rollup", f"{ci.ind.label!r} reads labels, which cannot be "
                          f"{'summed' if kind == 'sum' else 'averaged'}: use mean_points or "
                          "last", key=ci.ind.rollup is None)
            elif ci.ind.survey is not None and kind == "sum":
                self.find(path, "rollup", "a survey's result cannot be summed over periods: "
                          "use mean_points, mean or last", key=ci.ind.rollup is None)
            elif ci.id in self.out.rated and kind != "mean_points":
                self.find(path, "rollup", f"{ci.ind.label!r} is rated: its periods roll up "
                          "by mean_points (ratings are not summed)", key=ci.ind.rollup is None)
            self.out.rollup_of[ci.id] = kind

    def distribution(self) -> None:
        d = self.scheme.distribution
        if d is None:
            return
        names = [g.name for g in self.scheme.grades]
        if not names:
            self.find(("distribution",), "bad-distribution", "a forced distribution gives "
                      "grades: the scheme defines none", key=True)
            return
        seen: set[str] = set()
        for k, q in enumerate(d.quotas):
            if q.grade not in names:
                self.find(("distribution", "quotas", k, "grade"), "unknown-name",
                          f"quota for {q.grade!r}, which is not a grade"
                          f"{_did_you_mean(q.grade, names)} (grades: {', '.join(names)})")
            elif q.grade in seen:
                self.find(("distribution", "quotas", k, "grade"), "duplicate-grade",
                          f"grade {q.grade!r} has two quotas")
            seen.add(q.grade)
        total = sum((q.percent for q in d.quotas), ZERO)
        if total != HUNDRED:
            self.find(("distribution", "quotas"), "weights-sum",
                      f"quota percents add up to {plain(total)}, not 100", key=True)


def compile_scheme(scheme: Scheme, located: Located | None = None,
                   source: str = "<scheme>") -> CompiledScheme:
    """Compile ``scheme``; raises :class:`SchemeInvalid` if it has errors.

    Warnings are kept on ``CompiledScheme.findings``.
    """
    compiled = _Compiler(scheme, located, source).run()
    if any(f.severity == "error" for f in compiled.findings):
        raise SchemeInvalid(sorted(compiled.findings, key=lambda f: (f.line, f.column)))
    return compiled


def iter_errors(findings: list[Finding]) -> Iterator[Finding]:
    return (f for f in findings if f.severity == "error")


_ = Condition  # re-exported for type checkers of callers
