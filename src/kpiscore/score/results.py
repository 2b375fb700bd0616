"""What an evaluation produces: plain data, every number an exact ``Decimal``.

Outputs (:mod:`kpiscore.outputs`) round half up to the scheme's precision when
they write it. Messages and explanations are :class:`~kpiscore.base.i18n.Text`
or already rendered strings in the language of the run.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.numbers import round_half_up


@dataclass
class RowError:
    where: str  # sheet!cell, or sheet!row for whole-row problems
    #: given as a localized Text, kept as its text in the language of the run
    message: str | Text
    field: str | None = None  # indicator or input id

    def __post_init__(self) -> None:
        self.message = str(self.message)

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass
class SurveyStat:
    """How a survey's responses for one evaluatee became an indicator's actual."""

    survey: str
    title: str
    result: str  # percent | mean | nps
    respondents: int
    answers: int
    min_respondents: int
    value: Decimal | None  # the aggregate (None when there were too few respondents)
    points: Decimal | None = None  # percent, mean: the points of every answer
    max_points: Decimal | None = None  # percent: the most those answers could earn
    promoters: int | None = None  # nps
    passives: int | None = None
    detractors: int | None = None
    fallback: Decimal | None = None  # if_too_few, when used
    precision: int = 2

    def describe(self) -> Text:
        """``survey 公司卡1: 3 respondents, 39/45 points = 86.67%``."""
        head = SURVEY_HEAD(survey=self.title, count=self.respondents,
                           respondents=ONE_RESPONDENT if self.respondents == 1 else RESPONDENTS)
        if self.value is None:
            if self.fallback is not None:
                return TOO_FEW_FALLBACK(head=head, min=self.min_respondents, fallback=self.fallback)
            return TOO_FEW(head=head, min=self.min_respondents)
        shown = round_half_up(self.value, self.precision)
        if self.result == "nps":
            return NPS(head=head, promoters=self.promoters or 0,
                       detractors=self.detractors or 0, answers=self.answers, value=shown)
        if self.result == "mean":
            return MEAN(head=head, points=self.points, answers=self.answers, value=shown)
        return PERCENT(head=head, points=self.points, max=self.max_points, value=shown)


SURVEY_HEAD = Phrase("survey {survey}: {count} {respondents}",
                     "问卷 {survey}:{count} {respondents}")
ONE_RESPONDENT = Phrase("respondent", "人作答")
RESPONDENTS = Phrase("respondents", "人作答")
TOO_FEW = Phrase("{head}, fewer than {min}", "{head},少于 {min} 人")
TOO_FEW_FALLBACK = Phrase("{head}, fewer than {min}: {fallback} (if_too_few)",
                          "{head},少于 {min} 人:取 {fallback}(if_too_few)")
NPS = Phrase("{head}: {promoters} promoters − {detractors} detractors of {answers} = {value}",
             "{head}:{answers} 个回答中推荐者 {promoters} − 贬损者 {detractors} = {value}")
MEAN = Phrase("{head}, {points} points / {answers} answers = {value}",
              "{head},{points} 分 / {answers} 个回答 = {value}")
PERCENT = Phrase("{head}, {points}/{max} points = {value}%", "{head},{points}/{max} 分 = {value}%")


@dataclass(slots=True)
class Scored:
    """One indicator scored for one person, before weighting: its actual, its points
    (None when it could not be scored), the rule's own step and how the actual came
    about (a survey, several periods: ``source``), or a whole explanation of its own
    (raters combined, periods averaged)."""

    actual: Decimal | str | None
    points: Decimal | None
    step: Text | None
    source: Text | None = None
    survey: SurveyStat | None = None
    #: source and step already rendered (remembered per actual by the scorer)
    text: str | None = None
    #: remembered by the scorer for every person with this actual
    memo: bool = False
    #: (remembered ones) the finished result and its share of the total, made once
    finished: tuple[IndicatorResult, Decimal] | None = None

    def head(self, lang: str) -> str:
        """The explanation so far (before its weighting), in ``lang``."""
        if self.text is not None:
            return self.text
        return self.step.render(lang) if self.step is not None else ""


@dataclass(frozen=True, slots=True, eq=False)
class IndicatorResult:
    """One indicator of one person. Immutable: people with the same actual share one
    (``shared``), which outputs may encode once."""

    id: str
    title: str
    dimension: str
    actual: Decimal | str | None
    target: Decimal | None
    points: Decimal | None
    full_marks: Decimal
    weight: Decimal
    contribution: Decimal | None
    explanation: str  # the whole line, in the language of the run
    survey: SurveyStat | None = None
    #: the rule's own step (explain shows it on its own line)
    step: Text | None = None
    #: the same object stands for every person with this actual (no survey of their own)
    shared: bool = False
    #: an output's text of a shared result, as ``(the output's encoder, text)``: kept on
    #: the result itself, which scoring has just touched, not in a table of the output's
    #: (looking each of a person's 20 results up in a table of 50 000 was a fifth of
    #: encoding them). Not part of the result: not compared, not copied by ``replace``.
    memo: Any = field(default=None, init=False, compare=False, repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled without its memo (a worker sends its first result whole): the memo
        names an encoder of the process that made it."""
        return (IndicatorResult, tuple(getattr(self, f.name) for f in fields(self) if f.init))


@dataclass
class GroupResult:
    id: str
    title: str
    weight: Decimal
    contribution: Decimal | None
    section: str | None = None

    def score(self) -> Decimal | None:
        """The group's own score out of 100 (contribution per unit of weight)."""
        if self.contribution is None or self.weight == 0:
            return None
        return self.contribution * 100 / self.weight


@dataclass
class VetoResult:
    id: str
    title: str
    outcome: str
    condition: str
    actual: Decimal
    reason: str
    #: the rater(s) whose own rating fired it (a veto on a rated indicator)
    rater: str | None = None


@dataclass
class PayLineResult:
    id: str
    title: str
    amount: Decimal | None  # after min/max
    uncapped: Decimal | None  # the formula's own result
    capped: str | None  # "min" or "max" when a cap applied
    precision: int = 2


@dataclass(slots=True)
class Rank:
    """Competition ranking ("1224"): equal totals share a rank, the next rank skips."""

    overall: int
    of: int
    department: int | None = None
    department_of: int | None = None


@dataclass
class RatingResult:
    """One rater's rating of a person (one row, or one row's rater columns)."""

    source: str
    row: int
    period: str | None
    total: Decimal | None  # before vetoes
    indicators: list[tuple[str, Decimal | str | None, Decimal | None]]  # id, actual, points
    #: ids of the indicators whose points were dropped (drop_extremes: a highest or lowest)
    dropped: list[str] = field(default_factory=list)


@dataclass
class RoleResult:
    """One kind of rater: its weight, its ratings and their total."""

    id: str
    title: str
    weight: Decimal
    applied_weight: Decimal | None  # after reweighting; None when missing
    total: Decimal | None  # the mean of its ratings' totals (before vetoes)
    ratings: list[RatingResult] = field(default_factory=list)

    @property
    def contribution(self) -> Decimal | None:
        if self.total is None or self.applied_weight is None:
            return None
        return self.total * self.applied_weight / 100


@dataclass
class RatersResult:
    policy: str  # error | reweight
    reweighted: bool
    missing: list[str]
    roles: list[RoleResult]
    rows: list[tuple[str, int]] = field(default_factory=list)  # every input row: file, row


@dataclass
class PeriodEntry:
    """One period of a rolled-up result: where it was read, and its own total."""

    period: str
    source: str
    rows: list[int]
    status: str
    total: Decimal | None
    weight: Decimal | None = None  # with rollup.weights: percent, as applied


@dataclass
class PersonResult:
    """One person's result. A person with errors is an error row: it carries no total,
    grade, pass, pay, pay-line amount, rank or quota grade (:meth:`fail` clears them;
    scoring sets them only when there are no errors)."""

    row: int
    id: str | None
    name: str | None
    department: str | None
    errors: list[RowError] = field(default_factory=list)
    total: Decimal | None = None
    grade: str | None = None
    pay: Decimal | None = None
    vetoes: list[VetoResult] = field(default_factory=list)
    sections: list[GroupResult] = field(default_factory=list)
    dimensions: list[GroupResult] = field(default_factory=list)
    indicators: list[IndicatorResult] = field(default_factory=list)
    period: str | None = None
    rank: Rank | None = None
    passed: bool | None = None
    quota_grade: str | None = None
    pay_lines: list[PayLineResult] | None = None
    raters: RatersResult | None = None
    periods: list[PeriodEntry] | None = None
    #: a calibration move applied to the person (绩效校准): the audit trail
    calibration: Calibrated | None = None
    #: the values pay formulas read (inputs, actuals); not part of the output
    env: dict[str, Decimal] = field(default_factory=dict, repr=False)
    #: the input rows behind a result built from several (file, row); not in the output
    sources: list[tuple[str, int]] = field(default_factory=list, repr=False)
    #: the person's text in the streamed format, UTF-8, when a worker process wrote it
    #: (score/workers.py: such a result carries no parts); not in the output
    encoded: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def status(self) -> str:
        """``ok``, or ``error`` for a person with errors."""
        return "error" if self.errors else "ok"

    @property
    def scored(self) -> bool:
        return not self.errors and self.total is not None

    def fail(self, *errors: RowError) -> None:
        """Add errors: the person is an error row from now on."""
        self.errors.extend(errors)
        if self.errors:
            self.total = self.grade = self.pay = self.passed = self.quota_grade = None
            self.calibration = None
            self.rank = None
            for line in self.pay_lines or []:
                line.amount = line.uncapped = line.capped = None


@dataclass
class QuotaLine:
    grade: str
    percent: Decimal
    exact: Decimal  # people × percent / 100
    quota: int  # after rounding (largest remainder)
    banded: int  # people whose banded grade it is
    assigned: int  # people given it by the quotas


@dataclass
class QuotaGroup:
    department: str | None  # None: everyone (scope all), or people without a department
    people: int
    quotas: list[QuotaLine]


@dataclass
class Move:
    row: int
    id: str | None
    total: Decimal
    banded: str
    quota: str


@dataclass
class QuotaTie:
    """People tied across a quota boundary (on the total and every tie-break): the better
    grade's quota cannot be met without splitting them, so all got ``given``."""

    department: str | None
    grade: str  # the grade above the boundary
    quota: int  # its count by the quotas
    assigned: int  # people given it, the tie included or left out
    next: str  # the grade below the boundary
    total: Decimal
    people: list[tuple[str | None, str | None]]  # (id, name), best first
    given: str


@dataclass
class QuotaShort:
    """Minimums that add up to more than the people of a group: none was applied."""

    department: str | None
    people: int
    mins: list[tuple[str, int]]


@dataclass
class DistributionReport:
    mode: str
    ties: str
    rounding: str
    scope: str
    groups: list[QuotaGroup]
    moved: list[Move]
    #: ties across quota boundaries, and minimums that could not be met: said on standard
    #: error (not in the JSON, which already shows each quota and its assigned count)
    tied: list[QuotaTie] = field(default_factory=list)
    short: list[QuotaShort] = field(default_factory=list)


@dataclass
class Calibrated:
    """A calibration move applied to one person: the grade that counted before it
    (banded, or the quota's), the grade after, why and by whom, and where it was read."""

    before: str
    after: str
    reason: str
    by: str | None
    where: str  # the move's id cell: file!A2 (or sheet!A2)
    #: the banded and the quota grade before the move (not in the JSON, where ``grade`` and
    #: ``quota_grade`` hold them unless the move replaced one: ``from`` is that one)
    banded: str | None = None
    quota: str | None = None


@dataclass
class CalibrationCount:
    grade: str
    banded: int  # people whose banded grade it is
    assigned: int | None  # people given it by the quotas (None without a distribution)
    final: int  # people whose grade it is after calibration


@dataclass
class CalibrationReport:
    """What a calibration file did: its source, the counts per grade before and after,
    and every move applied (in input order)."""

    source: str
    counts: list[CalibrationCount]
    moved: list[PersonResult]


@dataclass
class SurveySummary:
    id: str
    title: str
    source: str  # file!sheet
    responses: int  # rows with at least one answer
    evaluatees: int  # people with responses among the results
    unmatched: int  # responses for ids not in the actuals


@dataclass
class Summary:
    rows: int = 0
    ok: int = 0
    error: int = 0
    mean: Decimal | None = None
    min: Decimal | None = None
    max: Decimal | None = None
    input_rows: int = 0
    median: Decimal | None = None
    std_dev: Decimal | None = None  # population standard deviation
    grades: list[tuple[str, int]] = field(default_factory=list)
    passed: int | None = None
    distribution: DistributionReport | None = None
    surveys: list[SurveySummary] | None = None
    calibration: CalibrationReport | None = None


@dataclass
class PeriodInfo:
    to: str
    periods: list[str]


@dataclass(frozen=True)
class Heading:
    """A part of the scheme an output may give a column (a section, a dimension, an
    indicator, a pay line): its id and its title as the scheme writes it (the id when it
    has none)."""

    id: str
    title: str
    #: a dimension the scheme does not write (a section, or a scheme, of indicators only):
    #: its numbers are those of its section, or the total's
    implicit: bool = False


@dataclass
class Report:
    scheme_id: str
    scheme_title: str
    precision: int
    pay_precision: int
    has_sections: bool
    has_grades: bool
    has_pay: bool
    source: str
    results: list[PersonResult]
    summary: Summary
    indicator_ids: list[str] = field(default_factory=list)
    period: PeriodInfo | None = None
    #: problems of no one row: responses for unknown people, unreadable responses
    problems: list[RowError] = field(default_factory=list)
    #: what a person should know first about how a table was read: its header row found
    #: below title rows
    notes: list[RowError] = field(default_factory=list)
    #: the scheme's parts, in its order, known before the first result (a streamed
    #: output's columns): sections, dimensions, indicators and pay lines (the scheme's
    #: ``pay`` first, with the id ``pay``)
    sections: list[Heading] = field(default_factory=list)
    dimensions: list[Heading] = field(default_factory=list)
    indicators: list[Heading] = field(default_factory=list)
    pay_lines: list[Heading] = field(default_factory=list)
    #: whether results carry ``passed`` (a pass mark), ``quota_grade`` (a forced
    #: distribution) and ``period`` (several periods rolled up)
    has_pass: bool = False
    has_quotas: bool = False
    has_periods: bool = False

    def counted_grade(self, r: PersonResult) -> str | None:
        """The grade that counts: the quota grade under an enforced distribution, else
        the banded grade (after calibration, either is the moved grade)."""
        d = self.summary.distribution
        if d is not None and d.mode == "enforce" and r.quota_grade is not None:
            return r.quota_grade
        return r.grade


@dataclass
class Tally:
    """What the summary counts, person by person: a streamed output keeps only this (and
    each total, for the median), not the people."""

    rows: int = 0
    ok: int = 0
    input_rows: int = 0
    totals: list[Decimal] = field(default_factory=list)
    grades: dict[str | None, int] = field(default_factory=dict)
    passed: int = 0

    def add(self, r: PersonResult) -> None:
        self.rows += 1
        self.ok += not r.errors
        # a result built from several input rows (raters, periods) counts each of them
        self.input_rows += len(set(r.sources)) or 1
        if r.scored and r.total is not None:
            self.totals.append(r.total)
            self.grades[r.grade] = self.grades.get(r.grade, 0) + 1
            self.passed += bool(r.passed)

    def summary(self, grades: Sequence[str] = (), pass_mark: bool = False) -> Summary:
        s = Summary(rows=self.rows, ok=self.ok, error=self.rows - self.ok,
                    input_rows=self.input_rows)
        totals = self.totals
        if totals:
            s.mean = sum(totals, Decimal(0)) / len(totals)
            s.min, s.max = min(totals), max(totals)
            s.median = statistics.median(totals)
            # the people scored are the whole population, not a sample
            s.std_dev = statistics.pstdev(totals)
        s.grades = [(g, self.grades.get(g, 0)) for g in grades]
        if pass_mark:
            s.passed = self.passed
        return s


def summarise(results: list[PersonResult], grades: Sequence[str] = (),
              pass_mark: bool = False) -> Summary:
    tally = Tally()
    for r in results:
        tally.add(r)
    return tally.summary(grades, pass_mark)
