"""Across people: ranks, and forced distribution (强制分布) by quotas.

Both work on the exact totals of the results that could be scored (``status``
``ok``); rows with errors get no rank and no quota grade, and do not count.

**Ranks** are competition ranks ("1224"): people with equal totals share a
rank and the next rank skips as many places (totals 90, 85, 85, 80 rank 1, 2,
2, 4). Each scored person gets a rank in the whole file and one within their
department (none without a department).

**Forced distribution** orders people by total, best first (a vetoed person
after everyone, whatever the total), and gives the first ``quota`` people the
best grade of the quotas, the next the second, and so on:

- *rounding*: each grade's exact share ``people × percent / 100`` is rounded
  by the **largest remainder** method (Hamilton): every grade gets the whole
  part of its share, and the people left over go one each to the grades with
  the largest fractional parts (on equal fractions: the larger percent, then
  the better grade). The counts add up to the number of people.
- *ties*: people with equal totals at a quota boundary are never split. With
  ``ties: better`` (the default) they all get the better grade, with ``ties:
  worse`` all the worse; the boundary moves past them, and the next grade's
  count absorbs the difference, so the counts still add up to the people.
  A higher total never gets a lower grade than a lower total. With
  ``tie_break: [ids]`` people with equal totals are ordered by those
  indicators' points (or inputs' values), each in turn, higher first; only
  people equal on all of them are ties. Every tie across a boundary is
  reported (:class:`~kpiscore.score.results.QuotaTie`): its quota could not be
  met.
- *minimums*: a quota's ``min`` raises its count to at least that many people,
  taken from the grade with the most people above its own minimum.
- a vetoed person keeps the lowest grade (a veto overrides everything).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, cast

from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import round_half_up
from kpiscore.score.results import (
    DistributionReport,
    Move,
    PersonResult,
    QuotaGroup,
    QuotaLine,
    QuotaShort,
    QuotaTie,
    Rank,
)
from kpiscore.score.scorer import Scorer, row_label


class _Places:
    """Competition places ("1224") of totals met best first: the position of the first
    of equal totals."""

    __slots__ = ("last", "met", "place")

    def __init__(self) -> None:
        self.met, self.place = 0, 0
        self.last: Decimal | None = None

    def __call__(self, total: Decimal) -> int:
        self.met += 1
        if total != self.last:  # 1 + how many totals are strictly higher
            self.last, self.place = total, self.met
        return self.place


def competition_ranks(totals: Sequence[Decimal]) -> list[int]:
    """Rank of each total, best (highest) first, "1224" style."""
    places = [0] * len(totals)
    place = _Places()
    for i in _best_first(totals):
        places[i] = place(totals[i])
    return places


def _best_first(totals: Sequence[Decimal]) -> list[int]:
    """The indexes of ``totals``, highest total first."""
    return sorted(range(len(totals)), key=totals.__getitem__, reverse=True)


class Standings:
    """What the ranks need of each person, gathered as people stream past: their exact
    total (None: not scored, no rank) and their department, kept compactly until
    everyone is known. A department is kept once, as its number among the departments
    met (a tuple of total and department a person, each row holding its own copy of
    the department's text, cost 13 MiB more at 100 000 people), and the ranks are
    worked out into two arrays and made one by one in row order, not held as a list of
    :class:`~kpiscore.score.results.Rank` (12 MiB more at the end of a run, where its
    memory peaks)."""

    __slots__ = ("departments", "names", "numbers", "totals")

    def __init__(self) -> None:
        self.totals: list[Decimal | None] = []
        self.departments = array("l")  # each person's department, as its number
        self.names: list[str | None] = []  # the departments by number
        self.numbers: dict[str | None, int] = {}

    def add(self, r: PersonResult) -> None:
        """The next person's standing (in the order of the rows)."""
        self.append(r.total if r.scored else None, r.department)

    def append(self, total: Decimal | None, department: str | None) -> None:
        """The next person's standing, given their total and department."""
        number = self.numbers.get(department)
        if number is None:
            number = self.numbers[department] = len(self.names)
            self.names.append(department)
        self.totals.append(total)
        self.departments.append(number)

    def __len__(self) -> int:
        return len(self.totals)

    def ranks(self) -> Iterator[Rank | None]:
        """Each person's rank, in the order they were added: within everyone scored and
        within their department. One sort: a department's ranks come from walking
        everyone's order (sorting each department again cost as much as the first sort,
        at 100 000 people)."""
        totals, departments, names = self.totals, self.departments, self.names
        exact = cast("list[Decimal]", totals)  # of the scored, whom ``order`` holds
        order = sorted([i for i, total in enumerate(totals) if total is not None],
                       key=exact.__getitem__, reverse=True)
        of = len(order)
        sizes = [0] * len(names)
        for i in order:
            sizes[departments[i]] += 1
        overall = array("l", [0]) * len(totals)
        within = array("l", overall)
        everyone = _Places()
        places = [_Places() for _ in names]
        for i in order:  # the serial end of a run: one walk, two array writes a person
            total = exact[i]
            overall[i] = everyone(total)
            within[i] = places[departments[i]](total)
        for i, standing in enumerate(totals):
            if standing is None:
                yield None
                continue
            d = departments[i]
            if names[d] is None:
                yield Rank(overall[i], of)
            else:
                yield Rank(overall[i], of, within[i], sizes[d])


def rank(results: Sequence[PersonResult]) -> None:
    """Set ``rank`` on every scored result (within the file and the department)."""
    standings = Standings()
    for r in results:
        standings.add(r)
    for r, place in zip(results, standings.ranks(), strict=True):
        r.rank = place


def quota_counts(people: int, percents: Sequence[Decimal],
                 mins: Sequence[int] = ()) -> tuple[list[Fraction], list[int]]:
    """The exact share of each quota and its count by the largest remainder method; then
    each grade below its ``mins`` is raised to it, one place at a time from the grade
    with the most people above its own minimum (on equal counts the worse grade). When
    the minimums add up to more than the people, none is applied (:func:`short_of_min`)."""
    exact = [Fraction(people) * Fraction(p) / 100 for p in percents]
    counts = [math.floor(e) for e in exact]
    left = people - sum(counts)
    order = sorted(range(len(exact)),
                   key=lambda i: (-(exact[i] - counts[i]), -Fraction(percents[i]), i))
    for i in order[:max(left, 0)]:
        counts[i] += 1
    least = list(mins) + [0] * (len(counts) - len(mins))
    if sum(least) <= people:
        for i in range(len(counts)):
            while counts[i] < least[i]:
                give = max((j for j in range(len(counts)) if counts[j] > least[j]),
                           key=lambda j: (counts[j] - least[j], j))
                counts[give] -= 1
                counts[i] += 1
    return exact, counts


def short_of_min(people: int, mins: Sequence[int]) -> bool:
    """Whether the minimums cannot all be met: they add up to more than the people."""
    return sum(mins) > people


@dataclass
class Straddle:
    """People tied (on the total and every tie-break) across a quota boundary: the quota
    cannot be met without splitting them, so they all got one grade."""

    better: int  # the quota index above the boundary
    worse: int  # the quota index below it (the last the tied people reach)
    people: list[int]  # their indexes, best first (input order among equals)
    given: int  # the quota index they all got


def assign(keys: Sequence[tuple[bool, Decimal]], counts: Sequence[int], ties: str) -> list[int]:
    """The quota index (0 = best) of each person, given their ``(vetoed, total)``.

    ``counts`` are the quota counts (adding up to ``len(keys)``); people with
    equal keys at a boundary all get the better (``ties="better"``) or the worse
    quota.
    """
    return assign_ordered([(vetoed, -total) for vetoed, total in keys], counts, ties)[0]


def assign_ordered(keys: Sequence[tuple[Any, ...]], counts: Sequence[int],
                   ties: str) -> tuple[list[int], list[Straddle]]:
    """:func:`assign` for keys that sort best first (``(vetoed, -total, -tie_break…)``);
    also every tie across a boundary."""
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    slot: list[int] = []
    for q, count in enumerate(counts):
        slot += [q] * count
    last = len(counts) - 1
    slot += [last] * (len(order) - len(slot))  # only when counts fall short
    out = [0] * len(keys)
    straddles: list[Straddle] = []
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and keys[order[end]] == keys[order[start]]:
            end += 1
        q = slot[start] if ties == "better" else slot[end - 1]
        for pos in range(start, end):
            out[order[pos]] = q
        if slot[start] != slot[end - 1]:
            straddles.append(Straddle(slot[start], slot[end - 1], order[start:end], q))
        start = end
    return out, straddles


def _tie_key(r: PersonResult, names: Sequence[str]) -> tuple[tuple[int, Decimal], ...]:
    """A person's tie-break values, each sorting best (highest) first; a missing one last."""
    points = {i.id: i.points for i in r.indicators}
    out: list[tuple[int, Decimal]] = []
    for name in names:
        value = points[name] if name in points else r.env.get(name)
        out.append((1, Decimal(0)) if value is None else (0, -value))
    return tuple(out)


def distribute(scorer: Scorer, results: Sequence[PersonResult]) -> DistributionReport | None:
    """Give every scored person a ``quota_grade``; with ``mode: enforce`` it is the grade
    that counts, and pay is computed again with its coefficient."""
    scheme = scorer.compiled.scheme
    d = scheme.distribution
    if d is None:
        return None
    names = [g.name for g in scheme.grades]
    quotas = sorted((q for q in d.quotas if q.grade in names), key=lambda q: names.index(q.grade))
    lowest = names[-1]
    scored = [r for r in results if r.scored]
    groups: dict[str | None, list[PersonResult]] = {}
    for r in scored:
        groups.setdefault(r.department if d.scope == "department" else None, []).append(r)
    report = DistributionReport(d.mode, d.ties, d.rounding, d.scope, [], [])
    mins = [q.min for q in quotas]
    for dept, people in groups.items():
        exact, counts = quota_counts(len(people), [q.percent for q in quotas], mins)
        keys = [(bool(r.vetoes), -(r.total if r.total is not None else Decimal(0)),
                 *_tie_key(r, d.tie_break)) for r in people]
        given, straddles = assign_ordered(keys, counts, d.ties)
        for r, q in zip(people, given, strict=True):
            r.quota_grade = lowest if r.vetoes else quotas[q].grade
        lines = [QuotaLine(q.grade, q.percent, Decimal(e.numerator) / Decimal(e.denominator), c,
                           sum(1 for r in people if r.grade == q.grade),
                           sum(1 for r in people if r.quota_grade == q.grade))
                 for q, e, c in zip(quotas, exact, counts, strict=True)]
        report.groups.append(QuotaGroup(dept, len(people), lines))
        for st in straddles:
            tied = [people[i] for i in st.people]
            report.tied.append(QuotaTie(
                dept, quotas[st.better].grade, counts[st.better],
                sum(1 for r in people if r.quota_grade == quotas[st.better].grade),
                quotas[st.worse].grade, tied[0].total or Decimal(0),
                [(r.id, r.name) for r in tied], quotas[st.given].grade))
        if short_of_min(len(people), mins):
            report.short.append(QuotaShort(dept, len(people),
                                           [(q.grade, q.min) for q in quotas if q.min]))
    for r in scored:
        assert r.total is not None and r.grade is not None and r.quota_grade is not None
        if r.quota_grade != r.grade:
            report.moved.append(Move(r.row, r.id, r.total, r.grade, r.quota_grade))
        if d.mode == "enforce":
            scorer.pay(r, row_label(r.row), grade=r.quota_grade)
    return report


TIED = Phrase("{where}{grade}'s quota is {quota} of {people} people, but {count} people tie at "
              "{total} across its boundary with {next} ({who}): all got {given} (ties: {rule}), "
              "so {grade} has {assigned}; a tie_break orders them",
              "{where}{grade} 的配额是 {people} 人中的 {quota} 人,但有 {count} 人以 {total} 分"
              "并列,跨过它与 {next} 的分界({who}):全部定为 {given}(ties: {rule}),"
              "因此 {grade} 有 {assigned} 人;可用 tie_break 为他们排序")
SHORT = Phrase("{where}the quota minimums ({mins}) add up to more than the {people} people: "
               "none was applied",
               "{where}配额最少人数({mins})合计超过了 {people} 人:均未执行")
IN = Phrase("{department}: ", "{department}:")
WARNING = Phrase("kpiscore: warning: {text} ({code})", "kpiscore:警告:{text} ({code})")
MORE = Phrase("… and {count} more", "……另有 {count} 人")
#: people a tie warning names, at most
NAMED = 10


def quota_warnings(report: DistributionReport, precision: int) -> list[tuple[Text, str]]:
    """What the quotas could not do, for standard error: each tie across a boundary
    (``quota-ties``) and each group whose minimums could not be met (``quota-min``)."""
    out: list[tuple[Text, str]] = []
    for t in report.tied:
        who = ", ".join(" ".join(x for x in (pid, name) if x) or "?" for pid, name
                        in t.people[:NAMED])
        if len(t.people) > NAMED:
            who += " " + str(MORE(count=len(t.people) - NAMED))
        people = next((g.people for g in report.groups if g.department == t.department), 0)
        where = IN(department=t.department) if t.department is not None else ""
        out.append((TIED(where=where, grade=t.grade, quota=t.quota, people=people,
                         count=len(t.people), total=str(round_half_up(t.total, precision)),
                         next=t.next, who=who, given=t.given, rule=report.ties,
                         assigned=t.assigned), "quota-ties"))
    for s in report.short:
        where = IN(department=s.department) if s.department is not None else ""
        out.append((SHORT(where=where, mins=", ".join(f"{g} {n}" for g, n in s.mins),
                          people=s.people), "quota-min"))
    return out
