"""The scheme format: pydantic models for an assessment card written in YAML.

A scheme is a card: who it is for, how its total is built (sections →
dimensions → indicators), how each indicator is scored (a rule), and what
follows from the total (vetoes, grades, pay). Every field has a default where
one makes sense; see ``docs/scheme.md`` for the reference.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kpiscore.rules import AnyRule, Rule
from kpiscore.types import Identifier, Number, Slug, Weight


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_COMPARE = re.compile(r"^\s*(>=|<=|==|!=|>|<|≥|≤|=)\s*(.+?)\s*$")


class Condition(Model):
    """A comparison such as ``">= 1"``; written as a string in YAML."""

    op: Literal[">=", "<=", "==", "!=", ">", "<"]
    value: Number

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            m = _COMPARE.match(data)
            if not m:
                raise ValueError(f"{data!r} is not a condition; write e.g. \">= 1\" or \"== 1\"")
            op = {"≥": ">=", "≤": "<=", "=": "=="}.get(m.group(1), m.group(1))
            return {"op": op, "value": m.group(2)}
        return data

    def holds(self, x: Decimal) -> bool:
        v = self.value
        return {">=": x >= v, "<=": x <= v, "==": x == v, "!=": x != v,
                ">": x > v, "<": x < v}[self.op]

    def __str__(self) -> str:
        from kpiscore.numbers import plain

        return f"{self.op} {plain(self.value)}"


class Veto(Model):
    """Single-item veto (单项否决制): when the condition holds, the total is overridden."""

    when: Annotated[Condition, Field(description='comparison on the actual, e.g. ">= 1"')]
    outcome: Literal["zero", "lowest_grade"] = "zero"
    reason: str | None = None


class Input(Model):
    """A raw column the actuals must carry for formulas or pay (e.g. solved, base_pay)."""

    id: Identifier
    title: str | None = None
    unit: str = ""
    description: str | None = None
    column: str | None = Field(default=None, description="header to read, if not id or title")
    min_value: Number | None = None
    max_value: Number | None = None
    example: Number | None = Field(
        default=None, description="a typical value, shown in templates; the shipped "
        "schemes give values that make each formula meet its target")


NoFloor = Literal["none"]


class Indicator(Model):
    """One KPI: where its actual comes from, its target, and the rule that scores it."""

    id: Identifier
    title: str | None = None
    unit: str = ""
    better: Literal["higher", "lower"] = "higher"
    target: Number | None = None
    full_marks: Number | None = Field(
        default=None, description="points for a perfect result; default from the rule, else 100")
    floor: Number | NoFloor = Field(
        default=Decimal(0), description='lowest points; "none" lets deductions go negative')
    weight: Weight | None = Field(
        default=None, description="percent of the total (40 or 40%); default: an equal share "
        "of the dimension's weight, or the full marks on a points card")
    rule: AnyRule
    formula: str | None = Field(
        default=None, description="compute the actual from other columns, e.g. solved / total "
        "* 100")
    if_divide_by_zero: Number | None = Field(
        default=None, description="actual to use when the formula divides by zero; "
        "default: the row is an error")
    if_missing: Number | Literal["error"] = Field(
        default="error", description="actual to use when the cell is blank; default: error")
    column: str | None = Field(default=None, description="header to read, if not id or title")
    min_value: Number | None = Field(
        default=None, description="smallest valid actual (default 0)")
    max_value: Number | None = Field(
        default=None, description="largest valid actual (default 100 when unit is %)")
    veto: Veto | None = None
    definition: str | None = None
    data_source: str | None = None
    period: str | None = None
    allow: list[str] = Field(default_factory=list,
                             description="warning codes accepted for this indicator, "
                             "e.g. unreachable-full-marks")

    @model_validator(mode="before")
    @classmethod
    def _rule_shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("rule"), str):
            data = {**data, "rule": {"kind": data["rule"]}}
        return data

    @field_validator("floor", mode="before")
    @classmethod
    def _floor_words(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("none", "no", "unlimited"):
            return "none"
        if value is None:  # an empty "floor:" is the default, not "no floor"
            return Decimal(0)
        return value

    @property
    def label(self) -> str:
        return self.title or self.id

    @property
    def the_rule(self) -> Rule:
        rule: Rule = self.rule
        return rule


class Dimension(Model):
    """A group of indicators with a weight (a perspective: 客户满意度 40%)."""

    id: Slug
    title: str | None = None
    weight: Weight | None = None
    description: str | None = None
    indicators: list[Indicator] = Field(min_length=1)


class Section(Model):
    """A part of a composite total (performance 70% + behaviour 30%), scored on its own
    scale first: its dimensions' (or indicators') weights add up to 100 within it."""

    id: Slug
    title: str | None = None
    weight: Weight
    description: str | None = None
    dimensions: list[Dimension] | None = None
    indicators: list[Indicator] | None = None

    @model_validator(mode="after")
    def _one_body(self) -> Section:
        if (self.dimensions is None) == (self.indicators is None):
            raise ValueError("a section needs either dimensions or indicators (not both)")
        return self


class SchemeVeto(Model):
    """A veto on a column that is not scored (e.g. a data-falsification flag)."""

    id: Slug
    title: str | None = None
    column: str | None = None
    formula: str | None = None
    when: Condition
    outcome: Literal["zero", "lowest_grade"] = "zero"
    reason: str | None = None


class Grade(Model):
    """A grade band: totals at or above ``min`` (the last band may omit it)."""

    name: str
    min: Number | None = None
    description: str | None = None


class Pay(Model):
    """Pay as a formula over ``total`` and input columns: ``total / 80 * base_pay``."""

    formula: str
    precision: int = Field(default=2, ge=0, le=6)
    title: str | None = None


class Columns(Model):
    """Headers that identify a person, when they are not the usual ones."""

    id: list[str] = Field(default_factory=lambda: ["id", "工号", "员工编号", "编号",
                                                   "employee_id", "员工工号"])
    name: list[str] = Field(default_factory=lambda: ["name", "姓名", "员工姓名", "被考核人"])
    department: list[str] = Field(default_factory=lambda: ["department", "dept", "部门",
                                                           "所在部门"])

    @field_validator("id", "name", "department", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class Scheme(Model):
    """An assessment card. Give ``sections``, ``dimensions`` or ``indicators`` (one of them)."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The models' schema plus the YAML shorthands the before-validators accept."""
        schema = super().model_json_schema(*args, **kwargs)
        _yaml_forms(schema)
        return schema

    kpiscore: Literal[1] = Field(default=1, description="format version")
    id: Slug
    title: str
    description: str | None = None
    source: str | None = None
    origin: Literal["transcribed", "composed"] | None = Field(
        default=None, description="transcribed from a published card, or composed from "
        "KPI definitions and common practice")
    period: str | None = Field(default=None, description="month, quarter, half-year, year …")
    roles: list[str] = Field(default_factory=list)
    scale: Number = Field(default=Decimal(100), description="what a perfect total is worth")
    precision: int = Field(default=2, ge=0, le=6, description="decimals shown in outputs")
    columns: Columns = Field(default_factory=Columns)
    inputs: list[Input] = Field(default_factory=list)
    sections: list[Section] | None = None
    dimensions: list[Dimension] | None = None
    indicators: list[Indicator] | None = None
    vetoes: list[SchemeVeto] = Field(default_factory=list)
    grades: list[Grade] = Field(default_factory=list)
    pay: Pay | None = None

    @model_validator(mode="after")
    def _one_body(self) -> Scheme:
        given = [k for k in ("sections", "dimensions", "indicators") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError("a scheme needs exactly one of sections, dimensions or indicators"
                             + (f" (found {', '.join(given)})" if given else ""))
        return self


def _yaml_forms(schema: dict[str, Any]) -> None:
    """Add the forms the models accept through "before" validators to their schema:
    a condition written ``">= 1"``, ``rule: pass_fail`` for a rule without required
    parameters, and a single header where ``columns:`` takes a list."""
    from kpiscore.rules import RULES

    defs = schema.get("$defs", {})
    if "Condition" in defs:
        defs["Condition"] = {"anyOf": [
            {"type": "string", "pattern": _COMPARE.pattern,
             "description": 'a comparison such as ">= 1", "== 1" or "< 60" (also ≥, ≤ and =)'},
            defs["Condition"]]}
    if "Indicator" in defs:
        no_params = sorted(kind for kind, rule in RULES.items()
                           if all(not f.is_required() for n, f in rule.model_fields.items()
                                  if n != "kind"))
        rule = defs["Indicator"]["properties"]["rule"]
        title = rule.pop("title", None)
        defs["Indicator"]["properties"]["rule"] = {
            "anyOf": [rule, {"enum": no_params, "type": "string",
                             "description": "shorthand for {kind: …} when the rule needs "
                                            "no parameters"}],
            **({"title": title} if title else {})}
    if "Columns" in defs:
        for name in ("id", "name", "department"):
            prop = defs["Columns"]["properties"][name]
            items = {k: prop.pop(k) for k in ("items", "type") if k in prop}
            prop["anyOf"] = [items, {"type": "string"}]
