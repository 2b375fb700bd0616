"""Fuzzing: whatever a scheme or an actuals file holds, kpiscore scores it or says why.

Hypothesis generates schemes (valid ones from the parts of the format, and
valid files mutated byte by byte), actuals (random cells as CSV and as
workbooks) and damaged workbooks. The contract under test is the boundary of
the core: :func:`load_scheme` returns a scheme or raises ``SchemeInvalid`` /
``InputUnreadable``; :func:`evaluate_file` returns one result per non-blank
row (never a binary float in it) or raises ``InputUnreadable``; the CLI exits
0, 1 or 2 with a message. Anything else (an ``InvalidOperation``, a
``RecursionError``, a ``KeyError``) is a bug.

The run's size is the hypothesis profile: ``default`` (quick), ``ci`` and
``long`` (``HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py``); deeper runs
are described in docs/security.md.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bad import corpus
from helpers import run_cli
from kpiscore.api import evaluate_file
from kpiscore.base.errors import InputUnreadable, SchemeInvalid
from kpiscore.base.numbers import normalise_text
from kpiscore.io.cells import is_blank
from kpiscore.scheme.load import LoadedScheme, load_scheme
from test_exactness import floats_in

BAD = corpus.HERE
ROOT = BAD.parent.parent
SEEDS = sorted([BAD / "probe.yaml", BAD / "formula.yaml",
                *(ROOT / "examples").glob("*/scheme.yaml")])[:12]
SLOW = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="kpiscore-fuzz-") as name:
        yield Path(name)


def load_or_refuse(path: Path) -> LoadedScheme | None:
    try:
        return load_scheme(path)
    except (SchemeInvalid, InputUnreadable) as exc:
        assert str(exc), "a refusal always says why"
        return None


# -- schemes ----------------------------------------------------------------------------------

#: what hostile or careless edits put into a YAML file
TOKENS = [b"\t", b"\x00", b"\xff\xfe", b"\xc3", b"\xe4\xbd", b"&a ", b"*a", b"*b", b"<<: *a\n",
          b"!!python/object:os.system ", b"!!binary ", b"!!float ", b"---\n", b"...\n", b"[",
          b"]", b"{", b"}", b": ", b"- ", b"? ", b"'", b'"', b"#", b"%YAML 1.1\n", b"|", b">",
          b"\n", b"  ", b"1e999", b"-0", b".nan", b".inf", b"0x10", b"1_000", b"100%",
          b"\xef\xbc\x99\xef\xbc\x95", b"null", b"~", b"yes", b"id", b"weight", b"rule",
          b"kind", b"target", b"indicators", b"dimensions", b"bands", b"levels", b"formula",
          b"total", b"9" * 40, b"\r", b"\r\n", b"\\", b"@", b"`"]


@st.composite
def mutated_scheme(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)).read_bytes())
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "truncate"]))
        if op == "insert":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 40))]
        elif op == "replace":
            data[at:at + 1] = draw(st.sampled_from(TOKENS))
        elif op == "duplicate":
            end = min(len(data), at + draw(st.integers(1, 200)))
            data[end:end] = data[at:end]
        else:
            del data[at:]
    return bytes(data)


@SLOW
@given(mutated_scheme())
def test_mutated_schemes_load_or_are_refused(text: bytes) -> None:
    with folder() as tmp:
        path = tmp / "scheme.yaml"
        path.write_bytes(text)
        load_or_refuse(path)


NUMBER = st.one_of(
    st.integers(-5, 200),
    st.decimals(min_value=-1000, max_value=100_000, places=3, allow_nan=False,
                allow_infinity=False),
    st.sampled_from([0, Decimal("0.1"), Decimal("1e-9"), Decimal("99999999999999"),
                     "95%", "９５", "-0", "1,234"]),
)
POSITIVE = st.one_of(
    st.integers(1, 200),
    st.decimals(min_value=Decimal("0.001"), max_value=100_000, places=3, allow_nan=False,
                allow_infinity=False),
    st.sampled_from([Decimal("0.1"), Decimal("1e-6"), Decimal("99999999999999"), "95%",
                     "９５"]),
)
TARGETED = ["threshold", "deduct", "pass_fail", "ratio", "pass_line", "anchors"]


def rule(draw: st.DrawFn, kind: str, target: Decimal, better: str) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": kind}
    if kind == "deduct":
        out.update(points=draw(POSITIVE), per=draw(st.sampled_from([1, Decimal("0.5"), 15])),
                   units=draw(st.sampled_from(["prorate", "started", "whole"])))
    elif kind == "bands":
        bounds = sorted(set(draw(st.lists(st.integers(0, 1000), min_size=1, max_size=4))),
                        reverse=True)
        points = sorted(draw(st.lists(st.integers(1, 100), min_size=len(bounds),
                                      max_size=len(bounds))), reverse=True)
        pairs = zip(bounds, points, strict=True)
        out["bands"] = [{"at_least": b, "points": pts} for b, pts in pairs] + [{"points": 0}]
    elif kind == "ratio" and draw(st.booleans()):
        out["cap"] = draw(st.sampled_from([100, 120, 150]))
    elif kind == "pass_line":
        out.update(base=draw(st.integers(0, 100)), per=draw(st.sampled_from([1, 2])))
    elif kind == "anchors":
        low, high = target * Decimal("0.8"), target * Decimal("1.2")
        out.update(baseline=low, challenge=high) if better == "higher" else \
            out.update(baseline=high, challenge=low)
    elif kind == "levels":
        count = draw(st.integers(2, 5))
        points = sorted(draw(st.lists(st.integers(0, 100), min_size=count, max_size=count,
                                      unique=True)))
        out["levels"] = [{"level": k + 1, "points": pts} for k, pts in enumerate(points)]
    return out


@st.composite
def generated_scheme(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly valid schemes from the parts of the format, with awkward numbers."""
    count = draw(st.integers(1, 4))
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=count - 1, max_size=count - 1)))
    weights = draw(st.one_of(st.none(), st.just([b - a for a, b in zip([0, *cuts],
                                                                       [*cuts, 100],
                                                                       strict=True)])))
    indicators = []
    for k in range(count):
        kind = draw(st.sampled_from([*TARGETED, "bands", "levels", "direct"]))
        better = draw(st.sampled_from(["higher", "lower"])) if kind in TARGETED else "higher"
        target = Decimal(str(draw(st.integers(1, 100_000) | st.decimals(
            min_value=Decimal("0.01"), max_value=1000, places=2))))
        ind: dict[str, Any] = {"id": f"k{k}", "title": f"指标{k}", "better": better,
                               "rule": rule(draw, kind, target, better),
                               "allow": ["unreachable-full-marks", "lower-is-better"]}
        if kind in TARGETED:
            ind["target"] = target
        if weights is not None:
            ind["weight"] = weights[k]
        if draw(st.booleans()) and kind != "levels":
            ind["full_marks"] = draw(POSITIVE)
        if draw(st.integers(0, 3)) == 0:
            ind["floor"] = "none"
        if draw(st.integers(0, 3)) == 0:
            ind["if_missing"] = draw(NUMBER)
        if draw(st.integers(0, 5)) == 0 and kind != "levels":
            ind["formula"] = draw(st.sampled_from(["a / b * 100", "a - b", "(a + 1) / (b - 2)"]))
        if draw(st.integers(0, 5)) == 0 and kind != "levels":
            ind["veto"] = {"when": draw(st.sampled_from([">= 1", "< 0", "== 3"]))}
        indicators.append(ind)
    scheme: dict[str, Any] = {"id": "fuzz", "title": "模糊测试", "indicators": indicators}
    if any("formula" in i for i in indicators):
        scheme["inputs"] = [{"id": "a"}, {"id": "b"}]
    if draw(st.booleans()):
        scheme["grades"] = [{"name": "合格", "min": draw(st.integers(0, 100))},
                            {"name": "不合格"}]
    if draw(st.booleans()):
        scheme["precision"] = draw(st.integers(0, 6))
    if draw(st.booleans()):
        scheme["pay"] = {"formula": draw(st.sampled_from(["total / 80 * 6000",
                                                          "total * total", "6000 / total"]))}
    return scheme


def plain(value: Any) -> Any:
    """YAML-safe: Decimals as their text, everything else as it is."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


CELL = st.one_of(
    st.none(), st.integers(-10**6, 10**6), st.integers(-10**20, 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str),
    st.sampled_from(["95%", " 95 % ", "９５", "９５％", "1,234", "-0", "-0.0", "nan", "inf",
                     "-Infinity", "1e999", "1e-999", "#DIV/0!", "#N/A", "TRUE", "4级", "A",
                     "D不太满意", "", "\u3000", "=1+1", "'95", "0x10", "1_000", "½"]),
    st.text(max_size=12),
)


def rows_for(scheme: dict[str, Any], draw: st.DrawFn) -> tuple[list[str], list[list[Any]]]:
    header = ["工号", "姓名"] + [i["id"] for i in scheme["indicators"]] + \
        [i["id"] for i in scheme.get("inputs", [])]
    ids = st.one_of(st.sampled_from(["E1", "E2", " E1", "E 1", None, ""]), st.text(max_size=6))
    rows = [[draw(ids), draw(st.text(max_size=4))] + [draw(CELL) for _ in header[2:]]
            for _ in range(draw(st.integers(0, 6)))]
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    buf = io.StringIO()
    try:
        csv.writer(buf).writerows([header, *[["" if v is None else v for v in r]
                                             for r in rows]])
    except csv.Error:  # Python < 3.12's writer cannot write a lone NUL ("need to escape")
        assume(False)
    path.write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")


def write_xlsx(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:  # what a spreadsheet cannot hold is written as text without it
        ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    wb.save(path)


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and
                             __import__("unicodedata").normalize("NFKC", value).strip() == "")


def check_results(loaded: LoadedScheme, path: Path, expected_rows: int | None) -> None:
    try:
        report = evaluate_file(loaded, path)
    except InputUnreadable as exc:
        assert str(exc)
        return
    if expected_rows is not None:
        assert len(report.results) == expected_rows
    assert report.summary.rows == report.summary.ok + report.summary.error
    assert floats_in(report.results) == [], "no binary float in a result"


@SLOW
@given(st.data())
def test_generated_schemes_score_or_refuse(data: st.DataObject) -> None:
    scheme = data.draw(generated_scheme())
    with folder() as tmp:
        path = tmp / "scheme.yaml"
        path.write_text(yaml.safe_dump(plain(scheme), allow_unicode=True), encoding="utf-8")
        loaded = load_or_refuse(path)
        if loaded is None:
            return  # refused with findings: the loader's side of the contract held
        header, rows = rows_for(scheme, data.draw)
        actuals = tmp / "actuals.csv"
        write_csv(actuals, header, rows)
        # a row is blank when every cell is, as written ("" for None)
        nonblank = sum(1 for r in rows if not all(blank("" if v is None else str(v)) for v in r))
        check_results(loaded, actuals, nonblank)


@pytest.fixture(scope="module")
def probe() -> LoadedScheme:
    return load_scheme(BAD / "probe.yaml")


@SLOW
@given(st.data(), st.sampled_from(["csv", "xlsx"]))
def test_random_cells_score_or_refuse(probe: LoadedScheme, data: st.DataObject,
                                      kind: str) -> None:
    header = ["工号", "姓名", "得分", "行为等级"]
    rows = [[data.draw(CELL) for _ in header] for _ in range(data.draw(st.integers(0, 6)))]
    if kind == "xlsx":  # a workbook holds dates and booleans too
        extra = st.one_of(CELL, st.booleans(), st.dates(min_value=dt.date(1900, 3, 1)))
        rows = [[data.draw(extra) for _ in header] for _ in rows]
    with folder() as tmp:
        path = tmp / f"actuals.{kind}"
        if kind == "csv":
            write_csv(path, header, rows)
        else:
            write_xlsx(path, header, rows)
        check_results(probe, path, None)


ENCODED = st.sampled_from([("utf-8", b""), ("utf-8", codecs.BOM_UTF8),
                           ("utf-16-le", codecs.BOM_UTF16_LE), ("gbk", b""), ("gb18030", b""),
                           ("latin-1", b""), ("utf-16-le", b"")])


@SLOW
@given(st.lists(st.lists(CELL.map(lambda v: "" if v is None else str(v)), min_size=4,
                         max_size=4), max_size=5),
       ENCODED, st.sampled_from([None, "gbk", "utf-8", "utf-16", "latin-1"]),
       st.sampled_from([",", ";", "\t"]))
def test_any_csv_bytes_score_or_refuse(probe: LoadedScheme, rows: list[list[str]],
                                       encoded: tuple[str, bytes], option: str | None,
                                       delimiter: str) -> None:
    """Whatever the encoding and --encoding, a CSV is read right or refused, never garbled
    silently: a name that comes back must be the name that was written, or, for a file
    that is not UTF-8 read without --encoding, what its bytes say in GB18030, which the
    run then tells (a Latin-1 file may decode as GB18030 too)."""
    name, bom = encoded
    buf = io.StringIO()
    try:
        csv.writer(buf, delimiter=delimiter).writerows([["工号", "姓名", "得分", "行为等级"],
                                                         *rows])
    except csv.Error:  # Python < 3.12's writer cannot write some fields ("need to escape")
        assume(False)
        return
    try:
        raw = bom + buf.getvalue().encode(name)
    except UnicodeEncodeError:
        assume(False)
        return
    with folder() as tmp:
        path = tmp / "actuals.csv"
        path.write_bytes(raw)
        try:
            report = evaluate_file(probe, path, encoding=option)
        except InputUnreadable as exc:
            assert str(exc)
            return
        if option is not None and codecs.lookup(option).name != codecs.lookup(name).name \
                and not raw.isascii():
            return  # a wrong --encoding that happens to decode: the person's explicit choice
        written = {normalise_text(cell) for row in rows for cell in row}
        if any("read as GB18030" in str(n.message) for n in report.notes):
            assert option is None and raw.decode("utf-8", "replace") != buf.getvalue()
            written = {normalise_text(cell.encode(name).decode("gb18030", "replace"))
                       for row in rows for cell in row}
        for r in report.results:
            assert r.name is None or r.name in written, f"garbled: {r.name!r}"


#: what a CSV's structure is made of: quotes, separators, every line ending, characters
#: that other tools take for line breaks (they are not, in CSV), ids, names, numbers
CSV_TOKENS = ['"', '""', ",", ";", "\t", "\n", "\r", "\r\n", " ", "E1", "E2", "张伟", "9", "5",
              "95", "4级", "9O", "\x85", "\u2028", "\x0c", "\u3000"]
SENTINEL = "Z9"


def csv_records(text: str, delimiter: str) -> tuple[list[tuple[int, int, list[str]]], bool]:
    """The records of ``text`` as Python's csv module reads them, each with the physical
    lines it starts and ends on (from ``line_num``), and whether the text ends inside a
    quoted cell (a line after it would be swallowed: the sentinel is not a record)."""
    ended = text if text.endswith(("\n", "\r")) or not text else text + "\n"
    reader = csv.reader(io.StringIO(ended + SENTINEL + "\n", newline=""), delimiter=delimiter)
    out: list[tuple[int, int, list[str]]] = []
    last = 0
    for values in reader:
        out.append((last + 1, reader.line_num, values))
        last = reader.line_num
    unclosed = not out or out[-1][2] != [SENTINEL]
    return out[:-1], unclosed


@SLOW
@given(st.lists(st.lists(st.sampled_from(CSV_TOKENS), max_size=12), max_size=8),
       st.sampled_from([",", ";", "\t"]), st.sampled_from(["\n", "\r\n", "\r"]))
def test_csv_structure_every_record_once_at_its_line(probe: LoadedScheme,
                                                     lines: list[list[str]], delimiter: str,
                                                     ending: str) -> None:
    """Quotes, line breaks in and out of quotes, separators and ragged widths: kpiscore
    never raises anything but a refusal, refuses exactly the files that end inside a
    quote, and otherwise gives every non-blank record once, numbered by the physical
    line it starts on; a record over several lines, or wider than the header, is an
    error row that says so first."""
    header = delimiter.join(["工号", "姓名", "得分", "行为等级"])
    text = header + ending + ending.join("".join(tokens) for tokens in lines)
    records, unclosed = csv_records(text, delimiter)
    with folder() as tmp:
        path = tmp / "actuals.csv"
        path.write_bytes(text.encode("utf-8"))
        try:
            report = evaluate_file(probe, path)
        except InputUnreadable as exc:
            assert unclosed, f"refused a file that does not end inside a quote: {exc}"
            assert "is never closed" in str(exc)
            return
    assert not unclosed, "a file ending inside a quote was read"
    people = [(start, end, values) for start, end, values in records[1:]
              if not all(is_blank(v) for v in values)]
    assert [r.row for r in report.results] == [start for start, _, _ in people]
    for r, (start, end, values) in zip(report.results, people, strict=True):
        if end > start:
            assert r.status == "error"
            assert r.errors[0].message.startswith("a quote opened on line ")
            assert f"lines {start}-{end} are read as one row" in r.errors[0].message
        elif len(values) > 4:
            assert r.status == "error"
            assert r.errors[0].message.startswith(f"line {start} has {len(values)} fields")


@st.composite
def damaged_workbook(draw: st.DrawFn) -> bytes:
    source = draw(st.sampled_from(["ok.xlsx", "numbers-as-text.xlsx", "merged-header.xlsx",
                                   "formula-no-value.xlsx", "hidden-first-sheet.xlsx"]))
    data = (BAD / "actuals" / source).read_bytes()
    if draw(st.booleans()):  # damage the zip itself
        raw = bytearray(data)
        for _ in range(draw(st.integers(1, 8))):
            at = draw(st.integers(0, len(raw) - 1))
            raw[at] = draw(st.integers(0, 255))
        return bytes(raw)
    with zipfile.ZipFile(io.BytesIO(data)) as z:  # damage one part's XML, a valid zip
        parts = {n: z.read(n) for n in z.namelist()}
    name = draw(st.sampled_from(sorted(parts)))
    xml = bytearray(parts[name])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(xml)))
        xml[at:at + draw(st.integers(0, 8))] = draw(st.sampled_from(
            [b"", b"<", b">", b"</row>", b"<row>", b'<c r="A1" t="s"><v>99</v></c>',
             b'<c r="XFD1"><v>1</v></c>', b'r="0"', b's="99"', b't="e"', b't="b"',
             b"<v>NaN</v>", b"<v>1e400</v>", b"&amp;", b"&lt;", b"&#0;", b"\x00", b"\xff",
             b"<!--", b"-->", b'state="hidden"', b"<f>1/0</f>"]))
    parts[name] = bytes(xml)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    return buf.getvalue()


@SLOW
@given(damaged_workbook())
def test_damaged_workbooks_score_or_refuse(probe: LoadedScheme, data: bytes) -> None:
    with folder() as tmp:
        path = tmp / "actuals.xlsx"
        path.write_bytes(data)
        check_results(probe, path, None)


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(mutated_scheme(), st.binary(max_size=300)))
def test_the_cli_exits_0_1_or_2_with_a_message(text: bytes) -> None:
    with folder() as tmp:
        scheme = tmp / "scheme.yaml"
        scheme.write_bytes(text)
        for args in (["validate", str(scheme)],
                     ["evaluate", str(scheme), str(BAD / "actuals" / "ok.csv")]):
            code, _, err = run_cli(*args)  # an exception or a traceback fails the test
            assert code in (0, 1, 2)
            if code:
                assert err.strip()
