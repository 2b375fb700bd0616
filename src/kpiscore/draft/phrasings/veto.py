"""单项否决: a single-item veto (a modifier)."""

from __future__ import annotations

import re

from kpiscore.base.i18n import Phrase
from kpiscore.draft.phrasings.common import NUM
from kpiscore.draft.phrasings.reading import Context, Reading

_VETO = re.compile(r"单项否决|一票否决|否决制|否决项")
_WHEN = re.compile(rf"({NUM})(?:次|起|项|处)(?:及以上|以上)?[^;,]{{0,8}}?(?:即|则|予以|实行)?"
                   r"(?:单项|一票)?否决")

WHEN = Phrase("the card names a single-item veto (单项否决) but not when it fires: write "
              'veto: {{when: ">= N"}}', '考核表写明单项否决,但没有写明何时否决:请填写 '
              'veto: {{when: ">= N"}}')


def read(text: str, ctx: Context) -> Reading | None:
    """**Single-item veto** (seed 001 售后主管 数据统计, DOMAIN §11): ``单项否决制``,
    ``一票否决`` → a ``veto`` (outcome: the total becomes 0) added to the rule read beside
    it. ``发生1次即否决`` gives its condition (``">= 1"``); a card that only says
    单项否决制 leaves the condition for a person (unfinished)."""
    if not _VETO.search(text):
        return None
    m = _WHEN.search(text)
    if m:
        return Reading(None, veto=f">= {m.group(1)}", vetoed=True)
    return Reading(None, vetoed=True, missing=(WHEN(),))
