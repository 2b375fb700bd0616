"""Raters (001 客服主管, 003 奖金系数): each rater scores the card; the totals are weighted.

A scheme's ``raters`` names the kinds of rater (self 30%, supervisor 70%; peers,
customers …, any number of each with ``multiple``). The actuals give

- **rows**: a rater column (``评价人``), one row per person and rater; or
- **columns**: one row per person, each rated column once per rater, its
  header suffixed with the rater: ``以客户为中心(自评)``, ``以客户为中心-上级``
  (several raters of one kind: ``态度(同事1)``, ``态度(同事2)``).

Only the ``rated`` indicators are read per rater; the others (objective
actuals, inputs, veto flags) are given once and shared: on any of the
person's rows (two rows giving different values is an error naming both
cells), or in their plain column.

Every rater's rating is scored on its own. Several raters of one kind are
averaged into that kind's points; the combined points of each indicator are
the weighted mean of the kinds' points, so the combined total is the weighted
mean of the kinds' totals: self 95, supervisor 80 at 30/70 → 84.50. A kind
with no rating is an error, or with ``missing: reweight`` the weights of the
kinds present are scaled up to 100 (and the output says so).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from kpiscore.base.i18n import Joined, Phrase, Text
from kpiscore.base.numbers import HUNDRED, ZERO, normalise_text, round_half_up
from kpiscore.io.cells import BadValue, is_blank, read_number
from kpiscore.io.table import header_key, header_variants
from kpiscore.scheme.compile import CompiledScheme
from kpiscore.scheme.models import Rater, Raters
from kpiscore.score.binding import Binding
from kpiscore.score.people import Source
from kpiscore.score.results import (
    RatersResult,
    RatingResult,
    RoleResult,
    RowError,
    Scored,
    VetoResult,
)
from kpiscore.score.scorer import NO_ACTUAL, Injection, Reading, Scorer, row_label

_SUFFIX = re.compile(r"^(?P<base>.+?)\s*(?:[(\[【（](?P<in>[^()\[\]【】（）]+)[)\]】）]"
                     r"|[-_@·:：]\s*(?P<after>[^-_@·:：]+))\s*$")

TWICE = Phrase("{label} is given twice with different values ({first} and {second}); a shared "
               "actual is given once",
               "{label} 给了两次且数值不同({first} 和 {second});共用的实际值只给一次")
MISSING = Phrase("no rating by {names} (raters: {raters}); set raters.missing: reweight to "
                 "combine the raters present",
                 "缺少 {names} 的评分(评价人:{raters});可设置 "
                 "raters.missing: reweight 按在场的评价人合计")
ROLE_ONE = Phrase("{title} {actual} → {points}", "{title} {actual} → {points}")
ROLE_MANY = Phrase("{title} ×{count} ({each}) mean {points}",
                   "{title} ×{count}({each})平均 {points}")
ROLE_DROPPED = Phrase("{title} ×{count} ({each}) less the highest {high} and the lowest {low}: "
                      "mean {points}",
                      "{title} ×{count}({each})去掉最高 {high}、最低 {low} 后平均 {points}")
FEWER = Phrase("{count} rating(s) by {rater}, fewer than its min_raters {min}",
               "{rater} 只有 {count} 个评分,少于 min_raters {min}")
NO_DROP = Phrase("{count} rating(s) by {rater}: drop_extremes drops the highest and the lowest "
                 "and needs at least 3",
                 "{rater} 只有 {count} 个评分:drop_extremes 去掉最高分和最低分,至少需要 3 个")
NOT_COMBINED_FEW = Phrase("not combined: too few ratings by {names}",
                          "未合计:{names} 的评分太少")
SHARE = Phrase("{weight}% × {points}", "{weight}% × {points}")
COMBINED = Phrase("{roles}: {mix} = {points} → {points}", "{roles}:{mix} = {points} → {points}")
ROLE = Phrase("{title} {weight}%", "{title} {weight}%")
NOT_COMBINED = Phrase("not combined: no rating by {names}", "未合计:缺少 {names} 的评分")
BY = Phrase("{rater}'s rating", "{rater}的评分")


class RoleNames:
    """Recognise a rater kind from the text of a rater cell or a header suffix."""

    def __init__(self, raters: Raters) -> None:
        self.raters = raters
        self.names: dict[str, int] = {}
        for k, role in enumerate(raters.roles):
            for name in [role.id, role.title or role.id, *role.names]:
                self.names.setdefault(header_key(name), k)

    def find(self, text: str, numbered: bool = False) -> tuple[int, str] | None:
        """The kind ``text`` names and the rater's number within it (``同事2`` → "2")."""
        key = header_key(text)
        if key in self.names:
            return self.names[key], ""
        m = re.match(r"^(.*?)(\d+)$", key)
        if numbered and m and m.group(1) in self.names:
            k = self.names[m.group(1)]
            if self.raters.roles[k].multiple:
                return k, m.group(2)
        return None

    def known(self) -> str:
        return ", ".join(r.title or r.id for r in self.raters.roles)


def suffixed_columns(compiled: CompiledScheme, header: Sequence[Any],
                     names: RoleNames) -> dict[tuple[int, str], dict[str, int]]:
    """Rated columns written once per rater: ``{(kind, number): {field key: column}}``."""
    rated = [f for f in compiled.fields if f.key in compiled.rated]
    bases = {header_key(h): f.key for f in rated for h in f.headers}
    out: dict[tuple[int, str], dict[str, int]] = {}
    for i, h in enumerate(header):
        if is_blank(h):
            continue
        for base, suffix in _splits(normalise_text(str(h))):
            # the base as people write it (服务细致) or as a template does (服务细致 (detail))
            key = bases.get(header_key(base)) or next(
                (bases[v] for v in sorted(header_variants(base)) if v in bases), None)
            who = names.find(suffix, numbered=True)
            if key is not None and who is not None:
                out.setdefault(who, {}).setdefault(key, i)
                break
    return out


def _splits(text: str) -> list[tuple[str, str]]:
    """The ways a header may be a base and a rater suffix: ``态度(自评)`` (the last bracket
    group), ``态度-自评`` (after the last separator); an id's own ``_`` is no separator
    when the bracket reading fits."""
    out = []
    m = _SUFFIX.match(text)
    if m:
        out.append((m.group("base"), m.group("in") or m.group("after") or ""))
    bracket = re.match(r"^(?P<base>.+)[(\[【（](?P<in>[^()\[\]【】（）]+)[)\]】）]\s*$", text)
    if bracket:
        out.append((bracket.group("base").strip(), bracket.group("in")))
    after = re.match(r"^(?P<base>.+)[-_@·:：]\s*(?P<after>[^-_@·:：]+?)\s*$", text)
    if after:
        out.append((after.group("base").strip(), after.group("after")))
    return out


@dataclass
class Cell:
    """A cell of a virtual row: its value, where it is, and its percent format."""

    value: Any
    where: str
    percent: bool = False

    @classmethod
    def of(cls, source: Source, col: int | None) -> Cell:
        return cls(source.cell(col), source.where(col or 0),
                   col is not None and col in source.row.percent)


@dataclass
class VirtualRow:
    """One rater's row for one person, assembled from one or more real rows."""

    cells: list[Cell]
    columns: dict[str, int]
    problems: list[RowError]
    row: int

    def read(self, scorer: Scorer, injected: Mapping[str, Injection] | None) -> Reading:
        binding = Binding(dict(self.columns), 0, 1, 2, list(self.problems))
        cells = self.cells
        percent = {i for i, c in enumerate(cells) if c.percent}
        return scorer.read(binding, self.row, [c.value for c in cells],
                           lambda i: cells[i].where, percent.__contains__, injected)


def same_value(a: Cell, b: Cell, numeric: bool) -> bool:
    """Whether two cells give the same value (``95%`` and 0.95 formatted as a percent do)."""
    if numeric:
        try:
            return read_number(a.value, a.percent) == read_number(b.value, b.percent)
        except BadValue:
            pass
    return normalise_text(str(a.value)) == normalise_text(str(b.value))


def virtual_row(compiled: CompiledScheme, binding: Binding, own: Source, rows: Sequence[Source],
                rated_cols: dict[str, int] | None, errors: list[RowError]) -> VirtualRow:
    """A rater's row: rated values from ``own`` (its row, or with ``rated_cols`` its
    suffixed columns), shared values from whichever of ``rows`` gives them."""
    cells = [Cell.of(own, binding.id_col)]
    for col in (binding.name_col, binding.dept_col):
        found = next((Cell.of(r, col) for r in rows if col is not None
                      and not is_blank(r.cell(col))), Cell.of(own, col))
        cells.append(found if col is not None else Cell(None, ""))
    columns: dict[str, int] = {}
    for f in compiled.fields:
        rated = f.key in compiled.rated
        col = (rated_cols if rated and rated_cols is not None else binding.columns).get(f.key)
        if col is None:
            continue
        given = [] if rated else [Cell.of(r, col) for r in rows if not is_blank(r.cell(col))]
        chosen = given[0] if given else Cell.of(own, col)
        for other in given[1:]:
            if not same_value(given[0], other, f.numeric):
                errors.append(RowError(other.where, TWICE(label=f.label, first=given[0].where,
                                                          second=other.where), f.key))
                break
        columns[f.key] = len(cells)
        cells.append(chosen)
    return VirtualRow(cells, columns, list(binding.problems), own.number)


# -- combining ---------------------------------------------------------------------------


@dataclass
class Part:
    """One rating: a rater's reading of a person in one period, scored."""

    role: int
    reading: Reading
    scored: list[Scored]
    source: str
    row: int
    period: str | None
    vetoes: list[VetoResult]
    #: the indicators (by index) whose points were dropped as the kind's highest or lowest
    dropped: set[int] = field(default_factory=set)

    @property
    def points(self) -> list[Decimal | None]:
        return [s.points for s in self.scored]


def rate(scorer: Scorer, role: int, row: VirtualRow, injected: dict[str, Injection] | None,
         source: str, period: str | None) -> Part:
    """One rater's rating of a person, scored, with the vetoes it fires."""
    reading = row.read(scorer, injected)
    return Part(role, reading, scorer.score(reading), source, row.row, period,
                scorer.vetoes(reading.values, row_label(row.row), reading.result.errors))


def rater_vetoes(compiled: CompiledScheme, parts: Sequence[Part]) -> list[VetoResult]:
    """The vetoes the ratings of one person and period fire, each once; a veto on a
    rated indicator says whose rating fired it (a shared value fires it for all)."""
    raters = compiled.scheme.raters
    assert raters is not None
    out: dict[str, VetoResult] = {}
    whose: dict[str, list[str]] = {}
    for p in parts:
        for v in p.vetoes:
            out.setdefault(v.id, v)
            if v.id in compiled.rated:
                role = raters.roles[p.role]
                names = whose.setdefault(v.id, [])
                if (role.title or role.id) not in names:
                    names.append(role.title or role.id)
    return [replace(v, rater="、".join(whose[v.id])) if v.id in whose else v
            for v in out.values()]


def mean(values: Sequence[Decimal | None]) -> Decimal | None:
    """The mean of ``values`` (None if any is None, or there are none), summed in sorted
    order so that it does not depend on the order of the rows."""
    known = [v for v in values if v is not None]
    if not known or len(known) < len(values):
        return None
    return sum(sorted(known), ZERO) / len(known)


def trimmed_mean(values: Sequence[Decimal | None]) -> Decimal | None:
    """去掉一个最高分、一个最低分: the exact mean of ``values`` less one highest and one
    lowest (None if any is None, or there are fewer than 3)."""
    known = [v for v in values if v is not None]
    if len(known) < 3 or len(known) < len(values):
        return None
    kept = sorted(known)[1:-1]
    return sum(kept, ZERO) / len(kept)


def _extremes(parts: Sequence[Part], i: int) -> tuple[Part, Part] | None:
    """The ratings whose points on indicator ``i`` are dropped: a lowest and a highest
    (of ties, the first and the last by file and row, so the choice is the input's)."""
    if len(parts) < 3 or any(p.scored[i].points is None for p in parts):
        return None
    ordered = sorted(parts, key=lambda p: (p.scored[i].points, p.source, p.row))
    return ordered[0], ordered[-1]


def kind_points(role: Rater, parts: Sequence[Part], i: int) -> Decimal | None:
    """A kind's points on indicator ``i``: the mean of its ratings, or with
    ``drop_extremes`` the mean less the highest and the lowest."""
    points = [p.scored[i].points for p in parts]
    return trimmed_mean(points) if role.drop_extremes else mean(points)


@dataclass
class Combined:
    """Raters combined for one person and period."""

    scored: list[Scored]
    role_points: dict[int, list[Decimal | None]]  # kind → each indicator's mean points
    applied: dict[int, Decimal]  # kind → weight used, percent
    missing: list[int]
    errors: list[RowError]


def combine(compiled: CompiledScheme, parts: Sequence[Part], where: str) -> Combined:
    """Weigh the ratings of one person in one period into each indicator's points;
    ``where`` names the person (for a missing rater)."""
    raters = compiled.scheme.raters
    assert raters is not None
    roles = raters.roles
    by_role: dict[int, list[Part]] = {}
    for p in parts:
        by_role.setdefault(p.role, []).append(p)
    missing = [k for k in range(len(roles)) if k not in by_role]
    errors: list[RowError] = []
    present = [k for k in range(len(roles)) if k in by_role]
    if missing and (raters.missing == "error" or not present):
        errors.append(RowError(where, MISSING(
            names=", ".join(roles[k].title or roles[k].id for k in missing),
            raters=Joined(tuple(ROLE(title=r.title or r.id, weight=r.weight) for r in roles),
                          ", ")), None))
    few: list[int] = []
    for k in present:
        role, count = roles[k], len(by_role[k])
        if role.min_raters is not None and count < role.min_raters:
            errors.append(RowError(where, FEWER(count=count, rater=role.title or role.id,
                                                min=role.min_raters)))
            few.append(k)
        elif role.drop_extremes and count < 3:
            errors.append(RowError(where, NO_DROP(count=count, rater=role.title or role.id)))
            few.append(k)
    weight = sum((roles[k].weight for k in present), ZERO)
    applied = {k: roles[k].weight * HUNDRED / weight for k in present} if weight else {}
    # a missing rater under missing: error is an error row: no weights or points
    # reweighted over the raters present are shown as if they counted
    refused = (bool(missing) and raters.missing == "error") or bool(few)
    role_points = {k: [kind_points(roles[k], by_role[k], i)
                       for i in range(len(compiled.indicators))] for k in present}
    for k in present:
        if roles[k].drop_extremes:
            for i, ci in enumerate(compiled.indicators):
                ends = _extremes(by_role[k], i) if ci.id in compiled.rated else None
                for p in ends or ():
                    p.dropped.add(i)
    scored: list[Scored] = []
    precision = compiled.scheme.precision
    for i in range(len(compiled.indicators)):
        every = [p.scored[i] for p in parts]
        actuals = {repr(s.actual) for s in every}
        actual = every[0].actual if len(actuals) == 1 and every else None
        per_role = [role_points[k][i] for k in present]
        if few and compiled.indicators[i].id in compiled.rated:
            scored.append(Scored(actual, None, NOT_COMBINED_FEW(names=", ".join(
                roles[k].title or roles[k].id for k in few))))
            continue
        if not present or any(v is None for v in per_role):
            scored.append(Scored(actual, None, NO_ACTUAL()))
            continue
        if refused and compiled.indicators[i].id in compiled.rated:
            scored.append(Scored(actual, None, NOT_COMBINED(names=", ".join(
                roles[k].title or roles[k].id for k in missing))))
            continue
        values = [v for v in per_role if v is not None]
        if len(set(values)) == 1 and len({s.text for s in every}) == 1:
            first = every[0]
            scored.append(Scored(actual, values[0], first.step, first.source, first.survey,
                                 first.text))
            continue
        pairs = list(zip(present, values, strict=True))
        combined = sum((roles[k].weight * v for k, v in pairs), ZERO) / weight
        shown = Joined(tuple(_role_text(roles[k], by_role[k], i, v, precision)
                             for k, v in pairs), " · ")
        mix = Joined(tuple(SHARE(precision, weight=round_half_up(applied[k], precision + 2),
                                 points=v) for k, v in pairs), " + ")
        scored.append(Scored(actual, combined, COMBINED(precision, roles=shown, mix=mix,
                                                        points=combined)))
    return Combined(scored, role_points, {} if refused else applied, missing, errors)


def _role_text(role: Rater, parts: Sequence[Part], i: int, points: Decimal,
               precision: int) -> Text:
    title = role.title or role.id
    if len(parts) == 1:
        actual = parts[0].scored[i].actual
        return ROLE_ONE(precision, title=title, actual="—" if actual is None else actual,
                        points=points)
    each = Joined(tuple(p.scored[i].points or ZERO for p in parts), ", ", precision)
    ends = _extremes(parts, i) if role.drop_extremes else None
    if ends is not None:
        return ROLE_DROPPED(precision, title=title, count=len(parts), each=each,
                            high=ends[1].scored[i].points, low=ends[0].scored[i].points,
                            points=points)
    return ROLE_MANY(precision, title=title, count=len(parts), each=each, points=points)


def block(compiled: CompiledScheme, combos: Sequence[Combined],
          parts: Sequence[Part]) -> RatersResult:
    """The ``raters`` block of a result: each kind's ratings, totals and weights."""
    raters = compiled.scheme.raters
    assert raters is not None
    roles: list[RoleResult] = []
    for k, role in enumerate(raters.roles):
        ratings = [RatingResult(p.source, p.row, p.period, compiled.subtotal(p.points), [
            (ci.id, s.actual, s.points) for ci, s in zip(compiled.indicators, p.scored, strict=True)
            if ci.id in compiled.rated], [compiled.indicators[i].id for i in sorted(p.dropped)])
            for p in parts if p.role == k]
        total = mean([compiled.subtotal(c.role_points[k]) for c in combos if k in c.role_points])
        weights = [c.applied.get(k, ZERO) for c in combos]
        applied = mean(weights) if any(k in c.applied for c in combos) else None
        roles.append(RoleResult(role.id, role.title or role.id, role.weight, applied,
                                total, ratings))
    missing = sorted({k for c in combos for k in c.missing})
    return RatersResult(raters.missing, raters.missing == "reweight" and bool(missing)
                        and any(c.applied for c in combos),
                        [raters.roles[k].id for k in missing], roles)
