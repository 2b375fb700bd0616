"""Hostile and broken input: the corpus of tests/bad/ and the defences behind it.

Every case of ``tests/bad/cases/`` runs as a real ``kpiscore`` process and
must give exactly its documented exit code and standard error, never a
traceback, and without blowing up in time or memory (measured per process with
``os.wait4``; see tests/bad/corpus.py). The other tests here show that the
defences docs/security.md describes are the ones in force: openpyxl parses
with defusedxml, zip members are read in bounded chunks, the YAML composer
does not recurse.
"""

from __future__ import annotations

import io
import json
import os
import sys
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from bad import build_corpus, corpus
from kpiscore.base.errors import InputUnreadable, SchemeInvalid
from kpiscore.base.limits import LIMITS, Limits
from kpiscore.io import open_table as open_actuals
from kpiscore.io.xlsx_table import CHUNK, _BoundedZip
from kpiscore.scheme.load import load_scheme, read_scheme_text
from kpiscore.scheme.yamlload import YamlProblems, load_yaml

BAD = corpus.HERE
CASES = corpus.load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_gives_its_documented_answer(case: corpus.Case) -> None:
    outcome = corpus.outcomes()[case.id]
    assert "Traceback" not in outcome.stderr + outcome.stdout
    assert (outcome.code, outcome.stderr) == (case.exit, case.stderr)
    if case.stdout is not None:
        assert outcome.stdout == case.stdout
    if case.results is not None:
        doc = json.loads(outcome.stdout)
        assert [f"{r['row']} {r['id']} {r['status']}" for r in doc["results"]] == case.results
    elif case.exit == 2:
        assert outcome.stdout == ""


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_is_fast_and_small(case: corpus.Case) -> None:
    outcome = corpus.outcomes()[case.id]
    assert outcome.seconds < corpus.MAX_SECONDS, f"{outcome.seconds:.2f} s"
    assert outcome.max_rss < corpus.MAX_BYTES, f"{outcome.max_rss / 2**20:.0f} MB"


def test_corpus_files_are_current() -> None:
    files = build_corpus.build()
    stale = build_corpus.stale(files, lambda name: (BAD / name).read_bytes()
                               if (BAD / name).exists() else None)
    assert stale == [], "run python tests/bad/build_corpus.py"


def test_every_corpus_file_is_used_by_a_case() -> None:
    used = {arg for case in CASES for arg in case.args}
    files = {p.relative_to(BAD).as_posix() for folder in ("schemes", "actuals")
             for p in (BAD / folder).iterdir()}
    assert sorted(files - used) == []


#: The issue's list, item by item, and the cases that cover it.
CHECKLIST = {
    "YAML syntax errors": ["yaml-syntax-unclosed", "yaml-syntax-indent", "yaml-two-documents"],
    "tabs": ["yaml-tab"],
    "duplicate keys at every level": ["yaml-duplicate-keys", "yaml-duplicate-keys-evaluate"],
    "alias/anchor expansion bombs": ["yaml-billion-laughs", "yaml-alias-flood",
                                     "yaml-recursive-alias"],
    "a 50 MB file": ["yaml-50mb"],
    "deep nesting": ["yaml-deep-flow", "yaml-deep-block"],
    "wrong types": ["yaml-wrong-types"],
    "!!python/object tags": ["yaml-python-tags"],
    "non-UTF-8 bytes": ["yaml-gbk", "yaml-utf16", "yaml-nul"],
    "an empty file": ["yaml-empty", "yaml-comments-only"],
    "a list where a mapping belongs": ["yaml-top-level-list", "yaml-list-for-mapping"],
    "xlsx not a zip": ["xlsx-not-a-zip", "xlsx-truncated"],
    "a zip that is not xlsx": ["xlsx-zip-not-xlsx", "xlsx-docx"],
    "entity-expansion or external-entity XML": ["xlsx-xxe", "xlsx-entity-bomb", "xlsx-xxe-late",
                                                "xlsx-entity-bomb-late"],
    "a decompression bomb": ["xlsx-zip-bomb", "xlsx-overlapping-bomb", "xlsx-lying-size",
                             "xlsx-lying-workbook", "xlsx-bzip2"],
    "an encrypted workbook": ["xlsx-encrypted", "xlsx-old-xls"],
    "no sheets or an empty sheet": ["xlsx-no-sheets", "xlsx-empty-sheet"],
    "header row missing or in row 3": ["xlsx-header-missing", "xlsx-header-in-row-3",
                                       "xlsx-title-above-header"],
    "merged header cells": ["xlsx-merged-header", "xlsx-blank-header-cell"],
    "duplicate headers": ["xlsx-duplicate-headers"],
    "hidden sheets": ["xlsx-hidden-first-sheet", "xlsx-all-hidden",
                      "xlsx-empty-visible-hidden-data", "xlsx-hidden-data-by-name"],
    "formula cells without a cached value": ["xlsx-formula-no-value"],
    "error cells": ["xlsx-error-cells"],
    "dates and booleans where numbers belong": ["xlsx-dates-booleans"],
    "numbers stored as text, full-width digits, 95% strings": ["xlsx-numbers-as-text",
                                                               "csv-full-width"],
    "negative zero": ["xlsx-negative-zero", "csv-full-width"],
    "very large and very small numbers": ["xlsx-large-small-numbers"],
    "NaN/inf in CSV": ["csv-nan-inf", "xlsx-nan-inf"],
    "BOM and GBK-encoded CSV": ["csv-bom", "csv-utf16-bom", "csv-utf16-no-bom", "csv-gbk",
                                "csv-gbk-encoding", "csv-utf8-as-gbk", "csv-utf8-valid-gbk",
                                "csv-bom-as-gbk", "csv-gb18030", "csv-gbk-explain",
                                "csv-mixed-encodings"],
    "duplicate person ids, no id, id differing by white space": ["xlsx-bad-ids",
                                                                 "csv-bad-ids"],
    "unknown level labels": ["xlsx-unknown-levels"],
    "a target of 0 where the rule divides": ["data-zero-target", "data-divide-by-zero"],
    "limits: file size": ["xlsx-max-bytes", "xlsx-max-bytes-env", "yaml-50mb"],
    "limits: rows, columns": ["xlsx-rows-limit", "xlsx-too-wide", "csv-columns-limit",
                              "csv-line-limit"],
    "limits: decompressed size, zip entries": ["xlsx-overlapping-bomb", "xlsx-zip-bomb",
                                               "xlsx-zip-entries"],
    "limits: YAML nesting and aliases": ["yaml-deep-flow", "yaml-alias-flood",
                                         "yaml-alias-limit-raised"],
    # issue 14: workbook semantics, text that lands in outputs
    "a second visible sheet of people is never silently ignored": [
        "xlsx-two-sheets-of-people", "xlsx-two-sheets-one-chosen", "xlsx-people-on-second-sheet"],
    "0\"%\" and 0\\% are a literal percent sign, not scaled": ["xlsx-literal-percent"],
    "a million cell formats in styles.xml": ["xlsx-million-styles"],
    "limits on every part read whole": ["xlsx-styles-limit", "xlsx-shared-strings-limit",
                                        "xlsx-sheets-limit", "xlsx-xml-elements-limit",
                                        "xlsx-part-bytes-limit"],
    "zip edges and wrong suffixes name the real cause": [
        "xlsx-patched-part", "xlsx-strongly-encrypted-part", "csv-is-a-workbook",
        "csv-is-an-old-xls", "xlsx-is-sqlite", "xlsx-is-html", "xlsx-truncated"],
    "template writes a formula-like column as text": ["template-hostile-text",
                                                      "template-hostile-text-csv"],
    "hostile ids in outputs": ["table-markup-ids", "xlsx-hostile-ids", "xlsx-hostile-ids-csv"],
    # issue 14: CSV structure
    "a CSV record wider than the header is an error row naming its line": [
        "csv-decimal-comma", "csv-decimal-comma-explain", "csv-trailing-separator",
        "csv-extra-tab", "csv-short-rows"],
    "a quoted field that spans lines is reported; an unclosed quote is refused": [
        "csv-quote-spans-lines", "csv-quote-closes-late", "csv-line-break-in-cell",
        "csv-line-break-in-header", "csv-unclosed-quote", "csv-unclosed-quote-long",
        "csv-unclosed-quote-columns-limit", "csv-unclosed-quote-line-limit",
        "csv-quotes-in-fields"],
    "physical lines are accounted for": ["csv-line-endings", "csv-quote-spans-lines",
                                         "csv-line-break-in-header"],
    "CSV field limits are tied to the per-line limit and named": [
        "csv-big-cell", "csv-big-cell-over-the-limit", "csv-line-limit", "csv-rows-limit"],
}


def test_the_issue_checklist_is_covered() -> None:
    ids = {c.id for c in CASES}
    missing = {item: [i for i in cases if i not in ids] for item, cases in CHECKLIST.items()}
    assert {k: v for k, v in missing.items() if v} == {}


def test_every_limit_is_named_by_a_refusal() -> None:
    """Each documented limit is refused somewhere in the corpus, naming how to raise it."""
    said = "".join(c.stderr + (c.stdout or "") for c in CASES)
    for name, limit in LIMITS.items():
        assert limit.env in said, f"no case refuses {name} ({limit.env})"


# -- XML: openpyxl parses with defusedxml ---------------------------------------------------


def test_openpyxl_parses_with_defusedxml() -> None:
    """openpyxl/xml/__init__.py sets DEFUSEDXML when defusedxml imports (and
    OPENPYXL_DEFUSEDXML is not False); openpyxl/xml/functions.py then takes
    ``fromstring`` and ``iterparse`` from defusedxml.ElementTree."""
    import openpyxl
    from openpyxl.worksheet import _reader
    from openpyxl.xml import functions

    assert openpyxl.DEFUSEDXML is True
    assert functions.iterparse.__module__.startswith("defusedxml")
    assert _reader.iterparse is functions.iterparse  # the sheet parser kpiscore drives
    if not openpyxl.LXML:  # with lxml, fromstring is lxml's with resolve_entities=False
        assert functions.fromstring.__module__.startswith("defusedxml")


@pytest.mark.parametrize("name", ["xxe-shared-strings.xlsx", "entity-bomb-late-workbook.xlsx"])
def test_openpyxl_itself_refuses_entities(name: str) -> None:
    """Without kpiscore's own checks, openpyxl (through defusedxml) still refuses."""
    import openpyxl
    from defusedxml import DefusedXmlException  # type: ignore[import-untyped]

    with pytest.raises(Exception) as info:
        openpyxl.load_workbook(BAD / "actuals" / name, read_only=True)
    cause = info.value.__cause__ or info.value
    assert isinstance(cause, DefusedXmlException), repr(info.value)


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    """An XXE pointing at a real file: refused, and the file's text appears nowhere."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CANARY", encoding="utf-8")
    data = (BAD / "actuals" / "xxe-late-sheet.xlsx").read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].replace(
        b"file:///etc/passwd", secret.as_uri().encode()).replace(
        b"<v>95</v>", b"<v>&xxe;</v>")
    parts["xl/worksheets/sheet1.xml"] = sheet
    path = tmp_path / "xxe.xlsx"
    path.write_bytes(build_corpus.zip_bytes(parts, deflate=["xl/worksheets/sheet1.xml"]))
    outcome = corpus.run(["evaluate", str(BAD / "probe.yaml"), str(path)])
    assert outcome.code == 2
    assert "declares a document type or entities" in outcome.stderr
    assert "CANARY" not in outcome.stdout + outcome.stderr


def test_workbooks_are_refused_if_defusedxml_is_switched_off(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import openpyxl

    monkeypatch.setattr(openpyxl, "DEFUSEDXML", False)
    with pytest.raises(InputUnreadable, match="defusedxml"), \
            open_actuals(BAD / "actuals" / "ok.xlsx"):
        pass


# -- zip: sizes from the directory, reads in bounded chunks ---------------------------------


def test_zip_members_are_read_in_bounded_chunks() -> None:
    """zipfile's read() of a whole member decompresses up to 1 GiB in one call before
    cutting it to the declared size; every read kpiscore lets openpyxl make is chunked."""
    calls: list[int] = []
    with open(BAD / "actuals" / "ok.xlsx", "rb") as fh, _BoundedZip(fh) as archive:
        with archive.open("xl/worksheets/sheet1.xml") as part:
            real = part._part.read

            def spy(n: int = -1) -> bytes:
                calls.append(n)
                return real(n)

            part._part.read = spy
            data = part.read()
        assert data.startswith(b"<?xml")
        assert calls and all(0 < n <= CHUNK for n in calls)
        assert archive.read("xl/workbook.xml").startswith(b"<?xml")


def test_a_lying_zip_header_costs_no_memory(tmp_path: Path) -> None:
    """workbook.xml says 1000 bytes but inflates to 400 MB: reading it through the
    bounded zip allocates about a chunk (plain zipfile would allocate the 400 MB)."""
    path = tmp_path / "lying.xlsx"
    build_corpus.lying_workbook(path, inflated=64 << 20)
    with open(path, "rb") as fh, _BoundedZip(fh) as archive:
        tracemalloc.start()
        try:
            data = archive.read("xl/workbook.xml")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert len(data) == 1000
    assert peak < 4 * CHUNK + (1 << 20), peak


# -- YAML ---------------------------------------------------------------------------------


def test_deep_nesting_stops_at_the_limit_without_recursing() -> None:
    """30 000 nested [ crash PyYAML's C composer (a segmentation fault); ours stops at
    level 65 (the document's own mapping is level 1, so at the 64th bracket)."""
    text = "a: " + "[" * 300_000 + "]" * 300_000
    with pytest.raises(YamlProblems) as info:
        load_yaml(text, "s.yaml", Limits())
    [finding] = info.value.findings
    assert (finding.line, finding.column, finding.code) == (1, 4 + 63, "yaml-limit")


def test_yaml_limits_can_be_raised() -> None:
    text = "a: " + "[" * 70 + "]" * 70 + "\n"
    with pytest.raises(YamlProblems):
        load_yaml(text, "s.yaml", Limits())
    assert load_yaml(text, "s.yaml", Limits(yaml_depth=80)).data is not None


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_scheme_that_never_ends_is_cut_at_the_limit() -> None:
    """A device or pipe has no size to check first: the read stops one byte past the limit."""
    with pytest.raises(SchemeInvalid) as info:
        read_scheme_text("/dev/zero", Limits(scheme_bytes=1000))
    assert "over the limit of 1000 bytes" in str(info.value)


def test_a_scheme_folder_is_unreadable(tmp_path: Path) -> None:
    with pytest.raises(InputUnreadable, match="is a folder"):
        load_scheme(tmp_path)


# -- limits ---------------------------------------------------------------------------------


def test_limits_from_the_environment() -> None:
    env = {"KPISCORE_MAX_ROWS": "1_000", "KPISCORE_MAX_BYTES": " 5 "}
    limits = Limits.from_env(env, input_bytes=None, columns=7)
    assert (limits.rows, limits.input_bytes, limits.columns) == (1000, 5, 7)
    assert limits.yaml_depth == LIMITS["yaml_depth"].default
    assert Limits.from_env(env, input_bytes=9).input_bytes == 9  # an option beats the variable
    for bad in ("0", "-3", "many", "1.5"):
        with pytest.raises(InputUnreadable, match="KPISCORE_MAX_ROWS"):
            Limits.from_env({"KPISCORE_MAX_ROWS": bad})


def test_every_limit_has_a_unique_variable() -> None:
    names = [limit.env for limit in LIMITS.values()]
    assert len(set(names)) == len(names)
    assert all(n.startswith("KPISCORE_MAX_") for n in names)


def test_the_corpus_runs_the_installed_kpiscore() -> None:
    assert corpus.KPISCORE[0].endswith("kpiscore") or corpus.KPISCORE[0] == sys.executable


# -- huge intermediate values are scored or reported, never a traceback ------------------------


def _score_one(tmp_path: Path, scheme: str, header: str, row: str) -> None:
    from kpiscore.api import evaluate_file

    (tmp_path / "s.yaml").write_text(scheme, encoding="utf-8")
    (tmp_path / "a.csv").write_text(f"{header}\n{row}\n", encoding="utf-8")
    [person] = evaluate_file(str(tmp_path / "s.yaml"), str(tmp_path / "a.csv")).results
    assert person.status in ("ok", "error")  # scored, or an error row: never an exception


def test_a_huge_intermediate_value_is_scored_or_an_error_row(tmp_path: Path) -> None:
    _score_one(tmp_path, "id: h\ntitle: h\nindicators:\n  - {id: a, target: 99999999999999, "
               "weight: 100, better: lower, rule: ratio}\n", "工号,a", "E1,0.000000000000001")


def test_a_huge_formula_result_is_scored_or_an_error_row(tmp_path: Path) -> None:
    _score_one(tmp_path, "id: h\ntitle: h\ninputs: [{id: a}, {id: b}]\nindicators:\n  - {id: x, "
               "formula: a * b * a, target: 10, weight: 100, rule: ratio}\n", "工号,a,b",
               "E1,999999999999999,999999999999999")


def test_the_csv_delimiter_comes_from_the_header_quickly() -> None:
    import time

    from kpiscore.io.csv_table import _delimiter

    assert _delimiter('工号;"姓名,全名";得分\nE1;张三;95\n') == ";"
    assert _delimiter("工号\t姓名\n") == "\t"
    assert _delimiter("\n\n工号\n") == ","
    start = time.perf_counter()
    assert _delimiter('"\n' * 32768) == ","  # csv.Sniffer takes a second on 8 KB of this
    assert time.perf_counter() - start < 0.1


def test_the_nesting_limit_is_reported_by_us_at_its_highest_setting() -> None:
    """PyYAML (6.0.4 on) refuses about 1000 levels itself, looking ahead in flow
    style; up to the highest depth the limit can be raised to, the refusal is ours."""
    ceiling = LIMITS["yaml_depth"].ceiling
    assert ceiling is not None
    text = "a: " + "[" * 3000 + "]" * 3000
    with pytest.raises(YamlProblems) as info:
        load_yaml(text, "s.yaml", Limits(yaml_depth=ceiling))
    [finding] = info.value.findings
    assert (finding.line, finding.column, finding.code) == (1, 4 + ceiling - 1, "yaml-limit")
    nested = "a: " + "[" * (ceiling - 1) + "]" * (ceiling - 1)
    assert load_yaml(nested, "s.yaml", Limits(yaml_depth=ceiling)).data is not None


def test_the_nesting_limit_cannot_be_raised_past_what_the_parser_allows() -> None:
    with pytest.raises(InputUnreadable, match="KPISCORE_MAX_YAML_DEPTH='5000' is more than 200"):
        Limits.from_env({"KPISCORE_MAX_YAML_DEPTH": "5000"})
