"""Compile a scheme once into an immutable :class:`CompiledScheme`.

Compiling resolves everything that does not depend on a person: effective
weights, full marks, floors, valid ranges, the columns to read, parsed
formulas and their order, and one integer denominator so that every sum
divides once. It reports nothing: whatever it could not resolve (a formula
that does not parse, a cycle) it records, and the registered checks
(:mod:`kpiscore.scheme.checks`) turn that and everything else into findings.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING

from kpiscore.base.limits import Limits
from kpiscore.base.numbers import HUNDRED, ZERO
from kpiscore.rules import Rule, Spec
from kpiscore.scheme.formula import FormulaError, Node
from kpiscore.scheme.formula import parse as parse_formula
from kpiscore.scheme.models import Dimension, Indicator, PayLine, Scheme, SchemeVeto
from kpiscore.scheme.yamlload import Path

if TYPE_CHECKING:
    from kpiscore.scheme.printed import Departure


@dataclass(frozen=True)
class CompiledIndicator:
    ind: Indicator
    path: Path
    rule: Rule
    spec: Spec
    weight: Decimal  # percent of the total
    local_weight: Decimal  # percent within its section
    section_weight: Decimal
    dimension: str
    #: contribution = points × factor / CompiledScheme.denominator
    factor: Decimal
    formula: Node | None

    @property
    def id(self) -> str:
        return self.ind.id


@dataclass(frozen=True)
class Group:
    """A dimension or a section: its members (indexes into the indicators)."""

    id: str
    title: str
    weight: Decimal  # percent of the total
    members: tuple[int, ...]
    section: str | None = None
    #: written with indicators only (a scheme or section without dimensions)
    implicit: bool = False
    #: what the group's members weigh within its section as written (a dimension's own
    #: weight; the sum of its items' points on a points card), before any normalising
    share: Decimal = ZERO
    #: ``weight`` exact (a fraction when the scheme normalises its weights)
    exact: Fraction = Fraction(0)


@dataclass(frozen=True)
class Field:
    """Something read from a column: an indicator's actual, an input, a veto flag."""

    key: str
    label: str
    headers: tuple[str, ...]  # header texts the column may have
    numeric: bool
    lowest: Decimal | None = None
    highest: Decimal | None = None
    if_missing: Decimal | None = None
    rating: bool = False  # a direct rating: its range is floor..full marks


@dataclass(frozen=True)
class Unparsed:
    """A formula that does not parse, for the ``formula`` check."""

    path: Path
    text: str
    error: FormulaError


@dataclass(frozen=True)
class CompiledScheme:
    """A scheme ready to score rows; build with :func:`compile_scheme`. Never changes."""

    scheme: Scheme
    source: str
    indicators: tuple[CompiledIndicator, ...]
    dimensions: tuple[Group, ...]
    sections: tuple[Group, ...]
    fields: tuple[Field, ...]
    #: indexes of the computed indicators, each after those whose actuals it uses
    formula_order: tuple[int, ...]
    vetoes: tuple[tuple[SchemeVeto, Node | None], ...]
    #: every pay line in order, the scheme's pay first (id "pay")
    pay_lines: tuple[tuple[PayLine, Node | None], ...]
    denominator: Decimal
    #: indicator id → the survey whose result is its actual
    survey_of: Mapping[str, str]
    #: ids of the indicators each rater scores (with raters)
    rated: frozenset[str]
    #: indicator id → how its periods roll up
    rollup_of: Mapping[str, str]
    unparsed: tuple[Unparsed, ...] = ()
    #: paths of formulas that depend on themselves
    cycles: tuple[Path, ...] = ()
    position: Mapping[str, int] = field(default_factory=dict)
    #: what the file marks not on the printed card (used or left out), set by the loader
    departures: tuple[Departure, ...] = ()
    #: every formula's text → its parse (within the limits the scheme was read with)
    parsed: Mapping[str, Node | FormulaError] = field(default_factory=dict)

    @property
    def has_sections(self) -> bool:
        return self.scheme.sections is not None

    @property
    def grouped(self) -> bool:
        """Whether a person's result may come from several rows (raters, periods)."""
        return self.scheme.raters is not None or self.scheme.rollup is not None

    def indicator(self, key: str) -> CompiledIndicator:
        return self.indicators[self.position[key]]

    def formula(self, text: str) -> Node | FormulaError:
        """A formula of the scheme parsed (once, by the compiler), or why it does not."""
        found = self.parsed.get(text)
        return found if found is not None else parse(text)

    def subtotal(self, points: Sequence[Decimal | None]) -> Decimal | None:
        """The total before vetoes for each indicator's points, None if any is missing."""
        numerator = ZERO
        for ci, p in zip(self.indicators, points, strict=True):
            if p is None:
                return None
            numerator += p * ci.factor
        return numerator / self.denominator

    def grade_for(self, total: Decimal, vetoed: bool) -> str | None:
        grades = self.scheme.grades
        if not grades:
            return None
        if not vetoed:
            for g in grades:
                if g.min is None or total >= g.min:
                    return g.name
        return grades[-1].name

    def coefficient(self, grade: str | None) -> Decimal | None:
        return next((g.coefficient for g in self.scheme.grades if g.name == grade), None)


def full_marks(ind: Indicator) -> Decimal:
    """The indicator's full marks as written, else its rule's default, else 100."""
    if ind.full_marks is not None:
        return ind.full_marks
    default = ind.the_rule.default_full_marks()
    return default if default is not None else HUNDRED


def parse(text: str, limits: Limits | None = None) -> Node | FormulaError:
    try:
        return parse_formula(text, limits)
    except FormulaError as exc:
        return exc


def compile_scheme(scheme: Scheme, source: str = "<scheme>",
                   limits: Limits | None = None) -> CompiledScheme:
    """Compile ``scheme`` (whatever its problems: :func:`kpiscore.scheme.checks.run`
    reports them); its formulas are parsed within ``limits`` (default:
    :meth:`Limits.from_env`)."""
    return _Compiler(scheme, source, limits or Limits.from_env()).run()


def exact(value: Fraction) -> Decimal:
    """A weight kept as a fraction, as a Decimal for display (exact when it is one;
    else to the Decimal context's 28 significant digits)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def _share(dim: Dimension) -> Decimal:
    """What a dimension weighs as written: its weight, else its indicators' weights (a
    points card: an item worth 20 points weighs 20)."""
    if dim.weight is not None:
        return dim.weight
    return sum((i.weight if i.weight is not None else full_marks(i) for i in dim.indicators),
               ZERO)


def normaliser(total: Decimal, wanted: Decimal, scheme: Scheme) -> Fraction:
    """What each weight of a level is multiplied by: ``wanted / total`` when the scheme
    says ``weights: normalise`` and they differ, else 1."""
    if scheme.weights != "normalise" or total == wanted or total <= 0:
        return Fraction(1)
    return Fraction(wanted) / Fraction(total)


class _Compiler:
    def __init__(self, scheme: Scheme, source: str, limits: Limits) -> None:
        self.scheme = scheme
        self.source = source
        self.limits = limits
        self.parsed: dict[str, Node | FormulaError] = {}
        self.indicators: list[CompiledIndicator] = []
        self.dimensions: list[Group] = []
        self.sections: list[Group] = []
        #: each indicator's weight within its section and the section's weight, exact
        self.exact: list[tuple[Fraction, Fraction]] = []
        self.unparsed: list[Unparsed] = []

    def run(self) -> CompiledScheme:
        s = self.scheme
        if s.sections is not None:
            scale = normaliser(sum((sec.weight for sec in s.sections), ZERO), HUNDRED, s)
            for k, sec in enumerate(s.sections):
                dims = sec.dimensions or [Dimension(id=sec.id, title=sec.title,
                                                    indicators=sec.indicators or [])]
                base: Path = ("sections", k, "dimensions") if sec.dimensions else ("sections", k)
                self.section(sec.id, sec.title or sec.id, sec.weight, Fraction(sec.weight) * scale,
                             dims, base, implicit=sec.dimensions is None)
        else:
            dims = s.dimensions or [Dimension(id="main", title=s.title,
                                              indicators=s.indicators or [])]
            self.section(None, None, HUNDRED, Fraction(100), dims,
                         ("dimensions",) if s.dimensions else (), implicit=s.dimensions is None)
        denominator, factors = self.factors()
        indicators = [replace(ci, factor=factor, formula=self.parse(ci.ind.formula, ci.path))
                      for ci, factor in zip(self.indicators, factors, strict=True)]
        order, cycles = _order(indicators)
        known = {ci.id for ci in indicators} | {i.id for i in s.inputs}
        surveys = {sv.id for sv in s.surveys}
        survey_of = {ci.id: ci.ind.survey for ci in indicators if ci.ind.survey in surveys}
        rated = self.rated(indicators)
        default = s.rollup.default if s.rollup is not None else "mean_points"
        return CompiledScheme(
            s, self.source, tuple(indicators), tuple(self.dimensions), tuple(self.sections),
            self.fields(indicators), order,
            tuple((v, self.parse(v.formula if v.column is None else None, ("vetoes", k),
                                   known))
                  for k, v in enumerate(s.vetoes)),
            self.pay_lines(known), denominator, survey_of, rated,
            {ci.id: ci.ind.rollup or default for ci in indicators},
            tuple(self.unparsed), cycles, {ci.id: k for k, ci in enumerate(indicators)},
            parsed=self.parsed)

    def section(self, sid: str | None, stitle: str | None, written: Decimal, sweight: Fraction,
                dims: list[Dimension], base: Path, implicit: bool) -> None:
        """A section (or the scheme) of weight ``sweight`` (exact, normalised; ``written``
        as the file gives it) and its dimensions."""
        start = len(self.indicators)
        scale = normaliser(sum((_share(d) for d in dims), ZERO), HUNDRED, self.scheme)
        for d, dim in enumerate(dims):
            self.dimension(dim, base if implicit else base + (d,), sid, sweight, scale, implicit)
        if sid is not None:
            self.sections.append(Group(sid, stitle or sid, exact(sweight), tuple(range(
                start, len(self.indicators))), implicit=implicit, share=written,
                exact=sweight))

    def dimension(self, dim: Dimension, dpath: Path, sid: str | None, sweight: Fraction,
                  scale: Fraction, implicit: bool) -> None:
        inds = dim.indicators
        given = [i.weight for i in inds]
        known = [w for w in given if w is not None]
        missing = len(given) - len(known)
        weights: list[Fraction]
        if dim.weight is not None:
            rest = max(dim.weight - sum(known, ZERO), ZERO)
            inner = normaliser(sum(known, ZERO), dim.weight, self.scheme) if not missing \
                else Fraction(1)
            weights = [Fraction(w) * inner if w is not None else Fraction(rest) / missing
                       for w in given]
        else:  # a points card: an item worth 20 points weighs 20
            weights = [Fraction(w if w is not None else full_marks(i)) for w, i in
                       zip(given, inds, strict=True)]
        share = _share(dim)
        members = []
        for j, (ind, w) in enumerate(zip(inds, weights, strict=True)):
            members.append(len(self.indicators))
            self.indicator(ind, dpath + ("indicators", j), w * scale, sweight, dim.id)
        whole = Fraction(share) * scale * sweight / 100
        self.dimensions.append(Group(dim.id, dim.title or dim.id, exact(whole),
                                     tuple(members), sid, implicit, share, whole))

    def indicator(self, ind: Indicator, path: Path, local: Fraction, sweight: Fraction,
                  dim: str) -> None:
        """An indicator weighing ``local`` percent of its section, exact."""
        rule = ind.the_rule
        full = full_marks(ind)
        if full <= 0:  # refused by the bad-full-marks check
            full = HUNDRED
        floor: Decimal | None = None if ind.floor == "none" else ind.floor
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
        self.exact.append((local, sweight))
        self.indicators.append(CompiledIndicator(ind, path, rule, spec,
                                                 exact(local * sweight / 100), exact(local),
                                                 exact(sweight), dim, ZERO, None))

    def factors(self) -> tuple[Decimal, list[Decimal]]:
        """Contribution = points × weight × section weight × scale / (full × 100 × 100),
        the weights exact fractions (a dimension's weight shared by n, or normalised by
        100/105). Put every indicator over one integer denominator so sums divide once
        and stay exact."""
        ratios = [local * sweight * Fraction(self.scheme.scale) / (Fraction(ci.spec.full) * 10000)
                  for ci, (local, sweight) in zip(self.indicators, self.exact, strict=True)]
        denominator = 1
        for r in ratios:
            denominator = math.lcm(denominator, r.denominator)
        return Decimal(denominator), [Decimal(r.numerator * (denominator // r.denominator))
                                      for r in ratios]

    def parse(self, text: str | None, path: Path, known: set[str] | None = None) -> Node | None:
        """The parsed formula at ``path`` (``path + ("formula",)``), None when there is none
        or it does not parse (recorded for the check), or names something not ``known``."""
        if text is None:
            return None
        node = self.parsed.get(text)
        if node is None:
            node = self.parsed[text] = parse(text, self.limits)
        if isinstance(node, FormulaError):
            self.unparsed.append(Unparsed(path + ("formula",), text, node))
            return None
        if known is not None and not node.names() <= known:
            return None
        return node

    def pay_lines(self, known: set[str]) -> tuple[tuple[PayLine, Node | None], ...]:
        s = self.scheme
        names = set(known) | {"total", "grade_coefficient", "passed"}
        out: list[tuple[PayLine, Node | None]] = []
        lines: list[tuple[PayLine, Path]] = []
        if s.pay is not None:
            lines.append((PayLine(id="pay", title=s.pay.title, formula=s.pay.formula,
                                  precision=s.pay.precision, min=s.pay.min, max=s.pay.max),
                          ("pay",)))
            lines += [(line, ("pay_lines", k)) for k, line in enumerate(s.pay_lines)]
        for line, path in lines:
            out.append((line, self.parse(line.formula, path, names)))
            names.add(line.id)
        return tuple(out)

    def fields(self, indicators: list[CompiledIndicator]) -> tuple[Field, ...]:
        out: list[Field] = []
        for ci in indicators:
            ind = ci.ind
            if ind.formula is not None or ind.survey is not None:
                continue
            out.append(Field(
                ci.id, f"{ind.label} ({ind.id})" if ind.title else ind.id,
                _headers(ind.column, ind.id, ind.title), not ci.rule.reads_labels,
                ci.spec.lowest, ci.spec.highest,
                None if ind.if_missing == "error" else ind.if_missing,
                rating=ci.rule.is_rating and ind.min_value is None and ind.max_value is None))
        for inp in self.scheme.inputs:
            out.append(Field(inp.id, f"{inp.title} ({inp.id})" if inp.title else inp.id,
                             _headers(inp.column, inp.id, inp.title), True,
                             inp.min_value, inp.max_value))
        for sv in self.scheme.vetoes:
            if sv.column is not None:
                out.append(Field(f"veto:{sv.id}", sv.title or sv.id, (sv.column,), True))
        return tuple(out)

    def rated(self, indicators: list[CompiledIndicator]) -> frozenset[str]:
        r = self.scheme.raters
        if r is None:
            return frozenset()
        readable = [ci.id for ci in indicators if ci.ind.formula is None and ci.ind.survey is None]
        if r.rated is None:
            return frozenset(readable)
        groups = {g.id: g for g in self.sections + self.dimensions}
        out: set[str] = set()
        for ident in r.rated:
            if ident in groups:
                out |= {indicators[i].id for i in groups[ident].members} & set(readable)
            elif ident in readable:
                out.add(ident)
        return frozenset(out)


def _headers(column: str | None, ident: str, title: str | None) -> tuple[str, ...]:
    if column:
        return (column,)
    return (ident, title) if title else (ident,)


def _order(indicators: list[CompiledIndicator]) -> tuple[tuple[int, ...], tuple[Path, ...]]:
    """Computed indicators, each after the computed actuals it uses; and the formulas
    caught in a cycle. A depth-first walk with its own stack: a chain of thousands of
    formulas, each using the one before, must not exhaust Python's."""
    deps = {k: ci.formula.names() for k, ci in enumerate(indicators) if ci.formula is not None}
    by_id = {indicators[k].id: k for k in deps}
    order: list[int] = []
    cycles: list[Path] = []
    done: set[int] = set()
    visiting: set[int] = set()

    # each frame: an indicator and the names of its formula still to visit
    stack: list[tuple[int, Iterator[str]]] = []

    def enter(k: int) -> None:
        if k in done:
            return
        if k in visiting or indicators[k].id in deps[k]:
            path = indicators[k].path + ("formula",)
            if path not in cycles:
                cycles.append(path)
            if k in visiting:
                return
        visiting.add(k)
        stack.append((k, iter(sorted(deps[k]))))

    for root in deps:
        enter(root)
        while stack:
            k, names = stack[-1]
            name = next(names, None)
            if name is None:
                stack.pop()
                visiting.discard(k)
                done.add(k)
                order.append(k)
            elif name in by_id and by_id[name] != k:
                enter(by_id[name])
    return tuple(order), tuple(cycles)
