"""docs/tutorial.md runs as written, and the tools kpiscore fits into work.

The tutorial is executed, not just read: every fenced block whose info string
says ``file=NAME`` is written to NAME in a fresh folder (a later block with
the same name is the reader editing the file), and every ```console block's
``$ kpiscore …`` lines are run there, in order, through click's CliRunner.
What each command prints (standard output and standard error, interleaved as
a terminal shows them) must be the text below its ``$`` line, and its exit
code 0 unless the line ends in ``# exit N``.

After changing the CLI, regenerate the shown outputs instead of editing them
by hand, then read the diff::

    REGEN=1 pytest tests/test_tutorial.py tests/test_cookbook.py

The same machinery checks docs/cookbook/ (tests/test_cookbook.py imports it).
Also here: the pre-commit hook definitions and shell completion.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kpiscore.cli import cli

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
TUTORIAL = DOCS / "tutorial.md"

#: The terminal the documented outputs were made for: 100 columns, English, no colour.
DOC_ENV = {"COLUMNS": "100", "LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": "",
           "NO_COLOR": "1"}

_FENCE = re.compile(r"^(?P<fence>```+)(?P<info>[^`\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
                    re.MULTILINE | re.DOTALL)
_EXIT = re.compile(r"#\s*exit\s+(\d+)\s*$")


@dataclass
class Command:
    line: str  # as shown after "$ "
    expected: list[str]

    @property
    def exit_code(self) -> int:
        m = _EXIT.search(self.line)
        return int(m.group(1)) if m else 0

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.line, comments=True)


@dataclass
class Block:
    """A fenced block: a file to write, or console commands to run."""

    kind: str  # "file" or "console"
    start: int  # offsets of the body in the Markdown text
    end: int
    line: int
    name: str = ""
    body: str = ""
    commands: list[Command] = field(default_factory=list)


def parse(text: str) -> list[Block]:
    blocks = []
    for m in _FENCE.finditer(text):
        words = m.group("info").split()
        line = text.count("\n", 0, m.start()) + 1
        files = [w.split("=", 1)[1] for w in words if w.startswith("file=")]
        if files:
            blocks.append(Block("file", m.start("body"), m.end("body"), line, files[0],
                                m.group("body")))
        elif words[:1] == ["console"]:
            block = Block("console", m.start("body"), m.end("body"), line)
            for raw in m.group("body").splitlines():
                if raw.startswith("$ "):
                    block.commands.append(Command(raw[2:], []))
                elif block.commands:
                    block.commands[-1].expected.append(raw)
                else:
                    raise AssertionError(f"line {line}: console output before any $ command")
            blocks.append(block)
    return blocks


def run_command(command: Command, cwd: Path) -> tuple[int, list[str]]:
    """Run one ``kpiscore …`` line in ``cwd``; ``> FILE`` sends standard output to FILE
    (the terminal then shows standard error only)."""
    argv = command.argv
    assert argv and argv[0] == "kpiscore", f"only kpiscore commands run: {command.line!r}"
    redirect = None
    if ">" in argv:
        k = argv.index(">")
        assert k == len(argv) - 2, f"write `> FILE` at the end: {command.line!r}"
        redirect, argv = argv[k + 1], argv[:k]
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, argv[1:], env=DOC_ENV, prog_name="kpiscore")
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{command.line} raised {result.exception!r}") \
            from result.exception
    shown = result.output
    if redirect is not None:
        (cwd / redirect).write_text(result.stdout, encoding="utf-8")
        shown = result.stderr
    return result.exit_code, [ln.rstrip() for ln in shown.splitlines()]


def check_document(path: Path, workdir: Path, regen: bool | None = None) -> list[str]:
    """Run ``path``'s blocks in ``workdir``; returns the differences found (none when
    regenerating: the document is rewritten with the real outputs instead)."""
    regen = os.environ.get("REGEN") == "1" if regen is None else regen
    text = path.read_text(encoding="utf-8")
    problems: list[str] = []
    edits: list[tuple[int, int, str]] = []
    for block in parse(text):
        if block.kind == "file":
            target = workdir / block.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(block.body, encoding="utf-8")
            continue
        body: list[str] = []
        for command in block.commands:
            code, output = run_command(command, workdir)
            expected = [ln.rstrip() for ln in command.expected]
            while expected and not expected[-1]:
                expected.pop()
            while output and not output[-1]:
                output.pop()
            if code != command.exit_code:
                problems.append(f"{path.name}:{block.line}: `{command.line}` exited {code}, "
                                f"the document says {command.exit_code}:\n"
                                + "\n".join(output))
            if output != expected:
                problems.append(_difference(path, block.line, command.line, expected, output))
            body += [f"$ {command.line}", *output]
        edits.append((block.start, block.end, "\n".join(body) + "\n"))
    if regen:
        for start, end, new in reversed(edits):
            text = text[:start] + new + text[end:]
        path.write_text(text, encoding="utf-8", newline="\n")
        return []
    return problems


def _difference(path: Path, line: int, command: str, expected: list[str],
                actual: list[str]) -> str:
    import difflib

    diff = "\n".join(difflib.unified_diff(expected, actual, "documented", "actual",
                                          lineterm=""))
    return f"{path.name}:{line}: `{command}` prints something else (REGEN=1 rewrites it):\n" \
           f"{diff}"


# -- the tutorial ------------------------------------------------------------------------------


def test_the_tutorial_runs_and_shows_real_output(tmp_path: Path) -> None:
    problems = check_document(TUTORIAL, tmp_path)
    assert not problems, "\n\n".join(problems)
    # and leaves the files it says it writes
    import openpyxl

    assert openpyxl.load_workbook(tmp_path / "actuals.xlsx").worksheets
    if (tmp_path / "report.xlsx").exists() or "report.xlsx" in TUTORIAL.read_text("utf-8"):
        assert openpyxl.load_workbook(tmp_path / "report.xlsx").worksheets
    assert (tmp_path / "A001.md").read_text(encoding="utf-8").startswith("## A001 周强")
    assert (tmp_path / "results.csv").read_text(encoding="utf-8-sig").startswith("row,")
    assert (tmp_path / "kpiscore.schema.json").read_text(encoding="utf-8").startswith("{")


def test_the_tutorial_covers_the_path_from_card_to_report() -> None:
    blocks = parse(TUTORIAL.read_text(encoding="utf-8"))
    commands = [c.argv[1] for b in blocks for c in b.commands]
    for step in ("validate", "template", "evaluate", "explain"):
        assert step in commands, f"the tutorial never runs kpiscore {step}"
    assert any(b.kind == "file" and b.name.endswith(".yaml") for b in blocks)
    assert any(b.kind == "file" and b.name.endswith(".csv") for b in blocks)
    assert "seeds/001" in TUTORIAL.read_text(encoding="utf-8")


def test_the_runner_sees_a_wrong_output(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("```console\n$ kpiscore --version\nkpiscore, version 0.0.0\n```\n",
                   encoding="utf-8")
    problems = check_document(doc, tmp_path, regen=False)
    assert problems and "prints something else" in problems[0]
    check_document(doc, tmp_path, regen=True)
    assert check_document(doc, tmp_path, regen=False) == []
    assert "$ kpiscore --version\nkpiscore, version " in doc.read_text(encoding="utf-8")


# -- pre-commit --------------------------------------------------------------------------------


def _hooks(name: str) -> list[dict[str, object]]:
    data = yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))
    if isinstance(data, dict):  # .pre-commit-config.yaml
        return [h for repo in data["repos"] for h in repo["hooks"]]
    assert isinstance(data, list)
    return data


def test_the_pre_commit_hook_validates_scheme_files() -> None:
    (hook,) = _hooks(".pre-commit-hooks.yaml")
    assert hook["id"] == "kpiscore-validate"
    assert hook["language"] == "python"
    assert hook["entry"] == "kpiscore validate"
    files = re.compile(str(hook["files"]))
    assert files.search("schemes/roles/call-center-agent.yaml")
    assert files.search("hr/schemes/客服主管.yml")
    assert not files.search("schemes/README.md")
    assert not files.search("docs/cookbook/deduct.md")


def test_the_project_runs_the_hook_on_its_own_schemes() -> None:
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert any(repo["repo"] == "local" for repo in config["repos"])
    hook = next(h for h in _hooks(".pre-commit-config.yaml") if h["id"] == "kpiscore-validate")
    files = re.compile(str(hook["files"]))
    shipped = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "schemes").rglob("*.yaml"))
    matched = [p for p in shipped if files.search(p)]
    assert matched == shipped
    # what pre-commit runs: the entry, with the matched files appended
    argv = shlex.split(str(hook["entry"])) + [str(a) for a in hook.get("args", [])]  # type: ignore[attr-defined]
    assert argv[:2] == ["kpiscore", "validate"]
    result = CliRunner().invoke(cli, argv[1:] + [str(ROOT / p) for p in matched])
    assert result.exit_code == 0, result.output


# -- shell completion --------------------------------------------------------------------------


def _exe() -> list[str]:
    exe = Path(sys.executable).parent / "kpiscore"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "kpiscore"]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts_are_documented_and_generated(shell: str) -> None:
    doc = (DOCS / "completion.md").read_text(encoding="utf-8")
    assert f"_KPISCORE_COMPLETE={shell}_source kpiscore" in doc
    env = {**os.environ, "_KPISCORE_COMPLETE": f"{shell}_source"}
    proc = subprocess.run(_exe(), env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "_KPISCORE_COMPLETE" in proc.stdout


def test_completion_completes_commands_and_options() -> None:
    env = {**os.environ, "_KPISCORE_COMPLETE": "bash_complete", "COMP_WORDS": "kpiscore ex",
           "COMP_CWORD": "1"}
    proc = subprocess.run(_exe(), env=env, capture_output=True, text=True, timeout=60)
    assert "plain,explain" in proc.stdout.splitlines()
    env.update(COMP_WORDS="kpiscore whatif --gr", COMP_CWORD="2")
    proc = subprocess.run(_exe(), env=env, capture_output=True, text=True, timeout=60)
    assert "plain,--grade" in proc.stdout.splitlines()


def test_completion_offers_shipped_schemes_and_files() -> None:
    env = {**os.environ, "_KPISCORE_COMPLETE": "bash_complete",
           "COMP_WORDS": "kpiscore explain tech", "COMP_CWORD": "2"}
    proc = subprocess.run(_exe(), env=env, capture_output=True, text=True, timeout=60)
    lines = proc.stdout.splitlines()
    # no "file" entry beside the ids: click's bash script would wipe them (test_completion.py)
    assert lines == ["plain,tech-support-manager"]
