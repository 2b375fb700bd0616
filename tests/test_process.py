"""The edges of a kpiscore process, tried on real processes: signals (SIGINT exits 130,
SIGTERM 143, SIGHUP 129, no temporary file left anywhere), a reader that goes away
(``| head -1``: exit 141, nothing on standard error), standard output on a full disk,
and standard input spooled and removed (cli/process.py, docs/security.md "Outputs")."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bad import corpus

BAD = corpus.HERE
PROBE = BAD / "probe.yaml"
TSM = Path(__file__).resolve().parents[1] / "examples" / "tech-support-manager"

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX processes")


def big_csv(path: Path, rows: int) -> Path:
    lines = ["工号,姓名,得分,行为等级"] + [f"E{k:06},员工{k},{50 + k % 50},{1 + k % 5}"
                                        for k in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def environment(tmp: Path) -> dict[str, str]:
    """The environment of a run whose temporary files all go under ``tmp``."""
    tmp.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KPISCORE_")}
    env["TMPDIR"] = str(tmp)
    return env


def wait_for(condition: object, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 60
    while not condition():  # type: ignore[operator]
        assert proc.poll() is None, f"the run ended before {what}"
        assert time.monotonic() < deadline, f"no {what} within a minute"
        time.sleep(0.01)


def leftovers(*folders: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for folder in folders for p in folder.rglob("*")
                  if p.name.startswith((".kpiscore-", "kpiscore-")) or p.suffix == ".tmp")


SIGNALS = [pytest.param(signal.SIGINT, 130, id="SIGINT"),
           pytest.param(signal.SIGTERM, 143, id="SIGTERM")]
if hasattr(signal, "SIGHUP"):
    SIGNALS.append(pytest.param(signal.SIGHUP, 129, id="SIGHUP"))


@pytest.mark.parametrize(("sig", "code"), SIGNALS)
def test_a_signal_while_writing_exits_128_plus_its_number_and_leaves_nothing(
        tmp_path: Path, sig: int, code: int) -> None:
    actuals = big_csv(tmp_path / "actuals.csv", 40_000)
    out = tmp_path / "out"
    out.mkdir()
    target = out / "results.jsonl"
    target.write_text("last month\n", encoding="utf-8")
    proc = subprocess.Popen([*corpus.KPISCORE, "evaluate", str(PROBE), str(actuals), "-o",
                             str(target)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=environment(tmp_path / "tmp"))
    wait_for(lambda: any(p.stat().st_size > 0 for p in out.glob(".kpiscore-*")), proc,
             "the output was being written")
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert err == b""  # no traceback, no "Aborted!"
    assert target.read_text(encoding="utf-8") == "last month\n"
    assert leftovers(out, tmp_path / "tmp") == []
    assert list((tmp_path / "tmp").iterdir()) == []  # the private temporary folder too


def test_ctrl_c_while_the_report_is_written_removes_the_workbooks_temporaries(
        tmp_path: Path) -> None:
    """The report's writers keep temporary files (the ranks' spool, worksheets) until the
    workbook is zipped: those live in kpiscore's private temporary folder, removed on
    the way out."""
    actuals = big_csv(tmp_path / "actuals.csv", 20_000)
    tmp = tmp_path / "tmp"
    proc = subprocess.Popen([*corpus.KPISCORE, "evaluate", str(PROBE), str(actuals), "-o",
                             str(tmp_path / "report.xlsx")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=environment(tmp))
    wait_for(lambda: any(p.is_file() for p in tmp.rglob("*")), proc,
             "the workbook's temporary files were made")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    # only the report's own notice (too many people for cards), never a traceback
    assert all(line.startswith(b"kpiscore: the report holds no cards")
               for line in err.splitlines()), err
    assert not (tmp_path / "report.xlsx").exists()
    assert leftovers(tmp_path) == []
    assert list(tmp.iterdir()) == []


def test_ctrl_c_while_standard_input_is_read_removes_its_spool(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    proc = subprocess.Popen([*corpus.KPISCORE, "evaluate", str(PROBE), "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, env=environment(tmp))
    assert proc.stdin is not None
    proc.stdin.write("工号,姓名,得分,行为等级\n".encode() + b"E1,a,90,3\n" * 1000)
    proc.stdin.flush()  # and kept open: kpiscore waits for the rest
    wait_for(lambda: any(p.name.startswith("stdin") for p in tmp.rglob("*")), proc,
             "standard input was spooled")
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert (proc.returncode, err) == (130, b"")
    assert list(tmp.iterdir()) == []


@pytest.mark.parametrize("args", [
    ["evaluate", str(PROBE), "{big}", "-f", "jsonl"],
    ["evaluate", str(PROBE), "{big}", "-f", "json"],
    ["evaluate", str(PROBE), "{big}", "-f", "csv"],
    ["evaluate", str(PROBE), "{big}", "-f", "table"],
    ["evaluate", str(PROBE), "{big}", "-o", "-", "-f", "csv"],
    ["evaluate", str(PROBE), "{900}", "-f", "xlsx", "-o", "-"],  # a report with cards
    ["diff", str(PROBE), str(PROBE), "{big}", "-f", "json"],
], ids=["jsonl", "json", "csv", "table", "o-dash", "xlsx", "diff"])
def test_a_reader_that_goes_away_ends_the_run_quietly_with_141(tmp_path: Path,
                                                               args: list[str]) -> None:
    big = big_csv(tmp_path / "big.csv", 20_000)
    small = big_csv(tmp_path / "900.csv", 900)
    tmp = tmp_path / "tmp"
    args = [a.replace("{big}", str(big)).replace("{900}", str(small)) for a in args]
    proc = subprocess.Popen([*corpus.KPISCORE, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=environment(tmp))
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(1)  # like head -c 1: take a little, then go away (the outputs are
    # larger than a pipe's buffer, so that kpiscore is still writing)
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert (proc.returncode, err) == (141, b"")
    assert list(tmp.iterdir()) == []


def test_head_in_a_shell_pipeline(tmp_path: Path) -> None:
    """What a user types: the pipeline's status is kpiscore's 141 (with pipefail), and
    nothing is printed but head's one line."""
    big = big_csv(tmp_path / "big.csv", 20_000)
    command = " ".join([*corpus.KPISCORE, "evaluate", str(PROBE), str(big), "-f", "jsonl"])
    proc = subprocess.run(["bash", "-c", f"set -o pipefail; {command} | head -1"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 141
    assert proc.stdout.count("\n") == 1 and proc.stdout.startswith('{"kpiscore":1')
    assert proc.stderr == ""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [
    ["evaluate", str(PROBE), str(BAD / "actuals" / "ok.csv"), "-f", "json"],
    ["schemes", "-f", "json"],
    ["template", str(TSM / "scheme.yaml"), "-f", "xlsx", "-o", "-"],
], ids=["evaluate", "schemes", "xlsx"])
def test_standard_output_on_a_full_disk_is_one_line_and_exit_2(args: list[str]) -> None:
    with open("/dev/full", "w") as full:
        proc = subprocess.run([*corpus.KPISCORE, *args], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=60)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert lines[-1] == ("kpiscore: error: cannot write standard output: no space left on the "
                         "device (the disk is full)")
    assert all(line.startswith("kpiscore: ") for line in lines), proc.stderr


def test_standard_input_is_spooled_and_removed(tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    data = (BAD / "actuals" / "ok.csv").read_bytes()
    proc = subprocess.run([*corpus.KPISCORE, "evaluate", str(PROBE), "-", "-f", "jsonl"],
                          input=data, capture_output=True, timeout=60, env=environment(tmp))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(b"\n") == 2
    assert list(tmp.iterdir()) == []


def test_a_workbook_on_standard_input(tmp_path: Path) -> None:
    proc = subprocess.run([*corpus.KPISCORE, "evaluate", str(TSM / "scheme.yaml"), "-", "-f",
                           "json"], input=(TSM / "actuals.xlsx").read_bytes(),
                          capture_output=True, timeout=60, env=environment(tmp_path / "tmp"))
    assert proc.returncode == 0, proc.stderr
    expected = (TSM / "expected.json").read_text(encoding="utf-8")
    got = proc.stdout.decode("utf-8")
    assert got == expected.replace('"source": "actuals.xlsx"', '"source": "stdin.xlsx"')


def test_the_entry_point_imports_no_click_before_it_handles_signals() -> None:
    code = ("import sys, kpiscore.cli; "
            "print(sorted(m for m in ('click', 'rich') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60).stdout
    assert out.strip() == "[]"


def test_ctrl_c_while_the_private_folder_is_made_leaves_nothing(tmp_path: Path) -> None:
    """A Ctrl-C that arrives while kpiscore makes its temporary folder waits until the
    folder is known, so it is removed on the way out (arriving half-way, it was left
    behind, and so was the probe file Python writes to find the temporary directory)."""
    code = (
        "import os, signal, sys, tempfile\n"
        "made = tempfile.mkdtemp\n"
        "def interrupted(*args, **kwargs):\n"
        "    folder = made(*args, **kwargs)\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n"
        "    return folder\n"
        "tempfile.mkdtemp = interrupted\n"
        "sys.argv = ['kpiscore', '--help']\n"
        "from kpiscore.cli import main\n"
        "main()\n")
    tmp = tmp_path / "tmp"
    proc = subprocess.run([sys.executable, "-c", code], env=environment(tmp),
                          capture_output=True, timeout=60)
    assert (proc.returncode, proc.stdout, proc.stderr) == (130, b"", b"")
    assert list(tmp.iterdir()) == []
