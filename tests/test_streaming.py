"""JSONL and CSV streamed as rows are scored equal the outputs written from a whole report."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from kpiscore.api import evaluate_file, iter_results, open_table
from kpiscore.outputs import FORMATS, Options, render
from kpiscore.scheme.load import LoadedScheme, load_scheme
from kpiscore.score.evaluate import can_stream, head
from kpiscore.score.results import PersonResult


def write_stream(loaded: LoadedScheme, fmt: str, actuals: Path, out: io.StringIO,
                 note: Callable[[PersonResult], None]) -> None:
    """The streamed output of ``actuals``, each result noted as it goes by."""
    def noted(results: Iterator[PersonResult]) -> Iterator[PersonResult]:
        for r in results:
            note(r)
            yield r

    with open_table(actuals) as table:
        FORMATS[fmt].stream(head(loaded.compiled, [table.source]),
                            noted(iter_results(loaded, table)), out, Options(loaded))

ROOT = Path(__file__).resolve().parent.parent
CASES = sorted(
    [(p / "scheme.yaml", p / "actuals.xlsx") for p in (ROOT / "examples").iterdir()
     if (p / "scheme.yaml").exists() and (p / "actuals.xlsx").exists()
     and not (p / "args").exists()]
    + [(s, ROOT / "examples" / "library" / s.stem / "actuals.csv")
       for s in sorted((ROOT / "schemes").rglob("*.yaml"))])


@pytest.mark.parametrize(("scheme", "actuals"), CASES, ids=[a.parent.name for _, a in CASES])
@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_streamed_output_is_the_whole_report_output(scheme: Path, actuals: Path,
                                                    fmt: str) -> None:
    loaded = load_scheme(scheme)
    if not can_stream(loaded.compiled):
        pytest.skip("needs every row first (raters, periods, surveys or quotas)")
    report = evaluate_file(loaded, str(actuals))
    whole = render(report, fmt)
    streamed = io.StringIO()
    seen: list[PersonResult] = []
    write_stream(loaded, fmt, actuals, streamed, note=seen.append)
    assert streamed.getvalue() == whole
    assert len(seen) == len(report.results)


def test_streaming_keeps_results_out_of_memory() -> None:
    """Results are handed on one at a time: none is alive when the next is scored."""
    import gc
    import weakref


    scheme = ROOT / "schemes" / "tech-support-manager.yaml"
    actuals = ROOT / "examples" / "library" / "tech-support-manager" / "actuals.csv"
    loaded = load_scheme(scheme)
    alive: list[weakref.ref[PersonResult]] = []

    def note(r: PersonResult) -> None:
        gc.collect()
        assert sum(ref() is not None for ref in alive) <= 1  # only the one just before
        alive.append(weakref.ref(r))

    write_stream(loaded, "jsonl", actuals, io.StringIO(), note=note)
    assert len(alive) >= 5
