"""A transcribed card as printed: the parts marked ``not_on_card``, and leaving out the
additions.

A card transcribed from a published one marks every part the paper does not have
with ``not_on_card: {kind, reason}`` (:class:`~kpiscore.scheme.models.NotOnCard`).
Additions (a veto, grades, an item) are left out before the scheme is validated,
unless it says ``additions: include``: :func:`leave_out_additions` removes them
from the YAML data *and* from its positions, so every finding about the rest
still points at its own ``line:col``. Readings (an invented target, a reading of a
lost number) stay: the card cannot be scored without them. :func:`departures`
lists every mark, used or left out, for ``schemes``, ``init``, ``explain`` and
the report.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from kpiscore.scheme.models import ADDITION_KINDS, NotOnCard, Scheme
from kpiscore.scheme.yamlload import Located, Path

#: The lists whose items may be marked, relative to a body (the scheme or a section).
_BODY_LISTS = ("dimensions", "indicators")


@dataclass(frozen=True)
class Departure:
    """One part of the card that is not on the printed card."""

    path: str  # dotted path in the YAML, e.g. dimensions.0.indicators.4.veto
    part: str  # section, dimension, indicator, input, veto, grade
    id: str
    title: str | None
    kind: str
    reason: str
    #: whether this scheme scores with it (a reading always; an addition when included)
    used: bool

    @property
    def addition(self) -> bool:
        return self.kind in ADDITION_KINDS

    def to_dict(self) -> dict[str, Any]:
        return {"part": self.part, "id": self.id, "title": self.title, "kind": self.kind,
                "reason": self.reason, "used": self.used, "path": self.path}


# -- the raw YAML data -------------------------------------------------------------------


def _places(data: Any) -> Iterator[Path]:
    """The paths of every part that may carry a mark, in the raw data."""
    if not isinstance(data, dict):
        return
    for key in ("vetoes", "grades", "inputs"):
        for i, _ in _items(data.get(key)):
            yield (key, i)
    bodies: list[tuple[Path, Any]] = [((), data)]
    for k, sec in _items(data.get("sections")):
        yield ("sections", k)
        bodies.append((("sections", k), sec))
    for base, body in bodies:
        if not isinstance(body, dict):
            continue
        for key in _BODY_LISTS:
            for d, part in _items(body.get(key)):
                yield base + (key, d)
                if key == "indicators":
                    yield base + (key, d, "veto")
                    continue
                for i, ind in _items(part.get("indicators") if isinstance(part, dict) else None):
                    yield base + (key, d, "indicators", i)
                    if isinstance(ind, dict):
                        yield base + (key, d, "indicators", i, "veto")


def _items(value: Any) -> Iterator[tuple[int, Any]]:
    return enumerate(value) if isinstance(value, list) else iter(())


def _at(data: Any, path: Path) -> Any:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


def _is_addition(node: Any) -> bool:
    marks = node.get("not_on_card") if isinstance(node, dict) else None
    marks = [marks] if isinstance(marks, dict) else marks if isinstance(marks, list) else []
    return any(isinstance(m, dict) and m.get("kind") in ADDITION_KINDS for m in marks)


def additions_in(data: Any) -> list[Path]:
    """The paths of the parts marked as additions (outermost only)."""
    found: list[Path] = []
    for path in _places(data):
        if any(path[:len(p)] == p for p in found):
            continue  # inside an addition already left out
        if _is_addition(_at(data, path)):
            found.append(path)
    return found


def _remap(path: Path, removed: set[Path]) -> Path | None:
    """Where ``path`` is once ``removed`` (list items and mapping keys, given in the
    original's coordinates) are gone; None when it was inside one of them."""
    out: list[str | int] = []
    for t, part in enumerate(path):
        here = path[:t + 1]
        if here in removed:
            return None
        if isinstance(part, int):
            part -= sum(1 for r in removed if r[:-1] == path[:t] and isinstance(r[-1], int)
                        and r[-1] < part)
        out.append(part)
    return tuple(out)


def _without(data: Any, removed: set[Path], here: Path = ()) -> Any:
    if isinstance(data, dict):
        return {k: _without(v, removed, here + (k,)) for k, v in data.items()
                if here + (k,) not in removed}
    if isinstance(data, list):
        return [_without(v, removed, here + (i,)) for i, v in enumerate(data)
                if here + (i,) not in removed]
    return data


def leave_out_additions(located: Located) -> Located | None:
    """``located`` without the parts marked as additions, its positions moved to match;
    None when the scheme includes its additions or has none."""
    data = located.data
    if not isinstance(data, dict) or data.get("additions") == "include":
        return None
    removed = set(additions_in(data))
    if not removed:
        return None

    def moved(positions: dict[Path, tuple[int, int]]) -> dict[Path, tuple[int, int]]:
        out: dict[Path, tuple[int, int]] = {}
        for path, pos in positions.items():
            new = _remap(path, removed)
            if new is not None:
                out[new] = pos
        return out

    return Located(_without(data, removed), located.path, moved(located.values),
                   moved(located.keys), moved(located.texts))


# -- the validated scheme -------------------------------------------------------------


def marked(scheme: Scheme) -> Iterator[tuple[Path, str, str, str | None, list[NotOnCard]]]:
    """Every part of ``scheme`` that may carry a mark: its path, what it is, its id and
    title, and its marks."""
    for k, v in enumerate(scheme.vetoes):
        yield ("vetoes", k), "veto", v.id, v.title, v.not_on_card
    for k, g in enumerate(scheme.grades):
        yield ("grades", k), "grade", g.name, None, g.not_on_card
    for k, inp in enumerate(scheme.inputs):
        yield ("inputs", k), "input", inp.id, inp.title, inp.not_on_card
    bodies: list[tuple[Path, Any]] = [((), scheme)]
    for k, sec in enumerate(scheme.sections or []):
        yield ("sections", k), "section", sec.id, sec.title, sec.not_on_card
        bodies.append((("sections", k), sec))
    for base, body in bodies:
        for d, dim in enumerate(body.dimensions or []):
            yield base + ("dimensions", d), "dimension", dim.id, dim.title, dim.not_on_card
            for i, ind in enumerate(dim.indicators):
                yield from _indicator(base + ("dimensions", d, "indicators", i), ind)
        for i, ind in enumerate(body.indicators or []):
            yield from _indicator(base + ("indicators", i), ind)


def _indicator(path: Path, ind: Any) -> Iterator[tuple[Path, str, str, str | None,
                                                     list[NotOnCard]]]:
    yield path, "indicator", ind.id, ind.title, ind.not_on_card
    if ind.veto is not None:
        yield path + ("veto",), "veto", ind.id, ind.title, ind.veto.not_on_card


def departures(scheme: Scheme, left_out: bool) -> tuple[Departure, ...]:
    """Every mark of ``scheme`` (read with its additions), in the order of the file;
    ``left_out``: whether its additions were left out (unless it includes them)."""
    include = scheme.additions == "include" or not left_out
    parts = list(marked(scheme))
    added = [p for p, *_, marks in parts if any(m.kind in ADDITION_KINDS for m in marks)]
    out = []
    for path, part, ident, title, marks in parts:
        inside = any(path[:len(a)] == a for a in added)  # an addition, or a part of one
        for m in marks:
            used = include or not inside
            out.append(Departure(".".join(map(str, path)), part, ident, title, m.kind,
                                 m.reason, used))
    return tuple(out)
