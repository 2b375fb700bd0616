"""Arithmetic formulas for computed actuals and pay, parsed (never ``eval``-ed).

Grammar::

    expr   := term (('+' | '-') term)*
    term   := unary (('*' | '/') unary)*
    unary  := ('+' | '-') unary | atom
    atom   := NUMBER ['%'] | NAME | NAME '(' expr (',' expr)* ')' | '(' expr ')'
    NAME   := letters of any script, digits, '_' and '.' (not first a digit),
              or any text in [brackets] or `backticks` (for headers with spaces)

Functions: ``min``, ``max``, ``abs``, ``round(x, n)`` (half up). All arithmetic
is exact ``Decimal``. A percent sign is refused: ``× 100%`` on a card means
"in percent points" while arithmetic would read 1, so write ``× 100`` or ``0.12``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from kpiscore.base.numbers import HUNDRED, normalise_text


class FormulaError(ValueError):
    """A formula cannot be parsed; ``offset`` is the 0-based character position."""

    def __init__(self, message: str, offset: int) -> None:
        self.offset = offset
        super().__init__(message)


class DivisionByZero(ArithmeticError):
    """A formula divided by zero for some person's values."""

    def __init__(self, divisor: str) -> None:
        self.divisor = divisor
        super().__init__(f"division by zero ({divisor} is 0)")


_TOKEN = re.compile(
    r"\s*(?:(?P<num>(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)(?P<pct>\s*%)?"
    r"|(?P<name>[^\W\d][\w.]*)|\[(?P<bracket>[^\]]+)\]|`(?P<tick>[^`]+)`"
    r"|(?P<op>[-+*/(),]))"
)


@dataclass(frozen=True)
class Node:
    text: str

    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        raise NotImplementedError

    def names(self) -> set[str]:
        return set()


@dataclass(frozen=True)
class Num(Node):
    value: Decimal

    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        return self.value


@dataclass(frozen=True)
class Name(Node):
    name: str
    offset: int

    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        return env[self.name]

    def names(self) -> set[str]:
        return {self.name}


@dataclass(frozen=True)
class Neg(Node):
    operand: Node

    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        return -self.operand.eval(env)

    def names(self) -> set[str]:
        return self.operand.names()


@dataclass(frozen=True)
class Bin(Node):
    op: str
    left: Node
    right: Node

    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        a = self.left.eval(env)
        b = self.right.eval(env)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        if b == 0:
            raise DivisionByZero(self.right.text)
        return a / b

    def names(self) -> set[str]:
        return self.left.names() | self.right.names()


def _round(args: list[Decimal]) -> Decimal:
    digits = int(args[1]) if len(args) > 1 else 0
    return args[0].quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)


_FUNCS: dict[str, tuple[int, int, Callable[[list[Decimal]], Decimal]]] = {
    "min": (1, 99, min),
    "max": (1, 99, max),
    "abs": (1, 1, lambda a: abs(a[0])),
    "round": (1, 2, _round),
}


@dataclass(frozen=True)
class Call(Node):
    func: str
    args: tuple[Node, ...]

    def eval(self, env: Mapping[str, Decimal]) -> Decimal:
        return _FUNCS[self.func][2]([a.eval(env) for a in self.args])

    def names(self) -> set[str]:
        return set[str]().union(*(a.names() for a in self.args))


@dataclass(frozen=True)
class Token:
    kind: str  # num, name, op, end
    value: str
    offset: int
    percent: bool = False


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            start = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
            raise FormulaError(f"unexpected {text[start]!r}", start)
        start = m.start(m.lastgroup) if m.lastgroup else pos
        if m.group("num") is not None:
            out.append(Token("num", m.group("num"), m.start("num"), bool(m.group("pct"))))
        elif m.group("name") is not None:
            out.append(Token("name", m.group("name"), start))
        elif m.lastgroup in ("bracket", "tick"):  # [a name] or `a name`
            out.append(Token("name", m.group(m.lastgroup).strip(), start - 1))
        else:
            out.append(Token("op", m.group("op"), start))
        pos = m.end()
    out.append(Token("end", "", len(text)))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    @property
    def tok(self) -> Token:
        return self.toks[self.i]

    def take(self, value: str | None = None) -> Token:
        tok = self.tok
        if value is not None and tok.value != value:
            want = "the end" if value == "" else repr(value)
            got = "the end" if tok.kind == "end" else repr(tok.value)
            raise FormulaError(f"expected {want}, found {got}", tok.offset)
        self.i += 1
        return tok

    def span(self, start: int) -> str:
        end = self.toks[self.i - 1]
        return self.text[start:end.offset + len(end.value) + (2 if end.kind == "name"
                                                              and self.text[end.offset] in "[`"
                                                              else 0)].strip()

    def expr(self) -> Node:
        return self.operations(("+", "-"), self.term)

    def term(self) -> Node:
        return self.operations(("*", "/"), self.unary)

    def operations(self, ops: tuple[str, str], operand: Callable[[], Node]) -> Node:
        """``operand (op operand)*``, left-associative."""
        start = self.tok.offset
        node = operand()
        while self.tok.value in ops and self.tok.kind == "op":
            op = self.take().value
            right = operand()
            node = Bin(self.span(start), op, node, right)
        return node

    def unary(self) -> Node:
        start = self.tok.offset
        if self.tok.kind == "op" and self.tok.value in ("+", "-"):
            op = self.take().value
            operand = self.unary()
            return Neg(self.span(start), operand) if op == "-" else operand
        return self.atom()

    def atom(self) -> Node:
        tok = self.tok
        if tok.kind == "num":
            if tok.percent:
                # cards write "解决数/问题总数 × 100%" meaning percent points (90), while
                # arithmetic reads 100% as 1 (0.9): refuse the ambiguity
                raise FormulaError(f"{tok.value}% is ambiguous in a formula: kpiscore keeps "
                                   "percentages in percent points, so write × 100 for a rate "
                                   f"in percent, or {Decimal(tok.value) / HUNDRED} for the "
                                   "fraction", tok.offset)
            self.take()
            return Num(tok.value, Decimal(tok.value))
        if tok.kind == "name":
            self.take()
            if self.tok.value == "(" and self.tok.kind == "op":
                return self.call(tok)
            return Name(self.span(tok.offset), tok.value, tok.offset)
        if tok.value == "(":
            self.take()
            node = self.expr()
            self.take(")")
            return node
        got = "the end of the formula" if tok.kind == "end" else repr(tok.value)
        raise FormulaError(f"expected a number, a name or '(', found {got}", tok.offset)

    def call(self, name: Token) -> Node:
        func = name.value.lower()
        if func not in _FUNCS:
            raise FormulaError(f"unknown function {name.value!r} (known: "
                               f"{', '.join(sorted(_FUNCS))})", name.offset)
        self.take("(")
        args = [self.expr()]
        while self.tok.value == ",":
            self.take()
            args.append(self.expr())
        self.take(")")
        low, high, _ = _FUNCS[func]
        if not low <= len(args) <= high:
            raise FormulaError(f"{func}() takes {low}" + (f" to {high}" if high != low else "")
                               + f" argument(s), not {len(args)}", name.offset)
        return Call(self.span(name.offset), func, tuple(args))


def parse(text: str) -> Node:
    """Parse a formula; raises :class:`FormulaError` with the offending offset."""
    # × and ÷ as people write them in Chinese cards; one character each, so
    # offsets into the original text stay right
    norm = normalise_text(text).replace("×", "*").replace("÷", "/")
    if not norm:
        raise FormulaError("the formula is empty", 0)
    parser = _Parser(norm)
    node = parser.expr()
    parser.take("")
    return node


def name_offsets(node: Node) -> dict[str, int]:
    """First offset of each name in the formula (for pointing at unknown names)."""
    out: dict[str, int] = {}

    def walk(n: Node) -> None:
        if isinstance(n, Name):
            out.setdefault(n.name, n.offset)
        for child in (getattr(n, "operand", None), getattr(n, "left", None),
                      getattr(n, "right", None), *getattr(n, "args", ())):
            if isinstance(child, Node):
                walk(child)

    walk(node)
    return out
