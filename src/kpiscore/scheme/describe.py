"""A compiled scheme described as plain data (for ``kpiscore schemes NAME``)."""

from __future__ import annotations

from typing import Any

from kpiscore.scheme.compile import CompiledScheme


def describe_dict(compiled: CompiledScheme) -> dict[str, Any]:
    s = compiled.scheme
    return {
        "description": s.description,
        "scale": s.scale,
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
