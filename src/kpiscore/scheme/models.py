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

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import WithJsonSchema

from kpiscore.base.fields import Identifier, Number, Slug, Weight
from kpiscore.base.i18n import Phrase
from kpiscore.base.numbers import normalise_text, plain
from kpiscore.rules import RULES, AnyRule, Rule
from kpiscore.rules.levels import Level


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


def _no_items() -> list[Any]:
    """An empty list (a field's default): a function of the module's own, because pydantic
    inspects a default factory's signature and the builtin ``list``'s costs a tokenizer."""
    return []


#: Headers or names: a list, or one on its own (``column: 评价人``).
Names = Annotated[list[str], BeforeValidator(lambda v: [v] if isinstance(v, str) else v),
                  WithJsonSchema({"anyOf": [{"items": {"type": "string"}, "type": "array"},
                                            {"type": "string"}]})]


_COMPARE = re.compile(r"^\s*(>=|<=|==|!=|>|<|≥|≤|=)\s*(.+?)\s*$")
NOT_A_CONDITION = Phrase('{value} is not a condition; write e.g. ">= 1" or "== 1"',
                         '{value} 不是条件;请写成例如 ">= 1" 或 "== 1"')
SECTION_BODY = Phrase("a section needs either dimensions or indicators (not both)",
                      "一个部分(section)须有 dimensions 或 indicators 之一(不能两者都有)")
SCHEME_BODY = Phrase("a scheme needs exactly one of sections, dimensions or indicators",
                     "方案须有且只有 sections、dimensions、indicators 中的一项")
SCHEME_BODY_FOUND = Phrase("a scheme needs exactly one of sections, dimensions or indicators "
                           "(found {found})",
                           "方案须有且只有 sections、dimensions、indicators 中的一项"
                           "(现有 {found})")


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
                raise ValueError(str(NOT_A_CONDITION(value=repr(data))))
            op = {"≥": ">=", "≤": "<=", "=": "=="}.get(m.group(1), m.group(1))
            return {"op": op, "value": m.group(2)}
        return data

    def holds(self, x: Decimal) -> bool:
        v = self.value
        return {">=": x >= v, "<=": x <= v, "==": x == v, "!=": x != v,
                ">": x > v, "<": x < v}[self.op]

    def __str__(self) -> str:
        return f"{self.op} {plain(self.value)}"


#: What a part of a transcribed card is that the printed card does not have.
NotOnCardKind = Literal["veto", "grades", "item", "target", "reading"]
#: The kinds that add to the card; left out unless the scheme says ``additions: include``.
ADDITION_KINDS: tuple[str, ...] = ("veto", "grades", "item")


class NotOnCard(Model):
    """A mark on a part of a transcribed card that the printed card does not have.

    ``veto``, ``grades`` and ``item`` (an indicator, dimension or input) are additions:
    left out unless the scheme says ``additions: include``, so the card scores as
    printed. ``target`` (a target the card does not print) and ``reading`` (a reading
    of a lost, garbled or blank number or text) are what the card needs to be scored
    at all: always used, and shown wherever the card is."""

    kind: NotOnCardKind
    reason: str = Field(min_length=1)


#: One mark, or a list of them (an indicator with an invented target and a reading).
NotOnCardMarks = Annotated[
    list[NotOnCard], BeforeValidator(lambda v: [v] if isinstance(v, dict) else v)]


def _marks_field() -> Any:
    return Field(default_factory=_no_items, description="what of this is not on the printed "
                 "card: {kind: veto|grades|item|target|reading, reason: …}; additions "
                 "(veto, grades, item) are left out unless additions: include")


class Veto(Model):
    """Single-item veto (单项否决制): when the condition holds, the total is overridden."""

    when: Annotated[Condition, Field(description='comparison on the actual, e.g. ">= 1"')]
    outcome: Literal["zero", "lowest_grade"] = "zero"
    reason: str | None = None
    not_on_card: NotOnCardMarks = _marks_field()


class Input(Model):
    """A raw column the actuals must carry for formulas or pay (e.g. solved, base_pay)."""

    id: Identifier
    title: str | None = None
    unit: str = ""
    description: str | None = None
    column: str | None = Field(default=None, description="header to read, if not id or title")
    min_value: Number | None = None
    max_value: Number | None = None
    rollup: Literal["sum", "mean", "last"] = Field(
        default="sum", description="with several periods: how the periods' values combine")
    example: Number | None = Field(
        default=None, description="a typical value, shown in templates; the shipped "
        "schemes give values that make each formula meet its target")
    not_on_card: NotOnCardMarks = _marks_field()


class Imported(Model):
    """Where ``kpiscore import`` read an indicator on its card (docs/import.md), kept so
    that a person can check the draft against the paper. Scoring ignores it; a
    ``todo`` left makes ``validate`` refuse the scheme (code ``unfinished``)."""

    cell: str = Field(description="the indicator's row on the card, e.g. 考核表!C5")
    text: str | None = Field(default=None, description="the scoring text (评分标准) as "
                             "printed")
    text_cell: str | None = Field(default=None, description="where the scoring text is "
                                  "(the row's, or a rule under the table)")
    target: str | None = Field(default=None, description="the target cell as printed")
    phrasing: str | None = Field(default=None, description="the stock phrasing that read "
                                 "the text (docs/import.md)")
    rule: dict[str, Any] | None = Field(
        default=None, description="the rule as far as the card gives it, when it is "
        "incomplete (the indicator's rule is a placeholder until a person completes it)")
    note: Names = Field(default_factory=_no_items, description="what the draft decided that the "
                        "card does not spell out, for a person to check")
    todo: Names = Field(default_factory=_no_items, description="what the card does not say and a "
                        "person must complete; remove each once done")


class CardTodo(Model):
    """Something the whole card leaves open (a section's blank weight)."""

    cell: str
    text: str | None = None
    todo: str


class ImportedCard(Model):
    """The card ``kpiscore import`` drafted the scheme from, and what it leaves open."""

    file: str
    sheet: str | None = None
    todo: list[CardTodo] = Field(default_factory=_no_items, description="what the card leaves "
                                 "open as a whole; remove each once done")


NoFloor = Literal["none"]
#: How an indicator's periods combine into the rolled-up period (see :class:`Rollup`).
RollupKind = Literal["mean_points", "sum", "mean", "last"]


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
    min_value: Number | None = Field(default=None, description="smallest valid actual (default 0)")
    max_value: Number | None = Field(
        default=None, description="largest valid actual (default 100 when unit is %)")
    veto: Veto | None = None
    definition: str | None = None
    data_source: str | None = None
    period: str | None = None
    allow: list[str] = Field(default_factory=_no_items,
                             description="warning codes accepted for this indicator, "
                             "e.g. unreachable-full-marks")
    survey: Identifier | None = Field(
        default=None, description="take the actual from this survey's result (surveys:) "
        "instead of a column")
    rollup: RollupKind | Literal["pool"] | None = Field(
        default=None, description="with several periods: mean_points (score each period, "
        "mean of the points), or sum / mean / last of the actuals, then score once; pool "
        "(a survey indicator): every response of the periods together, scored once; "
        "default: the scheme rollup's default")
    not_on_card: NotOnCardMarks = _marks_field()
    imported: Imported | None = Field(
        default=None, description="where kpiscore import read it on the card, and what is "
        "left to complete (docs/import.md)")

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
    not_on_card: NotOnCardMarks = _marks_field()


class Section(Model):
    """A part of a composite total (performance 70% + behaviour 30%), scored on its own
    scale first: its dimensions' (or indicators') weights add up to 100 within it."""

    id: Slug
    title: str | None = None
    weight: Weight
    description: str | None = None
    dimensions: list[Dimension] | None = None
    indicators: list[Indicator] | None = None
    not_on_card: NotOnCardMarks = _marks_field()

    @model_validator(mode="after")
    def _one_body(self) -> Section:
        if (self.dimensions is None) == (self.indicators is None):
            raise ValueError(str(SECTION_BODY()))
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
    not_on_card: NotOnCardMarks = _marks_field()


class Grade(Model):
    """A grade band: totals at or above ``min`` (the last band may omit it)."""

    name: str
    min: Number | None = None
    coefficient: Number | None = Field(
        default=None, description="the grade's multiplier, grade_coefficient in pay "
        "formulas (e.g. 1.2 for A)")
    description: str | None = None
    not_on_card: NotOnCardMarks = _marks_field()


class Pay(Model):
    """Pay as a formula over ``total`` and input columns: ``total / 80 * base_pay``."""

    formula: str
    precision: int = Field(default=2, ge=0, le=6)
    title: str | None = None
    min: Number | None = Field(default=None, description="lowest amount paid (a floor "
                               "applied to the formula's result)")
    max: Number | None = Field(default=None, description="highest amount paid (a cap)")


class PayLine(Model):
    """A further named pay line (bonus …): a formula that may use ``pay`` and earlier lines."""

    id: Identifier
    title: str | None = None
    formula: str
    precision: int = Field(default=2, ge=0, le=6)
    min: Number | None = Field(default=None, description="lowest amount (a floor)")
    max: Number | None = Field(default=None, description="highest amount (a cap)")


# -- raters ------------------------------------------------------------------------


class Rater(Model):
    """One kind of rater (self, supervisor, peer …) and the weight of their total."""

    id: Slug
    title: str | None = None
    weight: Weight
    names: Names = Field(default_factory=_no_items,
                             description="other names of this rater in the rater column or "
                             "in column suffixes (自评, 本人)")
    multiple: bool = Field(default=False, description="several raters of this kind (peers, "
                           "customers): their ratings are averaged")
    drop_extremes: bool = Field(
        default=False, description="去掉一个最高分、一个最低分: of a multiple kind, drop the "
        "highest and the lowest points of each rated indicator before averaging the rest; "
        "fewer than 3 ratings is an error for that person")
    min_raters: int | None = Field(
        default=None, ge=1, description="fewest ratings of this kind a person needs; fewer is "
        "an error for that person naming the kind, the count and the minimum")


RATER_COLUMNS = ["rater", "评价人", "评分人", "评价者", "考评人", "评估人", "评价主体", "评价关系"]


class Raters(Model):
    """Who rates (self 30%, supervisor 70%, peers …) and how their totals combine."""

    roles: list[Rater] = Field(min_length=1, description="the raters and their weights "
                               "(adding up to 100)")
    rated: list[str] | None = Field(
        default=None, description="ids of the sections, dimensions or indicators each rater "
        "scores; the others are objective actuals given once and shared; default: every "
        "indicator read from a column")
    missing: Literal["error", "reweight"] = Field(
        default="error", description="a person without a rating from some rater: an error, "
        "or reweight over the raters present")
    layout: Literal["auto", "rows", "columns"] = Field(
        default="auto", description="rows: a rater column, one row per person and rater; "
        "columns: one row per person, rated columns suffixed with the rater (态度(自评)); "
        "auto: rows when the rater column is there")
    column: Names = Field(default_factory=lambda: list(RATER_COLUMNS),
                              description="headers the rater column may have")


# -- surveys -------------------------------------------------------------------------


class Scale(Model):
    """Answers that are numbers: the lowest and highest valid answer."""

    min: Number
    max: Number


class Question(Model):
    """One question of a survey: a column of the responses."""

    id: Identifier
    title: str | None = None
    column: str | None = Field(default=None, description="header to read, if not id or title")
    answers: list[Level] | None = Field(
        default=None, description="this question's own answers (a question worth "
        "10/8/6/4/2 in a card of 5/4/3/2/1)")


EVALUATEE_COLUMNS = ["被评价人工号", "被评价人编号", "被考核人工号", "被评价人", "evaluatee",
                     "evaluatee_id"]
RESPONDENT_COLUMNS = ["评价人", "答卷人", "问卷编号", "respondent", "respondent_id"]


class Survey(Model):
    """A survey card (公司卡): responses, one row per respondent and evaluatee, aggregated
    per evaluatee into an indicator's actual."""

    id: Identifier
    title: str | None = None
    sheet: str | None = Field(default=None, description="the responses' sheet (in the "
                              "--responses workbook, else in the actuals workbook)")
    evaluatee: Names = Field(default_factory=lambda: list(EVALUATEE_COLUMNS),
                                 description="headers the evaluatee's id column may have")
    respondent: Names = Field(default_factory=lambda: list(RESPONDENT_COLUMNS),
                                  description="headers of an optional respondent column "
                                  "(a respondent may answer once per evaluatee)")
    questions: list[Question] = Field(min_length=1)
    answers: list[Level] | None = Field(
        default=None, description="what each answer is worth: A–E, 非常满意 …, as the "
        "levels rule writes them")
    scale: Scale | None = Field(default=None, description="numeric answers: their range "
                                "(NPS: 0–10, the default for result: nps)")
    result: Literal["percent", "mean", "nps"] = Field(
        default="percent", description="percent: points as a percentage of the most "
        "points the answers could earn; mean: mean points per answer; nps: promoters "
        "(9–10) minus detractors (0–6), in percent")
    min_respondents: int = Field(default=1, ge=1, description="fewest respondents for a "
                                 "result")
    if_too_few: Number | Literal["error"] = Field(
        default="error", description="the actual to use when fewer respondents answered; "
        "default: the person is an error")


# -- periods ---------------------------------------------------------------------------

PERIOD_COLUMNS = ["period", "期间", "考核期间", "考核周期", "月份", "month"]


def _period_keys(value: Any) -> Any:
    """Period names as text (``1: 30`` names the period ``1``), folded like headers are."""
    if isinstance(value, dict):
        return {normalise_text(str(k)): v for k, v in value.items()}
    return value


class Rollup(Model):
    """Several periods' actuals (files, or a period column) rolled into one period."""

    to: str = Field(description="the rolled period, for readers and outputs: quarter, "
                    "half-year, year …")
    default: RollupKind = Field(
        default="mean_points", description="how indicators without their own rollup "
        "combine: mean_points (mean of the periods' points: the total is the mean of the "
        "periods' totals), sum, mean or last of the actuals (then scored once)")
    column: Names = Field(default_factory=lambda: list(PERIOD_COLUMNS),
                              description="headers a period column may have")
    expect: int | None = Field(default=None, ge=1, description="periods each person must "
                               "have (3 months in a quarter); default: every period given")
    missing: Literal["error", "present"] = Field(
        default="error", description="a person missing from some period: an error, or roll "
        "up the periods present")
    weights: Annotated[dict[str, Weight], BeforeValidator(_period_keys)] | None = Field(
        default=None, description="each period's weight in percent, by its name (the file "
        "name without its suffix, or the period column's value), adding up to 100: the "
        "means of the roll-up (mean_points, mean) are weighted (months 30/30/40); with "
        "missing: present, the weights of the periods present are scaled up to 100")


# -- forced distribution -------------------------------------------------------------------


class Quota(Model):
    """One grade's share of the people under a forced distribution."""

    grade: str
    percent: Weight
    min: int = Field(default=0, ge=0, description="the fewest people the grade gets, "
                     "whatever its percent gives (e.g. min: 1 on the bottom grade of a "
                     "small team); taken from the grade with the most people")


class Distribution(Model):
    """Forced distribution (强制分布): grades by quotas of the people, best totals first."""

    quotas: list[Quota] = Field(min_length=1, description="each grade's percent of the "
                                "people, adding up to 100")
    mode: Literal["enforce", "advisory"] = Field(
        default="enforce", description="enforce: the quota grade is the grade that counts "
        "(pay uses it); advisory: report only (a calibration report)")
    ties: Literal["better", "worse"] = Field(
        default="better", description="people tied at a quota boundary all get the better "
        "grade, or all the worse")
    rounding: Literal["largest_remainder"] = Field(
        default="largest_remainder", description="how fractional quotas become counts that "
        "add up to the number of people")
    scope: Literal["all", "department"] = Field(
        default="all", description="quotas over everyone, or within each department")
    tie_break: list[str] = Field(
        default_factory=_no_items, description="indicator or input ids that order people with "
        "equal totals, each in turn, higher first (an indicator by its points, an input by "
        "its value): people still equal on all of them are ties")


class Columns(Model):
    """Headers that identify a person, when they are not the usual ones."""

    id: Names = Field(default_factory=lambda: ["id", "工号", "员工编号", "编号",
                                                   "employee_id", "员工工号"])
    name: Names = Field(default_factory=lambda: ["name", "姓名", "员工姓名", "被考核人"])
    department: Names = Field(default_factory=lambda: ["department", "dept", "部门", "所在部门"])


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
    imported: ImportedCard | None = Field(
        default=None, description="the card kpiscore import drafted this scheme from "
        "(docs/import.md)")
    origin: Literal["transcribed", "composed"] | None = Field(
        default=None, description="transcribed from a published card, or composed from "
        "KPI definitions and common practice")
    weights: Literal["add_up", "normalise"] = Field(
        default="add_up", description="add_up: the weights of each level must add up to "
        "100 (else validate reports an error); normalise: a card whose printed weights "
        "do not (001 客服主管: 105) is scored as printed, each weight of that level × "
        "100/their sum, exactly, with a warning naming the factor")
    additions: Literal["leave_out", "include"] = Field(
        default="leave_out", description="what the file marks not_on_card as an addition "
        "(a veto, grades, an item the printed card does not have): left out, so the card "
        "scores as printed, or included")
    period: str | None = Field(default=None, description="month, quarter, half-year, year …")
    roles: list[str] = Field(default_factory=_no_items)
    scale: Number = Field(default=Decimal(100), description="what a perfect total is worth")
    precision: int = Field(default=2, ge=0, le=6, description="decimals shown in outputs")
    columns: Columns = Field(default_factory=Columns)
    inputs: list[Input] = Field(default_factory=_no_items)
    sections: list[Section] | None = None
    dimensions: list[Dimension] | None = None
    indicators: list[Indicator] | None = None
    vetoes: list[SchemeVeto] = Field(default_factory=_no_items)
    grades: list[Grade] = Field(default_factory=_no_items)
    pass_mark: Number | None = Field(default=None, description="the lowest total that "
                                     "passes (合格线); passed in outputs and formulas")
    pay: Pay | None = None
    pay_lines: list[PayLine] = Field(default_factory=_no_items, description="further named pay "
                                     "lines (bonus …), after pay")
    raters: Raters | None = None
    surveys: list[Survey] = Field(default_factory=_no_items)
    rollup: Rollup | None = None
    distribution: Distribution | None = None

    @field_validator("weights", mode="before")
    @classmethod
    def _spelling(cls, value: Any) -> Any:
        return "normalise" if value == "normalize" else value

    @model_validator(mode="after")
    def _one_body(self) -> Scheme:
        given = [k for k in ("sections", "dimensions", "indicators") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(str(SCHEME_BODY_FOUND(found=", ".join(given)) if given
                                 else SCHEME_BODY()))
        return self


def _yaml_forms(schema: dict[str, Any]) -> None:
    """Add the forms the models accept through "before" validators to their schema:
    a condition written ``">= 1"`` and ``rule: pass_fail`` for a rule without required
    parameters (a single header where a list is taken: :data:`Names`)."""
    defs = schema.get("$defs", {})
    for model in defs.values():  # one mark, or a list of them
        marks = model.get("properties", {}).get("not_on_card")
        if marks is not None and "items" in marks:
            model["properties"]["not_on_card"] = {
                "anyOf": [marks["items"], {"items": marks["items"], "type": "array"}],
                "description": marks.get("description", "")}
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
