"""Every word in the user's language: under --lang zh no English words in what kpiscore
says (codes, ids, file names, the scheme's own ids and keys aside), under --lang en no
Chinese but the user's own data; and no message that exists in one language only."""

from __future__ import annotations

import ast
import csv
import importlib
import json
import pkgutil
import re
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from rich.cells import cell_len

import kpiscore
from helpers import CliResult
from kpiscore.base import i18n
from kpiscore.base.i18n import Phrase
from kpiscore.cli.app import cli

Run = Callable[..., CliResult]
SRC = Path(kpiscore.__file__).resolve().parent
ROOT = SRC.parents[1]
ENV = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "200"}

#: a scheme with several findings: an unknown field, a wrong rule kind, a negative weight,
#: a text where a number belongs, a YAML key given twice, overlapping bands
BAD_SCHEME = """\
id: 坏方案
title: 坏方案
dimensions:
  - id: d1
    title: 维度
    weight: -5
    indicators:
      - {id: csat, title: 满意度, target: 九十, rule: {kind: deduc, points: 1}, full_mark: 10}
      - id: fcr
        target: 90
        target: 91
        rule: {kind: bands, bands: [{at_least: 90, points: 100}, {at_least: 95, points: 50}]}
"""
#: a scheme that loads, with indicators of several kinds (its ids are its own words)
SCHEME = """\
id: lang-check
title: 客服考核
grades: [{name: 优秀, min: 90}, {name: 合格, min: 60}, {name: 不合格}]
dimensions:
  - id: service
    title: 服务
    weight: 70
    indicators:
      - {id: csat, title: 客户满意度, target: 90, unit: "%", rule: {kind: deduct, points: 2}}
      - {id: calls, title: 接听量, target: 100, rule: ratio}
  - id: conduct
    title: 行为
    weight: 30
    indicators:
      - id: focus
        title: 以客户为中心
        rule: {kind: levels, levels: [{level: 1, points: 0}, {level: 2, points: 40},
                                      {level: 3, points: 100}]}
"""
HEADER = ["工号", "姓名", "部门", "客户满意度 (csat)", "接听量 (calls)", "以客户为中心 (focus)"]
ROWS = [["E001", "张三", "客服一部", "95", "9O", "3"],     # a typo in a number
        ["E002", "李四", "客服一部", "", "100", "2"],      # a blank cell
        ["E001", "王五", "客服二部", "88", "90", "9"],     # a duplicate id, an unknown level
        ["E003", "赵六", "客服二部", "92", "110", "3"]]    # scores


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    scheme, actuals, bad = tmp_path / "s.yaml", tmp_path / "a.csv", tmp_path / "bad.yaml"
    scheme.write_text(SCHEME, encoding="utf-8")
    bad.write_text(BAD_SCHEME, encoding="utf-8")
    with actuals.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([HEADER, *ROWS])
    manifest = tmp_path / "m.yaml"
    manifest.write_text("period: 2024-06\noutputs: {json: \"out/{name}.json\", "
                        "csv: \"out/{name}.csv\"}\nruns:\n"
                        "  - {name: 客服, scheme: s.yaml, actuals: a.csv}\n"
                        "  - {name: 缺失, scheme: s.yaml, actuals: nothere.csv}\n",
                        encoding="utf-8")
    return {"scheme": scheme, "actuals": actuals, "bad": bad, "manifest": manifest}


def _own_words(*schemes: Path) -> set[str]:
    """The Latin words the schemes themselves use: their keys, ids, rule kinds."""
    words: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                words.update(re.findall(r"[A-Za-z]{2,}", str(k)))
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
        elif isinstance(node, str):
            words.update(re.findall(r"[A-Za-z]{2,}", node))

    for path in schemes:
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8").replace(
                "target: 91", "other: 91")):
            walk(doc)
    return words


#: what may stay Latin in Chinese text: a file name or path, a (code) or [id] at the end
#: of a line, a --option, KPISCORE_ variables, the program's name, units of bytes
_MACHINE = re.compile(r"""[\w./-]*\.(?:yaml|yml|csv|xlsx|json|jsonl|md)\b(?:\{[a-z,]+\})?
                          |\((?:[a-z0-9]+-)*[a-z0-9]+\)\s*$|\[[A-Za-z0-9_-]+\]\s*$
                          |(?:/[^\s:()]+)+|--?[a-z][a-z-]*|\bKPISCORE_\w+|\bkpiscore(?:\ batch)?\b
                          |\bUTF-8\b|\bYAML\b""",
                      re.X | re.M)


def english_words(text: str, allowed: set[str]) -> list[str]:
    """Latin words of two letters or more in ``text`` that are neither machine tokens nor
    ``allowed`` (the scheme's own ids and keys)."""
    rest = _MACHINE.sub(" ", text)
    return sorted({w for w in re.findall(r"[A-Za-z]{2,}", rest) if w not in allowed})


_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")


def chinese_runs(text: str, own: str) -> list[str]:
    """Runs of Chinese characters in ``text`` that are not the user's data (``own``: the
    text of the scheme and the actuals)."""
    return sorted({run for run in _CJK.findall(text) if run not in own})


#: the JSON fields whose text is in the language of the run (docs/json.md)
LOCALIZED = ("message", "explanation", "reason", "problem", "scoring", "arithmetic")


def _localized(doc: Any) -> Iterator[str]:
    """The text of a JSON document's localized fields (docs/json.md)."""
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in LOCALIZED and \
                    isinstance(value, str):
                yield value
            else:
                yield from _localized(value)
    elif isinstance(doc, list):
        for item in doc:
            yield from _localized(item)


def _runs(f: dict[str, Path]) -> list[tuple[str, list[str], bool]]:
    """(name, arguments, output is JSON) of every command the acceptance names."""
    s, a = str(f["scheme"]), str(f["actuals"])
    return [("evaluate-table", ["evaluate", s, a, "--format", "table"], False),
            ("evaluate-json", ["evaluate", s, a, "--format", "json"], True),
            ("validate", ["validate", str(f["bad"]), str(f["scheme"])], False),
            ("validate-json", ["validate", str(f["bad"]), "--format", "json"], True),
            ("explain", ["explain", s, a, "--id", "E003", "--format", "tree"], False),
            ("explain-error", ["explain", s, a, "--id", "E002", "--format", "tree"], False),
            ("explain-json", ["explain", s, a, "--id", "E001", "--format", "json"], True),
            ("batch", ["batch", str(f["manifest"])], False)]


@pytest.mark.parametrize("which", range(8), ids=[n for n, _, _ in _runs({
    k: Path(k) for k in ("scheme", "actuals", "bad", "manifest")})])
def test_chinese_runs_say_no_english_word(run_line: Run, files: dict[str, Path],
                                          which: int) -> None:
    _, args, is_json = _runs(files)[which]
    code, out, err = run_line("--lang", "zh", *args, env=ENV)
    assert code in (0, 1, 2) and (out or err), (code, out, err)
    allowed = _own_words(files["scheme"], files["bad"])
    said = err + ("\n".join(_localized(json.loads(out))) if is_json else out)
    assert english_words(said, allowed) == [], said
    if is_json:  # machine-readable fields do not change with the language
        english = json.loads(run_line("--lang", "en", *args, env=ENV)[1])
        assert _strip(json.loads(out)) == _strip(english)


def _strip(doc: Any) -> Any:
    if isinstance(doc, dict):
        return {k: _strip(v) for k, v in doc.items() if k not in LOCALIZED}
    if isinstance(doc, list):
        return [_strip(v) for v in doc]
    return doc


@pytest.mark.parametrize("which", range(8))
def test_english_runs_say_no_chinese_but_the_users_own(run_line: Run, files: dict[str, Path],
                                                      which: int) -> None:
    name, args, _ = _runs(files)[which]
    code, out, err = run_line("--lang", "en", *args, env=ENV)
    assert code in (0, 1, 2) and (out or err), (name, code, out, err)
    own = "".join(p.read_text(encoding="utf-8") for p in files.values())
    # a level given by its number is named 5级 by kpiscore, the way cards write it
    assert chinese_runs(re.sub(r"(\d)级", r"\1", out + err), own) == [], (name, out + err)


def test_the_checks_find_what_they_look_for() -> None:
    """The word checks are not vacuous."""
    assert english_words("a.csv!E2: 'x' is not a number [E001]", set()) == ["is", "not",
                                                                           "number"]
    assert english_words("s.yaml:3:1: 错误: 未知字段 (unknown-field)", set()) == []
    assert chinese_runs("row 2: 客服一部 is blank 为空", "客服一部") == ["为空"]


# -- no message in one language only -----------------------------------------------------


def _modules() -> Iterator[Any]:
    for info in pkgutil.walk_packages([str(SRC)], "kpiscore."):
        if not info.name.endswith("__main__"):  # runs the CLI
            yield importlib.import_module(info.name)


def _phrases_in(value: Any, where: str) -> Iterator[tuple[str, Phrase]]:
    if isinstance(value, Phrase):
        yield where, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _phrases_in(v, f"{where}[{k!r}]")
    elif isinstance(value, (list, tuple)) and not isinstance(value, Phrase):
        for k, v in enumerate(value):
            yield from _phrases_in(v, f"{where}[{k}]")


def every_phrase() -> list[tuple[str, Phrase]]:
    out: dict[int, tuple[str, Phrase]] = {}
    for module in _modules():
        for name, value in vars(module).items():
            for where, phrase in _phrases_in(value, f"{module.__name__}.{name}"):
                out.setdefault(id(phrase), (where, phrase))
    return sorted(out.values())


def _placeholders(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


#: what a phrase may be when it is the same in both languages: placeholders, numbers,
#: symbols and codes (a formula's ``/{full} × {weight}%``), no words
_NO_WORDS = re.compile(r"^[^A-Za-z]*$")


def test_every_phrase_speaks_both_languages() -> None:
    phrases = every_phrase()
    assert len(phrases) > 400  # the walk finds the modules' phrases
    for where, phrase in phrases:
        assert phrase.en.strip() and phrase.zh.strip(), where
        assert _placeholders(phrase.en) == _placeholders(phrase.zh), where
        if phrase.en == phrase.zh:
            words = re.sub(r"\{[^{}]*\}", "", phrase.en)
            assert _NO_WORDS.match(words), f"{where}: {phrase.en!r} is not in Chinese"


#: the constructors of what a user reads, and which argument is the message
MESSAGES = {"InputUnreadable": 0, "BadValue": 0, "UnknownLevel": 0, "FormulaError": 0,
            "GoalError": 0, "PersonNotFound": 0, "OutputUnwritable": 0, "UnreadableCell": 0,
            "RowError": 1, "Finding": 5, "Check": 3, "Problem": 1, "finding": 2, "problem": 2,
            "fail": 0, "_fail": 1}
#: files whose messages are still English only (each must still have one: fix them and
#: take them off this list)
NOT_YET: set[str] = set()


def _is_text(node: ast.AST) -> bool:
    """A literal sentence: an f-string, a string with letters, or one built from them."""
    if isinstance(node, ast.JoinedStr):  # its words, not its placeholders
        return any(_is_text(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.Constant):  # a sentence: words and spaces (not a key: msg.x)
        return isinstance(node.value, str) and bool(re.search(r"[A-Za-z]{2,}\s", node.value))
    if isinstance(node, ast.BinOp):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
            node.func.attr in ("format", "join"):
        return _is_text(node.func.value)
    return False


def raw_messages(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, call) of every message given as a literal English sentence, not a Phrase:
    to the constructors above, and to ValueError in the validators of a model (pydantic
    shows its text as a finding)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else \
            func.attr if isinstance(func, ast.Attribute) else None
        if name is None:
            continue
        if name in MESSAGES:
            k = MESSAGES[name]
            given = node.args[k:k + 1] + [kw.value for kw in node.keywords
                                          if kw.arg in ("message", "reason")]
        elif name == "ValueError":
            given = node.args[:1]
        else:
            continue
        if any(_is_text(arg) for arg in given):
            yield node.lineno, ast.unparse(node)[:90]


def _sources() -> list[tuple[str, ast.AST]]:
    return [(str(p.relative_to(SRC)), ast.parse(p.read_text(encoding="utf-8")))
            for p in sorted(SRC.rglob("*.py"))]


def test_no_message_is_an_english_sentence() -> None:
    found = {where: list(raw_messages(tree)) for where, tree in _sources()}
    slipped = [f"{where}:{line}: {call}" for where, hits in found.items()
               if where not in NOT_YET for line, call in hits]
    assert slipped == [], "messages must be Phrases:\n" + "\n".join(slipped)
    done = sorted(where for where in NOT_YET if not found.get(where))
    assert done == [], f"take {done} off NOT_YET: they speak both languages now"


def test_the_scan_finds_an_english_sentence() -> None:
    tree = ast.parse('raise InputUnreadable(f"{path}: no such file")\n'
                     'RowError(where, "the cell is blank", key)\n'
                     'raise InputUnreadable(str(NO_FILE(path=path)))\n'
                     'fail(f"{exc.filename}: {reason(exc)}", ExitCode.USAGE)\n'
                     'raise GoalError("msg.no_grades")\n')
    assert [line for line, _ in raw_messages(tree)] == [1, 2]


# -- help ---------------------------------------------------------------------------------


def _commands() -> list[tuple[str, click.Command]]:
    return [("", cli), *sorted(cli.commands.items())]  # type: ignore[attr-defined]


def test_every_option_has_its_chinese_help() -> None:
    for name, command in _commands():
        for param in command.params:
            if isinstance(param, click.Option) and param.help:
                assert param.help in i18n.ZH_OPTIONS, (name, param.opts)


@pytest.mark.parametrize("name", [n for n, _ in _commands()])
def test_help_in_chinese_throughout(run_line: Run, name: str) -> None:
    args = [name] if name else []
    code, out, _ = run_line("--lang", "zh", *args, "--help", env=ENV)
    assert code == 0 and "用法:" in out and "选项:" in out
    command = cli.commands[name] if name else cli  # type: ignore[attr-defined]
    for param in command.params:
        if isinstance(param, click.Option) and param.help:
            assert param.help[:40] not in out, (name, param.help)
    assert "default:" not in out and "Show this message" not in out
    options = out.split("选项:", 1)[1]
    assert all(cell_len(line) <= 80 for line in options.splitlines()), options
    code, english, _ = run_line("--lang", "en", *args, "--help", env=ENV)
    assert code == 0 and "Usage:" in english and "Show this message and exit." in english


def test_a_file_the_system_refuses_is_said_in_chinese(run_line: Run, files: dict[str, Path],
                                                       tmp_path: Path) -> None:
    missing = tmp_path / "missing.csv"
    code, _, err = run_line("--lang", "zh", "evaluate", files["scheme"], missing, env=ENV)
    assert code == 2 and "没有这个文件或文件夹" in err
    assert english_words(err, set()) == [], err
    code, _, err = run_line("--lang", "en", "evaluate", files["scheme"], missing, env=ENV)
    assert code == 2 and "cannot read" in err and chinese_runs(err, "") == []


#: click's usage errors, each as a user makes it; the names and values click quotes stay
USAGE_ERRORS = [
    (["evaluate"], "缺少参数 'SCHEME'。"),
    (["evaluate", "s.yaml", "a.csv", "--format", "foo"],
     "'-f' / '--format' 的值无效:'foo' 不是 'table', 'json', 'jsonl', 'csv', 'xlsx' 之一。"),
    (["evaluat"], "没有命令 'evaluat'。是否想用其中之一:'evaluate', 'validate'?"),
    (["evaluate", "s.yaml", "a.csv", "--bogus"], "没有选项 '--bogus'。是否想用 '--bom'?"),
    (["evaluate", "s.yaml", "a.csv", "--sheet"], "选项 '--sheet' 需要一个值。"),
    (["validate", "--format"], "选项 '--format' 需要一个值。"),
]
#: click's words for what goes where, in a usage line (the arguments' metavars)
METAVARS = {"SCHEME", "ACTUALS", "COMMAND", "ARGS", "PATHS"}


@pytest.mark.parametrize(("args", "said"), USAGE_ERRORS)
def test_a_usage_error_is_said_in_chinese(run_line: Run, args: list[str], said: str) -> None:
    code, out, err = run_line("--lang", "zh", *args, env=ENV)
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0].startswith("用法: ")  # the program name is CliRunner's here
    assert lines[1].startswith("运行 '") and lines[1].endswith(" --help' 查看帮助。")
    assert lines[-1] == f"错误:{said}"
    quoted = re.sub(r"'[^']*'", " ", err)  # what click quotes is the user's or a name
    names = METAVARS | {"cli", *cli.commands}  # type: ignore[attr-defined]
    assert english_words(quoted, names) == [], err
    code, _, english = run_line("--lang", "en", *args, env=ENV)
    assert code == 2 and english.splitlines()[-1].startswith("Error: ")
    assert chinese_runs(english, "") == [], english
