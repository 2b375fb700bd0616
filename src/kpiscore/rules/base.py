"""What every scoring rule shares: the indicator facts it scores against, and helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

from kpiscore.base.numbers import ZERO, plain, round_half_up

Better = Literal["higher", "lower"]


@dataclass(frozen=True)
class Spec:
    """The indicator facts a rule scores against, fixed when a scheme is compiled."""

    target: Decimal | None
    full: Decimal
    floor: Decimal | None  # None: no floor ("不计上限"), points may go negative
    better: Better
    lowest: Decimal | None  # the smallest actual that is valid (domain), if bounded
    highest: Decimal | None  # the largest valid actual, if bounded
    precision: int = 2

    def num(self, value: Decimal) -> str:
        """A number for an explanation: exact when short, else rounded for reading."""
        exponent = value.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= -(self.precision + 2):
            return plain(value)  # short already (the common case: no work)
        near = round_half_up(value, self.precision + 2)
        if near == value:  # 1.562500000 is exactly 1.5625: show it whole
            return plain(value)
        return plain(round_half_up(value, self.precision))

    def clamp(self, points: Decimal, upper: Decimal | None = None) -> Decimal:
        top = self.full if upper is None else upper
        if points > top:
            points = top
        if self.floor is not None and points < self.floor:
            points = self.floor
        return points

    def floor_or_zero(self) -> Decimal:
        return ZERO if self.floor is None else self.floor


@dataclass(frozen=True)
class Check:
    """A problem a rule finds in its own configuration (``validate``)."""

    where: tuple[str | int, ...]  # path below the indicator, e.g. ("rule", "bands", 2)
    severity: Literal["error", "warning"]
    code: str
    message: str


class Rule(BaseModel):
    """Base of every rule's config model. Subclasses register with :func:`register`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Whether the rule reads a label such as ``4级`` / ``D`` (levels) rather than a
    #: number (every other rule). A label-reading indicator's cell is kept as text,
    #: cannot be summed or averaged, and cannot carry a veto.
    reads_labels: ClassVar[bool] = False
    #: Whether the actual *is* the points (a supervisor's rating, ``direct``): its
    #: valid range is floor..full marks unless the indicator says otherwise, and a
    #: value outside it is reported as "(a rating runs …)".
    is_rating: ClassVar[bool] = False
    #: Whether ``better: higher | lower`` applies. When False (levels, direct: the
    #: points are the answer's own) the compiler refuses ``better: lower`` and does
    #: not warn about titles that sound lower-is-better.
    directional: ClassVar[bool] = True
    #: Whether the indicator must give a ``target``.
    needs_target: ClassVar[bool] = True
    #: Whether the rule divides by the target (a target of 0 is then meaningless).
    divides_by_target: ClassVar[bool] = False

    def default_full_marks(self) -> Decimal | None:
        """Full marks when the indicator gives none (``None``: the scheme default, 100)."""
        return None

    def default_range(self, spec: Spec) -> tuple[Decimal | None, Decimal | None]:
        """Valid actuals when the indicator does not say (``None``: the usual default)."""
        return (None, None)

    def score(self, actual: Decimal, spec: Spec) -> tuple[Decimal, str]:
        """Points for ``actual`` and a one-line explanation a person can check."""
        raise NotImplementedError

    def best(self, spec: Spec) -> Decimal:
        """The most points any valid actual can earn (for the unreachable check)."""
        return spec.full

    def checks(self, spec: Spec) -> Iterator[Check]:
        """Problems in this rule's configuration for this indicator."""
        return iter(())


def better_word(spec: Spec) -> str:
    return "short" if spec.better == "higher" else "over"


def shortfall(actual: Decimal, spec: Spec) -> Decimal:
    """How far ``actual`` falls short of the target in the direction of ``better`` (≥ 0)."""
    assert spec.target is not None
    gap = spec.target - actual if spec.better == "higher" else actual - spec.target
    return gap if gap > 0 else ZERO


def minus(value: Decimal, spec: Spec) -> str:
    return f"−{spec.num(value)}" if value >= 0 else f"+{spec.num(-value)}"
