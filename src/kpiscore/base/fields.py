"""Field types shared by the scheme models: exact numbers written as people write them."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, ValidationInfo
from pydantic_core import PydanticCustomError

from kpiscore.base.i18n import Phrase, Text
from kpiscore.base.limits import Limits
from kpiscore.base.numbers import digits, normalise_text, parse_number, shown, to_decimal

#: The error type of a number over the digits limit (kpiscore.scheme.load gives it its code).
NUMBER_LIMIT = "number_limit"
TOO_LONG = Phrase("{value} has {count} digits before its decimal point, more than {limit}; "
                  "{advice}",
                  "{value} 的整数部分有 {count} 位,超过上限 {limit} 位;{advice}")
TOO_FINE = Phrase("{value} has {count} decimals, more than {limit}; {advice}",
                  "{value} 有 {count} 位小数,超过上限 {limit} 位;{advice}")
_LOG10_2 = math.log10(2)


WHOLE = Phrase("a whole number", "一个整数")
NOT_A_NUMBER_HOW = Phrase("{value} is not a number (write 90, 90% or 0.5)",
                          "{value} 不是数字(请写成 90、90% 或 0.5)")
NOT_A_NUMBER = Phrase("{value} is not a number", "{value} 不是数字")
NOT_FINITE = Phrase("{value} is not a finite number", "{value} 不是有限的数")
NEGATIVE_WEIGHT = Phrase("a weight cannot be negative", "权重不能为负数")
ID_KIND = Phrase("an id must be a short name such as csat or 客户满意度",
                 "id 须是一个简短的名称,例如 csat 或 客户满意度")
BAD_ID = Phrase("{id} is not a usable id: start with a letter (any script) and avoid [ ] ` and "
                "line breaks (write ids with spaces or symbols as [my id] in formulas)",
                "{id} 不能用作 id:须以文字或字母开头,不能含 [ ] ` 和换行"
                "(含空格或符号的 id 在公式中写成 [我的 id])")
SLUG_KIND = Phrase("an id must be a short name such as tech-support-manager",
                   "id 须是一个简短的名称,例如 tech-support-manager")
BAD_SLUG = Phrase("{id} is not a usable id: it must be non-empty, without spaces",
                  "{id} 不能用作 id:不能为空,也不能含空格")


def number_problem(value: Decimal | int, limits: Limits) -> Text | None:
    """Why a number written in a scheme (a field or a formula) is refused: more digits
    before or after its decimal point than ``limits.number_digits``."""
    limit = limits.number_digits
    advice = limits.advice("number_digits")
    if isinstance(value, int):  # sized without converting it: a huge int takes minutes
        rough = int(value.bit_length() * _LOG10_2)  # its digits, or one less
        if rough >= limit:
            count = rough + 1 if abs(value) >= 10 ** rough else rough
            if count > limit:
                return TOO_LONG(value=WHOLE(), count=count, limit=limit, advice=advice)
        value = Decimal(value)
    before, after = digits(value)
    if before > limit:
        return TOO_LONG(value=shown(value), count=before, limit=limit, advice=advice)
    if after > limit:
        return TOO_FINE(value=shown(value), count=after, limit=limit, advice=advice)
    return None


def _limits(info: ValidationInfo | None) -> Limits:
    """The limits a scheme is read with (``model_validate(context={"limits": …})``)."""
    context = info.context if info is not None else None
    given = context.get("limits") if isinstance(context, dict) else None
    return given if isinstance(given, Limits) else Limits.from_env()


def _number(value: Any, info: ValidationInfo) -> Decimal:
    number: Decimal | int
    if isinstance(value, str):
        parsed = parse_number(value)
        if parsed is None:
            raise ValueError(str(NOT_A_NUMBER_HOW(value=repr(value))))
        number = parsed[0]
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value  # converted once its size is known
    else:
        try:
            number = to_decimal(value)
        except TypeError:
            raise ValueError(str(NOT_A_NUMBER(value=repr(value)))) from None
        if not number.is_finite():
            raise ValueError(str(NOT_FINITE(value=repr(value))))
    problem = number_problem(number, _limits(info))
    if problem is not None:
        raise PydanticCustomError(NUMBER_LIMIT, "{problem}", {"problem": str(problem)})
    return Decimal(number) if isinstance(number, int) else number


def _weight(value: Any, info: ValidationInfo) -> Decimal:
    number = _number(value, info)
    if number < 0:
        raise ValueError(str(NEGATIVE_WEIGHT()))
    return number


_ID_FORBIDDEN = re.compile(r"[\[\]`\n\r\t]")


def _identifier(value: Any) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(str(ID_KIND()))
    # folded like formulas are, so 回访满意度（分） and 回访满意度(分) are one name
    text = normalise_text(str(value))
    if not text or _ID_FORBIDDEN.search(text) or text[0].isdigit():
        raise ValueError(str(BAD_ID(id=repr(text))))
    return text


def _slug(value: Any) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError(str(SLUG_KIND()))
    text = str(value).strip()
    if not text or any(ch.isspace() for ch in text):
        raise ValueError(str(BAD_SLUG(id=repr(text))))
    return text


_as_text = PlainSerializer(lambda d: str(d), return_type=str, when_used="json")

#: A number written as ``90``, ``0.5``, ``"90%"`` or ``"９０"``; kept as an exact Decimal.
Number = Annotated[Decimal, BeforeValidator(_number), _as_text,
                   Field(json_schema_extra={"examples": [90, "95%", 0.5]})]
#: A weight: ``40`` and ``40%`` both mean 40 percent of the whole.
Weight = Annotated[Decimal, BeforeValidator(_weight), _as_text,
                   Field(json_schema_extra={"examples": [40, "40%"]})]
#: A name for a scheme, section or dimension: anything without spaces.
Slug = Annotated[str, BeforeValidator(_slug)]
#: An id usable in formulas: bare when it is letters of any script, digits, ``_`` and
#: ``.``; other ids are written ``[like this]`` in a formula.
Identifier = Annotated[str, BeforeValidator(_identifier)]
