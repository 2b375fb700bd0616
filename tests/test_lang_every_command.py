"""--lang and --color are accepted on every command, after the command name as well as
before it; the command's own value wins."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kpiscore.base import i18n
from kpiscore.cli.app import cli

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_lists_lang_and_color(name: str) -> None:
    command = cli.commands[name]
    for option in ("--lang", "--color"):
        assert any(option in p.opts for p in command.params), (name, option)


@pytest.mark.parametrize("name", COMMANDS)
def test_lang_after_the_command_picks_the_help_language(name: str) -> None:
    runner = CliRunner()
    zh = runner.invoke(cli, [name, "--lang", "zh", "--help"])
    en = runner.invoke(cli, ["--lang", "zh", name, "--lang", "en", "--help"])
    before = runner.invoke(cli, ["--lang", "zh", name, "--help"])
    assert (zh.exit_code, en.exit_code, before.exit_code) == (0, 0, 0), name
    first_line = i18n.ZH_HELP[name].split("\n")[0][:12]
    assert first_line in zh.output and first_line in before.output, name
    assert first_line not in en.output and "--lang" in en.output, name


def test_every_command_has_its_chinese_description() -> None:
    assert sorted(i18n.ZH_HELP) == COMMANDS


def test_color_before_the_command_colours_the_table() -> None:
    runner = CliRunner()
    args = ["evaluate", "tech-support-manager", "examples/tech-support-manager/actuals.xlsx",
            "--format", "table"]
    coloured = runner.invoke(cli, ["--color", "always", *args])
    plain = runner.invoke(cli, ["--color", "always", *args, "--color", "never"])
    assert coloured.exit_code == plain.exit_code
    assert "\x1b[" in coloured.output and "\x1b[" not in plain.output


def test_color_is_accepted_by_a_command_that_colours_nothing() -> None:
    done = CliRunner().invoke(cli, ["schema", "--color", "always"])
    assert done.exit_code == 0 and done.output.startswith("{") and "\x1b[" not in done.output
