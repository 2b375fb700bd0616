"""The registry of output formats: one entry per format, each a small documented unit.

A format writes a whole :class:`~kpiscore.score.results.Report`; a streaming one
can also write results as they are scored (memory stays flat however many
people). evaluate and batch take their choices, file suffixes and writers from
here: adding a format is one module and one line below.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from kpiscore.base.lazy import resolve

if TYPE_CHECKING:
    from kpiscore.scheme.load import LoadedScheme
    from kpiscore.score.results import PersonResult, Report


@dataclass(frozen=True)
class Options:
    """What some formats need beyond the results: the scheme (the report's cards), the
    period's label, someone to tell how far writing has got, and someone to tell what
    a format left out (the report's cards of a large run), in the run's language."""

    loaded: LoadedScheme | None = None
    period: str | None = None
    progress: Callable[[int, int], None] | None = None
    notice: Callable[[str], None] | None = None
    #: csv: begin with a byte-order mark (Excel and WPS read UTF-8 by it)
    bom: bool = False
    #: csv: head the columns by ``ids`` (the same in every language, for programs) or by
    #: ``labels`` (in the run's language, a part's title with its id, for people)
    csv_headers: Literal["labels", "ids"] = "ids"


Writer = Callable[["Report", Any, Options], None]
#: a streamer writes to a text stream, or with ``to_file`` to a file name
Streamer = Callable[["Report", Iterable["PersonResult"], Any, Options], None]


@dataclass(frozen=True)
class Format:
    """An output format: ``module.write`` writes a whole report (to a text stream, or
    with ``to_file`` to a file name); ``module.stream``, if the format has one, writes
    results as they are scored. Modules are imported when first used."""

    name: str
    suffixes: tuple[str, ...]
    module: str
    streams: bool = False
    #: written to a file name (a workbook), never to standard output
    to_file: bool = False
    #: ``module.encoder_<name>(head)`` gives each person's streamed text (UTF-8 bytes),
    #: so that worker processes can encode people (score/workers.py)
    encodes: bool = False

    @property
    def write(self) -> Writer:
        return cast(Writer, resolve(f"kpiscore.outputs.{self.module}:write_{self.name}"))

    @property
    def stream(self) -> Streamer:
        return cast(Streamer, resolve(f"kpiscore.outputs.{self.module}:stream_{self.name}"))

    @property
    def encoder(self) -> Callable[[Report], Callable[[PersonResult], bytes]]:
        return cast(Callable[["Report"], Callable[["PersonResult"], bytes]],
                    resolve(f"kpiscore.outputs.{self.module}:encoder_{self.name}"))

    @property
    def doc(self) -> str:
        return (self.write.__doc__ or "").strip()


#: Every format by name, in the order they are documented (and batch writes them).
FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("json", (".json",), "json_format", streams=True, encodes=True),
    Format("jsonl", (".jsonl", ".ndjson"), "json_format", streams=True, encodes=True),
    Format("csv", (".csv",), "csv_format", streams=True, encodes=True),
    Format("xlsx", (".xlsx",), "report_xlsx", streams=True, to_file=True, encodes=True),
)}


def bom_for(path: str | None) -> bool:
    """The byte-order-mark default, one rule for evaluate and batch: a ``.csv`` file
    begins with one (Excel and WPS read UTF-8 by it, and show Chinese garbled
    without); standard output (``None``) never does, for the pipe's sake."""
    return path is not None and path.lower().endswith(".csv")


def csv_headers_for(path: str | None) -> Literal["labels", "ids"]:
    """The CSV headers' default, one rule for evaluate and batch, as for the byte-order
    mark: a file (``-o x.csv``, a batch output) is for a person in Excel or WPS, headed
    by ``labels`` in the run's language; standard output (``None``) is for a program,
    headed by ``ids``, whatever the language."""
    return "ids" if path is None else "labels"


def for_path(path: str, default: str = "json") -> str:
    """The format a file name asks for by its suffix (``results.csv`` → csv)."""
    ext = os.path.splitext(path)[1].lower()
    return next((f.name for f in FORMATS.values() if ext in f.suffixes), default)


def render(report: Report, name: str, options: Options | None = None) -> str:
    """A report written in a text format, as a string (``render(report, "csv")``)."""
    import io

    buffer = io.StringIO()
    FORMATS[name].write(report, buffer, options or Options())
    return buffer.getvalue()
