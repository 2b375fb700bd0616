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
  A higher total never gets a lower grade than a lower total.
- a vetoed person keeps the lowest grade (a veto overrides everything).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction

from kpiscore.score.results import (
    DistributionReport,
    Move,
    PersonResult,
    QuotaGroup,
    QuotaLine,
    Rank,
)
from kpiscore.score.scorer import Scorer, row_label


def competition_ranks(totals: Sequence[Decimal]) -> list[int]:
    """Rank of each total, best (highest) first, "1224" style."""
    ordered = sorted(totals)
    n = len(ordered)
    # 1 + how many totals are strictly higher
    return [1 + n - bisect.bisect_right(ordered, t) for t in totals]


def ranks(keys: Sequence[tuple[Decimal | None, str | None]]) -> list[Rank | None]:
    """The rank of each person given their ``(total, department)`` (total None: not
    scored, no rank): within everyone scored and within their department."""
    scored = [i for i, (total, _) in enumerate(keys) if total is not None]
    places = competition_ranks([keys[i][0] for i in scored])  # type: ignore[misc]
    out: list[Rank | None] = [None] * len(keys)
    for i, place in zip(scored, places, strict=True):
        out[i] = Rank(place, len(scored))
    by_dept: dict[str, list[int]] = {}
    for i in scored:
        dept = keys[i][1]
        if dept is not None:
            by_dept.setdefault(dept, []).append(i)
    for members in by_dept.values():
        for i, place in zip(members, competition_ranks([keys[j][0] for j in members]),  # type: ignore[misc]
                            strict=True):
            rank = out[i]
            assert rank is not None
            rank.department, rank.department_of = place, len(members)
    return out


def rank(results: Sequence[PersonResult]) -> None:
    """Set ``rank`` on every scored result (within the file and the department)."""
    for r, place in zip(results, ranks([(r.total if r.scored else None, r.department)
                                        for r in results]), strict=True):
        r.rank = place


def quota_counts(people: int, percents: Sequence[Decimal]) -> tuple[list[Fraction], list[int]]:
    """The exact share of each quota and its count by the largest remainder method."""
    exact = [Fraction(people) * Fraction(p) / 100 for p in percents]
    counts = [math.floor(e) for e in exact]
    left = people - sum(counts)
    order = sorted(range(len(exact)),
                   key=lambda i: (-(exact[i] - counts[i]), -Fraction(percents[i]), i))
    for i in order[:max(left, 0)]:
        counts[i] += 1
    return exact, counts


def assign(keys: Sequence[tuple[bool, Decimal]], counts: Sequence[int], ties: str) -> list[int]:
    """The quota index (0 = best) of each person, given their ``(vetoed, total)``.

    ``counts`` are the quota counts (adding up to ``len(keys)``); people with
    equal keys at a boundary all get the better (``ties="better"``) or the worse
    quota.
    """
    order = sorted(range(len(keys)), key=lambda i: (keys[i][0], -keys[i][1]))
    slot: list[int] = []
    for q, count in enumerate(counts):
        slot += [q] * count
    last = len(counts) - 1
    slot += [last] * (len(order) - len(slot))  # only when counts fall short
    out = [0] * len(keys)
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and keys[order[end]] == keys[order[start]]:
            end += 1
        q = slot[start] if ties == "better" else slot[end - 1]
        for pos in range(start, end):
            out[order[pos]] = q
        start = end
    return out


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
    for dept, people in groups.items():
        exact, counts = quota_counts(len(people), [q.percent for q in quotas])
        keys = [(bool(r.vetoes), r.total if r.total is not None else Decimal(0)) for r in people]
        for r, q in zip(people, assign(keys, counts, d.ties), strict=True):
            r.quota_grade = lowest if r.vetoes else quotas[q].grade
        lines = [QuotaLine(q.grade, q.percent, Decimal(e.numerator) / Decimal(e.denominator), c,
                           sum(1 for r in people if r.grade == q.grade),
                           sum(1 for r in people if r.quota_grade == q.grade))
                 for q, e, c in zip(quotas, exact, counts, strict=True)]
        report.groups.append(QuotaGroup(dept, len(people), lines))
    for r in scored:
        assert r.total is not None and r.grade is not None and r.quota_grade is not None
        if r.quota_grade != r.grade:
            report.moved.append(Move(r.row, r.id, r.total, r.grade, r.quota_grade))
        if d.mode == "enforce":
            scorer.pay(r, row_label(r.row), grade=r.quota_grade)
    return report
