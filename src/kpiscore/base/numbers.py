"""Exact decimal helpers: parsing numbers as people write them, rounding half up."""

from __future__ import annotations

import re
import unicodedata
from decimal import (
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    Underflow,
)
from functools import lru_cache

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)

#: Numbers computed while scoring (a formula's value, a rule's points) stay below
#: 10^100 in size (and, unless 0, above about 10^-100): past that an operation
#: raises ``Overflow`` (``Underflow``) instead of building numbers with a million-digit
#: exponent that take minutes to format or sum. 28 significant digits, rounded half
#: even between operations, as Python's default context (nothing is rounded half up
#: before the outputs). ``InvalidOperation`` and ``DivisionByZero`` raise too; the
#: scorer makes every one of them the row's error.
SCORING = Context(prec=28, rounding=ROUND_HALF_EVEN, Emax=99, Emin=-99,
                  traps=[InvalidOperation, DivisionByZero, Overflow, Underflow])

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def normalise_text(text: str) -> str:
    """Fold full-width characters (``９５％`` → ``95%``) and trim white space."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_number(text: str) -> tuple[Decimal, bool] | None:
    """Read ``95``, ``95%``, ``95 %``, ``９５``, ``1,234``, ``-0.5``.

    Returns ``(value, had_percent_sign)`` or ``None`` when the text is not a
    number. A percent sign is only noted, not applied: kpiscore keeps
    percentages in percent points (``95%`` is the number 95).
    """
    s = normalise_text(text)
    percent = False
    if s.endswith("%"):
        percent = True
        s = s[:-1].rstrip()
    if _GROUPED.fullmatch(s):
        s = s.replace(",", "")
    if not _NUMBER.fullmatch(s):
        return None
    try:
        value = Decimal(s)
    except InvalidOperation:  # pragma: no cover - the regex already guards this
        return None
    if not value.is_finite():
        return None
    if value == 0:
        value = ZERO  # no negative zero in results
    return value, percent


def to_decimal(value: object) -> Decimal:
    """Exact conversion of a Python number; floats go through their shortest repr."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    raise TypeError(f"not a number: {value!r}")


def digits(value: Decimal) -> tuple[int, int]:
    """How many digits ``value`` is written with before its decimal point and after it,
    trailing zeros not counted: ``(3, 2)`` for 123.45 and 123.450, ``(5000001, 0)`` for
    1E+5000000 (without writing it out), ``(0, 3)`` for 0.001; ``(1, 0)`` for 0."""
    if not value or not value.is_finite():
        return 1, 0
    _, numerals, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    kept = len(numerals)
    while kept > 1 and numerals[kept - 1] == 0:
        kept -= 1
    exponent += len(numerals) - kept
    return max(kept + exponent, 0), max(-exponent, 0)


def shown(value: Decimal, most: int = 24) -> str:
    """A number for a message, short whatever its size: ``1E+5000000``, ``9.9999999999…E+89``,
    ``1000000000000000…`` (the message says how many digits it has)."""
    text = str(value)
    if len(text) <= most:
        return text
    mantissa, _, exponent = text.partition("E")
    return f"{mantissa[:12]}…E{exponent}" if exponent else text[:16] + "…"


@lru_cache(maxsize=32)
def quantum(precision: int) -> Decimal:
    return Decimal(1).scaleb(-precision)


#: quantum(p) for the precisions schemes use, looked up without a call
_QUANTA = tuple(Decimal(1).scaleb(-p) for p in range(16))


def round_half_up(value: Decimal, precision: int) -> Decimal:
    """四舍五入 to ``precision`` decimals, never a negative zero.

    Works for any magnitude: the default 28-digit context would refuse to
    quantize 1e29 to two decimals, so a wider one is used when needed.
    """
    q = _QUANTA[precision] if 0 <= precision < len(_QUANTA) else quantum(precision)
    digits = value.adjusted() + precision + 2
    if digits <= 28:  # positional, without the lru_cache call: three times faster
        rounded = value.quantize(q, ROUND_HALF_UP)
    else:
        rounded = value.quantize(q, ROUND_HALF_UP, Context(prec=digits))
    return rounded if rounded else abs(rounded)


def plain(value: Decimal, text: str | None = None) -> str:
    """A Decimal as people write it: no exponent, no trailing zeros (``7.84``, ``100``);
    ``text`` is ``str(value)`` when the caller has it already."""
    if text is None:
        text = str(value)
    if "E" not in text and ("." not in text or text[-1] != "0") and text != "-0":
        return text  # already plain: 98, 7.84, -2.5 (the common case, no arithmetic)
    if value == 0:
        return "0"
    integral = value.to_integral_value()
    if value == integral:
        return format(integral, "f")
    return format(value.normalize(), "f")


def readable(value: Decimal, precision: int) -> str:
    """A number inside a sentence: exact when it has at most ``precision + 2`` decimals
    (7.84, 1.5625), else rounded half up to ``precision`` (89.33 for 89.3333…)."""
    text = str(value)  # its decimals counted from its text: as_tuple() costs 5 times more
    if "E" not in text and text[-1:].isdigit():
        point = text.find(".")
        if point < 0 or len(text) - point - 1 <= precision + 2:
            return plain(value, text)  # short already (the common case: no arithmetic)
        if not text[point + precision + 3:].strip("0"):  # 1.562500000 is exactly 1.5625
            return plain(value, text)
        return plain(round_half_up(value, precision))
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent >= -(precision + 2):
        return plain(value, text)
    if round_half_up(value, precision + 2) == value:  # 1.562500000 is exactly 1.5625
        return plain(value)
    return plain(round_half_up(value, precision))
