"""Arithmetic formulas for computed actuals and pay, parsed (never ``eval``-ed).

Grammar::

    expr   := term (('+' | '-') term)*
    term   := unary (('*' | '/') unary)*
    unary  := ('+' | '-')* atom
    atom   := NUMBER ['%'] | NAME | NAME '(' expr (',' expr)* ')' | '(' expr ')'
    NAME   := letters of any script, digits, '_' and '.' (not first a digit),
              or any text in [brackets] or `backticks` (for headers with spaces)

Functions: ``min``, ``max``, ``abs``, ``round(x, n)`` (half up; ``n`` a whole number
written in the formula). All arithmetic is exact ``Decimal``. A percent sign is
refused: ``× 100%`` on a card means "in percent points" while arithmetic would read
1, so write ``× 100`` or ``0.12``.

A formula is bounded before it costs anything (:mod:`kpiscore.base.limits`): its
length, its nesting (parentheses, functions and signs, checked before the parser
recurses), its numbers and names, the digits of each number and of ``round``.
A run of ``+ -`` or ``* /`` is one node holding its operands (never a tree as deep
as the run is long), and each node keeps only its own text, so memory grows with
the formula's length.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, DecimalException, InvalidOperation
from functools import cached_property

from kpiscore.base.fields import number_problem
from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.limits import Limits
from kpiscore.base.numbers import HUNDRED, normalise_text, round_half_up

TOO_LONG = Phrase("the formula is {length} characters long, more than {limit}; {advice}",
                  "公式长 {length} 个字符,超过上限 {limit};{advice}")
TOO_DEEP = Phrase("the formula nests parentheses, functions and signs deeper than {limit} "
                  "levels; {advice}",
                  "公式中括号、函数和正负号的嵌套超过 {limit} 层;{advice}")
TOO_MANY = Phrase("the formula has more than {limit} numbers and names; {advice}",
                  "公式中的数和名称超过 {limit} 个;{advice}")
NOT_A_NUMBER = Phrase("{text} is too large or too small to be a number",
                      "{text} 太大或太小,不是可用的数")
ROUND_PLACES = Phrase("round(x, {digits}) rounds to {places} places, more than {limit}; "
                      "{advice}",
                      "round(x, {digits}) 保留到 {places} 位,超过上限 {limit};{advice}")
ROUND_WHOLE = Phrase("the second argument of round() is how many decimals to keep: a whole "
                     "number written in the formula, such as round(x, 2)",
                     "round() 的第二个参数是保留的小数位数,须是直接写在公式里的整数,"
                     "例如 round(x, 2)")

UNEXPECTED = Phrase("unexpected {char}", "此处不应出现 {char}")
THE_END = Phrase("the end", "结尾")
THE_END_OF_FORMULA = Phrase("the end of the formula", "公式的结尾")
EXPECTED = Phrase("expected {want}, found {got}", "应为 {want},却是{got}")
EXPECTED_OPERAND = Phrase("expected a number, a name or '(', found {got}",
                          "应为数、名称或 '(',却是 {got}")
PERCENT = Phrase("{value}% is ambiguous in a formula: kpiscore keeps percentages in percent "
                 "points, so write × 100 for a rate in percent, or {fraction} for the fraction",
                 "公式中的 {value}% 有歧义:kpiscore 以百分点记百分比,百分比形式的比率请写 × 100,"
                 "小数形式请写 {fraction}")
UNKNOWN_FUNCTION = Phrase("unknown function {name} (known: {known})",
                          "未知函数 {name}(可用的函数:{known})")
ARGUMENTS = Phrase("{func}() takes {low} argument(s), not {count}",
                   "{func}() 需要 {low} 个参数,而不是 {count} 个")
ARGUMENTS_RANGE = Phrase("{func}() takes {low} to {high} argument(s), not {count}",
                         "{func}() 需要 {low} 到 {high} 个参数,而不是 {count} 个")
EMPTY = Phrase("the formula is empty", "公式是空的")


class FormulaError(ValueError):
    """A formula cannot be parsed; ``offset`` is the 0-based character position and
    ``code`` the finding's code (``formula``, or ``formula-limit`` and ``number-limit``
    for a formula or a number over a limit)."""

    def __init__(self, message: str | Text, offset: int, code: str = "formula") -> None:
        self.offset = offset
        self.code = code
        super().__init__(message)

    def __str__(self) -> str:
        return str(self.args[0])  # a Text renders in the language of the run


class DivisionByZero(ArithmeticError):
    """A formula divided by zero for some person's values."""

    def __init__(self, divisor: str) -> None:
        self.divisor = divisor
        super().__init__(f"division by zero ({divisor} is 0)")


_SPACE = re.compile(r"\s*")
_TOKEN = re.compile(
    r"(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(?P<pct>\s*%)?"
    r"|(?P<name>[^\W\d][\w.]*)|\[(?P<bracket>[^\]]+)\]|`(?P<tick>[^`]+)`"
    r"|(?P<op>[-+*/(),])"
)


@dataclass(frozen=True, eq=False)
class Node:
    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        raise NotImplementedError

    def children(self) -> tuple[Node, ...]:
        return ()

    def walk(self) -> Iterator[Node]:
        """This node and every node below it, in the order of the text (no recursion)."""
        stack: list[Node] = [self]
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children()))

    @cached_property
    def _names(self) -> frozenset[str]:
        return frozenset(n.name for n in self.walk() if isinstance(n, Name))

    def names(self) -> set[str]:
        """The names the formula reads (remembered: asked for every person)."""
        return set(self._names)


@dataclass(frozen=True, eq=False)
class Num(Node):
    value: Decimal

    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        return self.value


@dataclass(frozen=True, eq=False)
class Name(Node):
    name: str
    offset: int

    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        return env[self.name]


@dataclass(frozen=True, eq=False)
class Neg(Node):
    operand: Node

    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        return -self.operand.eval(env)

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, eq=False)
class Chain(Node):
    """``first (op operand)*`` of one precedence, left to right; each divisor keeps its
    text for the message when it is 0."""

    first: Node
    rest: tuple[tuple[str, Node, str], ...]

    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        value = self.first.eval(env)
        for op, node, text in self.rest:
            x = node.eval(env)
            if op == "+":
                value += x
            elif op == "-":
                value -= x
            elif op == "*":
                value *= x
            elif x == 0:
                raise DivisionByZero(text)
            else:
                value /= x
        return value

    def children(self) -> tuple[Node, ...]:
        return (self.first, *(node for _, node, _ in self.rest))


def _round(args: list[Decimal]) -> Decimal:
    return round_half_up(args[0], int(args[1]) if len(args) > 1 else 0)


_FUNCS: dict[str, tuple[int, int, Callable[[list[Decimal]], Decimal]]] = {
    "min": (1, 99, min),
    "max": (1, 99, max),
    "abs": (1, 1, lambda a: abs(a[0])),
    "round": (1, 2, _round),
}


@dataclass(frozen=True, eq=False)
class Call(Node):
    func: str
    args: tuple[Node, ...]

    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        return _FUNCS[self.func][2]([a.eval(env) for a in self.args])

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True)
class Token:
    kind: str  # num, name, op, end
    value: str
    offset: int
    end: int
    percent: bool = False


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    pos = _SPACE.match(text, 0).end()  # type: ignore[union-attr]
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise FormulaError(UNEXPECTED(char=repr(text[pos])), pos)
        kind = m.lastgroup
        if kind == "num" or kind == "pct":
            out.append(Token("num", m.group("num"), pos, m.end(), bool(m.group("pct"))))
        elif kind in ("bracket", "tick"):  # [a name] or `a name`
            out.append(Token("name", m.group(kind).strip(), pos, m.end()))
        else:
            out.append(Token("op" if kind == "op" else "name", m.group(), pos, m.end()))
        pos = _SPACE.match(text, m.end()).end()  # type: ignore[union-attr]
    out.append(Token("end", "", len(text), len(text)))
    return out


class _Parser:
    """Recursive descent, one nesting level at a time: ``depth`` is checked before each
    step down, so the stack never holds more than the depth limit allows."""

    def __init__(self, text: str, limits: Limits) -> None:
        self.text = text
        self.limits = limits
        self.toks = _tokens(text)
        self.i = 0
        self.terms = 0

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def take(self, value: str | None = None) -> Token:
        tok = self.tok
        if value is not None and tok.value != value:
            want: Phrase | str = THE_END if value == "" else repr(value)
            got: Phrase | str = THE_END if tok.kind == "end" else repr(tok.value)
            raise FormulaError(EXPECTED(want=want, got=got), tok.offset)
        self.i += 1
        return tok

    def at(self, *ops: str) -> bool:
        return self.tok.kind == "op" and self.tok.value in ops

    def deeper(self, depth: int) -> int:
        """One level down from ``depth``, unless that passes the limit."""
        if depth >= self.limits.formula_depth:
            raise FormulaError(TOO_DEEP(limit=self.limits.formula_depth,
                                        advice=self.limits.advice("formula_depth")),
                               self.tok.offset, "formula-limit")
        return depth + 1

    def expr(self, depth: int) -> Node:
        first = self.term(depth)
        rest: list[tuple[str, Node, str]] = []
        while self.at("+", "-"):
            op = self.take().value
            rest.append((op, self.term(depth), ""))
        return Chain(first, tuple(rest)) if rest else first

    def term(self, depth: int) -> Node:
        first = self.unary(depth)
        rest: list[tuple[str, Node, str]] = []
        while self.at("*", "/"):
            op = self.take().value
            start = self.i
            operand = self.unary(depth)
            rest.append((op, operand, self.source(start) if op == "/" else ""))
        return Chain(first, tuple(rest)) if rest else first

    def source(self, start: int) -> str:
        """The text of the tokens from ``start`` to the last one taken; a parenthesised
        group without its parentheses (``(b + c)`` is 0 is said ``b + c is 0``)."""
        first, last = self.toks[start], self.toks[self.i - 1]
        text = self.text[first.offset:last.end].strip()
        if first.value == "(" and first.kind == "op":
            text = text[1:-1].strip()
        return text

    def unary(self, depth: int) -> Node:
        negative = False
        while self.at("+", "-"):
            depth = self.deeper(depth)
            negative ^= self.take().value == "-"
        node = self.atom(depth)
        return Neg(node) if negative else node

    def operand(self, tok: Token) -> None:
        """Count a number or a name against the limit."""
        self.terms += 1
        if self.terms > self.limits.formula_terms:
            raise FormulaError(TOO_MANY(limit=self.limits.formula_terms,
                                        advice=self.limits.advice("formula_terms")),
                               tok.offset, "formula-limit")

    def atom(self, depth: int) -> Node:
        tok = self.tok
        if tok.kind == "num":
            self.operand(tok)
            return Num(self.number(tok))
        if tok.kind == "name":
            self.take()
            if self.at("("):  # a function: its name is not a term
                return self.call(tok, depth)
            self.operand(tok)
            return Name(tok.value, tok.offset)
        if self.at("("):
            inner = self.deeper(depth)
            self.take()
            node = self.expr(inner)
            self.take(")")
            return node
        got = THE_END_OF_FORMULA if tok.kind == "end" else repr(tok.value)
        raise FormulaError(EXPECTED_OPERAND(got=got), tok.offset)

    def number(self, tok: Token) -> Decimal:
        if tok.percent:
            # cards write "解决数/问题总数 × 100%" meaning percent points (90), while
            # arithmetic reads 100% as 1 (0.9): refuse the ambiguity
            try:
                fraction: object = Decimal(tok.value) / HUNDRED
            except DecimalException:  # an exponent past what a Decimal holds (1e9999999%)
                fraction = f"{tok.value}/100"
            raise FormulaError(PERCENT(value=tok.value, fraction=fraction), tok.offset)
        try:
            value = Decimal(tok.value)
        except InvalidOperation:  # an exponent beyond what a Decimal can hold
            shown = tok.value if len(tok.value) <= 24 else tok.value[:16] + "…"
            raise FormulaError(NOT_A_NUMBER(text=shown), tok.offset, "number-limit") from None
        problem = number_problem(value, self.limits)
        if problem is not None:
            raise FormulaError(problem, tok.offset, "number-limit")
        self.take()
        return value

    def call(self, name: Token, depth: int) -> Node:
        func = name.value.lower()
        if func not in _FUNCS:
            raise FormulaError(UNKNOWN_FUNCTION(name=repr(name.value),
                                                known=", ".join(sorted(_FUNCS))), name.offset)
        inner = self.deeper(depth)
        self.take("(")
        starts = [self.tok]
        args = [self.expr(inner)]
        while self.at(","):
            self.take()
            starts.append(self.tok)
            args.append(self.expr(inner))
        self.take(")")
        low, high, _ = _FUNCS[func]
        if not low <= len(args) <= high:
            raise FormulaError((ARGUMENTS if high == low else ARGUMENTS_RANGE)(
                func=func, low=low, high=high, count=len(args)), name.offset)
        if func == "round" and len(args) == 2:
            self.places(args[1], starts[1].offset)
        return Call(func, tuple(args))

    def places(self, node: Node, offset: int) -> None:
        """``round``'s decimals: a whole number written in the formula, within the limit."""
        negative = isinstance(node, Neg)
        if negative:
            node = node.operand  # type: ignore[attr-defined]
        if not isinstance(node, Num) or node.value != node.value.to_integral_value():
            raise FormulaError(ROUND_WHOLE(), offset)
        places = int(node.value)
        limit = self.limits.round_digits
        if places > limit:
            raise FormulaError(ROUND_PLACES(digits=-places if negative else places,
                                            places=places, limit=limit,
                                            advice=self.limits.advice("round_digits")),
                               offset, "formula-limit")


def parse(text: str, limits: Limits | None = None) -> Node:
    """Parse a formula; raises :class:`FormulaError` with the offending offset.
    ``limits`` defaults to :meth:`Limits.from_env`."""
    limits = limits or Limits.from_env()
    if len(text) > limits.formula_length:  # before any work on it
        raise FormulaError(TOO_LONG(length=len(text), limit=limits.formula_length,
                                    advice=limits.advice("formula_length")), 0, "formula-limit")
    # × and ÷ as people write them in Chinese cards; one character each, so
    # offsets into the original text stay right
    norm = normalise_text(text).replace("×", "*").replace("÷", "/")
    if not norm:
        raise FormulaError(EMPTY(), 0)
    parser = _Parser(norm, limits)
    node = parser.expr(0)
    parser.take("")
    return node


def name_offsets(node: Node) -> dict[str, int]:
    """First offset of each name in the formula (for pointing at unknown names)."""
    out: dict[str, int] = {}
    for n in node.walk():
        if isinstance(n, Name):
            out.setdefault(n.name, n.offset)
    return out
