"""Where outputs go (outputs/files.py) and ``-`` for standard input and output, on every
command that reads or writes a file: standard output for ``-o -``, FIFOs and devices
written into and never replaced, links followed, permissions kept, every write failure
one line with exit 2 (a full disk, XlsxWriter's FileCreateError, permissions, a folder,
a missing folder), ``wrote FILE`` from every command that writes one."""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from bad import corpus
from helpers import run_cli as run
from kpiscore.base.errors import InputUnreadable
from kpiscore.io.spool import spool
from kpiscore.outputs import files
from kpiscore.outputs.files import OutputUnwritable, atomic_output, atomic_path, target

ROOT = Path(__file__).resolve().parents[1]
BAD = corpus.HERE
PROBE = BAD / "probe.yaml"
OK_CSV = BAD / "actuals" / "ok.csv"
TSM = ROOT / "examples" / "tech-support-manager"
ACCOUNTED = "kpiscore: 2 rows read: 2 scored, 0 could not be scored\n"
POSIX = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and devices")
FULL = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".kpiscore-"))


def probe_json() -> str:
    code, out, _ = run("evaluate", PROBE, OK_CSV, "-f", "json")
    assert code == 0
    return out


# -- -o - is standard output ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_evaluate_o_dash_is_standard_output(fmt: str) -> None:
    _, expected, _ = run("evaluate", PROBE, OK_CSV, "-f", fmt)
    assert run("evaluate", PROBE, OK_CSV, "-f", fmt, "-o", "-") == (0, expected, ACCOUNTED)
    assert not Path("-").exists()


def test_evaluate_o_dash_without_a_format_is_json_when_piped() -> None:
    assert run("evaluate", PROBE, OK_CSV, "-o", "-") == (0, probe_json(), ACCOUNTED)


def test_a_workbook_to_standard_output(tmp_path: Path) -> None:
    code, out, err = run("evaluate", PROBE, OK_CSV, "-f", "xlsx", "-o", "-")
    assert (code, err) == (0, ACCOUNTED)
    assert out.encode("utf-8", "surrogateescape")[:2] == b"PK"


def test_template_explain_and_init_write_standard_output_for_dash(tmp_path: Path) -> None:
    _, csv_template, _ = run("template", PROBE)
    assert run("template", PROBE, "-o", "-") == (0, csv_template, "")
    _, trace, _ = run("explain", PROBE, OK_CSV, "--id", "E001", "-f", "json")
    assert run("explain", PROBE, OK_CSV, "--id", "E001", "-f", "json", "-o", "-") == \
        (0, trace, "")
    _, copy, notes = run("init", "tech-support-manager")
    assert run("init", "tech-support-manager", "-o", "-") == (0, copy, notes)
    assert not Path("-").exists()


# -- wrote FILE -------------------------------------------------------------------------------


def test_every_command_that_writes_a_file_says_so(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert run("evaluate", PROBE, OK_CSV, "-o", out) == (0, "", ACCOUNTED + f"wrote {out}\n")
    report = tmp_path / "r.xlsx"
    assert run("evaluate", PROBE, OK_CSV, "-o", report) == \
        (0, "", ACCOUNTED + f"wrote {report}\n")
    template = tmp_path / "t.xlsx"
    assert run("template", PROBE, "-o", template) == (0, "", f"wrote {template}\n")
    md = tmp_path / "e.md"
    assert run("explain", PROBE, OK_CSV, "--id", "E001", "-o", md) == (0, "", f"wrote {md}\n")
    code, _, err = run("init", "tech-support-manager", "-o", tmp_path / "s.yaml")
    assert code == 0 and err.startswith(f"wrote {tmp_path / 's.yaml'} from ")


def test_wrote_in_chinese(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    assert run("--lang", "zh", "template", PROBE, "-o", out.with_suffix(".csv")) == \
        (0, "", f"已写入 {out.with_suffix('.csv')}\n")


# -- FIFOs and devices are written into, never replaced ---------------------------------------


@POSIX
@pytest.mark.parametrize("args", [
    ["evaluate", PROBE, OK_CSV, "-f", "json"],
    ["evaluate", PROBE, OK_CSV, "-f", "xlsx"],
    ["template", PROBE, "-f", "xlsx"],
    ["template", PROBE, "-f", "csv"],
    ["explain", PROBE, OK_CSV, "--id", "E001", "-f", "markdown"],
    ["init", "tech-support-manager"],
], ids=["evaluate", "report", "template-xlsx", "template-csv", "explain", "init"])
def test_dev_null_stays_a_device(args: list[Any]) -> None:
    before = os.stat("/dev/null")
    code, out, err = run(*args, "-o", "/dev/null")
    assert code == 0, err
    assert out == ""
    assert "wrote /dev/null" in err
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert after.st_ino == before.st_ino


def _read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as fh:
            into.append(fh.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@POSIX
@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx"])
def test_a_fifo_is_written_into_and_stays_a_fifo(tmp_path: Path, fmt: str) -> None:
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    code, out, err = run("evaluate", PROBE, OK_CSV, "-f", fmt, "-o", fifo)
    reader.join(timeout=30)
    assert (code, out, err) == (0, "", ACCOUNTED + f"wrote {fifo}\n")
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    if fmt == "json":
        assert got == [probe_json().encode("utf-8")]
    elif fmt == "xlsx":
        assert got[0][:2] == b"PK"
    assert leftovers(tmp_path) == []


def test_a_link_to_a_file_replaces_the_file_and_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    assert run("evaluate", PROBE, OK_CSV, "-o", link)[0] == 0
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8") == probe_json()
    assert leftovers(tmp_path) == []


def test_an_existing_files_permissions_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o640)
    assert run("evaluate", PROBE, OK_CSV, "-o", out)[0] == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


# -- every write failure: one line, exit 2 ----------------------------------------------------


def test_a_folder_a_missing_folder_and_a_file_as_folder(tmp_path: Path) -> None:
    code, out, err = run("evaluate", PROBE, OK_CSV, "-o", tmp_path)  # click says it first
    assert (code, out) == (2, "") and f"File '{tmp_path}' is a directory." in err
    missing = tmp_path / "no" / "r.json"
    assert run("evaluate", PROBE, OK_CSV, "-o", missing) == (
        2, "", f"kpiscore: error: cannot write {missing}: the folder {missing.parent} does "
        "not exist\n")
    (tmp_path / "f").write_text("x", encoding="utf-8")
    under = tmp_path / "f" / "r.json"
    assert run("template", PROBE, "-o", under.with_suffix(".xlsx")) == (
        2, "", f"kpiscore: error: cannot write {under.with_suffix('.xlsx')}: {under.parent} "
        "is not a folder\n")


@POSIX
def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.sock"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert run("evaluate", PROBE, OK_CSV, "-o", path) == (
            2, "", f"kpiscore: error: cannot write {path}: it is a socket; kpiscore writes "
            "files, FIFOs and character devices only\n")
    finally:
        server.close()


@FULL
@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "xlsx"])
def test_a_full_disk_is_one_line(fmt: str) -> None:
    assert run("evaluate", PROBE, OK_CSV, "-f", fmt, "-o", "/dev/full") == (
        2, "", "kpiscore: error: cannot write /dev/full: no space left on the device (the "
        "disk is full)\n")


def _full_disk(monkeypatch: pytest.MonkeyPatch, writer: str) -> None:
    """The workbook writers on a full disk: XlsxWriter (the report) raises FileCreateError,
    which is not an OSError; openpyxl (the template) an OSError."""
    def full(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    if writer == "xlsxwriter":
        from xlsxwriter.workbook import Workbook

        monkeypatch.setattr(Workbook, "_store_workbook", full)
    else:
        from openpyxl import Workbook as OpenpyxlWorkbook

        monkeypatch.setattr(OpenpyxlWorkbook, "save", full)


@pytest.mark.parametrize(("args", "writer"), [(["evaluate", PROBE, OK_CSV], "xlsxwriter"),
                                              (["template", PROBE], "openpyxl")],
                         ids=["report", "template"])
def test_a_workbook_onto_a_full_disk_is_one_line(tmp_path: Path, args: list[Any], writer: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    _full_disk(monkeypatch, writer)
    out = tmp_path / "r.xlsx"
    assert run(*args, "-o", out) == (2, "", f"kpiscore: error: cannot write {out}: no space "
                                            "left on the device (the disk is full)\n")
    assert not out.exists() and leftovers(tmp_path) == []


def test_file_create_error_is_a_write_failure(tmp_path: Path) -> None:
    from xlsxwriter.exceptions import FileCreateError

    out = tmp_path / "r.xlsx"
    with pytest.raises(OutputUnwritable, match="permission denied"), \
            atomic_path(str(out)):
        raise FileCreateError(PermissionError(errno.EACCES, "Permission denied"))
    assert leftovers(tmp_path) == []


def test_a_folder_without_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # root may write anywhere, so the refusal is the operating system's answer, simulated
    def refused(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.tempfile, "mkstemp", refused)
    out = tmp_path / "r.json"
    assert run("evaluate", PROBE, OK_CSV, "-o", out) == (
        2, "", f"kpiscore: error: cannot write {out}: permission denied\n")


def test_atomic_output_reports_its_own_failures(tmp_path: Path) -> None:
    out = tmp_path / "r.txt"
    with pytest.raises(OutputUnwritable, match="it is a folder"):
        target(str(tmp_path))
    with atomic_output(str(out)) as fh:
        fh.write("x" * 100_000)
    assert out.read_text(encoding="utf-8") == "x" * 100_000
    with pytest.raises(RuntimeError), atomic_output(str(out)) as fh:
        fh.write("half")
        raise RuntimeError("a bug")
    assert out.read_text(encoding="utf-8") == "x" * 100_000
    with pytest.raises(OutputUnwritable, match="an input of this run"), \
            atomic_path(str(out), [str(out)]):
        pass
    assert leftovers(tmp_path) == []


# -- - is standard input ----------------------------------------------------------------------


def test_evaluate_reads_actuals_from_standard_input() -> None:
    expected = probe_json().replace('"source": "ok.csv"', '"source": "stdin.csv"')
    assert run("evaluate", PROBE, "-", "-f", "json", input=OK_CSV.read_bytes()) == \
        (0, expected, ACCOUNTED)


def test_a_workbook_and_a_database_from_standard_input() -> None:
    code, out, _ = run("evaluate", TSM / "scheme.yaml", "-", "-f", "json",
                       input=(TSM / "actuals.xlsx").read_bytes())
    assert code == 0 and json.loads(out)["source"] == "stdin.xlsx"
    sqlite = ROOT / "examples" / "sqlite-table"
    args = (sqlite / "args").read_text(encoding="utf-8").split()
    code, out, err = run("evaluate", sqlite / args[0], "-", *args[2:], "-f", "json",
                         input=(sqlite / args[1]).read_bytes())
    assert code == 0, err
    assert json.loads(out)["summary"] == json.loads(
        (sqlite / "expected.json").read_text(encoding="utf-8"))["summary"]


def test_errors_in_standard_input_name_it_stdin() -> None:
    data = OK_CSV.read_bytes().replace(b",95,", b",9O,")
    code, _, err = run("evaluate", PROBE, "-", "-f", "json", input=data)
    assert code == 1
    assert err.splitlines()[0] == "stdin.csv!C2: 得分 (score): '9O' is not a number [E001]"
    code, _, err = run("evaluate", PROBE, "-", input="得分\n".encode("gbk") + b"\xff")
    assert code == 2 and err.startswith("kpiscore: error: stdin.csv: byte 0 is not valid utf-8")


def test_the_scheme_from_standard_input() -> None:
    text = PROBE.read_bytes()
    assert run("validate", "-", input=text) == (
        0, "", "1 scheme file(s) checked: 0 error(s), 0 warning(s), valid\n")
    assert run("evaluate", "-", OK_CSV, "-f", "json", input=text) == \
        (0, probe_json(), ACCOUNTED)
    code, out, err = run("validate", "-", input=b"id: x\n")
    assert code == 1
    assert out.splitlines()[0] == "stdin.yaml:1:1: error: missing required field 'title' " \
                                  "(missing-field)"
    assert err == "1 scheme file(s) checked: 1 error(s), 0 warning(s), invalid\n"
    code, out, _ = run("validate", "-", "-f", "json", input=b"id: x\n")
    doc = json.loads(out)
    assert doc["files"] == ["stdin.yaml"] and doc["findings"][0]["path"] == "stdin.yaml"


def test_explain_whatif_and_diff_read_standard_input() -> None:
    data = OK_CSV.read_bytes()
    code, out, _ = run("explain", PROBE, "-", "--id", "E001", "-f", "json", input=data)
    assert code == 0 and json.loads(out)["source"] == "stdin.csv"
    code, out, _ = run("whatif", PROBE, "-", "--id", "E002", "--total", "99", "-f", "json",
                       input=data)
    assert code == 0 and json.loads(out)
    code, out, _ = run("diff", PROBE, PROBE, "-", "-f", "json", input=data)
    assert code == 0 and json.loads(out)
    code, _, err = run("explain", PROBE, "-", "--id", "E009", input=data)
    assert (code, err) == (2, "kpiscore: error: no person with id E009 in stdin.csv\n")


def test_standard_input_is_read_once() -> None:
    assert run("evaluate", "-", "-", input=b"x") == (
        2, "", "kpiscore: error: standard input (-) can be read only once: give one - at most\n")


def test_standard_input_over_the_limit() -> None:
    assert run("evaluate", PROBE, "-", "--max-bytes", "10", input=OK_CSV.read_bytes()) == (
        2, "", "kpiscore: error: standard input holds more than 10 bytes, over the limit "
        "(raise it with --max-bytes or KPISCORE_MAX_BYTES)\n")
    assert run("validate", "-", env={"KPISCORE_MAX_SCHEME_BYTES": "5"},
               input=PROBE.read_bytes()) == (
        2, "", "kpiscore: error: standard input holds more than 5 bytes, over the limit "
        "(raise it with the environment variable KPISCORE_MAX_SCHEME_BYTES)\n")


class _Terminal:
    def isatty(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:  # pragma: no cover - never read
        raise AssertionError("a terminal is not read")


def test_a_terminal_is_not_waited_for() -> None:
    with pytest.raises(InputUnreadable, match="standard input is a terminal: pipe a file in"), \
            spool(_Terminal(), 100, "raise it"):  # type: ignore[arg-type]
        pass


def test_every_new_message_is_in_both_languages_with_the_same_fields() -> None:
    import string

    from kpiscore.base.i18n import Phrase
    from kpiscore.batch import places, runs
    from kpiscore.cli import batch, common
    from kpiscore.io import spool as spool_module

    def fields(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    phrases = [(m.__name__, name, value)
               for m in (files, spool_module, places, runs, common, batch)
               for name, value in vars(m).items() if isinstance(value, Phrase)]
    phrases += [("files.REASONS", str(k), v) for k, v in files.REASONS.items()]
    assert len(phrases) > 25
    for module, name, phrase in phrases:
        assert phrase.en and phrase.zh, f"{module}.{name}"
        assert fields(phrase.en) == fields(phrase.zh), f"{module}.{name}"


def test_import_reads_its_card_from_standard_input() -> None:
    card = (BAD / "actuals" / "import-gbk-card.csv").read_bytes()
    code, out, err = run("import", "-", "--encoding", "gbk", input=card)
    assert code == 0, err
    assert out.startswith("# Drafted by kpiscore import from stdin.csv.")
