"""Surveys: each survey says what its answers are worth and is the source of an indicator."""

from __future__ import annotations

from collections.abc import Iterator

from kpiscore.base.i18n import Phrase
from kpiscore.base.numbers import ZERO
from kpiscore.rules import Spec
from kpiscore.rules.levels import Levels
from kpiscore.scheme.checks import Context, Problem, check, did_you_mean
from kpiscore.scheme.yamlload import Path

NPS_ANSWERS = Phrase("an NPS survey reads numbers from 0 to 10: give no answers (scale defaults "
                     "to 0–10)", "NPS 问卷读取 0 到 10 的数字:不要给 answers(scale 默认为 0–10)")
NPS_SCALE = Phrase("an NPS survey's scale is 0 to 10", "NPS 问卷的 scale 是 0 到 10")
NO_ANSWERS = Phrase("survey {id!r} needs answers (what A–E or 非常满意 … are worth) or a scale "
                    "for numeric answers",
                    "问卷 {id!r} 需要 answers(A–E 或 非常满意 … 各值多少分),或为数字答案给出 scale")
SCALE = Phrase("scale min {min} is not below max {max}", "scale 的 min {min} 不小于 max {max}")
UNKNOWN = Phrase("survey {id!r} is not among the scheme's surveys{hint}",
                 "问卷 {id!r} 不在方案的 surveys 中{hint}")
ONE_SOURCE = Phrase("an indicator takes its actual from a survey, a formula or a column: only "
                    "one", "指标的实际值来自问卷、公式或列,三者只能选一")
LABELS = Phrase("a survey's result is a number; the {kind} rule reads labels",
                "问卷结果是数字,而 {kind} 规则读取的是等级文字")
UNUSED = Phrase("survey {id!r} is not the survey: of any indicator",
                "问卷 {id!r} 没有被任何指标用作 survey:")


@check("survey-answers")
def surveys_say_what_answers_are_worth(ctx: Context) -> Iterator[Problem]:
    """A survey gives ``answers`` (what A–E or 非常满意 … are worth, for the whole card or
    per question) or a numeric ``scale``; an NPS survey reads 0–10 and gives neither."""
    for k, sv in enumerate(ctx.scheme.surveys):
        path: Path = ("surveys", k)
        if sv.result == "nps":
            if sv.answers is not None or any(q.answers for q in sv.questions):
                yield Problem(path, NPS_ANSWERS(), key=True)
            elif sv.scale is not None and (sv.scale.min != 0 or sv.scale.max != 10):
                yield Problem(path + ("scale",), NPS_SCALE())
        elif sv.answers is None and sv.scale is None and \
                any(q.answers is None for q in sv.questions):
            yield Problem(path, NO_ANSWERS(id=sv.id), key=True)


@check("bad-range")
def survey_scale(ctx: Context) -> Iterator[Problem]:
    """A survey's numeric ``scale`` runs upwards (min below max)."""
    for k, sv in enumerate(ctx.scheme.surveys):
        if sv.scale is not None and sv.scale.min >= sv.scale.max:
            yield Problem(("surveys", k, "scale", "min"), SCALE(min=sv.scale.min, max=sv.scale.max))


@check("survey-levels")
def survey_answers_are_levels(ctx: Context) -> Iterator[Problem]:
    """A survey's answers are checked as the levels rule checks its levels (each answer
    named once: duplicate-level; a number, letter or label: bad-parameter)."""
    precision = ctx.scheme.precision
    for k, sv in enumerate(ctx.scheme.surveys):
        path: Path = ("surveys", k)
        for where, answers in [(path + ("answers",), sv.answers)] + \
                [(path + ("questions", j, "answers"), q.answers)
                 for j, q in enumerate(sv.questions)]:
            if not answers:
                continue
            top = max(a.points for a in answers)
            spec = Spec(None, top, ZERO, "higher", None, None, precision)
            for c in Levels(kind="levels", levels=answers).checks(spec):
                yield Problem(where + c.where[2:], c.message, code=c.code, severity=c.severity)


@check("unknown-name")
def survey_named(ctx: Context) -> Iterator[Problem]:
    """An indicator's ``survey:`` names one of the scheme's surveys."""
    ids = sorted({sv.id for sv in ctx.scheme.surveys})
    for ci in ctx.compiled.indicators:
        name = ci.ind.survey
        if name is not None and name not in ids:
            yield Problem(ci.path + ("survey",), UNKNOWN(id=name, hint=did_you_mean(name, ids)))


@check("survey-source")
def survey_is_the_only_source(ctx: Context) -> Iterator[Problem]:
    """An indicator whose actual is a survey's result has no formula or column of its own,
    and a numeric rule (a survey's result is a number)."""
    for ci in ctx.compiled.indicators:
        if ci.id not in ctx.compiled.survey_of:
            continue
        if ci.ind.formula is not None or ci.ind.column is not None:
            yield Problem(ci.path + ("survey",), ONE_SOURCE())
        if ci.rule.reads_labels:
            yield Problem(ci.path + ("rule",), LABELS(kind=ci.rule.kind))


@check("unused-survey", severity="warning")
def surveys_used(ctx: Context) -> Iterator[Problem]:
    """Every survey is the ``survey:`` of some indicator (else its responses are read for
    nothing)."""
    used = set(ctx.compiled.survey_of.values())
    first: dict[str, int] = {}
    for k, sv in enumerate(ctx.scheme.surveys):
        first.setdefault(sv.id, k)
    for sid, k in first.items():
        if sid not in used:
            yield Problem(("surveys", k), UNUSED(id=sid), key=True)
