"""JSON and JSONL: Decimals written as JSON numbers with their exact digits (never
through a binary float), so the same input gives byte-identical output."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from decimal import Decimal
from json.encoder import py_encode_basestring
from typing import IO, TYPE_CHECKING, Any

from kpiscore.base.numbers import round_half_up
from kpiscore.outputs.records import (
    FORMAT_VERSION,
    _fixed,
    _short,
    indicator_dict,
    person_dict,
    report_dict,
)
from kpiscore.score.across import Standings
from kpiscore.score.results import (
    GroupResult,
    IndicatorResult,
    PersonResult,
    Rank,
    Report,
    Summary,
    Tally,
)

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


class _People:
    """People as JSON text in UTF-8 (standing alone, ``indent`` as dumps takes it), each
    shared indicator result encoded once: it is most of every person's text, and kept
    as UTF-8 it is half the memory and needs no encoding per person."""

    def __init__(self, head: Report, indent: int | None,
                 first: dict[str, Any] | None = None) -> None:
        self.head = head
        self.indent = indent
        self.first = first
        #: per group id: its title, section and weight, its text per contribution and its
        #: text around its two numbers (score, contribution)
        self.groups: dict[str, tuple[Any, Any, Any, dict[Decimal | None, str],
                                     tuple[str, str, str] | None]] = {}
        #: an indicator's constant fields and its text with holes (:meth:`_template`)
        self.templates: dict[str, tuple[Any, ...]] = {}
        if indent is None:
            self.open, self.item, self.close, self.end = ',"indicators":[', "", "]}", "}"
            pad, colon = "", ":"
        else:
            pad = " " * indent
            self.open = f',\n{pad}"indicators": ['
            self.item, self.close, self.end = "\n" + pad * 2, f"\n{pad}]\n}}", "\n}"
            pad, colon = "\n" + pad, ": "
        self.open_b, self.item_b, self.close_b = (
            t.encode() for t in (self.open, self.item, self.close))
        self.joint = ("," + self.item).encode()
        # plain_fields's text with a hole ({}) for every value that is not the same for
        # every plain person
        keys = [_string(k) + colon + _value(v).replace("{", "{{").replace("}", "}}")
                for k, v in (first or {}).items()]
        keys += [f'"{k}"{colon}{{}}' for k in ("row", "id", "name", "department", "period")]
        keys += [f'"status"{colon}"ok"', f'"errors"{colon}[]', f'"total"{colon}{{}}',
                 f'"rank"{colon}null']
        keys += [f'"{k}"{colon}{{}}' for k in ("grade", "quota_grade", "passed", "pay")]
        keys.append(f'"veto"{colon}null')
        if head.has_sections:
            keys.append(f'"sections"{colon}{{}}')
        keys.append(f'"dimensions"{colon}{{}}')
        self.template = "{{" + pad + ("," + pad).join(keys)

    def indicator(self, i: IndicatorResult) -> bytes:
        """An indicator's text, remembered on a shared result (for this encoder)."""
        memo = i.memo
        if memo is not None and memo[0] is self:
            return memo[1]  # type: ignore[no-any-return]
        text = self._indicator(i).encode()
        if i.shared:
            object.__setattr__(i, "memo", (self, text))  # a cache, not the result's value
        return text

    def _indicator(self, i: IndicatorResult) -> str:
        """An indicator's text: through its indicator's template (what is the same for
        every person, written once) when it has no survey, else the generic way."""
        made = self.templates.get(i.id) if i.survey is None else None
        if made is not None and made[0] is i.title and made[1] is i.dimension \
                and made[2] is i.target and made[3] is i.full_marks and made[4] is i.weight:
            p = self.head.precision
            actual, points, contribution = i.actual, i.points, i.contribution
            template: str = made[5]
            return template.format(
                _value(_short(actual, p)) if actual is not None else "null",
                "null" if points is None else format(round_half_up(points, p), "f"),
                "null" if contribution is None else
                format(round_half_up(contribution, p), "f"),
                _string(i.explanation))
        text = dumps(indicator_dict(i, self.head.precision), self.indent)
        if self.indent is not None:
            text = text.replace("\n", self.item)
        if made is None and i.survey is None and len(self.templates) < 10_000 \
                and "\ue010" not in i.id + i.title + i.dimension:  # the marks' own
            self.templates[i.id] = (i.title, i.dimension, i.target, i.full_marks, i.weight,
                                    self._template(i))
        return text

    def _template(self, i: IndicatorResult) -> str:
        """``i``'s text with a hole for its actual, points, contribution and explanation:
        the generic text of ``i`` with marks in their place."""
        marks = [f"\ue010{n}\ue010" for n in range(4)]  # 1 and 2 (numbers) are nulls
        text = dumps(indicator_dict(replace(i, actual=marks[0], points=None,
                                            contribution=None, explanation=marks[3]),
                                    self.head.precision), self.indent)
        if self.indent is not None:
            text = text.replace("\n", self.item)
        text = text.replace("{", "{{").replace("}", "}}")
        colon = ":" if self.indent is None else ": "
        for hole in (0, 3):  # the actual and the explanation
            text = text.replace(f'"{marks[hole]}"', "{" + str(hole) + "}", 1)
        for name, hole in (("points", 1), ("contribution", 2)):
            text = text.replace(f'"{name}"{colon}null', f'"{name}"{colon}{{{hole}}}', 1)
        return text

    def person(self, r: PersonResult, first: dict[str, Any] | None = None) -> bytes:
        head = self.head
        if _plain(r) and first is self.first:
            body = self.plain_fields(r)
        else:
            fields = person_dict(r, head.precision, head.pay_precision, head.has_sections,
                                 indicators=False)
            text = dumps({**first, **fields} if first else fields, self.indent)
            body = text[:-len(self.end)]  # without the closing brace
        if not r.indicators:
            return (body + self.open + "]" + self.end).encode()
        texts = [m[1] if (m := i.memo) is not None and m[0] is self else self.indicator(i)
                 for i in r.indicators]
        return body.encode() + self.open_b + self.item_b + self.joint.join(texts) \
            + self.close_b

    def plain_fields(self, r: PersonResult) -> str:
        """What ``dumps(person_dict(r, indicators=False))`` writes (after ``first``),
        without its closing brace, for a person :func:`_plain` admits (most people),
        built straight from the values: the generic path spends most of its time on
        dicts and marks. A property test holds the two to the same bytes."""
        head = self.head
        precision = head.precision
        total = r.total
        pay = r.pay
        values = [r.row, _text(r.id), _text(r.name), _text(r.department), _text(r.period),
                  "null" if total is None else format(round_half_up(total, precision), "f"),
                  _text(r.grade), _text(r.quota_grade), _BOOL[r.passed],
                  "null" if pay is None else format(round_half_up(pay, head.pay_precision),
                                                    "f")]
        if head.has_sections:
            values.append(self._groups(r.sections))
        values.append(self._groups(r.dimensions))
        return self.template.format(*values)

    def _groups(self, groups: list[GroupResult]) -> str:
        if not groups:
            return "[]"
        known = self.groups
        precision = self.head.precision
        texts = []
        for g in groups:
            # a group's texts by its contribution, while its id, title, section and
            # weight are the objects they were (every person's groups share them)
            entry = known.get(g.id)
            if entry is None or entry[0] is not g.title or entry[1] is not g.section \
                    or entry[2] is not g.weight:
                text = self._group(g)
                if entry is None and len(known) < 10_000:
                    known[g.id] = (g.title, g.section, g.weight, {g.contribution: text},
                                   self._group_around(g))
                texts.append(text)
                continue
            by = entry[3]
            contribution = g.contribution
            got = by.get(contribution)
            if got is None:
                around = entry[4]
                if around is None or contribution is None:
                    got = self._group(g)
                else:  # what _group writes, its numbers filled in (a sixth of the groups)
                    score = g.score()
                    got = (around[0] + ("null" if score is None else
                                        format(round_half_up(score, precision), "f"))
                           + around[1] + format(round_half_up(contribution, precision), "f")
                           + around[2])
                if len(by) < 10_000:
                    by[contribution] = got
            texts.append(got)
        if self.indent is None:
            return "[" + ",".join(texts) + "]"
        item, outer = (" " * (self.indent * level) for level in (2, 1))
        return "[\n" + item + (",\n" + item).join(texts) + "\n" + outer + "]"

    def _group_around(self, g: GroupResult) -> tuple[str, str, str] | None:
        """``_group``'s text of ``g``'s group before its score, between its score and
        contribution, and after them (None if the marks cannot be found)."""
        colon = ":" if self.indent is None else ": "
        text = self._group(replace(g, contribution=None))  # both numbers null
        before, score, rest = text.partition(f'"score"{colon}null')
        middle, contribution, after = rest.partition(f'"contribution"{colon}null')
        if not score or not contribution or "null" in after:
            return None
        return before + f'"score"{colon}', middle + f'"contribution"{colon}', after

    def _group(self, g: GroupResult) -> str:
        precision = self.head.precision
        pairs = [('"id"', _string(g.id)), ('"title"', _string(g.title))]
        if g.section is not None:
            pairs.append(('"section"', _string(g.section)))
        pairs += [('"weight"', _value(_short(g.weight, precision))),
                  ('"score"', _number(_fixed(g.score(), precision))),
                  ('"contribution"', _number(_fixed(g.contribution, precision)))]
        if self.indent is None:
            return "{" + ",".join(k + ":" + v for k, v in pairs) + "}"
        inner, item = (" " * (self.indent * level) for level in (3, 2))
        return ("{\n" + inner + (",\n" + inner).join(k + ": " + v for k, v in pairs)
                + "\n" + item + "}")


def _plain(r: PersonResult) -> bool:
    """A person whose fields :meth:`_People.plain_fields` writes: scored or not, with
    none of the parts only some people have."""
    return (not r.errors and not r.vetoes and r.rank is None and r.pay_lines is None
            and r.raters is None and r.periods is None and r.calibration is None)


_BOOL = {None: "null", True: "true", False: "false"}


def _text(value: str | None) -> str:
    return "null" if value is None else _string(value)


def _number(value: Decimal | None) -> str:
    return "null" if value is None else format(value, "f")


def _value(value: Any) -> str:
    """A scalar as ``dumps`` writes it."""
    if type(value) is Decimal:
        return format(value, "f")
    return _text(value) if value is None or isinstance(value, str) else json.dumps(value)


#: stands for a line break inside a spooled person (JSON text never holds it raw)
_BREAK = "\x1e"


def _ranked(spool: IO[bytes], standings: Standings,
            rank_text: tuple[bytes, Callable[[Rank], str]]) -> Iterable[bytes]:
    """The spooled people with their ranks filled in (a quote inside a JSON string is
    escaped, so the placeholder cannot be matched inside a value)."""
    spool.seek(0)
    placeholder, text = rank_text
    for line, rank in zip(spool, standings.ranks(), strict=True):
        yield line if rank is None else line.replace(placeholder, text(rank).encode(), 1)


def _spooled(r: PersonResult, encode: Callable[[PersonResult], bytes]) -> bytes:
    """A person's spooled line, UTF-8 (as a worker sent it, or encoded here), so that
    the spool is written and read back without decoding: decoding text that holds
    Chinese costs more than encoding the person did."""
    return (encode(r) if r.encoded is None else r.encoded) + b"\n"


def _bytes_to(out: IO[str]) -> Callable[[bytes], object]:
    """How to write UTF-8 bytes to ``out``: straight to its byte buffer when it writes
    UTF-8 (an output of kpiscore's own, :mod:`kpiscore.outputs.files`), else decoded,
    through its text layer."""
    opener = getattr(out, "utf8_writer", None)
    write = opener() if opener is not None else None
    return write if write is not None else (lambda data: out.write(data.decode()))


def encoder_json(head: Report) -> Callable[[PersonResult], bytes]:
    """A person as :func:`stream_json` spools them, UTF-8 (a worker process encodes
    with it)."""
    people = _People(head, 2)
    brk = _BREAK.encode()
    return lambda r: people.person(r).replace(b"\n", brk)


def encoder_jsonl(head: Report) -> Callable[[PersonResult], bytes]:
    """A person's line as :func:`stream_jsonl` writes it, before its rank, UTF-8."""
    first = {"kpiscore": FORMAT_VERSION, "scheme": head.scheme_id}
    people = _People(head, None, first)
    return lambda r: people.person(r, first)


def stream_json(head: Report, results: Iterable[PersonResult], out: IO[str],
                options: Options) -> None:
    """One JSON document: every person, the summary and problems (docs/json.md). Written
    as people are scored: they wait in a spool file (memory stays flat) until every
    total is known for the ranks and the summary."""
    encode = encoder_json(head)
    tally = Tally()
    standings = Standings()
    with _spool() as spool:
        for r in results:
            tally.add(r)
            standings.add(r)
            spool.write(_spooled(r, encode))
        summary = head.summary if head.results else _summary(head, tally)
        doc = dumps(report_dict(replace(head, results=[], summary=summary)))
        before, after = doc.split('"results": []', 1)
        out.write(before + '"results": [')
        write = _bytes_to(out)
        brk, item = _BREAK.encode(), b"\n    "
        people = 0
        ranked = _ranked(spool, standings, (b'"rank": null', _rank_block))
        for block in _in_blocks(line[:-1].replace(brk, item)  # without its line break
                                for line in ranked):
            if block:
                write((b"," if people else b"") + item + (b"," + item).join(block))
                people += len(block)
        out.write(("\n  ]" if people else "]") + after + "\n")


def write_json(report: Report, out: IO[str], options: Options) -> None:
    """One JSON document: every person, the summary and problems (docs/json.md)."""
    stream_json(report, report.results, out, options)


def stream_jsonl(head: Report, results: Iterable[PersonResult], out: IO[str],
                 options: Options) -> None:
    """One JSON line per person, written as people are scored: lines wait in a spool
    file until every total is known, then go out with their ranks."""
    encode = encoder_jsonl(head)
    standings = Standings()
    with _spool() as spool:
        for r in results:
            standings.add(r)
            spool.write(_spooled(r, encode))
        write = _bytes_to(out)
        for block in _in_blocks(_ranked(spool, standings, (b'"rank":null', _rank_line))):
            write(b"".join(block))


def _rank_text(rank: Rank, layout: tuple[str, str, str, str]) -> str:
    """``"rank"`` and what the JSON encoder writes of ``rank_dict(rank)`` (whole numbers
    and nulls only) in ``layout`` (after the key, before the first field, between the
    fields, after the last), without the encoder: it is once a person."""
    colon, first, between, last = layout
    department, of = rank.department, rank.department_of
    return (f'"rank"{colon}{{{first}"overall"{colon}{rank.overall}{between}"of"{colon}{rank.of}'
            f'{between}"department"{colon}{"null" if department is None else department}'
            f'{between}"department_of"{colon}{"null" if of is None else of}{last}}}')


#: a JSONL line's rank: ``dumps(rank_dict(rank), indent=None)``
_LINE = (":", "", ",", "")
#: a spooled person's rank in the JSON document: indented, its line breaks as _BREAK and
#: two spaces deeper
_BLOCK = (": ", _BREAK + "    ", "," + _BREAK + "    ", _BREAK + "  ")


def _rank_line(rank: Rank) -> str:
    return _rank_text(rank, _LINE)


def _rank_block(rank: Rank) -> str:
    return _rank_text(rank, _BLOCK)


def _in_blocks(texts: Iterable[bytes]) -> Iterator[list[bytes]]:
    """``texts`` in lists of about :data:`BLOCK` bytes (the last may be empty): a write
    a person had cost a tenth of writing them out."""
    block: list[bytes] = []
    held = 0
    for text in texts:
        block.append(text)
        held += len(text)
        if held >= BLOCK:
            yield block
            block, held = [], 0
    yield block


def write_jsonl(report: Report, out: IO[str], options: Options) -> None:
    """One JSON line per person (docs/json.md), each with the scheme's id."""
    stream_jsonl(report, report.results, out, options)


#: the spool's buffer: a person's line is several KiB, so the default (8 KiB) made
#: nearly every line a system call
SPOOL_BUFFER = 1 << 20
#: how much of the ranked lines is written at a time
BLOCK = 1 << 18


def _spool() -> IO[bytes]:
    return tempfile.TemporaryFile("w+b", buffering=SPOOL_BUFFER,
                                  dir=os.environ.get("KPISCORE_SPOOL_DIR"))


def _summary(head: Report, tally: Tally) -> Summary:
    grades = head.summary.grades
    return tally.summary([g for g, _ in grades], head.summary.passed is not None)
