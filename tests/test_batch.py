"""kpiscore batch: the manifest (file:line:col errors), runs and rosters, one failing run
not stopping the others, idempotent and atomic outputs, and cron-friendly output.

The shipped manifest (examples/month-end.yaml) is run over a copy of the examples.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from helpers import run_cli as run
from kpiscore.batch import runs as batch_mod
from kpiscore.batch.runs import ManifestInvalid, load_manifest, run_batch

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
MANIFEST = EXAMPLES / "month-end.yaml"
_EXE = Path(sys.executable).parent / "kpiscore"
EXE = [str(_EXE)] if _EXE.exists() else [sys.executable, "-m", "kpiscore"]
ESC = "\x1b["
TECH = EXAMPLES / "tech-support-manager"
THRESHOLD = EXAMPLES / "threshold-5432"


def run_exe(*args: Any, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    proc = subprocess.run([*EXE, *map(str, args)], capture_output=True, text=True,
                          encoding="utf-8", cwd=cwd, env=env, timeout=120)
    assert "Traceback" not in proc.stderr
    return proc


def examples_copy(tmp: Path) -> Path:
    """The example folders and the month-end manifest, copied to ``tmp``."""
    for folder in sorted(EXAMPLES.iterdir()):
        if (folder / "scheme.yaml").exists():
            shutil.copytree(folder, tmp / folder.name)
    shutil.copy(MANIFEST, tmp / MANIFEST.name)
    return tmp / MANIFEST.name


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def findings(path: Path, period: str | None = None) -> list[str]:
    with pytest.raises(ManifestInvalid) as info:
        load_manifest(str(path), period=period)
    return [str(f) for f in info.value.findings]


# -- the shipped manifest over every example --------------------------------------------------


def test_month_end_covers_every_shipped_example() -> None:
    plan = load_manifest(str(MANIFEST))
    schemes = {Path(r.scheme).resolve() for r in plan.runs if r.scheme}
    examples = {p.resolve() for p in EXAMPLES.glob("*/scheme.yaml")}
    assert examples - schemes == set(), "add these examples to examples/month-end.yaml"


def test_month_end_runs_in_one_command_and_again_byte_for_byte(tmp_path: Path) -> None:
    manifest = examples_copy(tmp_path)
    proc = run_exe("batch", manifest.name, cwd=tmp_path)
    out = tmp_path / "out" / "2024-06"
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    expected_ok = True
    for run_ in summary["runs"]:
        name = run_["name"]
        expected = (tmp_path / name / "expected.json").read_text("utf-8")
        # the batch writes exactly what `kpiscore evaluate … --format json` writes
        assert (out / f"{name}.json").read_text("utf-8") == expected, name
        document = json.loads(expected)
        ok = document["summary"]["error"] == 0 and not document.get("problems")
        assert run_["status"] == ("ok" if ok else "errors"), name
        assert sorted(Path(p).suffix for p in run_["outputs"]) == [".csv", ".json", ".xlsx"]
        # the same rule as evaluate -o x.csv: Excel and WPS read UTF-8 CSV by its BOM
        assert (out / f"{name}.csv").read_bytes().startswith(codecs.BOM_UTF8), name
        expected_ok &= ok
    assert proc.returncode == (0 if expected_ok else 1), proc.stderr
    assert "kpiscore batch: 14 runs" in proc.stderr.splitlines()[-1] or \
        f"{len(summary['runs'])} runs" in proc.stderr.splitlines()[-1]
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = run_exe("batch", manifest.name, "--quiet", cwd=tmp_path)
    assert again.returncode == proc.returncode
    after = {p.name: p.read_bytes() for p in out.iterdir()}
    assert before.keys() == after.keys()
    for name, data in before.items():  # JSON, CSV and even the workbooks
        assert after[name] == data, f"{name} changed on a second run of the same month"


# -- the manifest: validated, errors as file:line:col -----------------------------------------


def test_manifest_errors_point_at_the_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "m.yaml", """\
period: 2024-06
ouputs:
  json: out/{name}.json
runs:
  - name: a
    scheme: a.yaml
  - name: b
    roster: people.xlsx
  - name: c
    scheme: c.yaml
    actuals: c.xlsx
    outputs: {json: "out/{month}.json", xls: out/c.xlsx}
""")
    got = findings(path)
    where = str(path)
    assert f"{where}:2:1: error: unknown field 'ouputs' (did you mean 'outputs'?) " \
           "(unknown-field)" in got
    assert any(f.startswith(f"{where}:5:5: error: ") and "needs actuals" in f for f in got)
    assert any(f.startswith(f"{where}:7:5: error: ") and "role_column" in f for f in got)
    assert any(f.startswith(f"{where}:12:41: error: unknown field 'xls' (did you mean "
                            "'xlsx'?)") for f in got), got


def test_manifest_checks_paths_fields_and_names(tmp_path: Path) -> None:
    path = write(tmp_path / "m.yaml", """\
outputs:
  json: out/same.json
runs:
  - {name: a, scheme: a.yaml, actuals: a.xlsx}
  - {name: b, scheme: b.yaml, actuals: b.xlsx}
  - {name: a, scheme: c.yaml, actuals: "{period}/c.xlsx"}
  - name: d
    scheme: d.yaml
    actuals: d.xlsx
    outputs: {csv: "out/{nmae}.csv", json: d.xlsx}
  - {name: e/f, scheme: e.yaml, actuals: e.xlsx}
  - {name: g, scheme: no-such-shipped-scheme, actuals: g.xlsx}
""")
    text = "\n".join(findings(path))
    assert "m.yaml:6:12: error: two runs are named 'a'" in text
    assert "uses {period}, but there is no period" in text
    assert "{nmae} is not a field (did you mean {name}?" in text
    assert "out/same.json is written by the runs 'a', 'b', 'a', 'e/f', 'g': add {name}" in text
    assert "is an input of the batch" in text
    assert "cannot name a run" in text
    assert "no shipped scheme matches 'no-such-shipped-scheme'" in text
    # with a period, {period} is fine
    assert not any("no period" in f for f in findings(path, period="2024-06"))


def test_a_roster_of_several_schemes_needs_scheme_in_its_output_names(tmp_path: Path) -> None:
    path = write(tmp_path / "m.yaml", f"""\
runs:
  - name: 客服中心
    roster: people.xlsx
    role_column: 岗位
    schemes: {{经理: {TECH / 'scheme.yaml'}, 部门: {THRESHOLD / 'scheme.yaml'}}}
    outputs: {{json: out/all.json}}
""")
    assert any(":6:21: error: " in f and "needs {scheme}" in f for f in findings(path))


@pytest.mark.parametrize(("text", "message"), [
    ("runs: [\n", "yaml-syntax"),
    ("- a\n- b\n", "a manifest is a mapping"),
    ("runs: []\n", "runs"),
    ("runs:\n  - {name: a, scheme: a.yaml, actuals: a.xlsx}\n", "writes nothing"),
    ("runs: x\nruns: y\n", "duplicate key"),
])
def test_unusable_manifests_exit_2_with_file_line_col(tmp_path: Path, text: str,
                                                      message: str) -> None:
    path = write(tmp_path / "m.yaml", text)
    code, out, err = run("batch", path)
    assert code == 2
    assert out == ""
    assert f"{path}:" in err and message in err
    assert err.rstrip().endswith("cannot be used")


def test_a_missing_manifest_or_a_bad_period_exits_2(tmp_path: Path) -> None:
    code, _, err = run("batch", tmp_path / "none.yaml")
    assert code == 2 and "cannot read the manifest" in err
    path = write(tmp_path / "m.yaml", "outputs: {json: x.json}\nruns:\n"
                 "  - {name: a, scheme: a.yaml, actuals: a.xlsx}\n")
    code, _, err = run("batch", path, "--period", "2024/06")
    assert code == 2 and "--period" in err


def test_the_manifests_in_docs_batch_md_are_valid(tmp_path: Path) -> None:
    import re

    text = (ROOT / "docs" / "batch.md").read_text("utf-8")
    blocks = re.findall(r"^```yaml fragment manifest\n(.*?)^```", text, re.S | re.M)
    assert len(blocks) >= 2
    for k, body in enumerate(blocks):
        load_manifest(str(write(tmp_path / f"m{k}.yaml", body)))


# -- running ----------------------------------------------------------------------------------


def test_one_failing_run_does_not_stop_the_others(tmp_path: Path) -> None:
    write(tmp_path / "bad.yaml", "id: bad\ntitle: x\nindicators: []\n")
    path = write(tmp_path / "m.yaml", f"""\
period: 2024-06
outputs: {{json: "out/{{name}}.json", csv: "out/{{name}}.csv"}}
runs:
  - {{name: missing, scheme: {TECH / 'scheme.yaml'}, actuals: nowhere.xlsx}}
  - {{name: invalid, scheme: bad.yaml, actuals: {TECH / 'actuals.xlsx'}}}
  - {{name: good, scheme: {TECH / 'scheme.yaml'}, actuals: {TECH / 'actuals.xlsx'}}}
""")
    code, out, err = run("batch", path)
    assert code == 2  # what evaluate gives for the missing actuals (1 for the invalid scheme)
    assert out == ""
    assert (tmp_path / "out" / "good.json").read_text("utf-8") == \
        (TECH / "expected.json").read_text("utf-8")
    assert not (tmp_path / "out" / "missing.json").exists()
    assert not (tmp_path / "out" / "invalid.json").exists()
    lines = err.splitlines()
    assert any(line.startswith("failed  missing: ") and "nowhere.xlsx: no such file" in line
               for line in lines)
    assert any(line.startswith("failed  invalid: the scheme is invalid") for line in lines)
    assert any(line.startswith(f"{tmp_path / 'bad.yaml'}:1:1: error: ") for line in lines)
    assert any(line.startswith("ok      good: 6 rows, 6 scored → ") for line in lines)
    assert lines[-1] == ("kpiscore batch: 3 runs: 1 ok, 0 with rows that could not be "
                         "scored, 2 failed; 6 rows, 6 scored (period 2024-06)")


def _roster(path: Path) -> None:
    """A roster of the people of two examples, with a 岗位 column, and two strays."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "人员"
    sources = [(TECH, "技术支持经理"), (THRESHOLD, "客户服务部")]
    sheets = [openpyxl.load_workbook(folder / "actuals.xlsx").worksheets[0]
              for folder, _ in sources]
    heads = [[c.value for c in s[1]] for s in sheets]
    header = ["工号", "姓名", "部门", "岗位"]
    for h in heads:
        header += [x for x in h[3:] if x not in header]
    ws.append(header)
    for s, h, (_, role) in zip(sheets, heads, sources, strict=True):
        for cells in s.iter_rows(min_row=2):
            r = ws.max_row + 1
            for c in cells:
                col = header.index(h[c.column - 1]) + 1 if c.column > 3 else c.column
                target = ws.cell(row=r, column=col, value=c.value)
                target.number_format = c.number_format
            ws.cell(row=r, column=4, value=role)
    ws.append(["X001", "错岗", "客服部", "技术支持经里"])
    ws.append(["X002", "无岗", "客服部", None])
    wb.save(path)


def test_a_roster_scores_each_person_with_their_roles_scheme(tmp_path: Path) -> None:
    _roster(tmp_path / "people.xlsx")
    path = write(tmp_path / "m.yaml", f"""\
period: 2024-06
summary: out/summary.json
runs:
  - name: 客服中心
    roster: people.xlsx
    role_column: 岗位
    schemes:
      技术支持经理: {TECH / 'scheme.yaml'}
      客户服务部: {THRESHOLD / 'scheme.yaml'}
    outputs: {{json: "out/{{scheme}}.json", xlsx: "out/{{name}}-{{scheme}}.xlsx"}}
""")
    code, _, err = run("batch", path)
    assert code == 1, err
    for folder in (TECH, THRESHOLD):
        expected = json.loads((folder / "expected.json").read_text("utf-8"))
        got = json.loads((tmp_path / "out" / f"{folder.name}.json").read_text("utf-8"))
        assert got["source"] == "people.xlsx"
        assert got["summary"] == expected["summary"]
        for g, e in zip(got["results"], expected["results"], strict=True):
            g.pop("row"), e.pop("row")
            assert g == e
        assert (tmp_path / "out" / f"客服中心-{folder.name}.xlsx").exists()
    assert "人员!D12: 岗位 '技术支持经里' has no scheme in the manifest (did you mean " \
           "'技术支持经理'?" in err
    assert "人员!D13: 岗位 is blank" in err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    [r] = summary["runs"]
    assert (r["status"], r["rows"], r["scored"]) == ("errors", 12, 10)
    assert [(u["row"], u["id"]) for u in r["unassigned"]] == [(12, "X001"), (13, "X002")]
    assert r["schemes"] == ["tech-support-manager", "threshold-5432"]


def test_a_roster_without_its_role_column_fails_that_run(tmp_path: Path) -> None:
    path = write(tmp_path / "m.yaml", f"""\
runs:
  - name: r
    roster: {TECH / 'actuals.xlsx'}
    role_column: 岗位
    schemes: {{经理: {TECH / 'scheme.yaml'}}}
    outputs: {{json: out/r.json}}
""")
    result = run_batch(load_manifest(str(path)))
    [r] = result.runs
    assert r.status == "failed" and "no column '岗位'" in (r.problem or "")
    assert not result.ok  # the CLI exits 1 (findings)


# -- atomic outputs ---------------------------------------------------------------------------


def test_a_writer_raising_leaves_no_output_of_that_run(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    from kpiscore.outputs import report_xlsx

    def broken(path: str, *args: Any, **kwargs: Any) -> None:
        Path(path).write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_xlsx, "write_report", broken)
    path = write(tmp_path / "m.yaml", f"""\
runs:
  - name: a
    scheme: {TECH / 'scheme.yaml'}
    actuals: {TECH / 'actuals.xlsx'}
    outputs: {{json: out/a.json, csv: out/a.csv, xlsx: out/a.xlsx}}
  - name: b
    scheme: {TECH / 'scheme.yaml'}
    actuals: {TECH / 'actuals.xlsx'}
    outputs: {{json: out/b.json}}
""")
    result = run_batch(load_manifest(str(path)))
    assert [r.status for r in result.runs] == ["failed", "ok"]
    assert result.runs[0].problem == ("cannot write " + str(tmp_path / "out" / "a.xlsx") +
                                      ": no space left on the device (the disk is full)")
    assert (result.runs[0].rows, result.runs[0].scored, result.code) == (6, 0, 2)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".kpiscore-outputs.json",
                                                                   "b.json"]


def _big_actuals(path: Path, people: int) -> None:
    rows = list(openpyxl.load_workbook(TECH / "actuals.xlsx").worksheets[0]
                .iter_rows(values_only=True))
    with path.open("w", encoding="utf-8") as fh:
        fh.write(",".join(str(h) for h in rows[0]) + "\n")
        for i in range(people):
            row = list(rows[1 + i % (len(rows) - 1)])
            row[0] = f"P{i:06d}"
            fh.write(",".join("" if v is None else str(v) for v in row) + "\n")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_run_killed_midway_leaves_no_partial_output(tmp_path: Path, sig: int) -> None:
    _big_actuals(tmp_path / "big.csv", 3000)
    path = write(tmp_path / "m.yaml", f"""\
runs:
  - name: big
    scheme: {TECH / 'scheme.yaml'}
    actuals: big.csv
    outputs: {{json: out/big.json, csv: out/big.csv, xlsx: out/big.xlsx}}
""")
    (tmp_path / "out").mkdir()
    proc = subprocess.Popen([*EXE, "batch", str(path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    try:  # wait until the outputs are being written, then stop the process
        while not any(p.name.startswith(".kpiscore-") for p in (tmp_path / "out").iterdir()):
            assert proc.poll() is None, "the run ended before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.2)
        proc.send_signal(sig)
        code = proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    left = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert not any(name.startswith("big.") for name in left), left
    if sig == signal.SIGTERM:  # terminated like Ctrl-C: temporary files removed too
        assert code == 128 + signal.SIGTERM
        assert left == []


# -- cron: quiet, logged, no colour or progress unless on a terminal --------------------------


def _good(tmp_path: Path, bad_row: bool = False) -> Path:
    actuals = TECH / "actuals.xlsx"
    if bad_row:
        wb = openpyxl.load_workbook(actuals)
        wb.worksheets[0]["D2"] = "n/a"
        actuals = tmp_path / "actuals.xlsx"
        wb.save(actuals)
    return write(tmp_path / "m.yaml", f"""\
period: 2024-06
outputs: {{jsonl: "out/{{period}}/{{name}}.jsonl"}}
runs:
  - {{name: tsm, scheme: {TECH / 'scheme.yaml'}, actuals: {actuals}}}
""")


def test_piped_output_has_no_colour_and_no_progress(tmp_path: Path) -> None:
    proc = run_exe("batch", _good(tmp_path))
    assert proc.returncode == 0
    assert proc.stdout == ""
    assert ESC not in proc.stderr and "\r" not in proc.stderr
    assert proc.stderr.splitlines() == [
        "ok      tsm: 6 rows, 6 scored → " + str(tmp_path / "out" / "2024-06" / "tsm.jsonl"),
        "kpiscore batch: 1 run: 1 ok, 0 with rows that could not be scored, 0 failed; "
        "6 rows, 6 scored (period 2024-06)"]
    coloured = run_exe("batch", _good(tmp_path), "--color", "always")
    assert ESC in coloured.stderr


def test_quiet_says_nothing_unless_something_failed_and_log_keeps_it_all(
        tmp_path: Path) -> None:
    log = tmp_path / "logs" / "month-end.log"
    proc = run_exe("batch", _good(tmp_path), "--quiet", "--log", log)
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    first = log.read_text("utf-8").splitlines()
    assert any("info    ok: tsm: 6 rows, 6 scored" in line for line in first)
    bad = tmp_path / "bad"
    bad.mkdir()
    proc = run_exe("batch", _good(bad, bad_row=True), "--quiet", "--log", log, "--period",
                   "2024-07")
    assert proc.returncode == 1
    assert "季度考核!D2: 关键客户满意度评分 (csat): 'n/a' is not a number [E001]" in proc.stderr
    assert proc.stderr.splitlines()[-1].endswith("6 rows, 5 scored (period 2024-07)")
    assert (bad / "out" / "2024-07" / "tsm.jsonl").exists()
    lines = log.read_text("utf-8").splitlines()
    assert lines[:len(first)] == first  # appended
    assert any(line[:4].isdigit() and " error   tsm: 季度考核!D2" in line for line in lines)


def test_the_core_never_imports_click_or_rich() -> None:
    code = ("import sys, kpiscore.batch.runs, kpiscore.outputs.report_xlsx; "
            "print(sorted(m for m in ('click', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_summary_lines_group_outputs_of_one_name() -> None:
    r = batch_mod.RunResult("a", "scheme", rows=2, scored=1,
                            written=["out/a.json", "out/a.csv", "out/b.xlsx"])
    r.status = "errors"
    assert batch_mod.run_line(r) == ("a: 2 rows, 1 scored, 1 could not be scored → "
                                     "out/a.{json,csv}, out/b.xlsx")


# -- where outputs may go, and what they may replace ------------------------------------------


def _one_run(tmp_path: Path, outputs: str, extra: str = "", name: str = "m.yaml") -> Path:
    return write(tmp_path / name, f"""\
{extra}outputs: {outputs}
runs:
  - {{name: r, scheme: {TECH / 'scheme.yaml'}, actuals: {TECH / 'actuals.xlsx'}}}
""")


def test_an_output_outside_the_manifests_folder_is_refused_where_it_is_written(
        tmp_path: Path) -> None:
    victim = tmp_path / "victim" / "passwd"
    write(victim, "root:x:0:0\n")
    folder = tmp_path / "a" / "b"
    path = write(folder / "m.yaml", f"""\
runs:
  - name: r
    scheme: {TECH / 'scheme.yaml'}
    actuals: {TECH / 'actuals.xlsx'}
    outputs:
      json: ../../victim/passwd
      csv: {tmp_path / 'elsewhere.csv'}
""")
    code, out, err = run("batch", path)
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"{path}:6:13: error: the json output '../../victim/passwd' is outside the manifest's "
        f"folder ({folder}): a batch writes only there, or in a folder the manifest lists in "
        "output_folders: (output-outside)",
        f"{path}:7:12: error: the csv output '{tmp_path / 'elsewhere.csv'}' is outside the "
        f"manifest's folder ({folder}): a batch writes only there, or in a folder the manifest "
        "lists in output_folders: (output-outside)",
        f"kpiscore: error: the manifest {path} cannot be used"]
    assert victim.read_text("utf-8") == "root:x:0:0\n"
    assert not (tmp_path / "elsewhere.csv").exists()


def test_output_folders_lets_outputs_go_elsewhere(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    path = _one_run(tmp_path / "m", f'{{json: "{shared}/{{name}}.json", csv: ../x/r.csv}}',
                    f"output_folders: [{shared}, ../x]\n")
    code, _, err = run("batch", path)
    assert code == 0, err
    assert (shared / "r.json").exists() and (tmp_path / "x" / "r.csv").exists()


def test_a_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "out").symlink_to(outside)
    path = _one_run(tmp_path / "m", "{json: out/r.json}")
    code, _, err = run("batch", path)
    assert code == 2 and "(output-outside)" in err
    assert list(outside.iterdir()) == []


def test_a_link_made_after_the_manifest_was_read_is_refused_when_writing(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    path = _one_run(tmp_path / "m", "{json: out/r.json}")
    plan = load_manifest(str(path))
    (tmp_path / "m" / "out").symlink_to(outside)
    [r] = run_batch(plan).runs
    assert r.status == "failed" and "outside the manifest's folder" in (r.problem or "")
    assert list(outside.iterdir()) == []


def test_an_existing_file_kpiscore_did_not_write_is_left_alone(tmp_path: Path) -> None:
    notes = write(tmp_path / "notes.txt", "a colleague's notes\n")
    path = _one_run(tmp_path, "{json: out/r.json, csv: notes.txt}")
    code, _, err = run("batch", path)
    assert code == 2
    assert err.splitlines() == [
        f"failed  r: cannot write {notes}: it exists and kpiscore batch did not write it (or "
        "it was changed since): it is left as it is; move it away, or run kpiscore batch "
        "--force to replace it",
        "kpiscore batch: 1 run: 0 ok, 0 with rows that could not be scored, 1 failed; "
        "6 rows, 0 scored"]
    assert notes.read_text("utf-8") == "a colleague's notes\n"
    assert not (tmp_path / "out" / "r.json").exists()  # none of the run's outputs
    assert run("batch", path, "--force")[0] == 0
    assert notes.read_text("utf-8").startswith("row,id,")
    # kpiscore's own outputs are replaced on the next run without --force …
    assert run("batch", path)[0] == 0
    ledger = json.loads((tmp_path / ".kpiscore-outputs.json").read_text("utf-8"))
    assert list(ledger["files"]) == ["notes.txt"]
    # … unless someone changed them since
    with notes.open("a", encoding="utf-8") as fh:
        fh.write("an edit\n")
    code, _, err = run("batch", path)
    assert code == 2 and "was changed since" in err


def test_two_outputs_that_are_one_file_are_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "same").symlink_to(tmp_path / "out")
    path = write(tmp_path / "m.yaml", f"""\
runs:
  - name: a
    scheme: {TECH / 'scheme.yaml'}
    actuals: {TECH / 'actuals.xlsx'}
    outputs: {{json: out/R.json, jsonl: out/r.json}}
  - name: b
    scheme: {TECH / 'scheme.yaml'}
    actuals: {TECH / 'actuals.xlsx'}
    outputs: {{json: same/b.json, csv: out/b.json}}
""")
    got = [f.split(": error: ", 1) for f in findings(path)]
    out = tmp_path / "out"
    assert got == [
        [f"{path}:5:21", f"the json and jsonl outputs of run 'a' are one file ({out / 'R.json'}):"
                         " give each its own name (duplicate-output)"],
        [f"{path}:5:40", f"the json and jsonl outputs of run 'a' are one file ({out / 'r.json'}):"
                         " give each its own name (duplicate-output)"],
        [f"{path}:9:21", f"the json and csv outputs of run 'b' are one file "
                         f"({tmp_path / 'same' / 'b.json'}): give each its own name "
                         "(duplicate-output)"],
        [f"{path}:9:39", f"the json and csv outputs of run 'b' are one file ({out / 'b.json'}):"
                         " give each its own name (duplicate-output)"]]


@pytest.mark.parametrize(("outputs", "code"), [
    ("{json: '-'}", "output-stdout"),
    ("{json: out/.kpiscore-outputs.json}", "output-ledger"),
    ("{json: m.yaml}", "output-over-input"),
])
def test_outputs_a_batch_cannot_have(tmp_path: Path, outputs: str, code: str) -> None:
    path = _one_run(tmp_path, outputs)
    [finding] = findings(path)
    assert finding.startswith(f"{path}:1:") and finding.endswith(f"({code})")


def test_the_summary_is_checked_like_the_outputs(tmp_path: Path) -> None:
    path = _one_run(tmp_path, "{json: out/r.json}", "summary: ../summary.json\n", "m/m.yaml")
    [finding] = findings(path)
    assert finding.startswith(f"{path}:1:10: error: the summary output '../summary.json' is "
                              "outside") and finding.endswith("(output-outside)")
    foreign = write(tmp_path / "n" / "summary.json", "{}\n")
    path = _one_run(tmp_path, "{json: out/r.json}", "summary: summary.json\n", "n/m.yaml")
    code, _, err = run("batch", path)
    assert code == 2
    assert f"kpiscore: error: cannot write {foreign}: it exists and kpiscore batch did not " \
           "write it" in err
    assert (tmp_path / "n" / "out" / "r.json").exists()  # the runs were written


# -- --log -----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["manifest", "actuals", "scheme", "output", "summary",
                                   "link"])
def test_the_log_is_never_an_input_or_an_output(tmp_path: Path, which: str) -> None:
    actuals = tmp_path / "actuals.xlsx"
    shutil.copy(TECH / "actuals.xlsx", actuals)
    scheme = tmp_path / "scheme.yaml"
    shutil.copy(TECH / "scheme.yaml", scheme)
    path = write(tmp_path / "m.yaml", """\
summary: out/summary.json
outputs: {json: out/r.json}
runs:
  - {name: r, scheme: scheme.yaml, actuals: actuals.xlsx}
""")
    (tmp_path / "out").mkdir()
    write(tmp_path / "out" / "r.json", "{}\n")
    log = {"manifest": path, "actuals": actuals, "scheme": scheme,
           "output": tmp_path / "out" / "r.json", "summary": tmp_path / "out" / "summary.json",
           "link": tmp_path / "log-link"}[which]
    if which == "link":
        log.symlink_to(actuals)
    before = {p: p.read_bytes() for p in (path, actuals, scheme, tmp_path / "out" / "r.json")}
    code, out, err = run("batch", path, "--log", log)
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith(f"kpiscore: error: --log {log} is ")
    assert line.endswith("of this batch: the log is appended to, so it must be a file of its "
                         "own")
    assert {p: p.read_bytes() for p in before} == before
    assert not (tmp_path / "out" / "summary.json").exists()


def test_the_log_on_standard_output(tmp_path: Path) -> None:
    code, out, err = run("batch", _good(tmp_path), "--log", "-", "--quiet")
    assert (code, err) == (0, "")
    assert [line.split(" ", 2)[1] for line in out.splitlines()] == ["info"] * 3


# -- accounting and exit codes -----------------------------------------------------------------


def test_a_failed_run_counts_no_row_as_scored(tmp_path: Path) -> None:
    write(tmp_path / "out" / "b.json", "not kpiscore's\n")
    path = write(tmp_path / "m.yaml", f"""\
summary: out/summary.json
outputs: {{json: "out/{{name}}.json"}}
runs:
  - {{name: a, scheme: {TECH / 'scheme.yaml'}, actuals: {TECH / 'actuals.xlsx'}}}
  - {{name: b, scheme: {TECH / 'scheme.yaml'}, actuals: {TECH / 'actuals.xlsx'}}}
""")
    code, _, err = run("batch", path)
    assert code == 2
    assert err.splitlines()[-1] == ("kpiscore batch: 2 runs: 1 ok, 0 with rows that could not "
                                    "be scored, 1 failed; 12 rows, 6 scored")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert [(r["status"], r["rows"], r["scored"], r["errors"], r["outputs"])
            for r in summary["runs"]] == [("ok", 6, 6, 0, ["out/a.json"]),
                                          ("failed", 6, 0, 6, [])]
    assert summary["totals"] == {"runs": 2, "ok": 1, "errors": 0, "failed": 1, "rows": 12,
                                 "scored": 6}


@pytest.mark.parametrize(("runs", "code"), [
    ([("good", "actuals.xlsx")], 0),
    ([("good", "actuals.xlsx"), ("bad-row", "bad-row.xlsx")], 1),
    ([("good", "actuals.xlsx"), ("invalid", "invalid")], 1),
    ([("good", "actuals.xlsx"), ("missing", "missing.xlsx")], 2),
    ([("bad-row", "bad-row.xlsx"), ("missing", "missing.xlsx")], 2),
])
def test_the_exit_code_is_the_worst_evaluate_would_give(tmp_path: Path,
                                                        runs: list[tuple[str, str]],
                                                        code: int) -> None:
    wb = openpyxl.load_workbook(TECH / "actuals.xlsx")
    wb.worksheets[0]["D2"] = "n/a"
    wb.save(tmp_path / "bad-row.xlsx")
    shutil.copy(TECH / "actuals.xlsx", tmp_path / "actuals.xlsx")
    write(tmp_path / "invalid.yaml", "id: bad\ntitle: x\nindicators: []\n")
    lines = []
    for name, actuals in runs:
        scheme = "invalid.yaml" if actuals == "invalid" else TECH / "scheme.yaml"
        actuals = "actuals.xlsx" if actuals == "invalid" else actuals
        lines.append(f"  - {{name: {name}, scheme: {scheme}, actuals: {actuals}}}")
    path = write(tmp_path / "m.yaml", 'outputs: {json: "out/{name}.json"}\nruns:\n'
                 + "\n".join(lines) + "\n")
    assert run("batch", path)[0] == code


def test_a_manifest_from_standard_input_is_relative_to_the_working_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(TECH / "actuals.xlsx", tmp_path / "actuals.xlsx")
    text = (f"outputs: {{json: out/r.json}}\nruns:\n"
            f"  - {{name: r, scheme: {TECH / 'scheme.yaml'}, actuals: actuals.xlsx}}\n")
    code, _, err = run("batch", "-", input=text.encode())
    assert code == 0, err
    assert err.splitlines()[0] == "ok      r: 6 rows, 6 scored → out/r.json"
    code, _, err = run("batch", "-", input=b"runs: [\n")
    assert code == 2
    assert err.splitlines()[-1] == "kpiscore: error: the manifest stdin.yaml cannot be used"
    assert err.startswith("stdin.yaml:2:1: error: ")
