"""A compiled scheme described as plain data (for ``kpiscore schemes NAME``), and what a
transcribed card has that the printed card does not, as lines a person reads."""

from __future__ import annotations

from typing import Any

from kpiscore.base.i18n import DEFAULT, Phrase
from kpiscore.scheme.compile import CompiledScheme
from kpiscore.scheme.printed import Departure

NOT_ON_CARD = Phrase("Not on the printed card ({count}): {mode}",
                     "原表没有的内容({count} 项):{mode}")
LEFT_OUT = Phrase("the additions are left out, so the card scores as printed (a copy with "
                  "`additions: include` uses them)",
                  "增设项不计入,按原表计分(复制后加 `additions: include` 计入)")
INCLUDED = Phrase("the additions are included (additions: include)",
                  "增设项已计入(additions: include)")
READINGS_ONLY = Phrase("readings the card needs to be scored, always used",
                       "计分所需的解读,始终计入")
LINE = Phrase("{part} {what} — {kind}, {status}: {reason}",
              "{part} {what} — {kind},{status}:{reason}")
PARTS = {"indicator": Phrase("indicator", "指标"), "dimension": Phrase("dimension", "维度"),
         "section": Phrase("section", "部分"), "input": Phrase("input", "输入列"),
         "veto": Phrase("veto", "否决"), "grade": Phrase("grades", "等级")}
KINDS = {"veto": Phrase("an added veto", "增设否决"),
         "grades": Phrase("added grades", "增设等级"),
         "item": Phrase("an added item", "增设项目"),
         "target": Phrase("a target the card does not give", "原表未给的目标"),
         "reading": Phrase("a reading of the card", "对原表的解读")}
USED = Phrase("used", "计入")
UNUSED = Phrase("left out", "不计入")


def describe_dict(compiled: CompiledScheme) -> dict[str, Any]:
    s = compiled.scheme
    return {
        "description": s.description,
        "scale": s.scale,
        "weights": s.weights,
        "additions": s.additions,
        "not_on_card": [d.to_dict() for d in compiled.departures],
        "sections": [{"id": g.id, "title": g.title, "weight": g.weight}
                     for g in compiled.sections],
        "dimensions": [{"id": g.id, "title": g.title, "weight": g.weight,
                        "section": g.section} for g in compiled.dimensions],
        "indicators": [{
            "id": ci.id, "title": ci.ind.label, "dimension": ci.dimension,
            "weight": ci.weight.normalize() if ci.weight else ci.weight,
            "unit": ci.ind.unit, "better": ci.ind.better, "target": ci.ind.target,
            "full_marks": ci.spec.full, "rule": ci.rule.kind,
            "scoring": str(ci.rule.summary(s.precision)), "formula": ci.ind.formula,
            "veto": str(ci.ind.veto.when) if ci.ind.veto else None,
        } for ci in compiled.indicators],
        "inputs": [{"id": i.id, "title": i.title, "unit": i.unit} for i in s.inputs],
        "vetoes": [{"id": v.id, "title": v.title, "when": str(v.when), "outcome": v.outcome}
                   for v in s.vetoes],
        "grades": [{"name": g.name, "min": g.min} for g in s.grades],
        "pay": s.pay.formula if s.pay else None,
    }


def departure_lines(departures: tuple[Departure, ...], lang: str = DEFAULT) -> list[str]:
    """What is not on the printed card: a heading, then one line per marked part (the
    bands of added grades on one line), in ``lang``; no lines when nothing is marked."""
    if not departures:
        return []
    additions = [d for d in departures if d.addition]
    mode = READINGS_ONLY if not additions else INCLUDED if additions[0].used else LEFT_OUT
    out = [NOT_ON_CARD(count=len(_grouped(departures)), mode=mode).render(lang)]
    for d, names in _grouped(departures):
        what = "、".join(names) if d.part == "grade" else \
            f"{d.title} ({d.id})" if d.title else d.id
        out.append("  " + LINE(part=PARTS[d.part], what=what, kind=KINDS[d.kind],
                               status=USED if d.used else UNUSED,
                               reason=d.reason).render(lang))
    return out


def _grouped(departures: tuple[Departure, ...]) -> list[tuple[Departure, list[str]]]:
    """Consecutive grade bands with one mark as one entry."""
    out: list[tuple[Departure, list[str]]] = []
    for d in departures:
        last = out[-1][0] if out else None
        if last is not None and d.part == last.part == "grade" and \
                (d.kind, d.reason) == (last.kind, last.reason):
            out[-1][1].append(d.id)
        else:
            out.append((d, [d.id]))
    return out
