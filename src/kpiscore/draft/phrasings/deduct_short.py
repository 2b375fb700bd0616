"""90分及以上为满分,每低1分扣0.5分 · 5篇以上为满分,每少1篇扣2分: deduct per unit short."""

from __future__ import annotations

import re

from kpiscore.draft.phrasings.common import NO_FLOOR, NUM, UNIT, num, unit_of
from kpiscore.draft.phrasings.reading import Context, Reading

_FULL_AT = re.compile(rf"(?:≥|>=|达到|不低于|不少于)?(?:预算)?({NUM})({UNIT})?(?:及以上|以上)?"
                      rf"(?:为满分|得满分)")
_STEP = re.compile(rf"每(?:低|少|降低|减少|下降|差|低于目标|未达)({NUM})({UNIT})(?:扣|减)({NUM})分")


def read(text: str, ctx: Context) -> Reading | None:
    """**Deduct per unit short** (seed 003, DOMAIN §2): ``90分及以上为满分,每低1分扣0.5分``
    → ``deduct`` with ``per: 1, points: 0.5`` and target 90 (better: higher);
    ``每低1%扣1分``, ``每少1篇扣2分``, ``每少1项扣2分`` likewise. Partial units are
    prorated; the points stop at 0 (扣完为止) unless the text says ``不计上限``
    (``floor: none``). Without "…为满分" the row's target is used."""
    step = _STEP.search(text)
    if not step:
        return None
    rule: dict[str, object] = {"kind": "deduct", "per": num(step.group(1)),
                               "points": num(step.group(3))}
    full_at = _FULL_AT.search(text)
    target = num(full_at.group(1)) if full_at else None
    unit = (full_at.group(2) if full_at else None) or step.group(2)
    return Reading(rule, target=target, better="higher", unit=unit_of(unit),
                   no_floor=bool(NO_FLOOR.search(text)))
