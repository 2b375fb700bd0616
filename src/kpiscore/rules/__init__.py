"""The registry of scoring rules: one module per rule kind, registered by name.

Each rule is a pydantic config model whose ``kind`` selects it in a scheme::

    rule:
      kind: deduct
      per: 1
      points: 0.5

Its class docstring is its documentation (``docs/rules.md`` is generated from it).
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field

from kpiscore.rules.anchors import Anchors
from kpiscore.rules.bands import Bands
from kpiscore.rules.base import Check, Rule, Spec, UnknownLevel
from kpiscore.rules.deduct import Deduct
from kpiscore.rules.direct import Direct
from kpiscore.rules.levels import Levels
from kpiscore.rules.pass_fail import PassFail
from kpiscore.rules.pass_line import PassLine
from kpiscore.rules.ratio import Ratio
from kpiscore.rules.threshold import Threshold

#: Every rule kind by the name a scheme uses for it, in the order the docs show them.
RULES: dict[str, type[Rule]] = {
    "threshold": Threshold,
    "deduct": Deduct,
    "bands": Bands,
    "pass_fail": PassFail,
    "ratio": Ratio,
    "pass_line": PassLine,
    "anchors": Anchors,
    "levels": Levels,
    "direct": Direct,
}

# pydantic needs the union spelled out as a type; it is built from the registry
# so adding a rule is one module plus one line above.
AnyRule: Any = Annotated[Union[tuple(RULES.values())], Field(discriminator="kind")]  # noqa: UP007

__all__ = ["RULES", "AnyRule", "Check", "Rule", "Spec", "UnknownLevel"]
