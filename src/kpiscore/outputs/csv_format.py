"""CSV: one row per person, for spreadsheets and scripts (docs/json.md, "CSV").

The columns are those of a JSON result, flattened, in one documented order; which ones
a scheme gets depends on the scheme alone (not on the rows), so that the header row is
written from the :class:`~kpiscore.score.results.Report`'s head before any result.
Headers are ``labels`` (in the run's language, a scheme part's title with its id:
``任务绩效 (performance)``) or ``ids`` (the same in every language, for scripts). Rows
wait in a spool file until every total is known for the ranks, as JSON's do: memory
stays flat, and an input that turns out unreadable part-way writes nothing.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from kpiscore.base import i18n
from kpiscore.base.i18n import Phrase, t
from kpiscore.outputs.records import _fixed, person_dict
from kpiscore.score.across import Standings
from kpiscore.score.results import Heading, PersonResult, Rank, Report

if TYPE_CHECKING:
    from kpiscore.outputs import Options

RANK = Phrase("rank", "排名")
RANK_OF = Phrase("people ranked", "参与排名人数")
DEPARTMENT_RANK = Phrase("department rank", "部门排名")
DEPARTMENT_RANK_OF = Phrase("people ranked in the department", "部门参与排名人数")
QUOTA_GRADE = Phrase("forced grade", "强制分布等级")
PASSED = Phrase("passed", "是否达标")
CONTRIBUTION = Phrase("{column} contribution", "{column} 贡献")
#: with calibration moves applied (绩效校准): the grade that counts, each person's audit trail
CALIBRATION = (("final_grade", Phrase("final grade", "最终等级")),
               ("calibrated_from", Phrase("calibrated from", "校准前等级")),
               ("calibration_reason", Phrase("calibration reason", "校准原因")),
               ("calibrated_by", Phrase("calibrated by", "调整人")))


def cell_text(value: Any) -> str:
    """CSV cell text; text that a spreadsheet would run as a formula is quoted with '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()  # "-Infinity" is text to a spreadsheet
    except ArithmeticError:
        return False


@dataclass(frozen=True)
class Column:
    """One column: its id (the ``ids`` header), its ``labels`` header, and its value in
    a person's result as :func:`~kpiscore.outputs.records.person_dict` gives it."""

    id: str
    label: str
    value: Callable[[dict[str, Any]], Any]


def _field(name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda d: d[name]


def _part(kind: str, part: str, key: str) -> Callable[[dict[str, Any]], Any]:
    """A section's, dimension's or pay line's ``key`` (None when the result has none)."""
    def value(d: dict[str, Any]) -> Any:
        for item in d.get(kind) or ():
            if item["id"] == part:
                return item[key]
        return None
    return value


def _titled(h: Heading) -> str:
    """``任务绩效 (performance)``: a person reads the title, a script finds the id."""
    return h.id if h.title == h.id else f"{h.title} ({h.id})"


def _veto(d: dict[str, Any]) -> str:
    return "; ".join(v["reason"] for v in d["veto"]["fired"]) if d["veto"] else ""


def _errors(d: dict[str, Any]) -> str:
    return "; ".join(f"{e['where']}: {e['message']}" for e in d["errors"])


#: the rank columns, filled in once every total is known
_RANKS = ("rank", "rank_of", "department_rank", "department_rank_of")


def columns(head: Report, lang: str | None = None) -> list[Column]:
    """Every column a result of this scheme gets, in order, labelled in ``lang`` (the
    run's language by default). Documented in docs/json.md ("CSV")."""
    lang = i18n.normalise(lang or i18n.current())

    def fixed(name: str) -> Column:
        return Column(name, t(name, lang), _field(name))

    def group(kind: str, prefix: str, h: Heading) -> list[Column]:
        label = _titled(h)
        return [Column(f"{prefix}.{h.id}.score", label, _part(kind, h.id, "score")),
                Column(f"{prefix}.{h.id}.contribution",
                       CONTRIBUTION(column=label).render(lang),
                       _part(kind, h.id, "contribution"))]

    out = [fixed("row"), fixed("id"), fixed("name"), fixed("department")]
    if head.has_periods:
        out.append(fixed("period"))
    out += [fixed("status"), fixed("total"),
            *(Column(name, phrase.pick(lang), lambda d: None) for name, phrase in zip(
                _RANKS, (RANK, RANK_OF, DEPARTMENT_RANK, DEPARTMENT_RANK_OF), strict=True))]
    if head.has_grades:
        out.append(fixed("grade"))
    if head.has_quotas:
        out.append(Column("quota_grade", QUOTA_GRADE.pick(lang), _field("quota_grade")))
    if head.has_pass:
        out.append(Column("passed", PASSED.pick(lang), _field("passed")))
    lines = list(head.pay_lines)
    if head.has_pay:  # the first pay line is the scheme's pay, titled or not
        pay = lines.pop(0) if lines and lines[0].id == "pay" else Heading("pay", "pay")
        out.append(Column("pay", t("pay", lang) if pay.title == pay.id else _titled(pay),
                          _field("pay")))
    out += [Column(f"pay.{h.id}", _titled(h), _part("pay_lines", h.id, "amount"))
            for h in lines]
    out.append(Column("veto", t("veto", lang), _veto))
    if head.summary.calibration is not None:
        out += [Column(name, phrase.pick(lang), _field(name)) for name, phrase in CALIBRATION]
    for h in head.sections:
        out += group("sections", "section", h)
    for h in head.dimensions:
        if not h.implicit:  # the same numbers as its section's, or the total's
            out += group("dimensions", "dimension", h)
    for h in head.indicators:
        out.append(Column(h.id, _titled(h), _points(h.id)))
    out.append(Column("errors", t("explain.errors", lang), _errors))
    return out


def _points(indicator: str) -> Callable[[dict[str, Any]], Any]:
    return _part("indicators", indicator, "points")


def stream_csv(head: Report, results: Iterable[PersonResult], out: IO[str],
               options: Options) -> None:
    """A header row, then one row per person, in input order. Written as people are
    scored: rows wait in a spool file (memory stays flat) until every total is known
    for the ranks; nothing, not even the header, is written before the last."""
    cols = columns(head)
    at = next(k for k, c in enumerate(cols) if c.id == _RANKS[0])
    encode = encoder_csv(head)
    standings = Standings()
    with _spool() as spool:
        for r in results:
            standings.add(r)
            spool.write((encode(r) if r.encoded is None else r.encoded).decode() + "\n")
        spool.seek(0)
        if options.bom:
            out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([cell_text(c.id if options.csv_headers == "ids" else c.label)
                         for c in cols])
        for row, rank in zip(csv.reader(spool), standings.ranks(), strict=True):
            row[at:at + len(_RANKS)] = _rank_cells(rank)
            writer.writerow(row)


def encoder_csv(head: Report) -> Callable[[PersonResult], bytes]:
    """A person's row as :func:`stream_csv` spools it, before its ranks and without its
    line end, UTF-8 (a worker process encodes with it)."""
    cols = columns(head)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")

    def encode(r: PersonResult) -> bytes:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_cells(cols, r, head))
        return buffer.getvalue()[:-1].encode()

    return encode


def write_csv(report: Report, out: IO[str], options: Options) -> None:
    """One row per person: totals, ranks, grades, pay and pay lines, vetoes, each
    section's and dimension's score and contribution, each indicator's points, errors."""
    stream_csv(report, report.results, out, options)


def _cells(cols: list[Column], r: PersonResult, head: Report) -> list[str]:
    d = person_dict(r, head.precision, head.pay_precision, head.has_sections,
                    indicators=False)
    # of an indicator a row shows only its points: not its whole dict (most of the time)
    d["indicators"] = [{"id": i.id, "points": _fixed(i.points, head.precision)}
                       for i in r.indicators]
    if head.summary.calibration is not None:
        moved = d.get("calibration") or {}
        d.update(final_grade=head.counted_grade(r), calibrated_from=moved.get("from"),
                 calibration_reason=moved.get("reason"), calibrated_by=moved.get("by"))
    return [cell_text(c.value(d)) for c in cols]


def _rank_cells(rank: Rank | None) -> list[str]:
    if rank is None:
        return [""] * len(_RANKS)
    return [cell_text(v) for v in (rank.overall, rank.of, rank.department, rank.department_of)]


def _spool() -> IO[str]:
    return tempfile.TemporaryFile("w+", encoding="utf-8", newline="",
                                  dir=os.environ.get("KPISCORE_SPOOL_DIR"))
