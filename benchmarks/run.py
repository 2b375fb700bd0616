"""Benchmark kpiscore against plain reading and a spreadsheet recalculating the card.

Run from the repository root (one command; needs kpiscore installed)::

    python benchmarks/run.py                      # N = 1 000, 10 000, 100 000
    python benchmarks/run.py --sizes 1000 --repeat 1

For each N it builds, with ``kpiscore template`` and seeded random values, a
workbook of N people × the 20 indicators of schemes/tech-support-manager.yaml
in two kinds: *typical* values (whole numbers and values with at most two
decimals, as people type them) and *high-cardinality* values (every actual
distinct, six decimals, so that no remembering of repeated actuals can help).
Then it times, each as a separate process (median of --repeat runs, peak RSS):

  a  plain openpyxl read-only iteration over the typical workbook (a floor)
  b  kpiscore evaluate --format jsonl on the typical workbook, on two processes
     (KPISCORE_WORKERS=2: the whole benchmark sets it, so that the load average
     does not decide), and b1 the same on one
  bh the same on the high-cardinality workbook
  b' kpiscore evaluate --format jsonl on the typical data as CSV
  bj kpiscore evaluate --format json to a pipe (the default when piped)
  c  kpiscore evaluate --format xlsx (the report for people)
  d  the same card as spreadsheet formulas (20 score formulas + a weighted
     total per person) recalculated by LibreOffice headless to CSV, and
  d' to xlsx, when ``soffice`` is installed

and prints the times, the ratios to d and d', peak memory (and how b's grows
with N), and the start-up times of ``kpiscore --help`` and ``kpiscore validate``.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEME = ROOT / "schemes" / "tech-support-manager.yaml"

READ_ONLY = """
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=True)
n = 0
for row in wb.worksheets[0].iter_rows(values_only=True):
    n += 1
print(n)
"""


def measure(cmd: list[str], repeat: int, stdout_to: str | None = None,
            workers: int = 2) -> tuple[float, float]:
    """Median wall seconds and the largest peak RSS (MiB, one process's) of ``cmd`` over
    ``repeat`` runs; kpiscore scores on ``workers`` processes (KPISCORE_WORKERS)."""
    times, peaks = [], []
    env = {**os.environ, "KPISCORE_WORKERS": str(workers)}
    for _ in range(repeat):
        out = open(stdout_to or os.devnull, "wb")
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.close()
        times.append(elapsed)
        peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
    return statistics.median(times), max(peaks)


def build(n: int, folder: Path, seed: int = 7, distinct: bool = False
          ) -> tuple[Path, Path, Path]:
    """The actuals workbook (from kpiscore template), the same as CSV, and a formula card;
    ``distinct``: every actual different, with six decimals."""
    import openpyxl

    template = folder / "template.xlsx"
    subprocess.run([sys.executable, "-m", "kpiscore", "template", str(SCHEME), "-o",
                    str(template)], check=True, stderr=subprocess.DEVNULL)
    wb = openpyxl.load_workbook(template)
    header = [c.value for c in wb.worksheets[0][1]]
    rng = random.Random(seed)
    # a fresh write-only workbook streams N rows; the template supplies the header
    out = openpyxl.Workbook(write_only=True)
    ws = out.create_sheet("actuals")
    ws.append(header)
    rows = []
    for i in range(n):
        values: list[object] = [f"E{i:06d}", f"员工{i}", f"部门{i % 17}"]
        for h in header[3:]:
            if "(major_incidents)" in str(h):
                values.append(rng.choice([0, 0, 0, 1]))
            elif "(complex_handling)" in str(h):
                values.append(rng.randint(60, 200))
            elif "(kb_articles)" in str(h) or "(optimisations)" in str(h) or \
                    "(proposals)" in str(h):
                values.append(rng.randint(0, 6))
            elif "(attrition)" in str(h) or "(cost_saving)" in str(h):
                values.append(rng.randint(0, 10))
            elif "(falsification)" in str(h) or "veto" in str(h).lower() or "造假" in str(h):
                values.append(0)
            elif distinct:  # below 100 (the valid largest): every one different
                values.append(round(60 + rng.random() * 39.99, 6))
            else:
                values.append(rng.choice([rng.randint(60, 100),
                                          round(rng.uniform(60, 100), rng.choice([1, 2]))]))
        ws.append(values)
        rows.append(values)
    actuals = folder / "actuals.xlsx"
    out.save(actuals)
    as_csv = folder / "actuals.csv"
    with as_csv.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    card = folder / "card.xlsx"
    formula_card(header, rows, card)
    return actuals, as_csv, card


def formula_card(header: list[object], rows: list[list[object]], path: Path) -> None:
    """The card as people keep it today: a score formula per indicator and a total."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("card")
    k = len(header) - 3
    ws.append([*header, *[f"score {i}" for i in range(k)], "total"])
    for r, values in enumerate(rows, start=2):
        scores = []
        for i in range(k):
            col = get_column_letter(4 + i)
            # "full marks at target, −0.5 per unit short, floor 0" for every indicator
            scores.append(f"=MAX(0,MIN(100,100-0.5*MAX(0,90-{col}{r})))")
        first, last = get_column_letter(4 + k), get_column_letter(3 + 2 * k)
        ws.append([*values, *scores, f"=SUMPRODUCT({first}{r}:{last}{r})/{k}"])
    wb.save(path)


def soffice_convert(card: Path, fmt: str, folder: Path, repeat: int) -> tuple[float, float]:
    outdir = folder / f"lo-{fmt}"
    outdir.mkdir(exist_ok=True)
    profile = folder / "lo-profile"
    cmd = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
           "--convert-to", fmt, "--outdir", str(outdir), str(card)]
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # warm profile
    return measure(cmd, repeat)


def _bytecode() -> bool:
    """Compile kpiscore's modules to bytecode before anything is timed, as installing a
    package does (pip compiles on install): a checkout run where Python may not write
    bytecode (PYTHONDONTWRITEBYTECODE=1) would compile every module again at each start,
    0.09 s of every command timed (60 ms of validate's processor time)."""
    import compileall

    import kpiscore

    return bool(compileall.compile_dir(Path(kpiscore.__file__).parent, quiet=2))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-report", action="store_true",
                    help="skip c (the xlsx report takes minutes at 100 000 people)")
    args = ap.parse_args()
    kp = [sys.executable, "-m", "kpiscore"]
    compiled = _bytecode()
    has_lo = shutil.which("soffice") is not None
    print(f"# {platform.node()}: {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores; Python {platform.python_version()}")
    import openpyxl

    print(f"# openpyxl {openpyxl.__version__}; median of {args.repeat} runs; "
          f"LibreOffice: {'yes' if has_lo else 'not installed'}; load average "
          f"{os.getloadavg()[0]:.1f}; b, bh, b', bj on two processes, b1 on one; "
          f"kpiscore's bytecode {'compiled' if compiled else 'NOT compiled'}")
    head = ("N", "a read", "b jsonl", "b1 1 proc", "bh distinct", "b' csv in", "bj json",
            "c xlsx", "d LO csv", "d' LO xlsx", "b/d", "b1/d", "bh/d", "b'/d", "c/d'",
            "peak b", "peak bh", "peak bj", "peak c", "peak d")
    print(" | ".join(head))
    peaks: dict[int, float] = {}
    d: tuple[float, float] | None = None
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            actuals, as_csv, card = build(n, folder)
            (folder / "distinct").mkdir()
            distinct, _, _ = build(n, folder / "distinct", distinct=True)

            def evaluate(path: Path, fmt: str, *out: str, workers: int = 2
                         ) -> tuple[float, float]:
                return measure([*kp, "evaluate", str(SCHEME), str(path), "--format", fmt,
                                *out], args.repeat, workers=workers)

            a = measure([sys.executable, "-c", READ_ONLY, str(actuals)], args.repeat)
            b = evaluate(actuals, "jsonl")
            b1 = evaluate(actuals, "jsonl", workers=1)
            bh = evaluate(distinct, "jsonl")
            b2 = evaluate(as_csv, "jsonl")
            bj = evaluate(actuals, "json")
            c = None if args.no_report else evaluate(actuals, "xlsx", "-o",
                                                     str(folder / "report.xlsx"))
            d = soffice_convert(card, "csv", folder, args.repeat) if has_lo else None
            d2 = soffice_convert(card, "xlsx", folder, args.repeat) if has_lo else None

        def ratio(x: tuple[float, float] | None, y: tuple[float, float] | None) -> str:
            return f"{x[0] / y[0]:.2f}" if x and y else "-"

        cells = [str(n), *(f"{m[0]:.2f}s" if m else "-"
                           for m in (a, b, b1, bh, b2, bj, c, d, d2)),
                 ratio(b, d), ratio(b1, d), ratio(bh, d), ratio(b2, d), ratio(c, d2),
                 *(f"{m[1]:.0f}MiB" if m else "-" for m in (b, bh, bj, c, d))]
        print(" | ".join(cells), flush=True)
        peaks[n] = b[1]
    if len(peaks) > 1:
        small, large = min(peaks), max(peaks)
        # the target's pair (10 000 → 100 000) when both ran, as well as the widest
        growth = f"{peaks[large] / peaks[small]:.2f}x"
        if 10_000 in peaks and 100_000 in peaks and small != 10_000:
            growth += f" (from N=10000: {peaks[100_000] / peaks[10_000]:.2f}x)"
        print(f"# peak b from N={small} to N={large}: {growth}; "
              f"peak b / peak d at N={large}: "
              + (f"{peaks[large] / d[1]:.3f}" if d else "-"))
    # start-up: what a person waits for at the prompt, and a pre-commit hook per file
    repeat = max(5, args.repeat)
    help_time = measure([*kp, "--help"], repeat)[0]
    validate_time = measure([*kp, "validate", str(SCHEME)], repeat)[0]
    print(f"# start-up, median of {repeat}: kpiscore --help {help_time:.3f}s; "
          f"kpiscore validate (20 indicators) {validate_time:.3f}s")


if __name__ == "__main__":
    main()
