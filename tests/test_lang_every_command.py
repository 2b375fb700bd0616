"""--lang is accepted on every command, after the command name as well as before it."""

from click.testing import CliRunner

from kpiscore.cli.app import cli


def test_every_command_lists_lang() -> None:
    for name, command in cli.commands.items():
        assert any("--lang" in p.opts for p in command.params), name


def test_lang_after_command_changes_language() -> None:
    runner = CliRunner()
    for name in cli.commands:
        zh = runner.invoke(cli, [name, "--lang", "zh", "--help"])
        en = runner.invoke(cli, ["--lang", "zh", name, "--lang", "en", "--help"])
        assert zh.exit_code == 0 and en.exit_code == 0, name
        assert "--lang" in en.output, name
        assert zh.output != en.output, name
