"""The library's front door: load, validate and evaluate without the CLI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kpiscore.errors import Finding, InputUnreadable, SchemeInvalid
from kpiscore.results import PersonResult, Report, RowError, summarise

if TYPE_CHECKING:
    from kpiscore.loader import LoadedScheme

SCHEME_SUFFIXES = (".yaml", ".yml")


def _loaded(scheme: LoadedScheme | str | os.PathLike[str]) -> LoadedScheme:
    from kpiscore.loader import LoadedScheme, load_scheme

    return scheme if isinstance(scheme, LoadedScheme) else load_scheme(scheme)


@dataclass
class Evaluation:
    """A running evaluation: ``header_problems`` is known before the first row."""

    loaded: LoadedScheme
    source: str
    header_problems: list[RowError] = field(default_factory=list)


def iter_results(scheme: LoadedScheme | str | os.PathLike[str],
                 actuals: str | os.PathLike[str], *, encoding: str | None = None,
                 sheet: str | None = None,
                 max_bytes: int | None = None) -> Iterator[PersonResult]:
    """Score every row of ``actuals``, one :class:`PersonResult` per non-blank row."""
    from kpiscore.readers import MAX_INPUT_BYTES, open_actuals
    from kpiscore.values import is_blank

    loaded = _loaded(scheme)
    compiled = loaded.compiled
    with open_actuals(actuals, encoding=encoding, sheet=sheet,
                      max_bytes=max_bytes or MAX_INPUT_BYTES) as table:
        binding = compiled.bind(table.header, table.where)
        seen: dict[str, int] = {}
        try:
            for row in table.rows:
                if all(is_blank(v) for v in row.values):
                    continue
                number = row.number

                def where(col: int, _n: int = number) -> str:
                    return table.where(col, _n)

                pct = row.percent
                result = compiled.evaluate(binding, number, row.values, where,
                                           pct.__contains__)
                if result.id is not None:
                    if result.id in seen:
                        result.errors.append(RowError(
                            where(binding.id_col or 0),
                            f"duplicate id {result.id!r} (also on row {seen[result.id]})"))
                        result.status = "error"
                        result.total = result.grade = result.pay = None
                    else:
                        seen[result.id] = number
                yield result
        except InputUnreadable:
            raise
        except (OSError, ValueError, KeyError, EOFError) as exc:
            # a workbook can be damaged past the header (truncated zip member, bad XML)
            raise InputUnreadable(f"{os.fspath(actuals)}: cannot read past row "
                                  f"{(seen and max(seen.values())) or table.header_row}: "
                                  f"{exc}") from None


def evaluate_file(scheme: LoadedScheme | str | os.PathLike[str],
                  actuals: str | os.PathLike[str], *, encoding: str | None = None,
                  sheet: str | None = None, max_bytes: int | None = None) -> Report:
    """Score a whole actuals file into a :class:`Report` (results in input order)."""
    loaded = _loaded(scheme)
    results = list(iter_results(loaded, actuals, encoding=encoding, sheet=sheet,
                                max_bytes=max_bytes))
    return make_report(loaded, actuals, results)


def make_report(loaded: LoadedScheme, actuals: str | os.PathLike[str],
                results: list[PersonResult]) -> Report:
    s = loaded.scheme
    return Report(
        scheme_id=s.id, scheme_title=s.title, precision=s.precision,
        pay_precision=s.pay.precision if s.pay else s.precision,
        has_sections=loaded.compiled.has_sections, has_grades=bool(s.grades),
        has_pay=s.pay is not None, source=os.path.basename(os.fspath(actuals)),
        results=results, summary=summarise(results),
        indicator_ids=[ci.id for ci in loaded.compiled.indicators])


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
    from kpiscore.loader import load_scheme

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
