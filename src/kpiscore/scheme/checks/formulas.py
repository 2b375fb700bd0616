"""Formulas: computed actuals, veto formulas and pay lines parse and name what exists."""

from __future__ import annotations

from collections.abc import Iterator

from kpiscore.base.i18n import Phrase, Text
from kpiscore.scheme import formula
from kpiscore.scheme.checks import Context, Problem, check, did_you_mean, reserved
from kpiscore.scheme.yamlload import Path

SYNTAX = Phrase("formula {text!r}: {error}", "公式 {text!r}:{error}")
UNKNOWN = Phrase("{what} names {name!r}, which is neither an input nor an indicator{hint}; "
                 "declare it under inputs:",
                 "{what}用到了 {name!r},它既不是输入项也不是指标{hint};请在 inputs: 下声明它")
THE_FORMULA = Phrase("the formula", "公式")
THE_VETO = Phrase("the veto formula", "否决公式")
THE_PAY = Phrase("the pay formula", "工资公式")
THE_LINE = Phrase("the {id} formula", "{id} 公式")
OWN_ACTUAL = Phrase("the formula of {id!r} uses its own actual",
                    "{id!r} 的公式用到了它自己的实际值")
CYCLE = Phrase("the formula of {id!r} depends on itself through other formulas",
               "{id!r} 的公式经由其他公式依赖于它自己")
VETO_SOURCE = Phrase("veto {id!r} needs either a column or a formula",
                     "否决项 {id!r} 需要一个列(column)或一个公式(formula),二者选一")


def _shortened(text: str, most: int = 80) -> str:
    """A formula as a message quotes it: a long one is cut (the position says where)."""
    return text if len(text) <= most else text[:most - 1] + "…"


def _unparsed(ctx: Context, code: str) -> Iterator[Problem]:
    for u in ctx.compiled.unparsed:
        if u.error.code == code:
            yield Problem(u.path, SYNTAX(text=_shortened(u.text), error=u.error.args[0]),
                          offset=u.error.offset)


@check("formula")
def formulas_parse(ctx: Context) -> Iterator[Problem]:
    """Every formula parses (arithmetic with + − × ÷, parentheses, min, max, abs, round;
    names of inputs and indicators, bracketed when they hold spaces). The position is the
    offending character; ``× 100%`` is refused as ambiguous (write × 100); round's
    decimals are a whole number written in the formula (``round(x, 2)``)."""
    yield from _unparsed(ctx, "formula")


@check("formula-limit")
def formulas_within_limits(ctx: Context) -> Iterator[Problem]:
    """A formula is at most 10 000 characters long (``KPISCORE_MAX_FORMULA_LENGTH``),
    nests parentheses, functions and signs (``- -a``) at most 30 levels deep
    (``KPISCORE_MAX_FORMULA_DEPTH``, at most 100), has at most 500 numbers and names
    (``KPISCORE_MAX_FORMULA_TERMS``), and ``round(x, n)`` keeps at most 10 decimals
    (``KPISCORE_MAX_ROUND_DIGITS``). The position is where the limit is passed
    (the start of the formula for its length)."""
    yield from _unparsed(ctx, "formula-limit")


@check("number-limit")
def numbers_within_limits(ctx: Context) -> Iterator[Problem]:
    """A number in a formula has at most 20 digits before its decimal point and 20
    after it (``KPISCORE_MAX_NUMBER_DIGITS``, at most 40): ``a * 1e999999`` is
    refused here, not computed. Reading the file refuses every other number of the
    scheme over the same limit (targets, weights, bands, points, pay …) with this code,
    at the number."""
    yield from _unparsed(ctx, "number-limit")


def _formulas(ctx: Context) -> Iterator[tuple[Path, str, set[str], Text]]:
    """Each formula with the names it may use."""
    s = ctx.scheme
    known = {ci.id for ci in ctx.compiled.indicators} | {i.id for i in s.inputs}
    for ci in ctx.compiled.indicators:
        if ci.ind.formula is not None:
            yield ci.path + ("formula",), ci.ind.formula, known, THE_FORMULA()
    for k, sv in enumerate(s.vetoes):
        if sv.formula is not None and sv.column is None:
            yield ("vetoes", k, "formula"), sv.formula, known, THE_VETO()
    pay = reserved(s) | known
    if s.pay is not None:
        yield ("pay", "formula"), s.pay.formula, set(pay), THE_PAY()
        pay.add("pay")
        for k, line in enumerate(s.pay_lines):
            yield ("pay_lines", k, "formula"), line.formula, set(pay), THE_LINE(id=line.id)
            pay.add(line.id)


@check("unknown-name")
def formulas_name_what_exists(ctx: Context) -> Iterator[Problem]:
    """A formula names only inputs (``inputs:``) and indicators; a pay formula also
    ``total``, ``pay`` and earlier pay lines, ``grade_coefficient`` (with grades) and
    ``passed`` (with a pass mark). The nearest known name is suggested."""
    for path, text, known, what in _formulas(ctx):
        node = ctx.compiled.formula(text)
        if isinstance(node, formula.FormulaError):
            continue
        for name, offset in formula.name_offsets(node).items():
            if name not in known:
                yield Problem(path, UNKNOWN(what=what, name=name, hint=did_you_mean(
                    name, sorted(known))), offset=offset)


@check("formula-cycle")
def formulas_without_cycles(ctx: Context) -> Iterator[Problem]:
    """No computed actual depends on itself, directly or through other formulas."""
    by_path = {ci.path + ("formula",): ci for ci in ctx.compiled.indicators}
    for path in ctx.compiled.cycles:
        ci = by_path[path]
        own = ci.formula is not None and ci.id in ci.formula.names()
        yield Problem(path, (OWN_ACTUAL if own else CYCLE)(id=ci.id))


@check("veto-source")
def vetoes_read_something(ctx: Context) -> Iterator[Problem]:
    """A scheme veto reads a column or computes a formula: exactly one of them."""
    for k, sv in enumerate(ctx.scheme.vetoes):
        if (sv.column is None) == (sv.formula is None):
            yield Problem(("vetoes", k), VETO_SOURCE(id=sv.id), key=True)
