"""click's own usage errors in Chinese under ``--lang zh``.

click words its errors itself ("Missing argument 'SCHEME'.", "No such option
'--bogus'.") and prints them with "Try … for help." and "Error:"; under ``zh``
each sentence it is known to write is said in Chinese, with the names, options and
values it quotes kept as they are. A sentence not in the table (a click release
that words one differently) is shown as click wrote it: untranslated, never lost.
"""

from __future__ import annotations

import re

import click

from kpiscore.base import i18n

#: click's sentences (8.1 to 8.3) as patterns, and their Chinese; the groups are the
#: names and values click quotes
SENTENCES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + r"$", re.S), chinese) for pattern, chinese in (
        (r"Missing argument (.+?)\.", r"缺少参数 \1。"),
        (r"Missing option (.+?)\.", r"缺少选项 \1。"),
        (r"Missing parameter (.+?)\.", r"缺少参数 \1。"),
        (r"No such option: (.+)", r"没有选项 \1。"),
        (r"No such option (.+?)\. Did you mean (.+?)\?", r"没有选项 \1。是否想用 \2?"),
        (r"No such option (.+?)\. \(Possible options: (.+?)\)", r"没有选项 \1(可用:\2)。"),
        (r"No such option (.+?)\.", r"没有选项 \1。"),
        (r"No such command (.+?)\. \(Did you mean one of: (.+?)\?\)",
         r"没有命令 \1。是否想用其中之一:\2?"),
        (r"No such command (.+?)\. Did you mean (.+?)\?", r"没有命令 \1。是否想用 \2?"),
        (r"No such command (.+?)\.", r"没有命令 \1。"),
        (r"Got unexpected extra arguments? \((.+)\)", r"多出了参数:\1"),
        (r"Option (.+?) requires an argument\.", r"选项 \1 需要一个值。"),
        (r"Option (.+?) requires (\d+) arguments\.", r"选项 \1 需要 \2 个值。"),
        (r"Option (.+?) does not take a value\.", r"选项 \1 不带值。"),
        (r"Argument (.+?) takes (\d+) values\.", r"参数 \1 需要 \2 个值。"),
        (r"Missing command\.", "缺少命令。"),
        (r"Invalid value for (.+?): (.+)", "{invalid}"),
    ))

#: what click says of a value inside "Invalid value for …:"
VALUES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern + r"$", re.S), chinese) for pattern, chinese in (
        (r"(.+?) is not one of (.+?)\.", r"\1 不是 \2 之一。"),
        (r"(.+?) is not a valid integer(?: range)?\.", r"\1 不是有效的整数。"),
        (r"(.+?) is not a valid float(?: range)?\.", r"\1 不是有效的数。"),
        (r"(.+?) is not a valid boolean\.", r"\1 不是有效的真假值。"),
        (r"(.+?) is not in the range (.+?)\.", r"\1 不在范围 \2 之内。"),
        (r"(.+?) is not (.+?)\.", r"\1 不是 \2。"),
        (r"File (.+?) does not exist\.", r"文件 \1 不存在。"),
        (r"Path (.+?) does not exist\.", r"路径 \1 不存在。"),
        (r"(?:File|Path) (.+?) is a directory\.", r"\1 是文件夹。"),
        (r"(?:File|Path) (.+?) is a file\.", r"\1 是文件。"),
        (r"(?:File|Path) (.+?) is not readable\.", r"\1 不可读。"),
        (r"(?:File|Path) (.+?) is not writable\.", r"\1 不可写。"),
    ))

TRY = i18n.Phrase("Try '{command}' for help.", "运行 '{command}' 查看帮助。")
ERROR = i18n.Phrase("Error: {message}", "错误:{message}")


def translate(message: str) -> str:
    """click's ``message`` in Chinese, where the table knows the sentence."""
    for pattern, chinese in SENTENCES:
        match = pattern.match(message)
        if match is None:
            continue
        if chinese == "{invalid}":
            return f"{match.group(1)} 的值无效:{_value(match.group(2))}"
        return match.expand(chinese)
    return message


def _value(text: str) -> str:
    for pattern, chinese in VALUES:
        match = pattern.match(text)
        if match is not None:
            return match.expand(chinese)
    return text


class ChineseUsageError(click.UsageError):
    """A usage error whose message is already in Chinese, shown with click's other
    words (usage, the help hint, "Error:") in Chinese too."""

    def show(self, file: object = None) -> None:
        ctx = self.ctx
        if ctx is not None:
            click.echo(ctx.get_usage(), err=True, color=ctx.color)
            if ctx.command.get_help_option(ctx) is not None:
                longest = max(ctx.command.get_help_option_names(ctx), key=len)
                command = f"{ctx.command_path} {longest}"
                click.echo(TRY(command=command).render("zh"), err=True)
            click.echo(err=True)
        click.echo(ERROR(message=self.message).render("zh"), err=True)


def localized(error: click.UsageError, ctx: click.Context) -> click.UsageError:
    """``error`` in the language of the run (``ctx.meta``): under zh a
    :class:`ChineseUsageError`, under en ``error`` itself."""
    if isinstance(error, ChineseUsageError) or \
            i18n.normalise(ctx.meta.get(i18n.META_KEY)) != "zh":
        return error
    return ChineseUsageError(translate(error.format_message()), error.ctx or ctx)
