"""English and Chinese: the catalog, the choice of language, and CJK alignment."""

from __future__ import annotations

import json
import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from helpers import run_cli, with_additions
from kpiscore.base import i18n
from kpiscore.cli import cli

ROOT = Path(__file__).resolve().parents[1]
TSM = ROOT / "examples" / "tech-support-manager"
#: A neutral locale: the tests choose the language themselves.
NEUTRAL = {"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": "", "COLUMNS": "200"}


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """The shared runner, with no locale of the machine's leaking in."""
    return run_cli(*args, env={**NEUTRAL, **(env or {})})


def fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


# -- the catalog -------------------------------------------------------------------------------


def test_every_language_has_every_key_with_the_same_placeholders() -> None:
    assert set(i18n.LANGS) == set(i18n.CATALOGS)
    for lang, catalog in i18n.CATALOGS.items():
        assert set(catalog) == set(i18n.EN), f"{lang}: {set(catalog) ^ set(i18n.EN)}"
        for key, text in catalog.items():
            assert fields(text) == fields(i18n.EN[key]), f"{lang}:{key}"


def test_chinese_covers_every_command() -> None:
    missing = set(cli.commands) - set(i18n.ZH_COMMANDS)  # type: ignore[attr-defined]
    assert not missing, f"add a Chinese one-line help to i18n.ZH_COMMANDS for {missing}"
    assert set(i18n.ZH_HELP) == set(cli.commands)  # type: ignore[attr-defined]


def test_the_core_may_use_it() -> None:
    code = ("import sys, kpiscore.base.i18n; "
            "print([m for m in ('click', 'rich') if m in sys.modules])")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=60)
    assert proc.stdout.strip() == "[]"


@pytest.mark.parametrize(("environ", "lang"), [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.Big5"}, "zh"),
    ({"LANG": "en_US.UTF-8"}, "en"),
    ({"LANG": "C.UTF-8"}, "en"),
    ({"LC_ALL": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),
    ({"LC_ALL": "", "LANG": "zh_CN.UTF-8"}, "zh"),
])
def test_the_locale_decides_the_default(environ: dict[str, str], lang: str) -> None:
    assert i18n.detect(environ) == lang


def test_wrap_counts_columns_not_characters() -> None:
    text = "运行 kpiscore 命令 --help 查看该命令的选项。标签和消息可用中文或英文:--lang zh|en。"
    lines = i18n.wrap(text, 30)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(cell_len(line) <= 30 for line in lines)
    assert not any(line.startswith(("。", ",", ":")) for line in lines)
    assert i18n.wrap("a b\nc", 10) == ["a b", "c"]


# -- the CLI -----------------------------------------------------------------------------------


def _table(scheme: Path, *args: str, env: dict[str, str] | None = None) -> str:
    code, out, _ = run("evaluate", str(scheme), str(TSM / "actuals.xlsx"),
                       "--format", "table", *args, env=env)
    assert code == 0
    return out


def test_lang_option_and_locale_choose_the_labels(tmp_path: Path) -> None:
    graded = with_additions(TSM / "scheme.yaml", tmp_path)  # the example's own grades
    english = _table(graded)
    assert "┃ row ┃" in english and "total" in english and "6 rows: 6 scored" in english
    chinese = run("--lang", "zh", "evaluate", str(graded),
                  str(TSM / "actuals.xlsx"), "--format", "table")[1]
    assert "┃ 行 ┃ 工号 ┃ 姓名" in chinese and "总分" in chinese and "等级" in chinese
    assert "共 6 行:6 行已计分,0 行有错误" in chinese
    # the scheme's own titles are shown as written, in either language
    for out in (english, chinese):
        assert "技术支持经理售后服务绩效评定表" in out and "客户满意度" in out
    assert _table(graded, env={"LANG": "zh_CN.UTF-8"}) == chinese
    assert run("--lang", "en", "evaluate", str(graded), str(TSM / "actuals.xlsx"),
               "--format", "table", env={"LANG": "zh_CN.UTF-8"})[1] == english


#: the JSON fields whose text is in the language of the run (docs/json.md)
LOCALIZED = {"explanation", "message", "reason"}


def _machine(value: object) -> object:
    """A JSON document without its localized text."""
    if isinstance(value, dict):
        return {k: _machine(v) for k, v in value.items() if k not in LOCALIZED}
    if isinstance(value, list):
        return [_machine(v) for v in value]
    return value


def test_json_does_not_change_with_the_language_but_its_words() -> None:
    """Codes, ids, statuses and numbers stay; explanations and messages are in the
    user's language."""
    args = ("evaluate", str(TSM / "scheme.yaml"), str(TSM / "actuals.xlsx"), "--format", "json")
    en, zh = json.loads(run(*args)[1]), json.loads(run("--lang", "zh", *args)[1])
    assert _machine(en) == _machine(zh)
    first = en["results"][0]["indicators"][0]["explanation"]
    assert first == "86 vs target 90: 4 short × 0.5 = −2 → 98/100 × 8% = 7.84"
    assert zh["results"][0]["indicators"][0]["explanation"] == \
        "86 对比目标 90:不足 4 × 0.5 = −2 → 98/100 × 8% = 7.84"


def _columns(line: str) -> list[int]:
    """Terminal columns of the table's vertical rules on one line."""
    return [cell_len(line[:k]) for k, ch in enumerate(line) if ch in "│┃┆"]


def _check_aligned(out: str) -> int:
    rows = [ln for ln in out.splitlines() if ln.startswith(("│", "┃"))]
    assert len(rows) >= 2, out
    first = _columns(rows[0])
    for line in rows:
        assert _columns(line) == first, f"misaligned:\n{rows[0]}\n{line}"
    widths = {cell_len(ln) for ln in out.splitlines() if ln[:1] in "┏┡└│┃"}
    assert len(widths) == 1, widths  # every border line as wide as the rows
    return len(rows)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_chinese_text_lines_up_in_tables(lang: str, tmp_path: Path) -> None:
    # wide characters in every kind of cell: headers, names, departments, titles, grades
    scheme = tmp_path / "s.yaml"
    scheme.write_text("""\
id: 对齐
title: 中文对齐测试
grades: [{name: 优秀, min: 90}, {name: 不合格}]
dimensions:
  - {id: 客户, title: 客户满意度维度, weight: 60, indicators: [
      {id: 满意度, target: 90, rule: {kind: deduct, points: 1}}]}
  - {id: 内部, title: 内部, weight: 40, indicators: [
      {id: 流程, target: 10, rule: ratio}]}
""", encoding="utf-8")
    actuals = tmp_path / "a.csv"
    actuals.write_text("工号,姓名,部门,满意度,流程\n"
                       "甲001,欧阳明月,客户服务中心华东区,95,10\n"
                       "B2,Li,IT,80,7\n"
                       "丙3,张,售后,88.5,9.5\n", encoding="utf-8")
    args = [] if lang == "en" else ["--lang", "zh"]
    code, out, _ = run(*args, "evaluate", str(scheme), str(actuals), "--format", "table")
    assert code == 0
    assert _check_aligned(out) == 4
    code, out, _ = run(*args, "whatif", str(scheme), str(actuals), "--id", "B2", "-f", "table")
    assert code == 0 and _check_aligned(out) == 3
    new = tmp_path / "n.yaml"
    new.write_text(scheme.read_text(encoding="utf-8").replace("min: 90", "min: 80"),
                   encoding="utf-8")
    code, out, _ = run(*args, "diff", str(scheme), str(new), str(actuals), "-f", "table")
    assert code == 0 and _check_aligned(out) == 4


def test_library_tables_line_up_in_chinese() -> None:
    code, out, _ = run("--lang", "zh", "schemes", "--format", "table")
    assert code == 0 and "岗位" in out
    _check_aligned(out)


def test_scheme_table_says_how_each_indicator_is_scored_in_its_language() -> None:
    code, out, _ = run("--lang", "zh", "schemes", "cabinet-installer", "--format", "table")
    assert code == 0 and "计分方法" in out
    assert "按目标比例计分,封顶 100%" in out and "每 1 扣 5(按比例折算)" in out
    _check_aligned(out)
    code, out, _ = run("schemes", "cabinet-installer", "--format", "table")
    assert code == 0 and "ratio to target, cap 100%" in out
    assert "deduct 5 per 1 (prorate)" in out


def test_group_help_in_chinese_fits_the_terminal() -> None:
    code, out, _ = run("--lang", "zh", "--help")
    assert code == 0
    assert "按 YAML 考核方案" in out and "命令:" in out and "用方案为实际数据表" in out
    assert all(cell_len(line) <= 80 for line in out.splitlines()), out
    code, out, _ = run("--help", env={"LANG": "zh_CN.UTF-8"})
    assert "退出码" in out
    code, out, _ = run("--lang", "zh", "whatif", "--help")
    assert "其他指标保持不变" in out
    assert all(cell_len(line) <= 80 for line in out.splitlines()), out
    code, out, _ = run("--help")
    assert "Exit codes: 0 ok" in out and "--lang [en|zh]" in out
    assert "docs/completion.md" in out


def test_a_bad_language_is_a_usage_error() -> None:
    code, _, err = run("--lang", "fr", "--help")
    assert code == 2 and "'fr' is not one of" in err


def test_the_cli_reference_is_english_whatever_the_locale() -> None:
    env = {**os.environ, "LANG": "zh_CN.UTF-8", "LC_ALL": "zh_CN.UTF-8"}
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_docs.py"), "--check"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "## kpiscore explain" in text and not re.search(r"退出码", text)
