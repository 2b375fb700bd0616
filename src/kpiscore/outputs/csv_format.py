"""CSV: one row per person, for spreadsheets and scripts."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from kpiscore.outputs.records import person_dict
from kpiscore.score.results import PersonResult, Report

if TYPE_CHECKING:
    from kpiscore.outputs import Options


#: with calibration moves applied: the grade that counts and each person's audit trail
CALIBRATION_COLUMNS = ["final_grade", "calibrated_from", "calibration_reason", "calibrated_by"]


def cell_text(value: Any) -> str:
    """CSV cell text; text that a spreadsheet would run as a formula is quoted with '."""
    if value is None:
        return ""
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


def stream_csv(head: Report, results: Iterable[PersonResult], out: IO[str],
               options: Options) -> None:
    """One row per person, written as people are scored."""
    if options.bom:
        out.write("\ufeff")
    csv.writer(out, lineterminator="\n").writerows(csv_rows(head, results))


def write_csv(report: Report, out: IO[str], options: Options) -> None:
    """One row per person: totals, grade, pay, veto, each indicator's points, errors."""
    stream_csv(report, report.results, out, options)


def csv_rows(report: Report, results: Iterable[PersonResult]) -> Iterator[list[str]]:
    """The header, then one row of cells per person."""
    columns = ["row", "id", "name", "department", "status", "total",
               *(["grade"] if report.has_grades else []), *(["pay"] if report.has_pay else []),
               "veto"]
    calibrated = report.summary.calibration is not None
    if calibrated:
        columns += CALIBRATION_COLUMNS
    yield [*columns, *report.indicator_ids, "errors"]
    for r in results:
        d = person_dict(r, report.precision, report.pay_precision)
        d["veto"] = "; ".join(v["reason"] for v in d["veto"]["fired"]) if d["veto"] else ""
        if calibrated:
            moved = d.get("calibration") or {}
            d["final_grade"] = report.counted_grade(r)
            d["calibrated_from"] = moved.get("from")
            d["calibration_reason"] = moved.get("reason")
            d["calibrated_by"] = moved.get("by")
        row = [d[c] for c in columns] + [i["points"] for i in d["indicators"]]
        row.append("; ".join(f"{e['where']}: {e['message']}" for e in d["errors"]))
        yield [cell_text(v) for v in row]
