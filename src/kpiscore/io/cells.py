"""Turn one spreadsheet cell into the number (or label) a person meant, or refuse it."""

from __future__ import annotations

import datetime as _dt
import math
import re
from decimal import Decimal

from kpiscore.base.i18n import Phrase, Text
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
#: A number as a CSV file (or a text cell) usually holds it: :func:`read_number` reads
#: it without the long way's steps that leave it as it is (NFKC, trimming, an error
#: value, a percent sign, thousands separators); its range is checked all the same.
_PLAIN = re.compile(r"-?[0-9]{1,15}(?:\.[0-9]{1,15})?")


class FormulaWithoutValue(str):
    """A formula cell whose result was never saved (a file written by a program and
    never opened in a spreadsheet application); the text is the formula."""


class UnreadableCell(str):
    """A cell whose value cannot be read at all (a damaged or hostile workbook: a number
    with thousands of digits, a reference to a shared string that does not exist).
    It shows as ``#UNREADABLE!``; ``reason`` says why."""

    reason: str

    def __new__(cls, reason: str | Text) -> UnreadableCell:
        cell = super().__new__(cls, "#UNREADABLE!")
        cell.reason = str(reason)  # a Text in the language of the run
        return cell


class BadValue(ValueError):
    """The cell cannot be read as a number; the message says why (rendered in the
    language of the run)."""


NOT_FINITE = Phrase("{value} is not a finite number", "{value} 不是有限的数")
DURATION = Phrase("a duration ({value}) where a number belongs",
                  "此处应为数字,却是一段时长({value})")
SPREADSHEET_ERROR = Phrase("the cell holds the spreadsheet error {error}",
                           "单元格中是电子表格的错误值 {error}")
NOT_A_NUMBER = Phrase("{value} is not a number", "{value} 不是数字")
TYPED_NOT_A_NUMBER = Phrase("{kind} value {value} is not a number",
                            "{kind} 类型的值 {value} 不是数字")
TOO_LARGE = Phrase("{value} is too large: numbers must be below 10^15 (1,000,000,000,000,000)",
                   "{value} 太大:数字须小于 10^15(1,000,000,000,000,000)")
TOO_SMALL = Phrase("{value} is too small: a number other than 0 must be at least 10^-15 "
                   "(a formula's rounding residue? write 0)",
                   "{value} 太小:非 0 的数字至少应为 10^-15(是公式的舍入残差吗?请写 0)")
NO_SAVED_VALUE = Phrase("the formula ={formula} has no saved value (the file was written by a "
                        "program and never calculated); open and save it in Excel or "
                        "LibreOffice, or write the values",
                        "公式 ={formula} 没有保存的计算结果(文件由程序写出,从未计算过);"
                        "请用 Excel 或 LibreOffice 打开并保存,或直接填写数值")
CANNOT_READ = Phrase("the cell cannot be read: {reason}", "无法读取该单元格:{reason}")
YES_NO = Phrase("{value} is a yes/no value, not a {what}", "{value} 是一个是/否值,不是{what}")
DATE = Phrase("a date or time ({value}) where a {what} belongs",
              "此处应为{what},却是日期或时间({value})")
A_NUMBER = Phrase("number", "数字")
A_LEVEL = Phrase("level", "等级")


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    first = value[:1]
    if first.isascii() and first.isalnum():  # NFKC keeps it, so the text is not blank
        return False
    return normalise_text(value) == ""


def read_number(value: object, percent_format: bool = False) -> Decimal:
    """A cell's value as an exact number.

    ``95``, ``"95"``, ``"95%"``, ``"95 %"``, ``"９５"`` and ``"1,234"`` are read as
    typed; a numeric cell formatted as a percentage (0.95 shown as 95%) is read
    as 95 because kpiscore keeps percentages in percent points. Dates,
    booleans, Excel errors and text are refused with a reason.
    """
    if value.__class__ is str and _PLAIN.fullmatch(value):
        return _in_range(Decimal(value), value)
    _refuse(value, A_NUMBER)
    if isinstance(value, (int, float, Decimal)):
        if isinstance(value, float) and not math.isfinite(value):
            raise BadValue(str(NOT_FINITE(value=value)))
        number = to_decimal(value)
        if not number.is_finite():
            raise BadValue(str(NOT_FINITE(value=value)))
        if percent_format:
            number = number * HUNDRED
        return _in_range(number, repr(value) if isinstance(value, float) else str(value))
    if isinstance(value, _dt.timedelta):
        raise BadValue(str(DURATION(value=value)))
    if isinstance(value, str):
        text = normalise_text(value)
        if text.upper() in EXCEL_ERRORS:
            raise BadValue(str(SPREADSHEET_ERROR(error=text)))
        parsed = parse_number(text) if len(text) <= 1000 else None
        shown = text if len(text) <= 40 else text[:37] + "..."
        if parsed is None:
            if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
                raise BadValue(str(NOT_FINITE(value=repr(shown))))
            raise BadValue(str(NOT_A_NUMBER(value=repr(shown))))
        return _in_range(parsed[0], shown)
    raise BadValue(str(TYPED_NOT_A_NUMBER(kind=type(value).__name__, value=repr(value))))


def _in_range(number: Decimal, shown: str) -> Decimal:
    if number == 0:
        return ZERO  # no negative zero
    size = abs(number)
    if size >= LARGEST:
        raise BadValue(str(TOO_LARGE(value=shown)))
    if size < SMALLEST:
        raise BadValue(str(TOO_SMALL(value=shown)))
    return number


def _refuse(value: object, what: Phrase) -> None:
    """Refuse what is never a number nor a level: a formula never calculated, a cell that
    cannot be read, a yes/no value, a date."""
    if isinstance(value, FormulaWithoutValue):
        raise BadValue(str(NO_SAVED_VALUE(formula=str(value))))
    if isinstance(value, UnreadableCell):
        raise BadValue(str(CANNOT_READ(reason=value.reason)))
    if isinstance(value, bool):
        raise BadValue(str(YES_NO(value="TRUE" if value else "FALSE", what=what)))
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        raise BadValue(str(DATE(value=value, what=what)))


def read_text(value: object) -> str:
    """A cell as text for labels (levels): numbers as written, no trailing ``.0``."""
    _refuse(value, A_LEVEL)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = normalise_text(str(value))
    if text.upper() in EXCEL_ERRORS:
        raise BadValue(str(SPREADSHEET_ERROR(error=text)))
    return text
