"""``kpiscore.io.open_table`` reads every corpus file exactly as ``readers.open_actuals``.

The CSV and workbook openers were moved out of :mod:`kpiscore.io.readers`
unchanged. The bad-input corpus pins readers' messages through the CLI; this
test pins the new modules to readers on every corpus actuals file, with every
option and limit the corpus cases use: the same name, header, rows, cell
locations and header notes, or the same error message.

Delete this file together with readers.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from bad import build_corpus, corpus
from kpiscore import io as kio
from kpiscore.base.errors import InputUnreadable
from kpiscore.base.limits import Limits
from kpiscore.io import readers

BAD = corpus.HERE
FILES = sorted((BAD / "actuals").iterdir())


def _cell(value: Any) -> tuple[str, Any, Any]:
    return type(value).__name__, value, getattr(value, "reason", None)


def snapshot(open_: Callable[[], AbstractContextManager[Any]]) -> Any:
    """What a reader makes of a file: everything a caller can see, or the error."""
    try:
        with open_() as t:
            out: list[Any] = [t.name, [_cell(h) for h in t.header], t.header_row,
                              t.where(0), t.where(2, 7)]
            rows: list[Any] = []
            try:
                for r in t.rows:
                    rows.append((r.number, [_cell(v) for v in r.values], sorted(r.percent)))
            except InputUnreadable as exc:
                rows.append(("error while reading rows", str(exc)))
            out += [rows, t.merged(), t.header_notes()]
            return out
    except InputUnreadable as exc:
        return ("error", str(exc))


def both(path: str, **kw: Any) -> tuple[Any, Any]:
    old = snapshot(lambda: readers.open_actuals(path, **kw))
    new = snapshot(lambda: kio.open_table(path, **kw))
    return old, new


@pytest.mark.parametrize("encoding", [None, "gbk", "utf-16-le"])
@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_corpus_file_reads_the_same(path: Path, encoding: str | None) -> None:
    old, new = both(os.path.relpath(path), encoding=encoding, limits=Limits())
    assert new == old


def _evaluate_cases() -> list[Any]:
    out = []
    for case in corpus.load_cases():
        if case.args[0] != "evaluate":
            continue
        out.append(pytest.param(case, id=case.id))
    return out


@pytest.mark.parametrize("case", _evaluate_cases())
def test_every_corpus_case_reads_the_same(case: corpus.Case, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """With the options (--encoding, --sheet, --max-bytes) and limits (KPISCORE_MAX_*)
    of each evaluate case, run where the CLI runs it (paths as the messages show them)."""
    if case.generate:
        corpus.make_generated(case.generate, tmp_path)
    args = [a.replace("{tmp}", str(tmp_path)) for a in case.args]
    options: dict[str, Any] = {}
    for flag, key in (("--encoding", "encoding"), ("--sheet", "sheet"),
                      ("--max-bytes", "max_bytes")):
        if flag in args:
            value = args[args.index(flag) + 1]
            options[key] = int(value) if key == "max_bytes" else value
    monkeypatch.chdir(BAD)
    try:
        limits = Limits.from_env(case.env)
    except InputUnreadable:
        return  # a bad variable stops the CLI before any file is read
    paths = []
    for arg in args[2:]:  # evaluate SCHEME ACTUALS... [options]
        if arg.startswith("-"):
            break
        paths.append(arg)
    for path in paths:
        old, new = both(path, limits=limits, **options)
        assert new == old, path


def test_the_lying_workbook_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "lying.xlsx"
    build_corpus.lying_workbook(path, inflated=8 << 20)
    old, new = both(str(path), limits=Limits())
    assert new == old


@pytest.mark.parametrize("name,content", [
    ("old.xls", b"\xd0\xcf\x11\xe0"), ("a.xlsb", b"x"), ("a.ods", b"x"), ("a.NUMBERS", b"x"),
    ("a.dat", "工号,得分\nE1,1\n".encode()), ("noext", b"PK\x03\x04xx"), ("a.XLSX", b""),
    ("a.TSV", "工号\t得分\nE1\t1\n".encode()), ("a.txt", b""), ("a.xlsm", b"x"),
])
def test_suffixes_are_dispatched_the_same(tmp_path: Path, name: str, content: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    old, new = both(str(path), limits=Limits())
    assert new == old


@pytest.mark.parametrize("name", ["missing.xls", "missing.csv", "missing.xlsx", "folder.xls"])
def test_missing_files_and_folders_read_the_same(tmp_path: Path, name: str) -> None:
    if name.startswith("folder"):
        (tmp_path / name).mkdir()
    old, new = both(str(tmp_path / name), limits=Limits())
    assert new == old
    assert old[0] == "error"


def test_a_big_refused_suffix_names_its_size_first(tmp_path: Path) -> None:
    path = tmp_path / "big.ods"
    path.write_bytes(b"x" * 2000)
    old, new = both(str(path), max_bytes=1000, limits=Limits())
    assert new == old and "over the limit" in new[1]
