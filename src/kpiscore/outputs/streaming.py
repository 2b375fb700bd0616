"""JSONL and CSV written as rows are scored, so memory does not grow with the rows.

Ranks need every total, so JSONL lines go to a temporary spool file with
``"rank":null`` and only (total, department) is kept per person; once every
row is scored the ranks are computed and the spool is copied out with each
line's rank filled in. CSV carries no rank and is written directly.

Schemes that need every row before any result is final (forced distribution,
raters, periods, surveys) are not streamed: :func:`can_stream` says which.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, TYPE_CHECKING

from kpiscore.outputs import writers
from kpiscore.score.across import competition_ranks
from kpiscore.score.results import PersonResult, person_dict

if TYPE_CHECKING:
    from kpiscore.scheme.load import LoadedScheme

_NO_RANK = '"rank":null'


def can_stream(loaded: LoadedScheme, actuals: list[str]) -> bool:
    compiled = loaded.compiled
    return (len(actuals) == 1 and not compiled.grouped and not compiled.survey_of
            and compiled.scheme.distribution is None)


def write_stream(loaded: LoadedScheme, fmt: str, results: Iterator[PersonResult],
                 out: IO[str], source: str,
                 note: Callable[[PersonResult], None] = lambda r: None) -> None:
    """Write ``results`` as ``fmt`` (jsonl or csv) while they are being scored."""
    from kpiscore.api import make_report

    report = make_report(loaded, source, [])  # the header facts, no people
    if fmt == "csv":
        import csv

        writer = csv.writer(out, lineterminator="\n")
        for row in writers.csv_rows(report, _noted(results, note)):
            writer.writerow(row)
        return
    s = loaded.scheme
    pay_precision = s.pay.precision if s.pay else s.precision
    keys: list[tuple[Decimal | None, str | None]] = []
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="",
                                dir=os.environ.get("KPISCORE_SPOOL_DIR")) as spool:
        for r in _noted(results, note):
            scored = r.status == "ok" and r.total is not None
            keys.append((r.total if scored else None, r.department))
            spool.write(writers.jsonl_line(report.scheme_id, person_dict(
                r, s.precision, pay_precision, report.has_sections)))
        ranks = _ranks(keys)
        spool.seek(0)
        for line, rank in zip(spool, ranks, strict=True):
            if rank is not None:
                line = line.replace(_NO_RANK, '"rank":' + writers.dumps(rank, indent=None), 1)
            out.write(line)


def _noted(results: Iterator[PersonResult],
           note: Callable[[PersonResult], None]) -> Iterator[PersonResult]:
    for r in results:
        note(r)
        yield r


def _ranks(keys: list[tuple[Decimal | None, str | None]]) -> list[dict[str, int | None] | None]:
    """The rank object of each person, as across.rank would set it."""
    scored = [i for i, (total, _) in enumerate(keys) if total is not None]
    places = competition_ranks([keys[i][0] for i in scored])  # type: ignore[misc]
    out: list[dict[str, int | None] | None] = [None] * len(keys)
    for i, place in zip(scored, places, strict=True):
        out[i] = {"overall": place, "of": len(scored), "department": None,
                  "department_of": None}
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
            rank["department"], rank["department_of"] = place, len(members)
    return out
