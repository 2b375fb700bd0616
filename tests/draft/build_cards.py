"""Build the seed cards as workbooks laid out like the seeds' tables, for the import tests.

Run from anywhere::

    python tests/draft/build_cards.py OUT_DIR     # one .xlsx per card into OUT_DIR

Each card is a file of ``tests/draft/cards/``: its ``layout:`` is the table of a seed
document (../shared/seeds/, DOMAIN.md) as a department keeps it in Excel (title
and form rows above the header, groups such as 维度 and 考核类别 merged down their
rows, the notes and formulas under the table), its ``expect:`` what the import
must make of it. The text is copied from the seed. Where the seed's extraction
from PDF doubled characters (``大于99%99%得得25分``: bold type read twice) or broke
a cell over lines, the cell holds the text once, on one line, as the printed card
does; what the seed lost (a title, a standard, a number) is left out here too.

The workbooks are deterministic (fixed document properties), so the tests build
them afresh into a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path
from typing import Any

import xlsxwriter
import yaml

HERE = Path(__file__).resolve().parent
CARDS = HERE / "cards"
_RANGE = re.compile(r"^([A-Z]+)(\d+):([A-Z]+)(\d+)$")


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def load(name: str) -> dict[str, Any]:
    """A card's file: its layout and what the import must make of it."""
    data: dict[str, Any] = yaml.safe_load((CARDS / f"{name}.yaml").read_text(encoding="utf-8"))
    return data


def names() -> list[str]:
    return sorted(p.stem for p in CARDS.glob("*.yaml"))


def write(layout: dict[str, Any], path: Path) -> Path:
    """``layout``'s rows (from A1; ``~`` an empty cell) into one sheet, merged as it says."""
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": dt.datetime(2024, 1, 1, 9, 0, 0), "author": "kpiscore tests"})
    ws = wb.add_worksheet(layout["sheet"])
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    rows: list[list[Any]] = layout["rows"]
    merged = set()
    for ref in layout.get("merges") or []:
        m = _RANGE.match(ref)
        assert m, ref
        c1, r1, c2, r2 = _column(m.group(1)), int(m.group(2)) - 1, _column(m.group(3)), \
            int(m.group(4)) - 1
        value = rows[r1][c1] if c1 < len(rows[r1]) else None
        ws.merge_range(r1, c1, r2, c2, "" if value is None else value, wrap)
        merged.add((r1, c1))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None and (r, c) not in merged:
                ws.write(r, c, value, wrap)
    ws.set_column(0, 12, 18)
    wb.close()
    return path


def build(out: Path) -> dict[str, Path]:
    """Every card as ``out/<name>.xlsx``."""
    out.mkdir(parents=True, exist_ok=True)
    return {name: write(load(name)["layout"], out / f"{name}.xlsx") for name in names()}


if __name__ == "__main__":
    for name, path in build(Path(sys.argv[1] if len(sys.argv) > 1 else ".")).items():
        print(f"{name}: {path}")
