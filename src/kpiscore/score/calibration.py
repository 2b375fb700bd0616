"""Calibration (绩效校准): HR's moves of people's grades, after the forced distribution.

A calibration file (``--calibration FILE``, .xlsx or .csv, read by the same
openers and header matching as the actuals) holds one move a row: the
person's id (``工号``), the grade after the move (``调整后等级``), why
(``原因``) and, optionally, who made it (``调整人``). Moves are applied last,
after bands, vetoes and quotas: the grade that counts (the quota grade under
``mode: enforce``, else the banded grade) becomes the moved one, pay is
computed again with its coefficient, and the grade that counted before is
kept with the reason and the reviewer as the person's audit trail
(:class:`~kpiscore.score.results.Calibrated`).

A move that cannot be applied is a problem of the report (exit code 1) named
by its cell, and the person keeps their grade: an id that is not in the
actuals, an unknown or blank grade, a blank reason, two moves for one person
(neither is applied: which one was meant is not for kpiscore to guess), a
move for a row that could not be scored or whose veto fired (a veto
overrides everything, calibration too), a move whose ``原等级`` column (when
the file has one) is not the person's grade: a file made before the grades
changed. A file without the id, grade or
reason column cannot be used at all (:class:`InputUnreadable`, exit code 2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from kpiscore.base.errors import InputUnreadable
from kpiscore.base.i18n import Alternatives, Phrase, Text
from kpiscore.io.table import HeaderIndex, Table, header_key
from kpiscore.scheme.compile import CompiledScheme
from kpiscore.scheme.models import Scheme
from kpiscore.score.people import person_key
from kpiscore.score.results import (
    Calibrated,
    CalibrationCount,
    CalibrationReport,
    PersonResult,
    RowError,
)
from kpiscore.score.scorer import Scorer, cell_text, row_label

#: Headers of the grade after the move, of its reason and of the person who made it.
GRADE_HEADERS = ("调整后等级", "校准后等级", "校准等级", "调整等级", "新等级", "最终等级",
                 "grade", "new_grade", "final_grade", "to")
REASON_HEADERS = ("原因", "调整原因", "校准原因", "理由", "调整理由", "reason")
BY_HEADERS = ("调整人", "校准人", "审批人", "操作人", "by", "calibrated_by", "reviewer")
#: Headers of the grade the move starts from, when the file says it (checked, not used)
FROM_HEADERS = ("原等级", "调整前等级", "校准前等级", "from", "old_grade")
#: Rows below the first non-blank one where the header row may be (titles above it).
LOOK_AHEAD = 5

NO_GRADES = Phrase("{file}: a calibration moves grades, but the scheme has no grades",
                   "{file}:校准调整的是等级,但方案没有等级")
NO_COLUMN = Phrase("{file}: the calibration file has no {what} column: expected a header "
                   "named {names}",
                   "{file}:校准文件中没有{what}列:应有名为 {names} 的表头")
WHAT_ID = Phrase("id", "工号")
WHAT_GRADE = Phrase("grade", "调整后等级")
WHAT_REASON = Phrase("reason", "原因")
NO_ID = Phrase("a calibration move without an id", "校准调整没有工号")
NO_GRADE = Phrase("the calibration move for {id} gives no grade", "{id} 的校准调整没有给出等级")
NO_REASON = Phrase("the calibration move for {id} gives no reason: a move needs one (原因)",
                   "{id} 的校准调整没有写原因:每项调整都需要原因")
UNKNOWN_GRADE = Phrase("calibration: {grade!r} is not a grade of the scheme (grades: {grades})",
                       "校准:{grade!r} 不是方案中的等级(等级:{grades})")
NOT_FOUND = Phrase("calibration: no one with id {id!r} in the actuals",
                   "校准:实际数据中没有工号为 {id!r} 的人")
TWICE = Phrase("calibration: a second move for {id} (the first is {first}): neither is "
               "applied; keep one",
               "校准:{id} 有第二项调整(第一项在 {first}):两项都不执行;请只保留一项")
ERROR_ROW = Phrase("calibration: {id} could not be scored ({where}): the move is not applied",
                   "校准:{id} 无法计分({where}):该调整不执行")
STALE = Phrase("calibration: the move for {id} starts from {written}, but {id}'s grade is "
               "{grade}: the move is not applied (was the file made before the grades "
               "changed?)",
               "校准:{id} 的调整写明原等级为 {written},但其等级是 {grade}:该调整不执行"
               "(校准文件是否在等级变动之前制作?)")
VETOED = Phrase("calibration: a veto fired for {id} ({reason}): a veto overrides calibration, "
                "the move is not applied",
                "校准:{id} 触发了否决({reason}):否决优先于校准,该调整不执行")


@dataclass
class MoveLine:
    """One row of a calibration file, as written."""

    row: int
    where: str  # the id cell
    id: str
    grade: str | None
    grade_where: str
    reason: str | None
    reason_where: str
    by: str | None
    was: str | None = None  # the grade before, as the file writes it
    was_where: str = ""


@dataclass
class CalibrationFile:
    """A calibration file read: its moves, and the rows that are not moves (no id)."""

    source: str  # file, or file!sheet
    moves: list[MoveLine] = field(default_factory=list)
    #: rows that are no move (no id): (row, problem)
    problems: list[tuple[int, RowError]] = field(default_factory=list)


def read_calibration(compiled: CompiledScheme, table: Table) -> CalibrationFile:
    """The moves of a calibration file; raises InputUnreadable when the scheme has no
    grades or the file lacks its id, grade or reason column."""
    scheme = compiled.scheme
    name = table.source or table.name
    if not scheme.grades:
        raise InputUnreadable(str(NO_GRADES(file=name)))
    ids = tuple(scheme.columns.id)
    index = _header(table, ids)
    id_col = _column(index, ids, (), table, name, WHAT_ID)
    grade_col = _column(index, GRADE_HEADERS, (id_col,), table, name, WHAT_GRADE)
    reason_col = _column(index, REASON_HEADERS, (id_col, grade_col), table, name, WHAT_REASON)
    by_col = index.first(BY_HEADERS, (id_col, grade_col, reason_col))
    from_col = index.first(FROM_HEADERS, (id_col, grade_col, reason_col), exact=True)
    out = CalibrationFile(name if table.name == name else f"{name}!{table.name}")
    for row, where in table.people():
        def text(col: int | None, cells: list[object] = row.values) -> str | None:
            return cell_text(cells[col]) if col is not None and col < len(cells) else None

        ident = text(id_col)
        if ident is None:
            out.problems.append((row.number, RowError(where(id_col), NO_ID(), "calibration")))
            continue
        out.moves.append(MoveLine(row.number, where(id_col), ident, text(grade_col),
                                  where(grade_col), text(reason_col), where(reason_col),
                                  text(by_col), text(from_col),
                                  where(from_col) if from_col is not None else ""))
    return out


def _header(table: Table, ids: Sequence[str]) -> HeaderIndex:
    """The header row: the first non-blank one, or one of the next few when that one
    names neither an id nor a grade column (a title above the headers)."""
    index = HeaderIndex(table.header)
    if table.header_fixed or (index.first(ids) is not None
                              and index.first(GRADE_HEADERS) is not None):
        return index
    for row in table.peek(LOOK_AHEAD):
        candidate = HeaderIndex(row.values)
        if candidate.first(ids) is not None and candidate.first(GRADE_HEADERS) is not None:
            table.move_header(row.number)
            return HeaderIndex(table.header)
    return index


def _column(index: HeaderIndex, names: Sequence[str], taken: Sequence[int], table: Table,
            name: str, what: Phrase) -> int:
    hits = index.exact(names, taken) or index.matching(names, taken)
    if not hits:
        where = table.where(0)  # a workbook's sheet!A1 does not say which file: name it
        at = where if where.startswith(name) else f"{name}: {where}"
        raise InputUnreadable(str(NO_COLUMN(file=at, what=what(),
                                            names=Alternatives(tuple(names)))))
    return hits[0]


def counted_grade(scheme: Scheme, r: PersonResult) -> str | None:
    """The grade that counts: the quota grade under an enforced distribution, else the
    banded grade."""
    d = scheme.distribution
    if d is not None and d.mode == "enforce" and r.quota_grade is not None:
        return r.quota_grade
    return r.grade


def _grade_name(scheme: Scheme, written: str) -> str | None:
    """The scheme's grade a move names (``a`` and full-width ``Ａ`` name ``A``)."""
    key = header_key(written)  # the one normaliser: NFKC, case, white space
    for g in scheme.grades:
        if g.name == written:
            return g.name
    found = [g.name for g in scheme.grades if header_key(g.name) == key]
    return found[0] if len(found) == 1 else None


def calibrate(scorer: Scorer, results: Sequence[PersonResult],
              data: CalibrationFile) -> tuple[CalibrationReport | None, list[RowError]]:
    """Apply the moves of ``data`` to ``results``; the report (None when no move was
    applied, so that a run without moves writes what it always did) and the problems."""
    scheme = scorer.compiled.scheme
    found_at: list[tuple[int, RowError]] = list(data.problems)

    def problem(move: MoveLine, where: str, message: Text) -> None:
        found_at.append((move.row, RowError(where, message, "calibration")))

    people: dict[str, list[PersonResult]] = {}
    for r in results:
        if r.id is not None:
            people.setdefault(person_key(r.id), []).append(r)
    first: dict[str, MoveLine] = {}
    twice: set[str] = set()
    for move in data.moves:
        key = person_key(move.id)
        if key in first:
            problem(move, move.where, TWICE(id=move.id, first=first[key].where))
            twice.add(key)
        else:
            first[key] = move
    banded = _counts(scheme, results, lambda r: r.grade)
    assigned = _counts(scheme, results, lambda r: r.quota_grade) \
        if scheme.distribution is not None else None
    moved: list[tuple[PersonResult, MoveLine]] = []
    for key, move in first.items():
        if key in twice:
            continue
        if move.grade is None:
            problem(move, move.grade_where, NO_GRADE(id=move.id))
            continue
        grade = _grade_name(scheme, move.grade)
        if grade is None:
            problem(move, move.grade_where, UNKNOWN_GRADE(
                grade=move.grade, grades=", ".join(g.name for g in scheme.grades)))
            continue
        if move.reason is None:
            problem(move, move.reason_where, NO_REASON(id=move.id))
            continue
        found = people.get(key)
        if not found:
            problem(move, move.where, NOT_FOUND(id=move.id))
            continue
        person = found[0]
        if len(found) > 1 or not person.scored:
            bad = next((p for p in found if p.errors), person)
            at = bad.errors[0].where if bad.errors else row_label(bad.row)
            problem(move, move.where, ERROR_ROW(id=move.id, where=at))
            continue
        before = counted_grade(scheme, person)
        if move.was is not None and before is not None and \
                _grade_name(scheme, move.was) != before:
            problem(move, move.was_where, STALE(id=move.id, written=move.was, grade=before))
            continue
        if person.vetoes:
            problem(move, move.where, VETOED(
                id=move.id, reason="; ".join(v.reason for v in person.vetoes)))
            continue
        moved.append((person, move))
    place = {id(r): i for i, r in enumerate(results)}
    for person, move in sorted(moved, key=lambda pm: place[id(pm[0])]):
        before = counted_grade(scheme, person)
        assert before is not None
        after = _grade_name(scheme, move.grade or "")
        assert after is not None
        person.calibration = Calibrated(before, after, move.reason or "", move.by, move.where,
                                        person.grade, person.quota_grade)
        if scheme.distribution is not None and scheme.distribution.mode == "enforce":
            person.quota_grade = after
        else:
            person.grade = after
        scorer.pay(person, row_label(person.row), grade=after)
    problems = [e for _, e in sorted(found_at, key=lambda pe: pe[0])]  # in the file's order
    if not moved:
        return None, problems
    final = _counts(scheme, results, lambda r: counted_grade(scheme, r))
    counts = [CalibrationCount(g.name, banded[g.name],
                               None if assigned is None else assigned[g.name], final[g.name])
              for g in scheme.grades]
    return (CalibrationReport(data.source, counts,
                              [p for p in results if p.calibration is not None]), problems)


def _counts(scheme: Scheme, results: Sequence[PersonResult],
            grade_of: Callable[[PersonResult], str | None]) -> dict[str, int]:
    """People scored with each grade, as ``grade_of`` tells it."""
    out = {g.name: 0 for g in scheme.grades}
    for r in results:
        grade = grade_of(r) if r.scored else None
        if grade in out:
            out[grade] += 1
    return out
