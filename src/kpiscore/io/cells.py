"""Turn one spreadsheet cell into the number (or label) a person meant, or refuse it."""

from __future__ import annotations

import datetime as _dt
import math
from decimal import Decimal

from kpiscore.base.numbers import HUNDRED, ZERO, normalise_text, parse_number, to_decimal

#: Excel's error values, as openpyxl and CSV exports show them.
EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                          "#GETTING_DATA", "#SPILL!", "#CALC!"})


#: Numbers read from cells must be smaller than this in size: 15 digits before the
#: decimal point, the precision a spreadsheet keeps (a larger value is a typo, an id
#: in the wrong column, or a hostile file, and would overflow exact arithmetic).
LARGEST = Decimal("1e15")
#: ... and, unless they are 0, at least this large: a smaller one is a formula's
#: rounding residue (0.1 + 0.2 - 0.3 is 5.55e-17) or a hostile file.
SMALLEST = Decimal("1e-15")


class FormulaWithoutValue(str):
    """A formula cell whose result was never saved (a file written by a program and
    never opened in a spreadsheet application); the text is the formula."""


class UnreadableCell(str):
    """A cell whose value cannot be read at all (a damaged or hostile workbook: a number
    with thousands of digits, a reference to a shared string that does not exist).
    It shows as ``#UNREADABLE!``; ``reason`` says why."""

    reason: str

    def __new__(cls, reason: str) -> UnreadableCell:
        cell = super().__new__(cls, "#UNREADABLE!")
        cell.reason = reason
        return cell


class BadValue(ValueError):
    """The cell cannot be read as a number; the message says why."""


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and normalise_text(value) == "")


def read_number(value: object, percent_format: bool = False) -> Decimal:
    """A cell's value as an exact number.

    ``95``, ``"95"``, ``"95%"``, ``"95 %"``, ``"９５"`` and ``"1,234"`` are read as
    typed; a numeric cell formatted as a percentage (0.95 shown as 95%) is read
    as 95 because kpiscore keeps percentages in percent points. Dates,
    booleans, Excel errors and text are refused with a reason.
    """
    _refuse(value, "number")
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, float) and not math.isfinite(value):
            raise BadValue(f"{value} is not a finite number")
        number = to_decimal(value)
        if not number.is_finite():
            raise BadValue(f"{value} is not a finite number")
        if percent_format:
            number = number * HUNDRED
        return _in_range(number, repr(value) if isinstance(value, float) else str(value))
    if isinstance(value, _dt.timedelta):
        raise BadValue(f"a duration ({value}) where a number belongs")
    if isinstance(value, str):
        text = normalise_text(value)
        if text.upper() in EXCEL_ERRORS:
            raise BadValue(f"the cell holds the spreadsheet error {text}")
        parsed = parse_number(text) if len(text) <= 1000 else None
        shown = text if len(text) <= 40 else text[:37] + "..."
        if parsed is None:
            if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
                raise BadValue(f"{shown!r} is not a finite number")
            raise BadValue(f"{shown!r} is not a number")
        return _in_range(parsed[0], shown)
    raise BadValue(f"{type(value).__name__} value {value!r} is not a number")


def _in_range(number: Decimal, shown: str) -> Decimal:
    if number == 0:
        return ZERO  # no negative zero
    size = abs(number)
    if size >= LARGEST:
        raise BadValue(f"{shown} is too large: numbers must be below 10^15 "
                       "(1,000,000,000,000,000)")
    if size < SMALLEST:
        raise BadValue(f"{shown} is too small: a number other than 0 must be at least "
                       "10^-15 (a formula's rounding residue? write 0)")
    return number


def _refuse(value: object, what: str) -> None:
    """Refuse what is never a number nor a level: a formula never calculated, a cell that
    cannot be read, a yes/no value, a date."""
    if isinstance(value, FormulaWithoutValue):
        raise BadValue(f"the formula ={value} has no saved value (the file was written by a "
                       "program and never calculated); open and save it in Excel or "
                       "LibreOffice, or write the values")
    if isinstance(value, UnreadableCell):
        raise BadValue(f"the cell cannot be read: {value.reason}")
    if isinstance(value, bool):
        raise BadValue(f"{'TRUE' if value else 'FALSE'} is a yes/no value, not a {what}")
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        raise BadValue(f"a date or time ({value}) where a {what} belongs")


def read_text(value: object) -> str:
    """A cell as text for labels (levels): numbers as written, no trailing ``.0``."""
    _refuse(value, "level")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = normalise_text(str(value))
    if text.upper() in EXCEL_ERRORS:
        raise BadValue(f"the cell holds the spreadsheet error {text}")
    return text
