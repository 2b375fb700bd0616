"""One person's score, step by step: the trace behind ``kpiscore explain``.

The chain DOMAIN.md describes — dimension → indicator → rule → arithmetic →
contribution → total → veto → grade → pay — rebuilt from the engine's own
:class:`~kpiscore.score.results.PersonResult` and the compiled scheme, never by
scoring a second way. A :class:`Trace` reads the two side by side: ``to_dict()`` is
the ``--format json`` document, :func:`outline` the labelled tree the terminal
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
from kpiscore.base.numbers import HUNDRED, ZERO, normalise_text, plain, readable, round_half_up
from kpiscore.io.table import Table
from kpiscore.outputs.records import (
    FORMAT_VERSION,
    _fixed,
    _short,
    calibrated_dict,
    error_dict,
    group_dict,
    rank_dict,
)
from kpiscore.scheme.compile import CompiledIndicator, CompiledScheme, Group
from kpiscore.scheme.describe import departure_lines
from kpiscore.score.binding import Binding
from kpiscore.score.results import (
    GroupResult,
    IndicatorResult,
    PayLineResult,
    PersonResult,
    Report,
)
from kpiscore.score.scorer import Scorer

if TYPE_CHECKING:
    from kpiscore.scheme.load import LoadedScheme
    from kpiscore.scheme.models import Grade


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
                                      row.percent.__contains__, errors=found.errors)
            return Subject(scorer, binding, row.number, list(row.values), src.where,
                           frozenset(row.percent), table.source, result)
    raise PersonNotFound(t("msg.no_person", DEFAULT, id=person, file=table.source))


# -- the trace -------------------------------------------------------------------------


@dataclass
class Trace:
    """One person's result beside the scheme that scored it, with what the result does
    not say itself: ``to_dict()`` is the ``--format json`` document."""

    compiled: CompiledScheme
    result: PersonResult
    source: str
    subtotal: Decimal | None  # the weighted sum before any veto
    grade_by: str | None  # "band", "last" or "veto"
    band: Grade | None  # the grade band of the total (a forced distribution may grade otherwise)
    pay_values: dict[str, Decimal]  # the values the pay formula reads

    @property
    def total(self) -> Decimal | None:
        return self.result.total

    @property
    def grade(self) -> str | None:
        return self.result.grade

    def num(self, value: Decimal) -> str:
        """An intermediate number: exact when short, else rounded for reading."""
        return readable(value, self.compiled.scheme.precision)

    def fixed(self, value: Decimal) -> str:
        """A result number (contribution, total) as the outputs show it."""
        return str(round_half_up(value, self.compiled.scheme.precision))

    def dimensions(self, section: str | None = None) -> list[tuple[Group, GroupResult]]:
        """The dimensions (of ``section``, if given) with their results."""
        pairs = zip(self.compiled.dimensions, self.result.dimensions, strict=True)
        return [(g, r) for g, r in pairs if section is None or g.section == section]

    def groups(self) -> list[tuple[Group, GroupResult]]:
        """The sections, or the dimensions when there are none."""
        if not self.compiled.has_sections:
            return self.dimensions()
        return list(zip(self.compiled.sections, self.result.sections, strict=True))

    def members(self, group: Group) -> list[tuple[CompiledIndicator, IndicatorResult]]:
        return [(self.compiled.indicators[k], self.result.indicators[k]) for k in group.members]

    def indicators(self) -> list[IndicatorResult]:
        return self.result.indicators

    def implicit_only(self) -> bool:
        """A scheme written with ``indicators:`` only: its one dimension is not shown."""
        return not self.compiled.has_sections and all(g.implicit for g in self.compiled.dimensions)

    def pay_lines(self) -> list[tuple[PayLineResult, str]]:
        """The further pay lines with their formulas."""
        formulas = {line.id: line.formula for line in self.compiled.scheme.pay_lines or []}
        return [(line, formulas[line.id]) for line in self.result.pay_lines or []
                if line.id in formulas]

    def who(self) -> str:
        r = self.result
        who = " ".join(p for p in (r.id, r.name) if p) or f"row {r.row}"
        return f"{who} · {r.department}" if r.department else who

    def to_dict(self) -> dict[str, Any]:
        s, r, p = self.compiled.scheme, self.result, self.compiled.scheme.precision

        def indicator(ci: CompiledIndicator, i: IndicatorResult) -> dict[str, Any]:
            return {"id": i.id, "title": i.title, "actual": _short(i.actual, p),
                    "unit": ci.ind.unit, "target": _short(i.target, p), "better": ci.ind.better,
                    "formula": ci.ind.formula, "rule": ci.rule.kind,
                    "scoring": str(ci.rule.summary(p)),
                    "arithmetic": "" if i.step is None else str(i.step),
                    "points": _fixed(i.points, p), "full_marks": _short(i.full_marks, p),
                    "weight": _short(i.weight, p), "contribution": _fixed(i.contribution, p),
                    "explanation": i.explanation}

        doc: dict[str, Any] = {
            "kpiscore": FORMAT_VERSION,
            "scheme": {"id": s.id, "title": s.title},
            "source": self.source,
            "person": {"row": r.row, "id": r.id, "name": r.name, "department": r.department},
            "status": r.status,
            "errors": [error_dict(e) for e in r.errors],
        }
        if self.compiled.has_sections:
            doc["sections"] = [{**group_dict(gr, p), "dimensions": [d.id for d, _ in
                                                                    self.dimensions(g.id)]}
                               for g, gr in self.groups()]
        doc["dimensions"] = [{**group_dict(gr, p), "indicators": [indicator(ci, i) for ci, i
                                                                  in self.members(g)]}
                             for g, gr in self.dimensions()]
        doc["subtotal"] = _fixed(self.subtotal, p)
        doc["total"] = _fixed(r.total, p)
        doc["veto"] = None if not r.vetoes else {
            "outcome": "zero" if any(v.outcome == "zero" for v in r.vetoes) else "lowest_grade",
            "fired": [{"id": v.id, "title": v.title, "condition": v.condition,
                       "actual": _short(v.actual, p), "reason": v.reason,
                       **({"rater": v.rater} if v.rater else {})} for v in r.vetoes]}
        c = r.calibration
        banded = c.banded if c is not None and c.banded is not None else r.grade
        doc["grade"] = None if banded is None else {
            "name": banded, "min": None if self.band is None else _short(self.band.min, p),
            "by": self.grade_by}
        doc["pay"] = None if s.pay is None else {
            "formula": s.pay.formula,
            "values": {k: _short(v, p) for k, v in self.pay_values.items()},
            "pay": _fixed(r.pay, s.pay.precision)}
        if s.distribution is not None and r.quota_grade is not None:
            doc["distribution"] = {"mode": s.distribution.mode,
                                   "band": None if self.band is None else self.band.name,
                                   "quota_grade": c.quota if c is not None else r.quota_grade}
        if c is not None:
            doc["calibration"] = calibrated_dict(c)
        if s.pass_mark is not None:
            doc["pass"] = {"mark": _short(s.pass_mark, p), "passed": r.passed}
        if r.rank is not None:
            doc["rank"] = rank_dict(r.rank)
        if self.pay_lines():
            doc["pay_lines"] = [{"id": line.id, "title": line.title, "formula": formula,
                                 "amount": _fixed(line.amount, line.precision),
                                 "capped": line.capped} for line, formula in self.pay_lines()]
        if r.raters is not None:
            doc["raters"] = [{"id": role.id, "title": role.title,
                              "weight": _short(role.weight, p),
                              "applied_weight": _short(role.applied_weight, p),
                              "total": _fixed(role.total, p),
                              "contribution": _fixed(role.contribution, p),
                              "ratings": [{"source": g.source, "row": g.row, "period": g.period,
                                           "total": _fixed(g.total, p),
                                           "indicators": [{"id": i, "actual": _short(a, p),
                                                           "points": _fixed(pts, p),
                                                           **({"dropped": True}
                                                              if i in g.dropped else {})}
                                                          for i, a, pts in g.indicators]}
                                          for g in role.ratings]}
                             for role in r.raters.roles]
        if r.periods:
            doc["periods"] = [{"period": e.period, "source": e.source,
                               "total": _fixed(e.total, p),
                               **({} if e.weight is None else {"weight": _short(e.weight, p)})}
                              for e in r.periods]
        if self.compiled.departures:
            doc["not_on_card"] = [d.to_dict() for d in self.compiled.departures]
        return doc


def build_trace(compiled: CompiledScheme, result: PersonResult, source: str = "") -> Trace:
    """The trace of ``result``, which ``compiled`` produced."""
    s = compiled.scheme
    groups = result.sections if compiled.has_sections else result.dimensions
    parts = [g.contribution for g in groups if g.contribution is not None]
    subtotal = sum(parts, ZERO) if len(parts) == len(groups) else None
    if result.total is not None and not result.vetoes:
        subtotal = result.total
    band = grade_by = None
    if result.grade is not None and result.total is not None:
        grade_by = "veto"
        if not result.vetoes:
            total = result.total
            band = next((g for g in s.grades if g.min is None or total >= g.min), s.grades[-1])
            grade_by = "band" if band.min is not None else "last"
    pay_values: dict[str, Decimal] = {}
    pay_formula = compiled.pay_lines[0][1] if s.pay is not None else None
    if pay_formula is not None:
        actuals = {i.id: i.actual for i in result.indicators if isinstance(i.actual, Decimal)}
        known = {**actuals, **result.env, "total": result.total}
        for name in sorted(pay_formula.names()):
            value = known.get(name)
            if value is not None:
                pay_values[name] = value
    return Trace(compiled, result, source, subtotal, grade_by, band, pay_values)


def trace_person(subject: Subject) -> Trace:
    """The trace of one row scored on its own (see :func:`explain_person` for the trace
    of what ``kpiscore evaluate`` reports)."""
    return build_trace(subject.compiled, subject.result, subject.source)


def same_id(ident: str) -> str:
    """An id as a person types it for ``--id``: case, width and white space aside."""
    return "".join(normalise_text(str(ident)).casefold().split())


def explain_person(loaded: LoadedScheme, report: Report, person: str) -> Trace:
    """The trace of ``person`` in ``report`` (``loaded`` scored it): exactly what
    ``kpiscore evaluate`` says, raters, periods, surveys, ranks and forced distribution
    included. Raises :class:`PersonNotFound`."""
    wanted = same_id(person)  # the first, if repeated
    result = next((r for r in report.results if r.id is not None and same_id(r.id) == wanted),
                  None)
    if result is None:
        raise PersonNotFound(t("msg.no_person", DEFAULT, id=person, file=report.source))
    return build_trace(loaded.compiled, result, report.source)


# -- the outline: labelled lines in a tree ---------------------------------------------


@dataclass
class Node:
    """A line of the explanation and the lines below it; ``kind`` says what it is
    (person, section, dimension, indicator, rule, formula, arithmetic,
    contribution, total, veto, vetoed, grade, rank, pay, periods, period, raters,
    rater, rating, error, not_on_card) for renderers to style."""

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
    """``39.08 + 29.19 − 2.00``: the parts of a total, each after its sign."""
    signed = (f" − {v[1:]}" if v.startswith("-") else f" + {v}" for v in values[1:])
    return "".join([*values[:1], *signed])


def outline(trace: Trace, lang: str = DEFAULT) -> Node:
    """The trace as a tree of labelled lines in ``lang``."""
    s, r, p = trace.compiled.scheme, trace.result, trace.compiled.scheme.precision

    def say(key: str, **fields: object) -> str:
        return t(key, lang, **fields)

    root = Node("person", say("explain.person", who=trace.who(), scheme=f"{s.title} ({s.id})"))

    def add(kind: str, label: str, children: list[Node] | None = None) -> None:
        root.children.append(Node(kind, label, children or []))

    scale = "" if s.scale == HUNDRED else say("explain.of_scale", scale=plain(s.scale))

    def indicator(ci: CompiledIndicator, i: IndicatorResult) -> Node:
        unit = ci.ind.unit
        actual = _with_unit(i.actual, unit, trace, lang)
        if i.points is None:
            label = say("explain.indicator.unscored", title=i.title, id=i.id, actual=actual)
        else:
            label = say("explain.indicator", title=i.title, id=i.id, actual=actual,
                        points=trace.num(i.points), full=trace.num(i.full_marks))
        target = "" if i.target is None else say(
            "explain.rule.target", target=_with_unit(i.target, unit, trace, lang),
            better=say(f"explain.better.{ci.ind.better}"))
        node = Node("indicator", label, [
            Node("rule", say("explain.rule", summary=str(ci.rule.summary(p)), target=target))])
        if ci.ind.formula:
            node.children.append(Node("formula", say("explain.formula", formula=ci.ind.formula)))
        if i.survey is not None:
            node.children.append(Node("formula", str(i.survey.describe())))
        arithmetic = "" if i.step is None else str(i.step)
        if arithmetic:
            node.children.append(Node("arithmetic", arithmetic))
        if i.points is not None and i.contribution is not None:
            weight = plain(round_half_up(ci.local_weight, p + 2))
            if ci.section_weight != HUNDRED:
                weight += f"% × {plain(ci.section_weight)}"
            node.children.append(Node("contribution", say(
                "explain.contribution", points=trace.num(i.points), full=trace.num(i.full_marks),
                weight=weight, scale=scale, contribution=trace.fixed(i.contribution))))
        return node

    def group(kind: str, g: Group, gr: GroupResult, **fields: str) -> Node:
        score = gr.score()
        if score is None or gr.contribution is None:
            return Node(kind, say("explain.dimension.unscored", title=g.title, id=g.id,
                                  weight=plain(gr.weight)))
        return Node(kind, say(f"explain.{kind}", title=g.title, id=g.id, score=trace.num(score),
                              weight=plain(gr.weight), scale="",
                              contribution=trace.fixed(gr.contribution), **fields))

    def dimension(g: Group, gr: GroupResult) -> list[Node]:
        below = [indicator(ci, i) for ci, i in trace.members(g)]
        if g.implicit:
            return below
        equal = len({ci.local_weight for ci, _ in trace.members(g)}) <= 1
        node = group("dimension", g, gr, mean=say("explain.mean" if equal
                                                  else "explain.weighted_mean"))
        node.children = below
        return [node]

    for g, gr in trace.groups():
        if trace.compiled.has_sections:
            node = group("section", g, gr)
            for d, dr in trace.dimensions(g.id):
                node.children += dimension(d, dr)
            root.children.append(node)
        else:
            root.children += dimension(g, gr)

    if r.periods:
        add("periods", say("explain.periods"), [
            Node("period", say("explain.period", period=e.period, source=e.source,
                               total="—" if e.total is None else trace.fixed(e.total))
                 if e.weight is None else
                 say("explain.period.weighted", period=e.period, source=e.source,
                     total="—" if e.total is None else trace.fixed(e.total),
                     weight=plain(round_half_up(e.weight, p + 2))))
            for e in r.periods])
    if r.raters is not None:
        raters = []
        titles = {ci.id: ci.ind.label for ci in trace.compiled.indicators}
        kinds = {k.id: k for k in (s.raters.roles if s.raters is not None else [])}
        for role in r.raters.roles:
            if not role.ratings:
                label = say("explain.rater.missing", title=role.title, id=role.id)
            elif role.total is None or role.applied_weight is None:
                label = say("explain.rater.uncombined", title=role.title, id=role.id,
                            total="—" if role.total is None else trace.fixed(role.total))
            else:
                label = say("explain.rater", title=role.title, id=role.id,
                            total=trace.fixed(role.total),
                            weight=plain(round_half_up(role.applied_weight, p + 2)),
                            contribution=trace.fixed(role.total * role.applied_weight / HUNDRED))
            if role.id in kinds and kinds[role.id].drop_extremes:
                label += say("explain.rater.drops")
            ratings = [Node("rating", say(
                "explain.rating", source=g.source, row=g.row,
                period=f" ({g.period})" if g.period else "",
                total="—" if g.total is None else trace.fixed(g.total)), [
                Node("rating", say("explain.rating.dropped" if i in g.dropped else
                                   "explain.rating.indicator", title=titles.get(i, i), id=i,
                                   actual="—" if a is None else _with_unit(
                                       a, trace.compiled.indicator(i).ind.unit, trace, lang),
                                   points="—" if pts is None else trace.num(pts)))
                for i, a, pts in g.indicators]) for g in role.ratings]
            raters.append(Node("rater", label, ratings))
        add("raters", say("explain.raters"), raters)
    if r.errors:
        add("error", say("explain.errors"), [Node("error", str(e)) for e in r.errors])

    # total
    if trace.implicit_only():
        parts = [i.contribution for i in trace.indicators()]
    else:
        parts = [gr.contribution for _, gr in trace.groups()]
    subtotal = trace.subtotal
    if subtotal is None or any(part is None for part in parts):
        add("total", say("explain.total.none"))
    else:
        shown = _signed_sum([trace.fixed(part) for part in parts if part is not None])
        if r.total is not None and r.vetoes and r.total != subtotal:
            add("total", say("explain.total.vetoed", parts=shown, total=trace.fixed(subtotal),
                             zero=trace.fixed(r.total)))
        elif subtotal != round_half_up(subtotal, p):
            add("total", say("explain.total", parts=shown, total=trace.fixed(subtotal))
                + say("explain.total.exact", exact=_exact(subtotal, p)))
        else:
            add("total", say("explain.total", parts=shown, total=trace.fixed(subtotal)))

    # veto
    if not r.vetoes:
        add("veto", say("explain.veto.none"))
    for v in r.vetoes:
        add("vetoed", say("explain.veto.fired", reason=v.reason,
                          outcome=say(f"explain.outcome.{v.outcome}"))
            + (say("explain.veto.by", rater=v.rater) if v.rater else ""))

    # grade
    if not s.grades:
        add("grade", say("explain.grade.none"))
    elif r.grade is not None and r.total is not None:
        total = trace.num(r.total)
        c = r.calibration  # the grades before a calibration move, then the move
        grade = c.banded if c is not None and c.banded is not None else r.grade
        quota_grade = c.quota if c is not None else r.quota_grade
        mins = [g.min for g in s.grades if g.min is not None]
        if trace.grade_by == "veto":
            label = say("explain.grade.veto", grade=grade)
        elif trace.band is not None and trace.band.min is not None:
            label = say("explain.grade", total=total, op="≥", bound=plain(trace.band.min),
                        grade=grade)
        elif mins:
            label = say("explain.grade", total=total, op="<", bound=plain(min(mins)),
                        grade=grade)
        else:
            label = say("explain.grade.last", total=total, grade=grade)
        if s.distribution is not None and quota_grade is not None and trace.band is not None:
            label = label.replace(f"→ {grade}", f"→ {trace.band.name}")
            quota = "quota" if s.distribution.mode == "enforce" else "advisory"
            label += say(f"explain.grade.{quota}", grade=quota_grade)
        if c is not None:
            by = say("explain.calibrated.by", by=c.by) if c.by else ""
            label += say("explain.calibrated", grade=c.after, reason=c.reason, by=by,
                         where=c.where)
        add("grade", label)
    if s.pass_mark is not None and r.passed is not None and r.total is not None:
        key = "yes" if r.passed else "veto" if r.vetoes else "no"
        add("grade", say(f"explain.pass.{key}", total=trace.num(r.total),
                         mark=plain(s.pass_mark)))
    if r.rank is not None:
        label = say("explain.rank", rank=r.rank.overall, of=r.rank.of)
        if r.rank.department is not None:
            label += say("explain.rank.department", rank=r.rank.department,
                         of=r.rank.department_of)
        add("rank", label)

    # pay
    if s.pay is None:
        add("pay", say("explain.pay.none"))
    elif r.pay is not None:
        values = ", ".join(f"{k} = {trace.num(v)}" for k, v in trace.pay_values.items())
        add("pay", say("explain.pay", formula=s.pay.formula,
                       pay=str(round_half_up(r.pay, s.pay.precision)),
                       values=say("explain.pay.values", values=values) if values else ""))
    for line, formula in trace.pay_lines():
        amount = "—" if line.amount is None else str(round_half_up(line.amount, line.precision))
        label = say("explain.pay_line", title=line.title, formula=formula, amount=amount)
        if line.capped:
            label += say("explain.capped", cap=line.capped)
        add("pay", label)
    notes = departure_lines(trace.compiled.departures, lang)
    if notes:
        add("not_on_card", notes[0], [Node("not_on_card", n.strip()) for n in notes[1:]])
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
