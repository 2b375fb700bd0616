"""Serialise results: JSON (one document), JSONL (a line per person), CSV.

Decimals are written as JSON numbers with their exact digits (never through
a binary float), so the same input gives byte-identical output.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import IO, Any

from kpiscore.results import Report, person_dict


def dumps(value: Any, indent: int | None = 2) -> str:
    """JSON text with Decimals written digit for digit."""
    return "".join(_encode(value, indent, 0))


def _encode(value: Any, indent: int | None, level: int) -> Iterator[str]:
    if isinstance(value, Decimal):
        yield format(value, "f")
    elif isinstance(value, dict):
        if not value:
            yield "{}"
            return
        pad, sep = _pads(indent, level)
        yield "{"
        first = True
        for key, item in value.items():
            yield ("" if first else ",") + pad
            first = False
            yield json.dumps(str(key), ensure_ascii=False) + ": "
            yield from _encode(item, indent, level + 1)
        yield sep + "}"
    elif isinstance(value, (list, tuple)):
        if not value:
            yield "[]"
            return
        pad, sep = _pads(indent, level)
        yield "["
        for i, item in enumerate(value):
            yield ("" if i == 0 else ",") + pad
            yield from _encode(item, indent, level + 1)
        yield sep + "]"
    else:
        yield json.dumps(value, ensure_ascii=False)


def _pads(indent: int | None, level: int) -> tuple[str, str]:
    if indent is None:
        return "", ""
    return "\n" + " " * (indent * (level + 1)), "\n" + " " * (indent * level)


def write_json(report: Report, out: IO[str]) -> None:
    out.write(dumps(report.to_dict()))
    out.write("\n")


def jsonl_line(report_scheme: str, person: dict[str, Any]) -> str:
    return dumps({"scheme": report_scheme, **person}, indent=None) + "\n"


def write_jsonl(report: Report, out: IO[str]) -> None:
    for r in report.results:
        out.write(jsonl_line(report.scheme_id, person_dict(r, report.precision,
                                                           report.pay_precision,
                                                           report.has_sections)))


def _cell(value: Any) -> str:
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
        Decimal(text)
    except ArithmeticError:
        return False
    return True


def csv_header(report: Report) -> list[str]:
    head = ["row", "id", "name", "department", "status", "total"]
    if report.has_grades:
        head.append("grade")
    if report.has_pay:
        head.append("pay")
    head.append("veto")
    if report.results:
        head += [f"{i.id}" for i in report.results[0].indicators]
    head.append("errors")
    return head


def write_csv(report: Report, out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_header(report))
    for r in report.results:
        d = person_dict(r, report.precision, report.pay_precision)
        row: list[Any] = [d["row"], d["id"], d["name"], d["department"], d["status"],
                          d["total"]]
        if report.has_grades:
            row.append(d["grade"])
        if report.has_pay:
            row.append(d["pay"])
        row.append("; ".join(v["reason"] for v in d["veto"]["fired"]) if d["veto"] else "")
        row += [i["points"] for i in d["indicators"]]
        row.append("; ".join(f"{e['where']}: {e['message']}" for e in d["errors"]))
        writer.writerow([_cell(v) for v in row])


WRITERS = {"json": write_json, "jsonl": write_jsonl, "csv": write_csv}


def render(report: Report, fmt: str) -> str:
    buf = io.StringIO()
    WRITERS[fmt](report, buf)
    return buf.getvalue()


@contextmanager
def atomic_output(path: str, inputs: tuple[str, ...] = ()) -> Iterator[IO[str]]:
    """Write to a temporary file beside ``path`` and rename it into place at the end.

    An interrupted run leaves no partial file; an input file is never overwritten.
    """
    target = os.path.abspath(path)
    for inp in inputs:
        if os.path.exists(inp) and os.path.exists(target) and os.path.samefile(inp, target):
            raise ValueError(f"refusing to write over the input file {inp}")
    folder = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(prefix=".kpiscore-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
