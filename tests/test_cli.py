"""The command line: exit code, standard output and standard error, always together.

Most tests run the CLI in-process with ``click.testing.CliRunner`` (click ≥ 8.2
keeps stdout and stderr apart: ``result.stdout`` / ``result.stderr``); the
tests about colour and the installed entry point run the real executable.
No test may see a traceback: :func:`run` fails on any escaped exception.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from helpers import run_cli as run
from kpiscore import __version__
from kpiscore.cli.common import use_color

HERE = Path(__file__).parent
GOOD = HERE / "validate" / "good"
BAD = HERE / "validate" / "bad"
_EXE = Path(sys.executable).parent / "kpiscore"
#: The installed entry point (``python -m kpiscore`` when run by another interpreter).
EXE = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "kpiscore"]
ESC = "\x1b["

SCHEME = """\
id: mini
title: 迷你客服考核
grades:
  - {name: 优秀, min: 90}
  - {name: 合格, min: 60}
  - {name: 不合格}
indicators:
  - id: csat
    title: 客户满意度
    target: 90
    weight: 60
    rule: {kind: deduct, per: 1, points: 0.5}
  - id: revisit
    title: 回访率
    unit: "%"
    weight: 40%
    rule:
      kind: bands
      bands:
        - {at_least: 100, points: 10}
        - {at_least: 90, below: 100, points: 5}
        - {below: 90, points: 0}
"""

HEADER = ["工号", "姓名", "部门", "客户满意度", "回访率"]
ROWS = [
    ["E1", "张三", "客服部", 86, "100%"],   # 98 × 60% + 10/10 × 40% = 98.80 优秀
    ["E2", "李四", "客服部", 92, "95%"],    # 60 + 20 = 80.00 合格
    ["E3", "王五", "售后部", 80, "85%"],    # 57 + 0 = 57.00 不合格
]
TOTALS = {"E1": "98.80", "E2": "80.00", "E3": "57.00"}
GRADES = {"E1": "优秀", "E2": "合格", "E3": "不合格"}


# -- helpers ------------------------------------------------------------------


def run_exe(*args: Any, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the installed ``kpiscore`` executable (stdout and stderr are pipes)."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.update(env or {})
    proc = subprocess.run([*EXE, *map(str, args)], capture_output=True, text=True,
                          env=full_env, timeout=60, check=False)
    assert "Traceback" not in proc.stderr
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture()
def scheme(tmp_path: Path) -> Path:
    path = tmp_path / "mini.yaml"
    path.write_text(SCHEME, encoding="utf-8")
    return path


def write_csv(path: Path, rows: list[list[Any]], header: list[str] = HEADER,
              encoding: str = "utf-8") -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: list[list[Any]], header: list[str] = HEADER,
               sheet: str = "数据") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture()
def actuals_csv(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "actuals.csv", ROWS)


@pytest.fixture()
def actuals_xlsx(tmp_path: Path) -> Path:
    return write_xlsx(tmp_path / "actuals.xlsx", ROWS)


def accounted(read: int, failed: int = 0) -> str:
    """The line every evaluate run ends standard error with: rows read = scored + not."""
    return f"kpiscore: {read} rows read: {read - failed} scored, {failed} could not be scored\n"


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".kpiscore")
                  or p.suffix == ".tmp")


# -- help and version ---------------------------------------------------------


def test_help() -> None:
    code, out, err = run("--help")
    assert code == 0
    assert err == ""
    assert out.startswith("Usage: ")
    for word in ("evaluate", "validate", "Exit codes"):
        assert word in out


@pytest.mark.parametrize("command", ["evaluate", "validate"])
def test_command_help(command: str) -> None:
    code, out, err = run(command, "-h")
    assert (code, err) == (0, "")
    assert f"{command} [OPTIONS]" in out
    assert "--format" in out and "--color" in out


def test_version() -> None:
    code, out, err = run("--version")
    assert (code, err) == (0, "")
    assert out == f"kpiscore, version {__version__}\n"


def test_installed_entry_point_help_and_version() -> None:
    code, out, err = run_exe("--help")
    assert (code, err) == (0, "")
    assert "validate" in out
    code, out, err = run_exe("--version")
    assert (code, err) == (0, "")
    assert __version__ in out


@pytest.mark.parametrize("args", [["nosuch"], ["evaluate", "--bogus", "a", "b"],
                                  ["validate"], ["evaluate", "only-one.yaml"],
                                  ["evaluate", "-f", "xml", "a.yaml", "b.csv"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert out == ""
    assert "Usage:" in err and "Error:" in err


# -- validate -----------------------------------------------------------------


def test_validate_text_good() -> None:
    path = GOOD / "sections-levels.yaml"
    code, out, err = run("validate", path)
    assert (code, out) == (0, "")
    assert err == "1 scheme file(s) checked: 0 error(s), 0 warning(s), valid\n"


def test_validate_text_bad() -> None:
    path = BAD / "unknown-field.yaml"
    code, out, err = run("validate", path)
    assert code == 1
    # the findings are the output (as yamllint and ruff print them), the count a diagnostic
    lines = out.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}:")
    assert lines[0].endswith(": error: unknown field 'full_mark' (did you mean 'full_marks'?) "
                             "(unknown-field)")
    assert err == "1 scheme file(s) checked: 1 error(s), 0 warning(s), invalid\n"


def test_validate_json_good() -> None:
    path = GOOD / "formulas.yaml"
    code, out, err = run("validate", "-f", "json", path)
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc == {"files": [str(path)], "valid": True, "errors": 0, "warnings": 0,
                   "findings": []}


def test_validate_json_bad() -> None:
    path = BAD / "unknown-field.yaml"
    code, out, err = run("validate", "--format", "json", path)
    assert (code, err) == (1, "")
    doc = json.loads(out)
    assert doc["valid"] is False
    assert (doc["errors"], doc["warnings"]) == (1, 0)
    [finding] = doc["findings"]
    assert finding == {"path": str(path), "line": finding["line"], "column": 5,
                       "severity": "error", "code": "unknown-field",
                       "message": "unknown field 'full_mark' (did you mean 'full_marks'?)"}
    line = next(i for i, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if t.strip().startswith("full_mark:"))
    assert finding["line"] == line


def test_validate_json_warning_only_is_valid_unless_strict() -> None:
    path = BAD / "unreachable-full-marks.yaml"
    code, out, _ = run("validate", "-f", "json", path)
    doc = json.loads(out)
    assert code == 0
    assert (doc["valid"], doc["errors"], doc["warnings"]) == (True, 0, 1)
    assert doc["findings"][0]["severity"] == "warning"
    code, out, _ = run("validate", "-f", "json", "--strict", path)
    assert code == 1
    assert json.loads(out)["valid"] is False


def test_validate_github_annotations() -> None:
    bad = BAD / "unknown-field.yaml"
    good = GOOD / "floor-none.yaml"
    code, out, err = run("validate", "-f", "github", bad, good)
    assert (code, err) == (1, "")
    [line] = out.splitlines()
    assert line.startswith(f"::error file={bad},line=")
    assert ",col=5,title=kpiscore unknown-field::unknown field 'full_mark'" in line


def test_validate_github_warning_and_strict() -> None:
    path = BAD / "unreachable-full-marks.yaml"
    code, out, _ = run("validate", "-f", "github", path)
    assert code == 0
    assert out.startswith(f"::warning file={path},")
    code, out, _ = run("validate", "-f", "github", "--strict", path)
    assert code == 1
    assert out.startswith(f"::error file={path},")


def test_validate_github_escapes_percent_and_newlines(tmp_path: Path) -> None:
    path = tmp_path / "pct.yaml"
    path.write_text("id: pct\ntitle: t\ndimensions:\n  - id: a\n    weight: 0.5\n"
                    "    indicators: [{id: x, target: 1, rule: threshold}]\n"
                    "  - id: b\n    weight: 0.5\n"
                    "    indicators: [{id: y, target: 1, rule: threshold}]\n",
                    encoding="utf-8")
    code, out, _ = run("validate", "-f", "github", path)
    assert code == 1
    message = out.split("::", 2)[2]
    assert "40%25" in message and "%" not in message.replace("%25", "")


def test_validate_github_escapes_the_file_property(tmp_path: Path) -> None:
    path = tmp_path / "q1,final.yaml"
    shutil.copy(BAD / "unknown-field.yaml", path)
    code, out, _ = run("validate", "-f", "github", path)
    assert code == 1
    assert out.startswith(f"::error file={str(path).replace(',', '%2C')},line=")


def test_validate_folder(tmp_path: Path) -> None:
    folder = tmp_path / "schemes"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(GOOD / "floor-none.yaml", folder / "a-good.yaml")
    shutil.copy(BAD / "duplicate-key-top.yaml", folder / "sub" / "b-bad.yml")
    shutil.copy(BAD / "unreachable-full-marks.yaml", folder / "c-warn.yaml")
    (folder / "notes.txt").write_text("not a scheme", encoding="utf-8")
    code, out, err = run("validate", folder)
    assert code == 1
    lines = out.splitlines()
    assert [ln.split(":")[0] for ln in lines] == [str(folder / "c-warn.yaml"),
                                                  str(folder / "sub" / "b-bad.yml")]
    assert ": warning: " in lines[0] and ": error: " in lines[1]
    assert err == "3 scheme file(s) checked: 1 error(s), 1 warning(s), invalid\n"

    code, out, err = run("validate", "-f", "json", folder)
    assert (code, err) == (1, "")
    doc = json.loads(out)
    assert doc["files"] == [str(folder / "a-good.yaml"), str(folder / "c-warn.yaml"),
                            str(folder / "sub" / "b-bad.yml")]
    assert {f["path"] for f in doc["findings"]} == {str(folder / "c-warn.yaml"),
                                                    str(folder / "sub" / "b-bad.yml")}


def test_validate_folder_of_good_schemes(tmp_path: Path) -> None:
    for name in ("floor-none.yaml", "formulas.yaml", "sections-levels.yaml"):
        shutil.copy(GOOD / name, tmp_path / name)
    code, out, err = run("validate", "--strict", tmp_path)
    assert (code, out) == (0, "")
    assert err == "3 scheme file(s) checked: 0 error(s), 0 warning(s), valid\n"


def test_validate_empty_folder(tmp_path: Path) -> None:
    code, out, err = run("validate", tmp_path)
    assert (code, out) == (0, "")
    assert "no scheme files" in err


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_validate_missing_path_exits_2(tmp_path: Path, fmt: str) -> None:
    missing = tmp_path / "nope.yaml"
    code, out, err = run("validate", "-f", fmt, missing)
    assert (code, out) == (2, "")
    assert err.startswith("kpiscore: error: ")
    assert str(missing) in err and "no such file" in err


def test_validate_missing_path_next_to_a_good_one_exits_2(tmp_path: Path) -> None:
    code, out, err = run("validate", GOOD / "floor-none.yaml", tmp_path / "nope.yaml")
    assert (code, out) == (2, "")
    assert "nope.yaml" in err


def test_validate_non_utf8_scheme(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("id: gbk\ntitle: 客服考核\n".encode("gbk"))
    code, out, err = run("validate", path)
    assert code == 1 and err.endswith("invalid\n")
    assert f"{path}:2:" in out and "UTF-8" in out and "(encoding)" in out


# -- evaluate: formats ---------------------------------------------------------


def _by_id(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in doc["results"]}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_evaluate_json(scheme: Path, actuals_csv: Path, actuals_xlsx: Path, kind: str) -> None:
    actuals = actuals_csv if kind == "csv" else actuals_xlsx
    code, out, err = run("evaluate", scheme, actuals, "-f", "json")
    assert (code, err) == (0, accounted(3))
    doc = json.loads(out)
    assert doc["kpiscore"] == 1
    assert doc["scheme"] == {"id": "mini", "title": "迷你客服考核"}
    assert doc["source"] == actuals.name
    results = _by_id(doc)
    assert list(results) == ["E1", "E2", "E3"]
    assert [r["row"] for r in doc["results"]] == [2, 3, 4]
    for pid, r in results.items():
        assert r["status"] == "ok" and r["errors"] == []
        assert f"{r['total']:.2f}" == TOTALS[pid]
        assert r["grade"] == GRADES[pid]
    e1 = results["E1"]
    assert (e1["name"], e1["department"]) == ("张三", "客服部")
    csat = next(i for i in e1["indicators"] if i["id"] == "csat")
    assert (csat["actual"], csat["points"], csat["contribution"]) == (86, 98, 58.8)
    assert doc["summary"]["rows"] == 3 and doc["summary"]["ok"] == 3
    # numbers keep the scheme's two decimals, digit for digit
    assert '"total": 98.80' in out and '"total": 80.00' in out


def test_evaluate_default_format_off_a_terminal_is_json(scheme: Path, actuals_csv: Path) -> None:
    code, out, err = run("evaluate", scheme, actuals_csv)
    assert (code, err) == (0, accounted(3))
    assert json.loads(out)["summary"]["ok"] == 3


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_evaluate_jsonl_matches_json(scheme: Path, actuals_csv: Path, actuals_xlsx: Path,
                                     kind: str) -> None:
    actuals = actuals_csv if kind == "csv" else actuals_xlsx
    code, out, err = run("evaluate", scheme, actuals, "-f", "jsonl")
    assert (code, err) == (0, accounted(3))
    lines = out.splitlines()
    assert len(lines) == 3
    docs = [json.loads(line) for line in lines]
    assert all(d.pop("scheme") == "mini" for d in docs)
    assert all(d.pop("kpiscore") == 1 for d in docs)  # the format version, on every line
    _, full, _ = run("evaluate", scheme, actuals, "-f", "json")
    assert docs == json.loads(full)["results"]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_evaluate_csv(scheme: Path, actuals_csv: Path, actuals_xlsx: Path, kind: str) -> None:
    actuals = actuals_csv if kind == "csv" else actuals_xlsx
    code, out, err = run("evaluate", scheme, actuals, "-f", "csv")
    assert (code, err) == (0, accounted(3))
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["row", "id", "name", "department", "status", "total", "rank",
                             "rank_of", "department_rank", "department_rank_of", "grade",
                             "veto", "csat", "revisit", "errors"]
    assert [(r["id"], r["total"], r["rank"], r["department_rank"], r["grade"], r["status"])
            for r in rows] == [("E1", "98.80", "1", "1", "优秀", "ok"),
                               ("E2", "80.00", "2", "2", "合格", "ok"),
                               ("E3", "57.00", "3", "1", "不合格", "ok")]
    assert (rows[0]["csat"], rows[0]["revisit"]) == ("98.00", "10.00")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_evaluate_table(scheme: Path, actuals_csv: Path, actuals_xlsx: Path, kind: str) -> None:
    actuals = actuals_csv if kind == "csv" else actuals_xlsx
    code, out, err = run("evaluate", scheme, actuals, "-f", "table", "--color", "never")
    assert (code, err) == (0, accounted(3))
    assert "迷你客服考核" in out
    for pid, total in TOTALS.items():
        line = next(t for t in out.splitlines() if f" {pid} " in t)
        assert total in line and GRADES[pid] in line
    assert "3 rows: 3 scored, 0 with errors" in out
    assert ESC not in out


def test_evaluate_csv_cells_that_look_like_formulas_are_defused(scheme: Path,
                                                                tmp_path: Path) -> None:
    actuals = write_csv(tmp_path / "a.csv", [["E1", "=HYPERLINK(\"x\")", "客服部", 90, 100]])
    code, out, _ = run("evaluate", scheme, actuals, "-f", "csv")
    assert code == 0
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["name"] == "'=HYPERLINK(\"x\")"


# -- evaluate: -o FILE ---------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_output_file_is_written_atomically(scheme: Path, actuals_xlsx: Path, tmp_path: Path,
                                           fmt: str) -> None:
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / f"results.{fmt}"
    code, out, err = run("evaluate", scheme, actuals_xlsx, "-f", fmt, "-o", target)
    assert (code, out, err) == (0, "", accounted(3) + f"wrote {target}\n")
    # a .csv file gets a BOM and labels (for Excel), stdout neither
    labels = ["--csv-headers", "labels"] if fmt == "csv" else []
    _, expected, _ = run("evaluate", scheme, actuals_xlsx, "-f", fmt, *labels)
    bom = "\ufeff" if fmt == "csv" else ""
    assert target.read_text(encoding="utf-8") == bom + expected
    assert leftovers(out_dir) == []
    assert sorted(p.name for p in out_dir.iterdir()) == [target.name]


def test_output_file_replaces_an_old_result(scheme: Path, actuals_csv: Path,
                                            tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    target.write_text("old results", encoding="utf-8")
    code, _, err = run("evaluate", scheme, actuals_csv, "-f", "json", "-o", target)
    assert (code, err) == (0, accounted(3) + f"wrote {target}\n")
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["rows"] == 3
    assert leftovers(tmp_path) == []


def test_output_file_has_ordinary_permissions(scheme: Path, actuals_csv: Path,
                                              tmp_path: Path) -> None:
    target = tmp_path / "results.json"
    code, _, _ = run("evaluate", scheme, actuals_csv, "-o", target)
    assert code == 0
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("suffix,fmt", [(".csv", "csv"), (".jsonl", "jsonl"),
                                        (".json", "json")])
def test_output_format_follows_the_file_name(scheme: Path, actuals_csv: Path, tmp_path: Path,
                                              suffix: str, fmt: str) -> None:
    target = tmp_path / f"results{suffix}"
    code, _, _ = run("evaluate", scheme, actuals_csv, "-o", target)
    assert code == 0
    # a .csv file gets a BOM and labels (for Excel), stdout neither
    labels = ["--csv-headers", "labels"] if fmt == "csv" else []
    _, expected, _ = run("evaluate", scheme, actuals_csv, "-f", fmt, *labels)
    bom = "\ufeff" if fmt == "csv" else ""
    assert target.read_text(encoding="utf-8") == bom + expected


@pytest.mark.parametrize("which", ["actuals", "scheme"])
def test_output_refuses_to_overwrite_an_input(scheme: Path, actuals_csv: Path,
                                              which: str) -> None:
    victim = actuals_csv if which == "actuals" else scheme
    before = victim.read_bytes()
    code, out, err = run("evaluate", scheme, actuals_csv, "-f", "csv", "-o", victim)
    assert (code, out) == (2, "")
    assert err.startswith("kpiscore: error: ")
    assert "input" in err and victim.name in err
    assert victim.read_bytes() == before
    assert leftovers(victim.parent) == []


def test_output_refuses_an_input_reached_by_another_path(scheme: Path, actuals_csv: Path,
                                                         tmp_path: Path) -> None:
    link = tmp_path / "link.csv"
    link.symlink_to(actuals_csv)
    before = actuals_csv.read_bytes()
    code, _, err = run("evaluate", scheme, actuals_csv, "-f", "csv", "-o", link)
    assert code == 2
    assert "input" in err
    assert actuals_csv.read_bytes() == before
    assert link.is_symlink()


def test_output_file_with_error_rows(scheme: Path, tmp_path: Path) -> None:
    actuals = write_csv(tmp_path / "a.csv", [ROWS[0], ["E2", "李四", "客服部", "abc", 95]])
    target = tmp_path / "r.json"
    code, out, err = run("evaluate", scheme, actuals, "-o", target)
    assert (code, out) == (1, "")
    assert "a.csv!D3" in err
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert [r["status"] for r in doc["results"]] == ["ok", "error"]
    assert leftovers(tmp_path) == []


def test_output_with_table_format_is_a_usage_error(scheme: Path, actuals_csv: Path,
                                                   tmp_path: Path) -> None:
    target = tmp_path / "r.txt"
    code, out, err = run("evaluate", scheme, actuals_csv, "-f", "table", "-o", target)
    assert (code, out) == (2, "")
    assert "table" in err
    assert not target.exists()


def test_output_into_a_missing_folder(scheme: Path, actuals_csv: Path, tmp_path: Path) -> None:
    target = tmp_path / "no" / "such" / "r.json"
    code, out, err = run("evaluate", scheme, actuals_csv, "-o", target)
    assert (code, out) == (2, "")
    assert "cannot write" in err and str(target) in err


# -- colour --------------------------------------------------------------------


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_use_color_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    tty, pipe = _Stream(True), _Stream(False)
    assert use_color("auto", tty) is True
    assert use_color("auto", pipe) is False
    assert use_color("always", pipe) is True
    assert use_color("never", tty) is False
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color("auto", tty) is False
    assert use_color("always", tty) is True  # an explicit option beats the environment
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: only a non-empty value counts
    assert use_color("auto", tty) is True


def test_color_never_and_auto_in_a_pipe_are_plain() -> None:
    path = BAD / "unreachable-full-marks.yaml"
    for args in (["--color", "never"], ["--color", "auto"], []):
        code, out, err = run_exe("validate", *args, path)
        assert code == 0
        assert ESC not in err and ESC not in out
        assert ": warning: " in out


def test_validate_color_always_in_a_pipe() -> None:
    code, out, _ = run_exe("validate", "--color", "always", BAD / "unknown-field.yaml")
    assert code == 1
    assert ESC in out


def test_table_color_always_in_a_pipe(scheme: Path, tmp_path: Path) -> None:
    actuals = write_csv(tmp_path / "a.csv", [["E1", "张三", "客服部", "n/a", 100]])
    code, out, _ = run_exe("evaluate", "-f", "table", "--color", "always", scheme, actuals)
    assert code == 1
    assert ESC in out


def _run_in_pty(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    pty = pytest.importorskip("pty")
    master, slave = pty.openpty()
    full_env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    full_env.update(env)
    proc = subprocess.Popen([*EXE, *args], stdin=subprocess.DEVNULL, stdout=slave,
                            stderr=slave, env=full_env)
    os.close(slave)
    data = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        data += chunk
    os.close(master)
    return proc.wait(timeout=60), data.decode("utf-8", "replace")


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_color_auto_on_a_terminal_and_no_color() -> None:
    args = ["validate", str(BAD / "unknown-field.yaml")]
    code, text = _run_in_pty(args, {})
    assert code == 1
    assert ESC in text
    code, text = _run_in_pty(args, {"NO_COLOR": "1"})
    assert code == 1
    assert ESC not in text
    assert "unknown-field" in text


# -- evaluate: findings ---------------------------------------------------------


def test_bad_cell_is_an_error_row_and_the_others_are_scored(scheme: Path,
                                                            tmp_path: Path) -> None:
    rows = [ROWS[0], ["E2", "李四", "客服部", "#N/A", "95%"], ROWS[2]]
    actuals = write_xlsx(tmp_path / "a.xlsx", rows, sheet="三月")
    code, out, err = run("evaluate", scheme, actuals, "-f", "json")
    assert code == 1
    doc = json.loads(out)
    results = _by_id(doc)
    assert list(results) == ["E1", "E2", "E3"]
    bad = results["E2"]
    assert bad["status"] == "error"
    assert bad["total"] is None and bad["grade"] is None
    [error] = bad["errors"]
    assert error["where"] == "三月!D3"
    assert error["field"] == "csat"
    assert "#N/A" in error["message"]
    assert results["E1"]["status"] == results["E3"]["status"] == "ok"
    assert f"{results['E3']['total']:.2f}" == "57.00"
    assert doc["summary"]["ok"] == 2 and doc["summary"]["error"] == 1
    lines = err.splitlines()
    assert lines[0].startswith("三月!D3: ") and "#N/A" in lines[0] and "E2" in lines[0]
    assert lines[-1] + "\n" == accounted(3, failed=1)


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table"])
def test_bad_cell_in_every_format(scheme: Path, tmp_path: Path, fmt: str) -> None:
    actuals = write_csv(tmp_path / "a.csv", [ROWS[0], ["E2", "李四", "客服部", "abc", 95]])
    code, out, err = run("evaluate", scheme, actuals, "-f", fmt, "--color", "never")
    assert code == 1
    assert "a.csv!D3" in err and "'abc' is not a number" in err
    assert err.splitlines()[-1] + "\n" == accounted(2, failed=1)
    assert "E1" in out and "E2" in out
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [r["status"] for r in rows] == ["ok", "error"]
        assert "a.csv!D3" in rows[1]["errors"]


def test_blank_cell_is_not_scored_as_zero(scheme: Path, tmp_path: Path) -> None:
    actuals = write_csv(tmp_path / "a.csv", [["E1", "张三", "客服部", "", "100%"]])
    code, out, err = run("evaluate", scheme, actuals, "-f", "json")
    assert code == 1
    [r] = json.loads(out)["results"]
    assert r["status"] == "error" and r["total"] is None
    assert r["errors"][0]["where"] == "a.csv!D2"
    assert "blank" in r["errors"][0]["message"]
    assert "a.csv!D2" in err


def test_missing_column(scheme: Path, tmp_path: Path) -> None:
    actuals = write_csv(tmp_path / "a.csv", [row[:4] for row in ROWS], header=HEADER[:4])
    code, out, err = run("evaluate", scheme, actuals, "-f", "json")
    assert code == 1
    doc = json.loads(out)
    assert len(doc["results"]) == 3
    for r in doc["results"]:
        assert r["status"] == "error"
        assert any("回访率" in e["message"] and "expected a header named" in e["message"]
                   for e in r["errors"])
    assert "expected a header named 'revisit' or '回访率'" in err
    assert err.splitlines()[-1] + "\n" == accounted(3, failed=3)


def test_invalid_scheme_on_evaluate(tmp_path: Path, actuals_csv: Path) -> None:
    path = BAD / "unknown-rule-kind.yaml"
    code, out, err = run("evaluate", path, actuals_csv, "-f", "json")
    assert (code, out) == (1, "")
    [line] = err.splitlines()
    assert line.startswith(f"{path}:")
    assert ": error: unknown rule kind 'deduc'" in line and line.endswith("(unknown-rule)")
    lineno, col = line[len(str(path)) + 1:].split(":")[:2]
    assert int(lineno) > 1 and int(col) > 1


@pytest.mark.parametrize("which", ["scheme", "actuals"])
def test_evaluate_folder_instead_of_file(scheme: Path, actuals_csv: Path, tmp_path: Path,
                                         which: str) -> None:
    args = (tmp_path, actuals_csv) if which == "scheme" else (scheme, tmp_path)
    code, out, err = run("evaluate", *args)
    assert (code, out) == (2, "")
    assert "directory" in err or "folder" in err


def test_missing_scheme_on_evaluate(tmp_path: Path, actuals_csv: Path) -> None:
    code, out, err = run("evaluate", tmp_path / "nope.yaml", actuals_csv)
    assert (code, out) == (2, "")
    assert err.startswith("kpiscore: error: ") and "nope.yaml" in err


# -- evaluate: unreadable actuals --------------------------------------------------


def test_actuals_not_a_zip(scheme: Path, tmp_path: Path) -> None:
    path = tmp_path / "a.xlsx"
    path.write_text("工号,客户满意度\nE1,90\n", encoding="utf-8")
    code, out, err = run("evaluate", scheme, path)
    assert (code, out) == (2, "")
    assert err.startswith("kpiscore: error: ")
    assert "a.xlsx" in err and "zip" in err and ".csv" in err


def test_actuals_zip_but_not_a_workbook(scheme: Path, tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("hello.txt", "hi")
    code, out, err = run("evaluate", scheme, path)
    assert (code, out) == (2, "")
    assert "a.xlsx" in err and "workbook" in err


def test_actuals_old_xls(scheme: Path, tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    code, out, err = run("evaluate", scheme, path)
    assert (code, out) == (2, "")
    assert "old.xls" in err and ".xlsx" in err


def test_actuals_missing(scheme: Path, tmp_path: Path) -> None:
    code, out, err = run("evaluate", scheme, tmp_path / "nope.xlsx")
    assert (code, out) == (2, "")
    assert "nope.xlsx" in err


def test_actuals_empty_csv(scheme: Path, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    code, out, err = run("evaluate", scheme, path)
    assert (code, out) == (2, "")
    assert "empty.csv" in err


GB18030_NOTE = {
    "en": "gbk.csv: not UTF-8 text: read as GB18030 (GBK), the encoding Excel in China saves "
          "CSV in; if a name looks wrong, name the file's encoding with --encoding\n",
    "zh": "gbk.csv: 不是 UTF-8 文本:已按 GB18030(GBK,中文版 Excel 保存 CSV 所用的编码)读取;"
          "如果姓名显示不对,请用 --encoding 指明文件的编码\n"}


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_gbk_csv_is_recognised_and_told(scheme: Path, tmp_path: Path, fmt: str) -> None:
    """A CSV saved by Excel in China (GBK) needs no --encoding: read as GB18030, right to
    the names, and one line says so (streamed, csv, or read whole, json)."""
    path = write_csv(tmp_path / "gbk.csv", ROWS, encoding="gbk")
    code, out, err = run("evaluate", scheme, path, "-f", "json" if fmt == "json" else "jsonl")
    assert (code, err) == (0, GB18030_NOTE["en"] + accounted(3))
    doc = json.loads(out) if fmt == "json" else {
        "results": [json.loads(line) for line in out.splitlines()
                    if json.loads(line).get("type", "person") == "person"]}
    results = _by_id(doc)
    assert results["E1"]["name"] == "张三" and results["E3"]["department"] == "售后部"
    assert {k: f"{r['total']:.2f}" for k, r in results.items()} == TOTALS
    code, out, err = run("evaluate", scheme, path, "-f", "json", "--encoding", "gbk")
    assert (code, err) == (0, accounted(3))  # given, not recognised: nothing to tell
    assert _by_id(json.loads(out))["E2"]["name"] == "李四"


def test_gbk_csv_notice_in_chinese(scheme: Path, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "gbk.csv", ROWS, encoding="gbk")
    code, out, err = run("--lang", "zh", "evaluate", scheme, path, "-f", "json")
    assert code == 0 and err.startswith(GB18030_NOTE["zh"])
    assert _by_id(json.loads(out))["E3"]["name"] == "王五"


def test_gbk_csv_in_a_batch_run_is_told_too(scheme: Path, tmp_path: Path) -> None:
    """A month-end run over a GBK file says how it was read, as evaluate does."""
    path = write_csv(tmp_path / "gbk.csv", ROWS, encoding="gbk")
    manifest = tmp_path / "m.yaml"
    manifest.write_text(f"outputs: {{json: out.json}}\nruns:\n  - {{name: r, scheme: {scheme}, "
                        f"actuals: {path}}}\n", encoding="utf-8")
    code, out, err = run("batch", manifest)
    assert (code, out) == (0, "")
    assert err.splitlines()[0] == f"r: {GB18030_NOTE['en'].rstrip()}"
    assert _by_id(json.loads((tmp_path / "out.json").read_text("utf-8")))["E1"]["name"] == "张三"


def test_unknown_encoding(scheme: Path, actuals_csv: Path) -> None:
    code, out, err = run("evaluate", scheme, actuals_csv, "--encoding", "klingon")
    assert (code, out) == (2, "")
    assert "klingon" in err


def test_missing_sheet(scheme: Path, actuals_xlsx: Path) -> None:
    code, out, err = run("evaluate", scheme, actuals_xlsx, "--sheet", "四月")
    assert (code, out) == (2, "")
    assert "四月" in err and "数据" in err


def test_named_sheet(scheme: Path, tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.title = "三月"
    wb.active.append(HEADER)
    wb.active.append(["E9", "赵六", "客服部", 90, 100])
    april = wb.create_sheet("四月")
    april.append(HEADER)
    for row in ROWS:
        april.append(row)
    wb.save(tmp_path / "two.xlsx")
    code, out, err = run("evaluate", scheme, tmp_path / "two.xlsx", "--sheet", "四月")
    assert (code, err) == (0, accounted(3))
    assert list(_by_id(json.loads(out))) == ["E1", "E2", "E3"]


def test_csv_bom_default_file_not_stdout(scheme: Path, actuals_csv: Path,
                                         tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    code, out, err = run("evaluate", scheme, actuals_csv, "-o", target)
    assert (code, out) == (0, "")
    assert err == accounted(3) + f"wrote {target}\n"
    assert target.read_bytes().startswith(b"\xef\xbb\xbfrow,id,")
    code, out, err = run("evaluate", scheme, actuals_csv, "-f", "csv")
    assert (code, err) == (0, accounted(3))
    assert out.startswith("row,id,")
    code, out, err = run("evaluate", scheme, actuals_csv, "-f", "csv", "--bom")
    assert (code, err) == (0, accounted(3))
    assert out.startswith("\ufeffrow,id,")
    code, out, err = run("evaluate", scheme, actuals_csv, "-o", target, "--no-bom")
    assert (code, out) == (0, "")
    assert target.read_bytes().startswith(b"row,id,")
    code, out, err = run("evaluate", scheme, actuals_csv, "-f", "json", "--bom")
    assert (code, out) == (2, "")
    assert err == "kpiscore: error: --bom is for --format csv (this run writes json)\n"
