"""Which number formats scale a value by 100 (kpiscore.io.numfmt), as Excel draws them.

The expected answers are Excel's: ``0"%"`` shows 80 as "80%" (a literal sign),
``0%`` shows 0.8 as "80%" (scaled); a value is drawn by the section its sign (or
a condition) picks.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kpiscore.io.numfmt import kind, scales, sections, split

#: format → whether 5, -5, 0 and 150 are drawn scaled
DRAWN = {
    "General": (False, False, False, False),
    "0%": (True, True, True, True),
    "0.00%": (True, True, True, True),
    '0"%"': (False, False, False, False),
    "0\\%": (False, False, False, False),
    "0_%": (False, False, False, False),
    "0*%": (False, False, False, False),
    "[$%-409]0": (False, False, False, False),
    '"完成率%"0': (False, False, False, False),
    "[Red]0%": (True, True, True, True),
    "0.0%;-0.0%": (True, True, True, True),
    "#,##0.00%;[Red]-#,##0.00%;0%": (True, True, True, True),
    "0;-0%": (False, True, False, False),
    "0%;0": (True, False, True, True),
    "0;0;0%": (False, False, True, False),
    "0%;0%;0%;@": (True, True, True, True),
    '"a;b"0%': (True, True, True, True),
    "[>=100]0;0%": (True, True, True, False),
    "[<0]0%;0": (False, True, False, False),
    "[=0]0%;0": (False, False, True, False),
}


@pytest.mark.parametrize("code", DRAWN)
def test_a_format_scales_the_values_excel_scales(code: str) -> None:
    parts = sections(code)
    got = tuple(scales(parts, Decimal(v)) for v in (5, -5, 0, 150))
    assert got == DRAWN[code]
    assert kind(code) == ("percent" if all(got) else "plain" if not any(got) else "signed")


def test_a_semicolon_in_quotes_or_brackets_is_text() -> None:
    assert split('"a;b"0;[Red;x]0') == ['"a;b"0', "[Red;x]0"]


def test_floats_and_odd_values_are_answered() -> None:
    parts = sections("[>=100]0;0%")
    assert scales(parts, 150.0) is False
    assert scales(parts, 0.5) is True
    assert scales(parts, float("nan")) in (True, False)
    assert scales((), 1) is False


@given(st.text(max_size=40))
def test_any_format_code_is_read(code: str) -> None:
    """A format code is text from the workbook: whatever it holds, it is classified."""
    assert kind(code) in ("percent", "plain", "signed")
    assert len(sections(code)) <= 3
