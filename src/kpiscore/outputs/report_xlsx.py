"""The .xlsx report for people: a workbook a manager hands on and signs.

Sheets, in this order (docs/report.md shows them):

- ``汇总`` (Summary) — one row per person: id, name, department, total, grade,
  rank, each section's (or dimension's) score, pay, status, what went wrong;
- ``分布`` (Distribution) — counts and shares per grade and per tenth of the
  scale, with a column chart each;
- one sheet per dimension — each indicator's actual and points, the
  dimension's score and contribution;
- ``错误`` (Errors) — one row per error: ``sheet!cell`` and the message;
- ``校准`` (Calibration) — with calibration moves: each grade's count banded, by
  the quotas and final, and every move with its reason, who made it and its cell;
- ``原表说明`` (Not on the card) — what the scheme has that the printed card does
  not, when it marks any (``not_on_card``);
- one card per person, each on a sheet of its own fitted to one A4 page, for
  up to :data:`MAX_REPORT_CARDS` people; a larger report has none and says so
  (``--cards DIR`` writes every person's card to a file of its own).

Labels follow the language of the run (``--lang``); the scheme's titles and the
user's data are shown as written. Every text from the input is a string cell,
never a formula, whatever it starts with. Numbers are rounded half up to the
scheme's precision here, at the very end, like every other output.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from kpiscore.base import i18n
from kpiscore.outputs.report import labels as L
from kpiscore.outputs.report import sheets
from kpiscore.outputs.report.book import Book, FixedTails, Style, Tails
from kpiscore.outputs.report.card import CardStyles, card_title, write_card
from kpiscore.outputs.report.context import Context, context
from kpiscore.outputs.report.sheets import bucket_counts
from kpiscore.outputs.report.text import file_name, sheet_name, text_width
from kpiscore.score.results import PersonResult, Report, Tally

if TYPE_CHECKING:
    from kpiscore.io.table import Table
    from kpiscore.outputs import Options
    from kpiscore.scheme.compile import CompiledScheme
    from kpiscore.scheme.load import LoadedScheme

__all__ = ["MAX_REPORT_CARDS", "bucket_counts", "encoder_xlsx", "sheet_name", "stream_xlsx",
           "text_width", "too_many_for_cards", "write_cards", "write_report", "write_xlsx"]

#: The most people whose cards a report holds (a sheet each); beyond, the report has
#: the summary, distribution, dimension and error sheets, and says how to get the cards.
MAX_REPORT_CARDS = 1000

Progress = Callable[[int, int], None]


def write_xlsx(report: Report, path: str, options: Options) -> None:
    """The report for people: a summary, the distribution with charts, a sheet per
    dimension, the errors, and a printable card per person (docs/report.md)."""
    write_report(path, report, options.loaded, period=options.period,
                 progress=options.progress, notice=options.notice)


def encoder_xlsx(head: Report, lang: str | None = None) -> Callable[[PersonResult], bytes]:
    """A person's summary cells and dimension rows, as :func:`stream_xlsx` writes them
    into the workbook, UTF-8 as every format's encoder gives them (a worker process
    makes them: score/workers.py); ``lang`` is the labels' language, the report's
    (default: the run's)."""
    ctx = context(head, None, lang or i18n.current(), None)
    st = sheets.Styles(ctx.precision)
    rows = sheets.PersonRows(ctx, st, FixedTails)
    return lambda r: rows.encode(r).encode()


def too_many_for_cards(compiled: CompiledScheme, table: Table) -> bool:
    """Whether ``table`` holds more people than a report holds cards for (read ahead, its
    header row found): only then may worker processes score them, for a worker sends
    each result without the parts a card shows (score/workers.py)."""
    from kpiscore.io.cells import is_blank
    from kpiscore.score.binding import locate_header

    locate_header(compiled, table)
    ahead = table.peek(MAX_REPORT_CARDS + 1)
    return sum(1 for row in ahead if not all(is_blank(v) for v in row.values)) > \
        MAX_REPORT_CARDS


def stream_xlsx(head: Report, results: Iterable[PersonResult], path: str,
                options: Options) -> None:
    """The report, written as people are scored: memory holds each person's total and
    department (for the ranks), and the people themselves only while their cards fit
    in the report."""
    write_report(path, head, options.loaded, results=results, period=options.period,
                 progress=options.progress, notice=options.notice)


def write_report(path: str, report: Report, loaded: LoadedScheme | None = None, *,
                 results: Iterable[PersonResult] | None = None, period: str | None = None,
                 progress: Progress | None = None, lang: str | None = None,
                 cards: bool | None = None,
                 notice: Callable[[str], None] | None = None) -> None:
    """Write the report workbook to ``path`` (use :func:`kpiscore.outputs.files.atomic_path`).

    ``results`` are the people (default: the report's own; given, the report is
    the head of a streamed run). ``loaded`` adds what the results do not carry
    (units, targets, grades, the scale); ``period`` heads the sheets and fills the
    cards' 考核周期; ``lang`` is the labels' language (default: the run's);
    ``cards``: whether to add the cards (default: up to :data:`MAX_REPORT_CARDS`
    people); ``notice`` hears, in that language, that the cards were left out;
    ``progress`` hears ``(done, people)`` now and then.
    """
    ctx = context(report, loaded, lang or i18n.current(), period)
    people = report.results if results is None else results
    total = len(report.results) if results is None else 0
    tell = progress or (lambda done, of: None)
    book = Book(path)
    try:
        _Writer(book, ctx, cards, tell).write(people, total, notice)
    finally:
        book.close()


class _Writer:
    """The sheets of one report, fed one person at a time."""

    def __init__(self, book: Book, ctx: Context, cards: bool | None, progress: Progress) -> None:
        self.book, self.ctx, self.cards, self.progress = book, ctx, cards, progress
        self.st = st = sheets.Styles(ctx.precision)
        taken: set[str] = set()  # named first, so that a dimension never takes their names
        names = [sheet_name(ctx.say(x), taken) for x in (L.SUMMARY, L.DISTRIBUTION, L.ERRORS)]
        self.taken, self.errors_name = taken, names[2]
        self.summary = sheets.SummarySheet(book, ctx, names[0], st)
        self.distribution = sheets.DistributionSheet(book, ctx, names[1], st)
        self.dimensions: list[sheets.DimensionSheet] = []
        self.errors: sheets.ErrorsSheet | None = None
        self.tally = Tally()
        self.people = sheets.PersonRows(ctx, st, self._first)

    def _start(self, first: PersonResult) -> None:
        """The sheets that follow the scheme's shape, from the first person."""
        shape = self.people.start(first)
        self.summary.start(shape)
        self.dimensions = [sheets.DimensionSheet(self.book, self.ctx, self.taken, self.st,
                                                 first, k, members)
                           for k, members in enumerate(shape.members)]
        self.errors = sheets.ErrorsSheet(self.book, self.ctx, self.errors_name, self.st)

    def _first(self, styles: Sequence[Style]) -> Tails:
        """This book's numbering of the people's styles, which must be a worker's."""
        if self.book.first(styles) != FixedTails(styles).fixed:
            raise RuntimeError("the report's styles are not numbered as a worker numbers them")
        return self.book

    def write(self, results: Iterable[PersonResult], total: int,
              notice: Callable[[str], None] | None) -> None:
        book, st, ctx = self.book, self.st, self.ctx
        kept: list[PersonResult] | None = [] if self.cards is not False else None
        people, light, first_row = 0, False, 0
        encode = self.people.encode
        for r in results:
            if people == 0:
                if r.encoded is not None:  # a worker's: the sheets' columns follow the parts
                    raise RuntimeError("a report's first person must carry their parts")
                self._start(r)
                first_row = self.dimensions[0].ws.next if self.dimensions else 0
            people += 1
            # a worker process made the rows of the people it scored (encoder_xlsx); every
            # dimension sheet has a person's row at the same place
            text = encode(r) if r.encoded is None else r.encoded.decode()
            parts = text.replace(sheets.ROW, str(first_row + people)).split(sheets.PART)
            self.summary.add(r, parts)
            self.distribution.add(r)
            rows = parts[2 + len(self.summary.pays):]
            for sheet, row in zip(self.dimensions, rows, strict=True):
                sheet.add(row)
            assert self.errors is not None
            self.errors.add(r)
            self.tally.add(r)
            if kept is not None:
                if r.encoded is not None:  # a worker's, without the parts a card shows
                    if self.cards:
                        raise RuntimeError("a report with cards needs every person's parts")
                    kept, light = None, True  # workers score only runs too large for cards
                else:
                    kept.append(r)
                    if len(kept) > MAX_REPORT_CARDS and self.cards is None:
                        kept = None  # too many to print in one workbook: let them go
            if people % 5000 == 0:
                self.progress(people, total or people)
        if self.errors is None:
            self.errors = sheets.ErrorsSheet(book, ctx, self.errors_name, st)
        ranks = list(self.summary.standings.ranks())
        self.summary.close(ranks, self.progress)
        self.distribution.close(self.tally.summary(ctx.grades, ctx.report.summary.passed
                                                   is not None))
        widths = [self.summary.widths[k] for k in ("id", "name", "department")]
        for sheet in self.dimensions:
            sheet.close(widths)
        self.errors.close()
        if ctx.report.summary.calibration is not None:
            sheets.calibration(book, sheet_name(ctx.say(L.CALIBRATION), self.taken), ctx, st)
        if ctx.not_on_card:
            sheets.not_on_card(book, sheet_name(ctx.say(L.NOT_ON_CARD), self.taken),
                               ctx.not_on_card, st)
        if kept is None:
            if light and people <= MAX_REPORT_CARDS:  # see too_many_for_cards
                raise RuntimeError("a report of few people needs every person's parts")
            if self.cards is None and notice is not None:
                notice(ctx.say(L.CARDS_LEFT_OUT, count=people, most=MAX_REPORT_CARDS))
            return
        cs = CardStyles(ctx.precision)
        for k, (r, rank) in enumerate(zip(kept, ranks, strict=True), start=1):
            if r.rank is None and rank is not None:
                r.rank = rank  # a streamed person: ranked only now
            write_card(book, r, ctx, cs, self.taken)
            if k % 50 == 0 or k == len(kept):
                self.progress(k, len(kept))


def write_cards(report: Report, folder: str, loaded: LoadedScheme | None = None, *,
                by: str = "person", period: str | None = None, lang: str | None = None,
                inputs: tuple[str, ...] = (), progress: Progress | None = None) -> list[str]:
    """Every person's card in ``folder`` (made if missing): a workbook per person
    (``by="person"``: ``E001_张伟.xlsx``), or per department (``by="department"``: a
    card a sheet). Each file is written atomically and never over an input; the
    paths written are returned, in the input order."""
    from kpiscore.outputs.files import atomic_path

    ctx = context(report, loaded, lang or i18n.current(), period)
    groups: dict[str, list[PersonResult]] = {}  # a file's people, by department or person
    names: dict[str, str] = {}  # the file's name
    taken: set[str] = set()
    for n, r in enumerate(report.results):
        if by == "department":
            stem = r.department or ctx.say(L.NO_DEPARTMENT)
            key = stem.casefold()
        else:
            stem, key = card_title(r, ctx).replace(" ", "_"), str(n)
        if key not in groups:
            groups[key], names[key] = [], file_name(stem, ".xlsx", taken)
        groups[key].append(r)
    os.makedirs(folder, exist_ok=True)
    cs = CardStyles(ctx.precision)
    written, done = [], 0
    for key, people in groups.items():
        path = os.path.join(folder, names[key])
        with atomic_path(path, inputs) as tmp:
            book = Book(tmp, small=len(people) <= MAX_REPORT_CARDS)
            try:
                sheet_names: set[str] = set()
                for r in people:
                    write_card(book, r, ctx, cs, sheet_names)
            finally:
                book.close()
        written.append(path)
        done += len(people)
        if progress is not None:
            progress(done, len(report.results))
    return written
