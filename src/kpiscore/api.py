"""The library's front door: load, validate and evaluate without the CLI."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kpiscore.base.errors import Finding, InputUnreadable, SchemeInvalid
from kpiscore.score.results import PersonResult, Report, RowError

if TYPE_CHECKING:
    from kpiscore.base.limits import Limits
    from kpiscore.scheme.load import LoadedScheme
    from kpiscore.score.engine import Injection

SCHEME_SUFFIXES = (".yaml", ".yml")


def _loaded(scheme: LoadedScheme | str | os.PathLike[str]) -> LoadedScheme:
    from kpiscore.scheme.load import LoadedScheme, load_scheme

    return scheme if isinstance(scheme, LoadedScheme) else load_scheme(scheme)


@dataclass
class Evaluation:
    """A running evaluation: ``header_problems`` is known before the first row."""

    loaded: LoadedScheme
    source: str
    header_problems: list[RowError] = field(default_factory=list)


def iter_results(scheme: LoadedScheme | str | os.PathLike[str],
                 actuals: str | os.PathLike[str], *, encoding: str | None = None,
                 sheet: str | None = None, max_bytes: int | None = None,
                 limits: Limits | None = None,
                 injections: Callable[[str | None], Mapping[str, Injection]] | None = None
                 ) -> Iterator[PersonResult]:
    """Score every row of ``actuals``, one :class:`PersonResult` per non-blank row.

    ``limits`` (default: :meth:`Limits.from_env`) bounds what is read;
    ``max_bytes`` overrides its ``input_bytes``. ``injections`` gives a person's
    survey actuals by id. Results carry no ranks (those need every row): see
    :func:`evaluate_file`.
    """
    from kpiscore.io.cells import is_blank
    from kpiscore.io.readers import open_actuals
    from kpiscore.score.engine import cell_text

    loaded = _loaded(scheme)
    compiled = loaded.compiled
    with open_actuals(actuals, encoding=encoding, sheet=sheet, max_bytes=max_bytes,
                      limits=limits) as table:
        binding = compiled.bind(table.header, table.where)
        if binding.problems:  # a column is missing: say why the header may not be right
            binding.problems.extend(RowError(table.where(col), note)
                                    for col, note in table.header_notes())
        seen: dict[str, tuple[int, str]] = {}
        last = table.header_row
        try:
            for row in table.rows:
                last = row.number
                if all(is_blank(v) for v in row.values):
                    continue
                number = row.number

                def where(col: int, _n: int = number) -> str:
                    return table.where(col, _n)

                pct = row.percent
                injected = None
                if injections is not None:
                    cells = row.values
                    col = binding.id_col
                    injected = injections(cell_text(cells[col]) if col is not None
                                          and col < len(cells) else None)
                result = compiled.evaluate(binding, number, row.values, where,
                                           pct.__contains__, injected)
                if result.id is not None:
                    # ids that differ only in white space ("E001" and "E 001") are one person
                    key = "".join(result.id.split())
                    if key in seen:
                        first, spelt = seen[key]
                        how = "" if spelt == result.id else \
                            f", written {spelt!r}: they differ only in white space"
                        result.errors.append(RowError(
                            where(binding.id_col or 0),
                            f"duplicate id {result.id!r} (also on row {first}{how})"))
                        result.status = "error"
                        result.total = result.grade = result.pay = None
                    else:
                        seen[key] = (number, result.id)
                yield result
        except InputUnreadable:
            raise
        except (OSError, ValueError, KeyError, EOFError) as exc:
            # a workbook can be damaged past the header (truncated zip member, bad XML)
            raise InputUnreadable(f"{os.fspath(actuals)}: cannot read past row {last}: "
                                  f"{exc}") from None


def evaluate_file(scheme: LoadedScheme | str | os.PathLike[str],
                  actuals: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *,
                  encoding: str | None = None, sheet: str | None = None,
                  max_bytes: int | None = None, limits: Limits | None = None,
                  responses: Mapping[str | None, str | os.PathLike[str]] | None = None
                  ) -> Report:
    """Score a whole actuals file into a :class:`Report` (results in input order), with
    ranks, forced distribution and the summary.

    ``actuals`` may be several files, one per period (the scheme's ``rollup`` says how
    they roll up). ``responses`` gives the survey responses' file: ``{None: path}`` for
    every survey, or by survey id.
    """
    from kpiscore.score.pipeline import evaluate

    loaded = _loaded(scheme)
    files = [actuals] if isinstance(actuals, (str, os.PathLike)) else list(actuals)
    return evaluate(loaded, files, responses=responses, encoding=encoding, sheet=sheet,
                    max_bytes=max_bytes, limits=limits)


def make_report(loaded: LoadedScheme,
                actuals: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
                results: list[PersonResult]) -> Report:
    """A report of ``results`` already scored: ranks, distribution and summary."""
    from kpiscore.score.pipeline import finish

    files = [actuals] if isinstance(actuals, (str, os.PathLike)) else list(actuals)
    return finish(loaded, files, results)


def scheme_files(paths: list[str]) -> list[str]:
    """Expand folders into the scheme files below them (sorted, stable)."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    if f.endswith(SCHEME_SUFFIXES):
                        out.append(os.path.join(root, f))
        else:
            out.append(p)
    return out


def validate_path(paths: list[str]) -> tuple[list[str], list[Finding]]:
    """Validate scheme files and folders; returns the files checked and all findings.

    Raises :class:`InputUnreadable` for a path that does not exist.
    """
    from kpiscore.scheme.load import load_scheme

    files = scheme_files(paths)
    findings: list[Finding] = []
    for f in files:
        if not os.path.exists(f):
            raise InputUnreadable(f"{f}: no such file or folder")
        try:
            findings.extend(load_scheme(f).warnings)
        except SchemeInvalid as exc:
            findings.extend(exc.findings)
    return files, findings
