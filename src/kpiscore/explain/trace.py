"""One person's score, step by step: the trace behind ``kpiscore explain``.

The chain DOMAIN.md describes — dimension → indicator → rule → arithmetic →
contribution → total → veto → grade → pay — rebuilt from the engine's own
:class:`~kpiscore.score.results.PersonResult` and the compiled scheme, never by
scoring a second way. A :class:`Trace` is plain data: ``to_dict()`` is the
``--format json`` document, :func:`outline` the labelled tree the terminal
(rich, in the CLI) and :func:`markdown` show. No click, no rich here.

:class:`Subject` keeps one person's row so that it can be scored again with
some actuals replaced (``kpiscore whatif``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kpiscore.base.errors import KpiscoreError
from kpiscore.base.i18n import DEFAULT, t
from kpiscore.base.numbers import HUNDRED, ZERO, normalise_text, plain, round_half_up
from kpiscore.io.table import Table
from kpiscore.outputs.records import FORMAT_VERSION, error_dict
from kpiscore.scheme.compile import CompiledIndicator, CompiledScheme
from kpiscore.score.binding import Binding
from kpiscore.score.results import (
    PayLineResult,
    PeriodEntry,
    PersonResult,
    Rank,
    RatersResult,
    Report,
    RowError,
    VetoResult,
)
from kpiscore.score.scorer import Scorer

if TYPE_CHECKING:
    from kpiscore.scheme.load import LoadedScheme


class PersonNotFound(KpiscoreError):
    """No row of the actuals carries the id asked for."""


# -- one person's row ------------------------------------------------------------------


@dataclass
class Subject:
    """One person's row of an actuals file, bound to a compiled scheme."""

    scorer: Scorer
    binding: Binding
    row: int
    cells: list[Any]
    where: Callable[[int], str]
    percent: frozenset[int]
    source: str
    result: PersonResult

    @property
    def compiled(self) -> CompiledScheme:
        return self.scorer.compiled

    def indicator(self, key: str) -> CompiledIndicator:
        return self.compiled.indicator(key)

    def evaluate(self, overrides: Mapping[str, Decimal | str] | None = None) -> PersonResult:
        """Score the row again, with the actuals of some indicators replaced.

        An override takes the place of what the row says (or of what the
        indicator's formula computes): the rest of the row is held as it is.
        """
        return self.scorer.score_row(self.binding, self.row, self.cells, self.where,
                                     self.percent.__contains__, overrides=overrides)

    def inputs(self) -> dict[str, Decimal]:
        """The row's raw input values (``inputs:`` of the scheme) that can be read."""
        from kpiscore.io.cells import BadValue, is_blank, read_number

        out: dict[str, Decimal] = {}
        for inp in self.compiled.scheme.inputs:
            col = self.binding.columns.get(inp.id)
            raw = self.cells[col] if col is not None and col < len(self.cells) else None
            if col is None or is_blank(raw):
                continue
            try:
                out[inp.id] = read_number(raw, col in self.percent)
            except BadValue:
                continue
        return out


def find_person(loaded: LoadedScheme, table: Table, person: str) -> Subject:
    """The row of ``table`` whose id is ``person`` (the first one, if repeated).

    Raises :class:`PersonNotFound`, or :class:`~kpiscore.base.errors.InputUnreadable`
    when the table cannot be read.
    """
    from kpiscore.score.evaluate import binding_for
    from kpiscore.score.people import each_person

    compiled = loaded.compiled
    scorer = Scorer(compiled)
    binding = binding_for(compiled, table)
    wanted = same_id(person)
    for found in each_person([table], [binding.id_col]):
        if found.id is not None and same_id(found.id) == wanted:
            src = found.sources[0]
            row = src.row
            result = scorer.score_row(binding, row.number, row.values, src.where,
                                      row.percent.__contains__)
            return Subject(scorer, binding, row.number, list(row.values), src.where,
                           frozenset(row.percent), table.source, result)
    raise PersonNotFound(t("msg.no_person", DEFAULT, id=person, file=table.source))


# -- the trace -------------------------------------------------------------------------


@dataclass
class IndicatorStep:
    id: str
    title: str
    dimension: str
    unit: str
    better: str
    target: Decimal | None
    formula: str | None
    actual: Decimal | str | None
    rule: str
    scoring: str
    arithmetic: str  # the rule's own line: "86 vs target 90: 4 short × 0.5 = −2 → 98"
    points: Decimal | None
    full_marks: Decimal
    local_weight: Decimal  # percent within its section
    section_weight: Decimal
    weight: Decimal  # percent of the total
    contribution: Decimal | None
    explanation: str  # the engine's whole line, as in evaluate's output
    survey: str | None = None  # how survey responses became the actual


@dataclass
class GroupStep:
    id: str
    title: str
    weight: Decimal  # percent of the total
    score: Decimal | None
    contribution: Decimal | None
    section: str | None = None
    equal_weights: bool = True
    indicators: list[IndicatorStep] = field(default_factory=list)
    dimensions: list[GroupStep] = field(default_factory=list)  # of a section
    implicit: bool = False  # a section written with indicators, or a scheme without dimensions


@dataclass
class Trace:
    scheme_id: str
    scheme_title: str
    source: str
    precision: int
    pay_precision: int
    scale: Decimal
    row: int
    id: str | None
    name: str | None
    department: str | None
    status: str
    errors: list[RowError]
    groups: list[GroupStep]  # sections, or dimensions when there are none
    has_sections: bool
    subtotal: Decimal | None  # the weighted sum before any veto
    total: Decimal | None
    vetoes: list[VetoResult]
    grade: str | None
    grade_min: Decimal | None
    grade_by: str | None  # "band", "last" or "veto"
    grade_below: Decimal | None  # for "last": the lowest bound of the other bands
    has_grades: bool
    pay: Decimal | None
    pay_formula: str | None
    pay_values: dict[str, Decimal]
    #: further parts some schemes have (see :func:`build_trace`), as plain data
    band: str | None = None  # the grade band of the total, when a forced distribution moved it
    quota_grade: str | None = None
    distribution: str | None = None  # "enforce" or "advisory"
    pass_mark: Decimal | None = None
    passed: bool | None = None
    rank: Rank | None = None
    pay_lines: list[tuple[PayLineResult, str]] = field(default_factory=list)  # and formula
    raters: RatersResult | None = None
    periods: list[PeriodEntry] = field(default_factory=list)

    # -- reading --------------------------------------------------------------------

    def num(self, value: Decimal) -> str:
        """An intermediate number: exact when short, else rounded for reading."""
        if value == value.quantize(Decimal(1).scaleb(-(self.precision + 2))):
            return plain(value)
        return plain(round_half_up(value, self.precision))

    def fixed(self, value: Decimal) -> str:
        """A result number (contribution, total) as the outputs show it."""
        return str(round_half_up(value, self.precision))

    def dimensions(self) -> list[GroupStep]:
        if not self.has_sections:
            return list(self.groups)
        return [d for s in self.groups for d in s.dimensions]

    def indicators(self) -> list[IndicatorStep]:
        return [i for d in self.dimensions() for i in d.indicators]

    def implicit_only(self) -> bool:
        """A scheme written with ``indicators:`` only: its one dimension is not shown."""
        return not self.has_sections and all(g.implicit for g in self.groups)

    def who(self) -> str:
        parts = [p for p in (self.id, self.name) if p]
        who = " ".join(parts) or f"row {self.row}"
        return f"{who} · {self.department}" if self.department else who

    def to_dict(self) -> dict[str, Any]:
        p = self.precision

        def fixed(v: Decimal | None) -> Decimal | None:
            return None if v is None else round_half_up(v, p)

        def short(v: Decimal | str | None) -> Decimal | str | None:
            if v is None or isinstance(v, str):
                return v
            return round_half_up(v, p).normalize() if v != v.to_integral_value() \
                else v.quantize(Decimal(1))

        def indicator(i: IndicatorStep) -> dict[str, Any]:
            return {"id": i.id, "title": i.title, "actual": short(i.actual), "unit": i.unit,
                    "target": short(i.target), "better": i.better, "formula": i.formula,
                    "rule": i.rule, "scoring": i.scoring, "arithmetic": i.arithmetic,
                    "points": fixed(i.points), "full_marks": short(i.full_marks),
                    "weight": short(i.weight), "contribution": fixed(i.contribution),
                    "explanation": i.explanation}

        def group(g: GroupStep) -> dict[str, Any]:
            out: dict[str, Any] = {"id": g.id, "title": g.title}
            if g.section is not None:
                out["section"] = g.section
            out.update({"weight": short(g.weight), "score": fixed(g.score),
                        "contribution": fixed(g.contribution)})
            if g.dimensions:
                out["dimensions"] = [d.id for d in g.dimensions]
            else:
                out["indicators"] = [indicator(i) for i in g.indicators]
            return out

        doc: dict[str, Any] = {
            "kpiscore": FORMAT_VERSION,
            "scheme": {"id": self.scheme_id, "title": self.scheme_title},
            "source": self.source,
            "person": {"row": self.row, "id": self.id, "name": self.name,
                       "department": self.department},
            "status": self.status,
            "errors": [error_dict(e) for e in self.errors],
        }
        if self.has_sections:
            doc["sections"] = [group(s) for s in self.groups]
        doc["dimensions"] = [group(d) for d in self.dimensions()]
        doc["subtotal"] = fixed(self.subtotal)
        doc["total"] = fixed(self.total)
        doc["veto"] = None if not self.vetoes else {
            "outcome": "zero" if any(v.outcome == "zero" for v in self.vetoes)
            else "lowest_grade",
            "fired": [{"id": v.id, "title": v.title, "condition": v.condition,
                       "actual": short(v.actual), "reason": v.reason} for v in self.vetoes]}
        doc["grade"] = None if self.grade is None else {
            "name": self.grade, "min": short(self.grade_min), "by": self.grade_by}
        doc["pay"] = None if self.pay_formula is None else {
            "formula": self.pay_formula,
            "values": {k: short(v) for k, v in self.pay_values.items()},
            "pay": None if self.pay is None else round_half_up(self.pay, self.pay_precision)}
        if self.quota_grade is not None:
            doc["distribution"] = {"mode": self.distribution, "band": self.band,
                                   "quota_grade": self.quota_grade}
        if self.pass_mark is not None:
            doc["pass"] = {"mark": short(self.pass_mark), "passed": self.passed}
        if self.rank is not None:
            doc["rank"] = {"overall": self.rank.overall, "of": self.rank.of,
                           "department": self.rank.department,
                           "department_of": self.rank.department_of}
        if self.pay_lines:
            doc["pay_lines"] = [{"id": line.id, "title": line.title, "formula": formula,
                                 "amount": None if line.amount is None
                                 else round_half_up(line.amount, line.precision),
                                 "capped": line.capped} for line, formula in self.pay_lines]
        if self.raters is not None:
            doc["raters"] = [{"id": r.id, "title": r.title, "weight": short(r.weight),
                              "applied_weight": short(r.applied_weight),
                              "total": fixed(r.total), "contribution": fixed(r.contribution)}
                             for r in self.raters.roles]
        if self.periods:
            doc["periods"] = [{"period": e.period, "source": e.source, "total": fixed(e.total)}
                              for e in self.periods]
        return doc


def build_trace(compiled: CompiledScheme, result: PersonResult, *, source: str = "",
                inputs: Mapping[str, Decimal] | None = None) -> Trace:
    """The trace of ``result``, which ``compiled`` produced."""
    s = compiled.scheme
    by_id = {r.id: r for r in result.indicators}
    steps: dict[str, IndicatorStep] = {}
    for ci in compiled.indicators:
        r = by_id[ci.id]
        steps[ci.id] = IndicatorStep(
            ci.id, ci.ind.label, ci.dimension, ci.ind.unit, ci.ind.better, ci.ind.target,
            ci.ind.formula, r.actual, ci.rule.kind, str(ci.rule.summary(s.precision)),
            "" if r.step is None else str(r.step), r.points, ci.spec.full, ci.local_weight,
            ci.section_weight, ci.weight, r.contribution, r.explanation,
            None if r.survey is None else str(r.survey.describe()))
    dims: list[GroupStep] = []
    for g, gr in zip(compiled.dimensions, result.dimensions, strict=True):
        members = [steps[compiled.indicators[k].id] for k in g.members]
        equal = len({m.local_weight for m in members}) <= 1
        implicit = (s.sections is None and s.dimensions is None) or (
            g.section is not None and g.id == g.section and any(
                sec.id == g.section and sec.dimensions is None for sec in s.sections or []))
        dims.append(GroupStep(g.id, g.title, gr.weight, gr.score(), gr.contribution, g.section,
                              equal, members, implicit=implicit))
    groups: list[GroupStep]
    if compiled.has_sections:
        groups = []
        for g, gr in zip(compiled.sections, result.sections, strict=True):
            groups.append(GroupStep(g.id, g.title, gr.weight, gr.score(), gr.contribution,
                                    dimensions=[d for d in dims if d.section == g.id]))
    else:
        groups = dims
    parts = [g.contribution for g in groups if g.contribution is not None]
    subtotal = sum(parts, ZERO) if len(parts) == len(groups) else None
    if result.total is not None and not result.vetoes:
        subtotal = result.total

    grade_min = grade_below = None
    grade_by = band_name = None
    if result.grade is not None and result.total is not None:
        if result.vetoes:
            grade_by = "veto"
        else:
            # the band the total falls in (a forced distribution may grade otherwise)
            band = next((g for g in s.grades if g.min is None or result.total >= g.min),
                        s.grades[-1])
            band_name = band.name
            grade_min = band.min
            grade_by = "band" if band.min is not None else "last"
            mins = [g.min for g in s.grades if g.min is not None]
            grade_below = min(mins) if mins else None

    pay_values: dict[str, Decimal] = {}
    pay_formula = compiled.pay_lines[0][1] if s.pay is not None else None
    if pay_formula is not None:
        known = dict(result.env or {})
        for key, value in (inputs or {}).items():
            known.setdefault(key, value)
        for ci in compiled.indicators:
            actual = by_id[ci.id].actual
            if isinstance(actual, Decimal):
                known.setdefault(ci.id, actual)
        for name in sorted(pay_formula.names()):
            if name == "total":
                if result.total is not None:
                    pay_values[name] = result.total
            elif name in known:
                pay_values[name] = known[name]
    trace = Trace(
        s.id, s.title, source, s.precision, s.pay.precision if s.pay else s.precision, s.scale,
        result.row, result.id, result.name, result.department, result.status,
        list(result.errors), groups, compiled.has_sections, subtotal, result.total,
        list(result.vetoes), result.grade, grade_min, grade_by, grade_below, bool(s.grades),
        result.pay, s.pay.formula if s.pay else None, pay_values)
    # parts a scheme may or may not have: forced distribution, a pass mark, ranks,
    # further pay lines, raters, periods
    distribution = s.distribution
    quota = result.quota_grade
    if distribution is not None and quota is not None:
        trace.distribution, trace.quota_grade, trace.band = distribution.mode, quota, band_name
    trace.pass_mark = s.pass_mark
    trace.passed = result.passed
    trace.rank = result.rank
    formulas = {line.id: line.formula for line in s.pay_lines or []}
    trace.pay_lines = [(line, formulas[line.id]) for line in
                       result.pay_lines or [] if line.id in formulas]
    trace.raters = result.raters
    trace.periods = list(result.periods or [])
    return trace


def trace_person(subject: Subject) -> Trace:
    """The trace of one row scored on its own (see :func:`explain_person` for the trace
    of what ``kpiscore evaluate`` reports)."""
    return build_trace(subject.compiled, subject.result, source=subject.source,
                       inputs=subject.inputs())


def same_id(ident: str) -> str:
    """An id as a person types it for ``--id``: case, width and white space aside."""
    return "".join(normalise_text(str(ident)).casefold().split())


def pick(results: list[PersonResult], person: str) -> PersonResult | None:
    """The result whose id is ``person`` (case and white space aside), first if repeated."""
    wanted = same_id(person)
    return next((r for r in results if r.id is not None and same_id(r.id) == wanted), None)


def explain_person(loaded: LoadedScheme, report: Report, person: str) -> Trace:
    """The trace of ``person`` in ``report`` (``loaded`` scored it): exactly what
    ``kpiscore evaluate`` says, raters, periods, surveys, ranks and forced distribution
    included. Raises :class:`PersonNotFound`."""
    result = pick(report.results, person)
    if result is None:
        raise PersonNotFound(t("msg.no_person", DEFAULT, id=person, file=report.source))
    return build_trace(loaded.compiled, result, source=report.source)


# -- the outline: labelled lines in a tree ---------------------------------------------


@dataclass
class Node:
    """A line of the explanation and the lines below it; ``kind`` says what it is
    (person, section, dimension, indicator, rule, formula, arithmetic,
    contribution, total, veto, vetoed, grade, rank, pay, periods, period, raters,
    rater, error) for renderers to style."""

    kind: str
    label: str
    children: list[Node] = field(default_factory=list)

    def lines(self, depth: int = 0) -> list[str]:
        """Indented plain lines (two spaces per level), for tests and logs."""
        out = ["  " * depth + self.label]
        for child in self.children:
            out += child.lines(depth + 1)
        return out


def _with_unit(value: Decimal | str | None, unit: str, trace: Trace, lang: str) -> str:
    if value is None:
        return t("explain.no_actual", lang)
    text = value if isinstance(value, str) else trace.num(value)
    if not unit or isinstance(value, str):
        return text
    # 91%, 86分, 3篇; but 160 min
    return f"{text} {unit}" if unit[:1].isascii() and unit[:1].isalpha() else f"{text}{unit}"


def _exact(value: Decimal, precision: int) -> str:
    """Enough digits to see why rounding went the way it did: 91.605, 89.58666…"""
    shown = round_half_up(value, precision + 4)
    return plain(shown) if shown == value else plain(shown) + "…"


def _signed_sum(values: list[str]) -> str:
    out = ""
    for k, v in enumerate(values):
        if k == 0:
            out = v
        elif v.startswith("-"):
            out += f" − {v[1:]}"
        else:
            out += f" + {v}"
    return out


def outline(trace: Trace, lang: str = DEFAULT) -> Node:
    """The trace as a tree of labelled lines in ``lang``."""
    root = Node("person", t("explain.person", lang, who=trace.who(),
                            scheme=f"{trace.scheme_title} ({trace.scheme_id})"))
    scale = "" if trace.scale == HUNDRED else t("explain.of_scale", lang,
                                                 scale=plain(trace.scale))

    def indicator(i: IndicatorStep) -> Node:
        actual = _with_unit(i.actual, i.unit, trace, lang)
        if i.points is None:
            node = Node("indicator", t("explain.indicator.unscored", lang, title=i.title,
                                       id=i.id, actual=actual))
        else:
            node = Node("indicator", t("explain.indicator", lang, title=i.title, id=i.id,
                                       actual=actual, points=trace.num(i.points),
                                       full=trace.num(i.full_marks)))
        target = ""
        if i.target is not None:
            target = t("explain.rule.target", lang, target=_with_unit(i.target, i.unit, trace,
                                                                       lang),
                       better=t(f"explain.better.{i.better}", lang))
        node.children.append(Node("rule", t("explain.rule", lang, summary=i.scoring,
                                            target=target)))
        if i.formula:
            node.children.append(Node("formula", t("explain.formula", lang,
                                                   formula=i.formula)))
        if i.survey:
            node.children.append(Node("formula", i.survey))
        if i.arithmetic:
            node.children.append(Node("arithmetic", i.arithmetic))
        if i.points is not None and i.contribution is not None:
            weight = plain(round_half_up(i.local_weight, trace.precision + 2))
            if i.section_weight != HUNDRED:
                weight += f"% × {plain(i.section_weight)}"
            node.children.append(Node("contribution", t(
                "explain.contribution", lang, points=trace.num(i.points),
                full=trace.num(i.full_marks), weight=weight, scale=scale,
                contribution=trace.fixed(i.contribution))))
        return node

    def dimension(d: GroupStep) -> list[Node]:
        if d.implicit:
            return [indicator(i) for i in d.indicators]
        if d.score is None or d.contribution is None:
            node = Node("dimension", t("explain.dimension.unscored", lang, title=d.title,
                                       id=d.id, weight=plain(d.weight)))
        else:
            mean = t("explain.mean" if d.equal_weights else "explain.weighted_mean", lang)
            node = Node("dimension", t("explain.dimension", lang, title=d.title, id=d.id,
                                       mean=mean, score=trace.num(d.score),
                                       weight=plain(d.weight), scale="",
                                       contribution=trace.fixed(d.contribution)))
        node.children = [indicator(i) for i in d.indicators]
        return [node]

    for g in trace.groups:
        if trace.has_sections:
            if g.score is None or g.contribution is None:
                node = Node("section", t("explain.dimension.unscored", lang, title=g.title,
                                         id=g.id, weight=plain(g.weight)))
            else:
                node = Node("section", t("explain.section", lang, title=g.title, id=g.id,
                                         score=trace.num(g.score), weight=plain(g.weight),
                                         scale="", contribution=trace.fixed(g.contribution)))
            for d in g.dimensions:
                node.children += dimension(d)
            root.children.append(node)
        else:
            root.children += dimension(g)

    if trace.periods:
        root.children.append(Node("periods", t("explain.periods", lang), [
            Node("period", t("explain.period", lang, period=e.period, source=e.source,
                             total="—" if e.total is None else trace.fixed(e.total)))
            for e in trace.periods]))
    if trace.raters is not None:
        raters = Node("raters", t("explain.raters", lang))
        for r in trace.raters.roles:
            if r.total is None or r.applied_weight is None:
                raters.children.append(Node("rater", t("explain.rater.missing", lang,
                                                       title=r.title, id=r.id)))
            else:
                raters.children.append(Node("rater", t(
                    "explain.rater", lang, title=r.title, id=r.id, total=trace.fixed(r.total),
                    weight=plain(round_half_up(r.applied_weight, trace.precision + 2)),
                    contribution=trace.fixed(r.total * r.applied_weight / HUNDRED))))
        root.children.append(raters)

    if trace.errors:
        root.children.append(Node("error", t("explain.errors", lang), [
            Node("error", str(e)) for e in trace.errors]))

    # total
    if trace.implicit_only():
        parts = [i.contribution for i in trace.indicators()]
    else:
        parts = [g.contribution for g in trace.groups]
    if trace.subtotal is None or any(p is None for p in parts):
        root.children.append(Node("total", t("explain.total.none", lang)))
    else:
        shown = _signed_sum([trace.fixed(p) for p in parts if p is not None])
        if trace.total is not None and trace.vetoes and trace.total != trace.subtotal:
            label = t("explain.total.vetoed", lang, parts=shown,
                      total=trace.fixed(trace.subtotal), zero=trace.fixed(trace.total))
        else:
            label = t("explain.total", lang, parts=shown, total=trace.fixed(trace.subtotal))
            if trace.subtotal != round_half_up(trace.subtotal, trace.precision):
                label += t("explain.total.exact", lang, exact=_exact(trace.subtotal,
                                                                     trace.precision))
        root.children.append(Node("total", label))

    # veto
    if not trace.vetoes:
        root.children.append(Node("veto", t("explain.veto.none", lang)))
    for v in trace.vetoes:
        root.children.append(Node("vetoed", t("explain.veto.fired", lang, reason=v.reason,
                                            outcome=t(f"explain.outcome.{v.outcome}", lang))))

    # grade
    if not trace.has_grades:
        root.children.append(Node("grade", t("explain.grade.none", lang)))
    elif trace.grade is not None and trace.total is not None:
        total = trace.num(trace.total)
        if trace.grade_by == "veto":
            label = t("explain.grade.veto", lang, grade=trace.grade)
        elif trace.grade_by == "band" and trace.grade_min is not None:
            label = t("explain.grade", lang, total=total, op="≥", bound=plain(trace.grade_min),
                      grade=trace.grade)
        elif trace.grade_below is not None:
            label = t("explain.grade", lang, total=total, op="<",
                      bound=plain(trace.grade_below), grade=trace.grade)
        else:
            label = t("explain.grade.last", lang, total=total, grade=trace.grade)
        if trace.quota_grade is not None and trace.band is not None:
            banded = trace.band
            label = label.replace(f"→ {trace.grade}", f"→ {banded}")
            if trace.distribution == "enforce":
                label += t("explain.grade.quota", lang, grade=trace.quota_grade)
            else:
                label += t("explain.grade.advisory", lang, grade=trace.quota_grade)
        root.children.append(Node("grade", label))
    if trace.pass_mark is not None and trace.passed is not None and trace.total is not None:
        key = "explain.pass.yes" if trace.passed else (
            "explain.pass.veto" if trace.vetoes else "explain.pass.no")
        root.children.append(Node("grade", t(key, lang, total=trace.num(trace.total),
                                             mark=plain(trace.pass_mark))))
    if trace.rank is not None:
        label = t("explain.rank", lang, rank=trace.rank.overall, of=trace.rank.of)
        if trace.rank.department is not None:
            label += t("explain.rank.department", lang, rank=trace.rank.department,
                       of=trace.rank.department_of)
        root.children.append(Node("rank", label))

    # pay
    if trace.pay_formula is None:
        root.children.append(Node("pay", t("explain.pay.none", lang)))
    elif trace.pay is not None:
        values = ", ".join(f"{k} = {trace.num(v)}" for k, v in trace.pay_values.items())
        root.children.append(Node("pay", t(
            "explain.pay", lang, formula=trace.pay_formula,
            pay=str(round_half_up(trace.pay, trace.pay_precision)),
            values=t("explain.pay.values", lang, values=values) if values else "")))
    for line, formula in trace.pay_lines:
        amount = "—" if line.amount is None else str(round_half_up(line.amount, line.precision))
        label = t("explain.pay_line", lang, title=line.title, formula=formula, amount=amount)
        if line.capped:
            label += t("explain.capped", lang, cap=line.capped)
        root.children.append(Node("pay", label))
    return root


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def markdown(node: Node) -> str:
    """The outline as Markdown: a heading for the person, nested lists below."""
    lines = [f"## {node.label.translate(_MD_SPECIAL)}", ""]

    def walk(n: Node, depth: int) -> None:
        text = n.label.translate(_MD_SPECIAL)
        if n.kind in ("section", "dimension", "total", "grade"):
            text = f"**{text}**"
        lines.append("  " * depth + f"- {text}")
        for c in n.children:
            walk(c, depth + 1)

    for child in node.children:
        walk(child, 0)
    return "\n".join(lines) + "\n"
