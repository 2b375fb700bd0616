"""百分比计分制: points in proportion to the achievement (a fallback)."""

from __future__ import annotations

import re

from kpiscore.base.i18n import Phrase
from kpiscore.draft.phrasings.common import LOWER_IS_BETTER, num
from kpiscore.draft.phrasings.reading import Better, Context, Formula, Reading

_PERCENT = re.compile(r"百分比计分|按比例计分|按完成比例|完成率计分|按完成率计分")
_FORMULA = re.compile(r"^([^/=*()]+)/([^/=*()]+)\*100%?$")

LOWER = Phrase("{what} is less-is-better: drafted as lower is better",
               "{what}越低越好:草稿按越低越好计分")


def read(text: str, ctx: Context) -> Reading | None:
    """**Percentage scoring** (seed 001 售后主管, 百分比计分制) → ``ratio``: the item's
    points are its full marks × the achievement. It is a fallback: a rule written in
    the definition beside it (如有延迟、遗漏扣每次/人2分) wins. A definition written as
    a formula (``总体退款纠纷率平均值/上期退款纠纷率×100%``) gives the actual's formula
    and the target 100; a quantity where less is better (纠纷率, 差评率) is scored
    ``better: lower``. Without a formula the target is the row's."""
    if not _PERCENT.search(text):
        return None
    words = f"{ctx.title} {ctx.definition}"
    found = LOWER_IS_BETTER.search(words)
    notes = (LOWER(what=found.group(0)),) if found else ()
    better: Better = "lower" if found else "higher"
    m = _FORMULA.match(ctx.definition)
    if m:
        a, b = m.group(1), m.group(2)
        formula = Formula("{0} / {1} * 100", (a, b))
        return Reading({"kind": "ratio"}, target=num("100"), better=better, unit="%",
                       formula=formula, notes=notes)
    return Reading({"kind": "ratio"}, better=better, notes=notes)
