"""Field types shared by the scheme models: exact numbers written as people write them."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer

from kpiscore.base.numbers import normalise_text, parse_number, to_decimal


def _number(value: Any) -> Decimal:
    if isinstance(value, str):
        parsed = parse_number(value)
        if parsed is None:
            raise ValueError(f"{value!r} is not a number (write 90, 90% or 0.5)")
        return parsed[0]
    try:
        number = to_decimal(value)
    except TypeError:
        raise ValueError(f"{value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def _weight(value: Any) -> Decimal:
    number = _number(value)
    if number < 0:
        raise ValueError("a weight cannot be negative")
    return number


_ID_FORBIDDEN = re.compile(r"[\[\]`\n\r\t]")


def _identifier(value: Any) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError("an id must be a short name such as csat or 客户满意度")
    # folded like formulas are, so 回访满意度（分） and 回访满意度(分) are one name
    text = normalise_text(str(value))
    if not text or _ID_FORBIDDEN.search(text) or text[0].isdigit():
        raise ValueError(
            f"{text!r} is not a usable id: start with a letter (any script) and avoid "
            "[ ] ` and line breaks (write ids with spaces or symbols as [my id] in formulas)")
    return text


def _slug(value: Any) -> str:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ValueError("an id must be a short name such as tech-support-manager")
    text = str(value).strip()
    if not text or any(ch.isspace() for ch in text):
        raise ValueError(f"{text!r} is not a usable id: it must be non-empty, without spaces")
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
