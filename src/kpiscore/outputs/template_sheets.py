"""What a template needs beyond one column per value: raters, survey responses, periods.

A scheme with ``raters`` gets a rater column (one row per person and rater) or,
with ``layout: columns``, each rated column once per rater (``以客户为中心 (customer_focus)
(自评)``); each survey gets a sheet of its own for the responses, headed as
``evaluate`` reads it; a scheme with a ``rollup`` is filled once per period, one
file each. :func:`instructions` says all of it, naming the scheme as the user
gave it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

from kpiscore.base.numbers import plain
from kpiscore.scheme.compile import CompiledScheme
from kpiscore.scheme.models import Raters, Survey


def rater_layout(compiled: CompiledScheme) -> str | None:
    """``rows`` (a rater column) or ``columns`` (rated columns per rater); None without
    raters. ``auto`` is written as rows: the same columns for everyone."""
    raters = compiled.scheme.raters
    if raters is None:
        return None
    return "columns" if raters.layout == "columns" else "rows"


def rater_header(raters: Raters) -> str:
    """The rater column's header: the first Chinese one it may have, else the first."""
    return next((c for c in raters.column if not c.isascii()), raters.column[0])


def rater_names(raters: Raters) -> list[str]:
    """What to write for each rater (in the rater column, or as a column suffix): a kind
    with several raters twice, numbered (同事1, 同事2)."""
    out: list[str] = []
    for role in raters.roles:
        name = role.title or role.id
        out += [f"{name}1", f"{name}2"] if role.multiple else [name]
    return out


@dataclass(frozen=True)
class ResponseSheet:
    """A survey's responses sheet: its name, headers, and each question's answers."""

    survey: Survey
    name: str
    evaluatee: str
    respondent: str
    questions: list[tuple[str, list[str] | None]]  # header, the answers it may take


def _first_chinese(names: Sequence[str]) -> str:
    return next((n for n in names if not n.isascii()), names[0])


def response_sheets(compiled: CompiledScheme) -> list[ResponseSheet]:
    """One sheet per survey an indicator reads, named as ``evaluate`` looks for it."""
    used = set(compiled.survey_of.values())
    out = []
    for sv in compiled.scheme.surveys:
        if sv.id not in used:
            continue
        questions = []
        for q in sv.questions:
            answers = q.answers if q.answers is not None else sv.answers
            header = q.column or (f"{q.title} ({q.id})" if q.title else q.id)
            choices = [a.name() for a in answers] if answers else None
            questions.append((header, choices))
        out.append(ResponseSheet(sv, sv.sheet or sv.id, _first_chinese(sv.evaluatee),
                                 _first_chinese(sv.respondent), questions))
    return out


def instructions(compiled: CompiledScheme, scheme: str, path: str) -> list[str]:
    """How to fill in and score the template for ``scheme`` (as the user named it),
    written to ``path``: raters, surveys and periods included."""
    s = compiled.scheme
    files = [path]
    out: list[str] = []
    raters = s.raters
    layout = rater_layout(compiled)
    if raters is not None:
        names = "、".join(rater_names(raters))
        if layout == "rows":
            out += [f"评价人:每位员工每位评价人一行,在「{rater_header(raters)}」列写 {names};"
                    "共用的客观数据只需写在其中一行。",
                    f"Raters: one row per person and rater, the rater ({names}) in the "
                    f"{rater_header(raters)!r} column; shared objective values on one of "
                    "the rows."]
        else:
            out += [f"评价人:每位员工一行,被评价的列每位评价人一列(表头后缀 {names})。",
                    f"Raters: one row per person, each rated column once per rater "
                    f"(suffixed {names})."]
    for sheet in response_sheets(compiled):
        where = (f"the sheet {sheet.name!r} of this workbook" if sheet.survey.sheet else
                 f"the sheet {sheet.name!r}: give it with --responses FILE, or name it in "
                 f"the scheme (sheet: {sheet.name})")
        out += [f"问卷 {sheet.survey.title or sheet.survey.id}:在工作表「{sheet.name}」每位答卷人"
                f"每位被评价人一行(「{sheet.evaluatee}」写被评价人工号)。",
                f"Survey {sheet.survey.title or sheet.survey.id}: the responses in {where}, "
                f"one row per respondent and evaluatee ({sheet.evaluatee!r}: the evaluatee's id)."]
    if s.rollup is not None and s.rollup.weights is not None:
        # each file is named by its period, as the weights name them
        folder = os.path.dirname(path)
        ext = os.path.splitext(path)[1] or ".xlsx"
        files = [os.path.join(folder, f"{p}{ext}") for p in s.rollup.weights]
        weights = ", ".join(f"{p} {plain(w)}%" for p, w in s.rollup.weights.items())
        out += [f"分期:每期一个文件,文件名即期间名({weights}),合并为 {s.rollup.to}:"
                "把本文件按期间各复制一份。",
                f"Periods: one file per period, named by its period ({weights}), rolled up "
                f"to {s.rollup.to}: copy this file once per period, named as listed."]
    elif s.rollup is not None:
        count = s.rollup.expect or 3
        stem, dot, ext = path.rpartition(".")
        files = [f"{stem}-{k}.{ext}" if dot else f"{path}-{k}" for k in range(1, count + 1)]
        out += [f"分期:每期一个文件(共 {count} 期,文件名即期间名),合并为 {s.rollup.to}。",
                f"Periods: one file per period ({count}, each named by its period), rolled "
                f"up to {s.rollup.to}: copy this file once per period."]
    out += [f"评分 / score: kpiscore evaluate {scheme} " + " ".join(files)]
    return out
