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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from json.encoder import py_encode_basestring
from typing import IO, Any

from kpiscore.score.results import FORMAT_VERSION, PersonResult, Report, person_dict

try:  # the C version when the interpreter has it
    from json.encoder import c_encode_basestring as _c_string  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    _c_string = None
_string = _c_string or py_encode_basestring


def dumps(value: Any, indent: int | None = 2) -> str:
    """JSON text with Decimals written digit for digit.

    ``indent=None`` gives one compact line (JSONL). The standard encoder can
    only write a Decimal through a binary float, so each Decimal is handed to
    it as a marked string and the marks (with their quotes) are taken out
    afterwards; if the input itself held such a mark, the slow hand-written
    encoder does the whole document instead.
    """
    count = 0

    def mark(obj: Any) -> str:
        nonlocal count
        if type(obj) is Decimal:
            count += 1
            return _OPEN + format(obj, "f") + _CLOSE
        raise TypeError(f"{type(obj).__name__} is not JSON serializable")

    separators = (",", ":") if indent is None else (",", ": ")
    text = json.dumps(value, ensure_ascii=False, indent=indent, separators=separators,
                      default=mark)
    if text.count('"' + _OPEN) == count and text.count(_CLOSE + '"') == count:
        fast = text.replace('"' + _OPEN, "").replace(_CLOSE + '"', "")
        if _OPEN not in fast and _CLOSE not in fast:
            return fast
    parts: list[str] = []
    _encode(value, parts, indent, 0)
    return "".join(parts)


# private-use characters around a Decimal's digits: never in kpiscore's own output
_OPEN, _CLOSE = "\ue000", "\ue001"


def _encode(value: Any, parts: list[str], indent: int | None, level: int) -> None:
    kind = type(value)
    if kind is str:
        parts.append(_string(value))
    elif kind is Decimal:
        parts.append(format(value, "f"))
    elif value is None:
        parts.append("null")
    elif kind is bool:
        parts.append("true" if value else "false")
    elif kind is int:
        parts.append(str(value))
    elif isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        pad, close, colon = _pads(indent, level)
        parts.append("{")
        first = True
        for key, item in value.items():
            parts.append(pad if first else "," + pad)
            first = False
            parts.append(_string(str(key)))
            parts.append(colon)
            _encode(item, parts, indent, level + 1)
        parts.append(close + "}")
    elif isinstance(value, (list, tuple)):
        if not value:
            parts.append("[]")
            return
        pad, close, _ = _pads(indent, level)
        parts.append("[")
        for i, item in enumerate(value):
            parts.append(pad if i == 0 else "," + pad)
            _encode(item, parts, indent, level + 1)
        parts.append(close + "]")
    else:
        parts.append(json.dumps(value, ensure_ascii=False))


def _pads(indent: int | None, level: int) -> tuple[str, str, str]:
    if indent is None:
        return "", "", ":"
    return "\n" + " " * (indent * (level + 1)), "\n" + " " * (indent * level), ": "


def write_json(report: Report, out: IO[str]) -> None:
    out.write(dumps(report.to_dict()))
    out.write("\n")


def jsonl_line(report_scheme: str, person: dict[str, Any]) -> str:
    return dumps({"kpiscore": FORMAT_VERSION, "scheme": report_scheme, **person},
                 indent=None) + "\n"


def write_jsonl(report: Report, out: IO[str],
                results: Iterable[PersonResult] | None = None) -> None:
    """One line per person; ``results`` (default: the report's) may be a lazy stream."""
    for r in report.results if results is None else results:
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
        return Decimal(text).is_finite()  # "-Infinity" is text to a spreadsheet
    except ArithmeticError:
        return False


def csv_header(report: Report) -> list[str]:
    head = ["row", "id", "name", "department", "status", "total"]
    if report.has_grades:
        head.append("grade")
    if report.has_pay:
        head.append("pay")
    head.append("veto")
    head += report.indicator_ids
    head.append("errors")
    return head


def write_csv(report: Report, out: IO[str],
              results: Iterable[PersonResult] | None = None) -> None:
    """One row per person; ``results`` (default: the report's) may be a lazy stream."""
    writer = csv.writer(out, lineterminator="\n")
    for row in csv_rows(report, report.results if results is None else results):
        writer.writerow(row)


def csv_rows(report: Report, results: Iterable[PersonResult]) -> Iterator[list[str]]:
    """The header, then one row of cells per person."""
    yield csv_header(report)
    for r in results:
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
        yield [_cell(v) for v in row]


WRITERS = {"json": write_json, "jsonl": write_jsonl, "csv": write_csv}
#: Formats written row by row as people are scored (memory does not grow with rows).
STREAMING = {"jsonl": write_jsonl, "csv": write_csv}


def render(report: Report, fmt: str) -> str:
    buf = io.StringIO()
    WRITERS[fmt](report, buf)
    return buf.getvalue()


def refuse_input(path: str, inputs: tuple[str, ...]) -> None:
    """Raise ValueError if ``path`` is one of the input files."""
    target = os.path.abspath(path)
    for inp in inputs:
        if os.path.exists(inp) and os.path.exists(target) and os.path.samefile(inp, target):
            raise ValueError(f"refusing to write over the input file {inp}")


@contextmanager
def atomic_path(path: str, inputs: tuple[str, ...] = ()) -> Iterator[str]:
    """Like :func:`atomic_output` for writers that want a file name (workbooks)."""
    target = os.path.abspath(path)
    refuse_input(path, inputs)
    folder = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(prefix=".kpiscore-", suffix=os.path.splitext(path)[1] + ".tmp",
                               dir=folder)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


@contextmanager
def atomic_output(path: str, inputs: tuple[str, ...] = ()) -> Iterator[IO[str]]:
    """Write to a temporary file beside ``path`` and rename it into place at the end.

    An interrupted run leaves no partial file; an input file is never overwritten.
    """
    with atomic_path(path, inputs) as tmp, open(tmp, "w", encoding="utf-8",
                                                 newline="") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
