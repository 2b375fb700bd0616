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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from kpiscore import expr
from kpiscore.errors import Finding, SchemeInvalid
from kpiscore.numbers import HUNDRED, ZERO, normalise_text, plain, round_half_up
from kpiscore.results import (
    GroupResult,
    IndicatorResult,
    PersonResult,
    RowError,
    VetoResult,
)
from kpiscore.rules import Rule, Spec
from kpiscore.rules.levels import Levels, UnknownLevel
from kpiscore.scheme import Condition, Dimension, Indicator, Scheme
from kpiscore.values import BadValue, is_blank, read_number, read_text
from kpiscore.yamlload import Located, Path

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
        self.findings: list[Finding] = []
        self.denominator = Decimal(1)

    # -- scoring -------------------------------------------------------------

    def bind(self, header: Sequence[object], where: Callable[[int], str]) -> Binding:
        """Match the header row to the fields this scheme reads."""
        keys = [header_variants(h) if not is_blank(h) else set() for h in header]

        def find(candidates: list[str]) -> list[int]:
            return [i for i, k in enumerate(keys) if any(c in k for c in candidates)]

        cols: dict[str, int] = {}
        problems: list[RowError] = []
        for f in self.fields:
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
                 percent: Callable[[int], bool] = lambda i: False) -> PersonResult:
        """Score one row; problems become row errors, never exceptions."""

        def cell(i: int | None) -> Any:
            return cells[i] if i is not None and i < len(cells) else None

        def text(i: int | None) -> str | None:
            v = cell(i)
            if is_blank(v):
                return None
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            return normalise_text(str(v))

        result = PersonResult(row=row_number, id=text(binding.id_col),
                              name=text(binding.name_col), department=text(binding.dept_col))
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

        for idx in self.formula_order:
            ci = self.indicators[idx]
            assert ci.formula is not None
            needed = ci.formula.names()
            if not needed <= values.keys():
                continue  # a missing input is already reported
            try:
                computed = ci.formula.eval(values)
                problem = _out_of_range(computed, ci.spec.lowest, ci.spec.highest)
                if problem:
                    errors.append(RowError(
                        f"row {row_number}", f"{ci.ind.label}: {ci.ind.formula} gives "
                        f"{plain(computed)}, {problem}", ci.id))
                else:
                    values[ci.id] = computed
            except expr.DivisionByZero as exc:
                if ci.ind.if_divide_by_zero is not None:
                    values[ci.id] = ci.ind.if_divide_by_zero
                else:
                    errors.append(RowError(
                        f"row {row_number}", f"{ci.ind.label}: {ci.ind.formula} divides by "
                        f"zero for {result.id or 'this person'} ({exc.divisor} is 0); set "
                        "if_divide_by_zero to give it a value", ci.id))

        numerator = ZERO  # the total × denominator, summed exactly
        scored = True
        contrib: list[Decimal | None] = []
        for ci in self.indicators:
            spec, ind = ci.spec, ci.ind
            actual: Decimal | str | None = values.get(ci.id, answers.get(ci.id))
            points: Decimal | None = None
            explanation = ""
            if actual is None:
                scored = False
                explanation = "no usable actual"
            else:
                try:
                    if isinstance(actual, str):
                        assert isinstance(ci.rule, Levels)
                        points, explanation = ci.rule.score_answer(actual, spec)
                    else:
                        points, explanation = ci.rule.score(actual, spec)
                except UnknownLevel as exc:
                    col = binding.columns.get(ci.id)
                    errors.append(RowError(where(col) if col is not None else f"row {row_number}",
                                           f"{ind.label}: {exc}", ci.id))
                    scored = False
                    explanation = "unknown level"
            c: Decimal | None = None
            if points is not None:
                share = points * ci.factor
                numerator += share
                c = share / self.denominator
                explanation += self._weighting(ci, points, c)
                contrib.append(share)
            else:
                contrib.append(None)
            result.indicators.append(IndicatorResult(
                ci.id, ind.label, ci.dimension, actual, ind.target, points, spec.full, ci.weight,
                c, explanation))

        for group, out in ((self.dimensions, result.dimensions), (self.sections, result.sections)):
            for g in group:
                value: Decimal | None = ZERO
                for i in g.members:
                    part = contrib[i]
                    value = None if part is None or value is None else value + part
                if value is not None:
                    value = value / self.denominator
                out.append(GroupResult(g.id, g.title, g.weight, value, g.section))

        self._vetoes(result, values, ci_values=values, row_number=row_number)
        if errors or not scored:
            result.status = "error"
            if not errors:
                errors.append(RowError(f"row {row_number}", "some indicators have no actual"))
            return result
        total = numerator / self.denominator
        if any(v.outcome == "zero" for v in result.vetoes):
            total = ZERO
        result.total = total
        result.grade = self._grade(total, vetoed=bool(result.vetoes))
        if self.pay_formula is not None:
            env = dict(values)
            env["total"] = total
            try:
                result.pay = self.pay_formula.eval(env)
            except expr.DivisionByZero as exc:
                result.status = "error"
                errors.append(RowError(f"row {row_number}", f"pay formula divides by zero "
                                       f"({exc.divisor} is 0)", "pay"))
            except KeyError as exc:
                result.status = "error"
                errors.append(RowError(f"row {row_number}", f"pay formula needs {exc}", "pay"))
        return result

    def _weighting(self, ci: CompiledIndicator, points: Decimal, c: Decimal) -> str:
        p = self.scheme.precision
        parts = f"/{plain(ci.spec.full)} × {plain(round_half_up(ci.local_weight, p + 2))}%"
        if ci.section_weight != HUNDRED:
            parts += f" × {plain(ci.section_weight)}%"
        if self.scheme.scale != HUNDRED:
            parts += f" of {plain(self.scheme.scale)}"
        return f"{parts} = {round_half_up(c, p)}"

    def _vetoes(self, result: PersonResult, values: dict[str, Decimal],
                ci_values: dict[str, Decimal], row_number: int) -> None:
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
                        f"row {row_number}", f"veto {sv.id}: {sv.formula} divides by zero "
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


# -- compiling ---------------------------------------------------------------


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
        self.fields()
        self.formulas()
        self.vetoes()
        self.grades()
        self.pay()
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
        if ind.veto is not None and not rule.numeric:
            self.find(path + ("veto",), "bad-veto",
                      f"a veto compares a number, but the {rule.kind} rule reads labels; "  # type: ignore[attr-defined]
                      "put the veto on a numeric column under vetoes:", key=True)
        if ind.veto is not None and ind.veto.outcome == "lowest_grade" and not self.scheme.grades:
            self.find(path + ("veto", "outcome"), "bad-veto",
                      "outcome lowest_grade needs grades: the scheme defines none")
        if ind.better == "lower" and rule.kind in ("levels", "direct"):  # type: ignore[attr-defined]
            self.find(path, "bad-parameter",
                      f"better: lower does not apply to the {rule.kind} rule: its points are "  # type: ignore[attr-defined]
                      "the rating's own (remove better:)", key=True)
        if (ind.better == "higher" and rule.numeric and not isinstance(rule, Levels)
                and rule.kind != "direct"  # type: ignore[attr-defined]
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
        for ident, path in named:
            if ident == "total":
                self.find(path + ("id",), "reserved-id", "'total' is reserved for the total "
                          "score in formulas; choose another id")
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
            if ind.formula is not None:
                continue
            heads = [ind.column] if ind.column else [ind.id] + ([ind.title] if ind.title else [])
            missing = None if ind.if_missing == "error" else ind.if_missing
            out.fields.append(Field(ci.id, f"{ind.label} ({ind.id})" if ind.title else ind.id,
                                    [header_key(h) for h in heads], ci.rule.numeric,
                                    ci.spec.lowest, ci.spec.highest,
                                    missing,
                                    rating=ci.rule.kind == "direct"  # type: ignore[attr-defined]
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
        pay = self.scheme.pay
        if pay is None:
            return
        node = self.parse(pay.formula, ("pay", "formula"))
        known = {"total"} | {i.id for i in self.scheme.inputs} | \
            {ci.id for ci in self.out.indicators}
        if node is not None and self.check_names(node, ("pay", "formula"), known,
                                                 "the pay formula"):
            self.out.pay_formula = node


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
