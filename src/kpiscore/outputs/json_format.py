"""JSON and JSONL: Decimals written as JSON numbers with their exact digits (never
through a binary float), so the same input gives byte-identical output."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from json.encoder import py_encode_basestring
from typing import IO, TYPE_CHECKING, Any

from kpiscore.outputs.records import FORMAT_VERSION, person_dict, rank_dict, report_dict
from kpiscore.score.across import ranks
from kpiscore.score.results import PersonResult, Report

if TYPE_CHECKING:
    from kpiscore.outputs import Options

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
    elif isinstance(value, (dict, list, tuple)) and value:
        pad, close, colon = _pads(indent, level)
        is_dict = isinstance(value, dict)
        parts.append("{" if is_dict else "[")
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for i, (key, item) in enumerate(items):
            parts.append(pad if i == 0 else "," + pad)
            if is_dict:
                parts += [_string(str(key)), colon]
            _encode(item, parts, indent, level + 1)
        parts.append(close + ("}" if is_dict else "]"))
    else:  # null, true, false, other numbers, {} and []: as json writes them
        parts.append(json.dumps(value, ensure_ascii=False))


def _pads(indent: int | None, level: int) -> tuple[str, str, str]:
    if indent is None:
        return "", "", ":"
    return "\n" + " " * (indent * (level + 1)), "\n" + " " * (indent * level), ": "


def write_json(report: Report, out: IO[str], options: Options) -> None:
    """One JSON document: every person, the summary and problems (docs/json.md)."""
    out.write(dumps(report_dict(report)) + "\n")


def jsonl_line(scheme_id: str, person: dict[str, Any]) -> str:
    return dumps({"kpiscore": FORMAT_VERSION, "scheme": scheme_id, **person},
                 indent=None) + "\n"


_NO_RANK = '"rank":null'


def stream_jsonl(head: Report, results: Iterable[PersonResult], out: IO[str],
                 options: Options) -> None:
    """One JSON line per person, written as people are scored: lines wait in a spool
    file until every total is known, then go out with their ranks."""
    keys: list[tuple[Decimal | None, str | None]] = []
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="",
                                dir=os.environ.get("KPISCORE_SPOOL_DIR")) as spool:
        for r in results:
            keys.append((r.total if r.scored else None, r.department))
            spool.write(jsonl_line(head.scheme_id, person_dict(
                r, head.precision, head.pay_precision, head.has_sections)))
        spool.seek(0)
        for line, rank in zip(spool, ranks(keys), strict=True):
            if rank is not None:  # a quote inside a JSON string is escaped: no false match
                line = line.replace(_NO_RANK, '"rank":' + dumps(rank_dict(rank), indent=None),
                                    1)
            out.write(line)


def write_jsonl(report: Report, out: IO[str], options: Options) -> None:
    """One JSON line per person (docs/json.md), each with the scheme's id."""
    stream_jsonl(report, report.results, out, options)
