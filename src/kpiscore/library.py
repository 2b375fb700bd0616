"""The shipped scheme library: ready-to-use cards ("拿来即用") to start from.

In a source checkout the library is the repository's ``schemes/`` folder; an
installed wheel carries the same files as ``kpiscore/library/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.i18n import Phrase
from kpiscore.base.numbers import normalise_text


def library_root() -> Path:
    """Where the shipped schemes are (the wheel's copy first, else the checkout's)."""
    here = Path(__file__).resolve().parent
    packaged = here / "library"
    if packaged.is_dir():
        return packaged
    return here.parent.parent / "schemes"


@dataclass
class Entry:
    id: str
    title: str
    path: Path
    roles: list[str] = field(default_factory=list)
    period: str | None = None
    origin: str | None = None
    source: str | None = None
    indicators: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "roles": self.roles, "period": self.period,
                "origin": self.origin, "source": self.source, "indicators": self.indicators,
                "file": self.path.relative_to(library_root()).as_posix()}


def _count(data: dict[str, Any]) -> int:
    def inds(node: dict[str, Any]) -> int:
        n = len(node.get("indicators") or [])
        for dim in node.get("dimensions") or []:
            n += inds(dim) if isinstance(dim, dict) else 0
        return n

    total = inds(data)
    for sec in data.get("sections") or []:
        total += inds(sec) if isinstance(sec, dict) else 0
    return total


def entries() -> list[Entry]:
    """Every shipped scheme, seed cards first, then roles, each sorted by id.

    Read with plain YAML (no validation) so that listing stays quick; the
    library is validated by the test suite.
    """
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    root = library_root()
    out = []
    files = sorted(root.glob("*.yaml")) + sorted(root.glob("*/*.yaml"))
    for path in files:
        with path.open(encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=loader)  # a safe loader
        if not isinstance(data, dict):
            continue
        roles = data.get("roles") or []
        out.append(Entry(str(data.get("id", path.stem)), str(data.get("title", "")), path,
                         [str(r) for r in roles], data.get("period"), data.get("origin"),
                         data.get("source"), _count(data)))
    return out


def matches(name: str) -> list[Entry]:
    """The shipped schemes ``name`` names: by id (or file name), else by exact title,
    else by role (客服主管), else those whose title or a role contains it."""
    wanted = normalise_text(name).casefold().removesuffix(".yaml")
    all_entries = entries()
    for match in (
        lambda e: e.id.casefold() == wanted,
        lambda e: normalise_text(e.title).casefold() == wanted,
        lambda e: any(normalise_text(r).casefold() == wanted for r in e.roles),
        lambda e: wanted in normalise_text(e.title).casefold()
        or any(wanted in normalise_text(r).casefold() for r in e.roles),
    ):
        hits = [e for e in all_entries if match(e)]
        if hits:
            return hits
    return []


def find(name: str) -> Entry:
    """The one shipped scheme ``name`` names (:func:`matches`); raises InputUnreadable,
    listing the candidates by id, for none or several."""
    hits = matches(name)
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise InputUnreadable(str(NO_MATCH(name=name)))
    raise InputUnreadable(str(SEVERAL(name=name, count=len(hits), found=", ".join(
        f"{e.id} ({e.title})" for e in hits))))


NO_MATCH = Phrase("no shipped scheme matches {name!r}; `kpiscore schemes` lists them",
                  "没有与 {name!r} 相符的内置方案;`kpiscore schemes` 可列出全部方案")
SEVERAL = Phrase("{name!r} matches {count} shipped schemes: {found}; name one by its id",
                 "{name!r} 与 {count} 个内置方案相符:{found};请用编号指定其中一个")


def resolve(scheme: str) -> str:
    """A scheme argument as a file path: an existing file, else a shipped scheme's id."""
    if os.path.exists(scheme) or scheme.endswith((".yaml", ".yml")) or os.sep in scheme:
        return scheme
    return str(find(scheme).path)
