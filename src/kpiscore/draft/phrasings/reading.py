"""What a phrasing reads: the reading, the row's context, a formula over columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from kpiscore.base.i18n import Text
from kpiscore.draft.names import ident, in_formula

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Context:
    """What a phrasing may need beside its text: the row's other cells, folded."""

    title: str = ""
    definition: str = ""
    #: the card has columns for raters' points (自评, 上级, 店长评分, 审核 …)
    rated: bool = False


@dataclass(frozen=True)
class Formula:
    """An actual computed from columns: the expression, with ``{0}``, ``{1}`` … where
    the inputs it names go, and those inputs as the card names them."""

    template: str
    inputs: tuple[str, ...]

    @property
    def expression(self) -> str:
        """The formula as the scheme writes it, each input by its id."""
        return self.template.format(*(in_formula(ident(name)) for name in self.inputs))


@dataclass(frozen=True)
class Reading:
    """What a phrasing read. ``rule`` is the rule as a scheme writes it (``kind`` and its
    parameters); None when the phrasing recognised the text but could not read a
    rule from it (the bands contradict each other): ``missing`` then says why."""

    rule: Mapping[str, object] | None
    #: the target the text itself states (90分及以上为满分); see ``own_target``
    target: Decimal | None = None
    #: whether ``target`` is the indicator's target (True), or only a limit for each
    #: case that the row's own target column, when it has one, takes precedence over
    own_target: bool = True
    better: Better | None = None
    full_marks: Decimal | None = None
    #: "不计上限": deductions may go below 0
    no_floor: bool = False
    unit: str | None = None
    #: a single-item veto: its condition (``">= 1"``), or None when the text does not
    #: say when it fires (then ``missing`` says so)
    veto: str | None = None
    vetoed: bool = False
    formula: Formula | None = None
    #: what the text does not say and a person must add (the draft marks it unfinished)
    missing: tuple[Text, ...] = ()
    #: what the draft decided that the text does not spell out (shown, not blocking)
    notes: tuple[Text, ...] = ()
