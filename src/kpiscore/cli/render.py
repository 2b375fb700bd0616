"""Terminal rendering with rich (imported only for ``--format table``).

Headers and labels come from :mod:`kpiscore.base.i18n` in the language the CLI chose
(``--lang``, else the locale); scheme titles are shown as the scheme writes
them. rich measures East Asian wide characters as two cells, so Chinese
columns line up.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.cells import cell_len
from rich.console import Console, JustifyMethod
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from kpiscore.base.i18n import t, visible, wrap
from kpiscore.base.numbers import plain, readable, round_half_up
from kpiscore.cli.common import current_lang

if TYPE_CHECKING:
    from kpiscore.explain.diff import Comparison
    from kpiscore.explain.trace import Node
    from kpiscore.explain.whatif import WhatIf
    from kpiscore.library import Entry
    from kpiscore.scheme.compile import CompiledScheme
    from kpiscore.score.results import Report


def _text(value: str | None) -> str:
    """Text from a file (an id, a name, a title) for a rich cell: shown as written, never
    as markup (``[/]`` would stop the table) nor as terminal commands or bidi tricks."""
    return escape(visible(value or ""))


#: A pipe or a file gets whole lines: nothing is wrapped or cut to a guessed width.
_WHOLE = 10_000


def _on_terminal() -> bool:
    return bool(getattr(sys.stdout, "isatty", lambda: False)())


class _Console(Console):
    def on_broken_pipe(self) -> None:
        """A reader that went away ends the run as everywhere else in kpiscore (quietly,
        exit 141: cli/process.py), not with rich's exit 1."""
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def _console(color: bool) -> Console:
    """A console for standard output: a terminal's width on a terminal, else whole lines
    (whether it colours does not change how wide it is)."""
    # force_terminal: --color always must colour a pipe too; never must not
    return _Console(no_color=not color, force_terminal=color or None, highlight=False,
                    soft_wrap=False, width=None if _on_terminal() else _WHOLE)


@dataclass(frozen=True, slots=True)
class _Col:
    """A column of a table that fits the terminal (see :mod:`kpiscore.cli.fit`): kept
    whole unless ``drop`` (hidden when there is no room, the highest first) or ``wrap``
    (a text column, wrapped when there is no room, the lowest first)."""

    header: str
    justify: JustifyMethod = "left"
    style: str = ""
    drop: int | None = None
    wrap: int | None = None


def _fitted(console: Console, columns: list[_Col], rows: list[list[str]],
            lang: str) -> None:
    """Print a table (cells in rich markup) within the terminal's width, hiding or
    wrapping only the columns that may be; a pipe gets every column at its full width."""
    from kpiscore.cli.fit import Column, fit, need

    texts = [[Text.from_markup(c).plain for c in row] for row in rows]
    specs = []
    for k, col in enumerate(columns):
        widest = max((cell_len(row[k]) for row in texts), default=0)
        natural = max(widest, cell_len(col.header))
        if col.drop is not None:  # its header may wrap onto two lines; its numbers not
            least = max(widest, _two_lines(col.header))
        elif col.wrap is not None:  # wrapped, but never inside a word (an id, a number)
            words = [w for row in texts for w in _WORD.findall(row[k])]
            least = min(natural, max([_TEXT_LEAST, *map(cell_len, col.header.split()),
                                      *map(len, words)]))
        else:
            least = natural
        specs.append(Column(natural, least, col.drop, col.wrap))
    widths = fit(specs, console.width if _on_terminal() else None)
    table = Table()
    for col, width in zip(columns, widths, strict=True):
        if width is not None:
            whole = col.drop is None and col.wrap is None
            table.add_column(_text(col.header), justify=col.justify, style=col.style,
                             width=width, no_wrap=whole, overflow="fold")
    for row in rows:
        table.add_row(*(c for c, w in zip(row, widths, strict=True) if w is not None))
    # a table that cannot fit even so is printed wider than the terminal, never cut
    # (console.print(width=) only narrows)
    terminal = console.width
    console.width = max(terminal, need(widths))
    console.print(table)
    console.width = terminal
    hidden = [col.header for col, w in zip(columns, widths, strict=True) if w is None]
    if hidden:
        console.print(t("table.hidden", lang, columns="、".join(hidden) if lang == "zh"
                        else ", ".join(hidden)), style="dim", markup=False)


#: The narrowest a wrapped text column is made: four Chinese characters a line.
_TEXT_LEAST = 8
#: What a wrapped column never breaks: a run of printable ASCII (Chinese text may break
#: between any two characters).
_WORD = re.compile(r"[!-~]+")


def _two_lines(text: str) -> int:
    """The narrowest column that shows ``text`` on at most two lines."""
    whole = cell_len(text)
    for width in range(max(1, (whole + 1) // 2), whole):
        lines = wrap(text, width)
        if len(lines) <= 2 and max(cell_len(x) for x in lines) <= width:
            return width
    return whole


def _people(lang: str) -> list[_Col]:
    """The first columns of a table of people: row, id, name (wrapped last)."""
    return [_Col(t("row", lang), "right", "dim"), _Col(t("id", lang)),
            _Col(t("name", lang), wrap=2)]


def print_table(report: Report, *, color: bool) -> None:
    lang = current_lang()
    console = _console(color)
    p = report.precision
    # the title on a line of its own: a table title wraps to the table's width
    console.print(visible(f"{report.scheme_title} ({report.scheme_id})"), style="italic",
                  markup=False)
    columns = [*_people(lang), _Col(t("department", lang), wrap=1)]
    first = report.results[0].dimensions if report.results else []
    dims = first if len(first) > 1 else []
    columns += [_Col(d.title, "right", drop=k) for k, d in enumerate(dims)]
    columns.append(_Col(t("total", lang), "right", "bold"))
    calibration = report.summary.calibration
    if report.has_grades:
        columns.append(_Col(t("grade", lang)))
    if calibration is not None:  # the grade that counts, after the moves
        columns.append(_Col(t("calibrated", lang), style="bold"))
    if report.has_pay:
        columns.append(_Col(t("pay", lang), "right"))
    columns.append(_Col(t("status", lang)))
    rows = []
    for r in report.results:
        row = [str(r.row), _text(r.id), _text(r.name), _text(r.department)]
        for d in r.dimensions if dims else []:
            row.append("" if d.contribution is None else str(round_half_up(d.contribution, p)))
        row.append("" if r.total is None else str(round_half_up(r.total, p)))
        if report.has_grades:
            row.append(_text(r.calibration.banded if r.calibration else r.grade))
        if calibration is not None:
            grade = report.counted_grade(r) if r.scored else None
            row.append(_text(grade) + ("*" if r.calibration else ""))
        if report.has_pay:
            row.append("" if r.pay is None else str(round_half_up(r.pay, report.pay_precision)))
        if r.status == "ok":
            row.append(t("status.veto", lang) if r.vetoes else t("status.ok", lang))
        else:
            row.append(f"[red]{t('status.error', lang)}[/red] ({len(r.errors)})")
        rows.append(row)
    _fitted(console, columns, rows, lang)
    s = report.summary
    stats = t("summary.rows", lang, rows=s.rows, ok=s.ok, error=s.error)
    if s.mean is not None:
        stats += t("summary.stats", lang, mean=round_half_up(s.mean, p),
                   min=round_half_up(s.min, p), max=round_half_up(s.max, p))  # type: ignore[arg-type]
    console.print(stats, markup=False)
    for r in report.results:
        for v in r.vetoes:
            console.print(visible(t("veto.for", lang, id=r.id, reason=v.reason,
                                    outcome=v.outcome)), markup=False)
    if calibration is not None:
        counts = ", ".join(f"{c.grade} {c.banded}/{'-' if c.assigned is None else c.assigned}/"
                           f"{c.final}" for c in calibration.counts)
        console.print(visible(t("calibration.counts", lang, counts=counts)), markup=False)
        for r in calibration.moved:
            m = r.calibration
            assert m is not None
            by = t("calibration.by", lang, by=m.by) if m.by else ""
            console.print(visible("* " + t("calibration.for", lang, id=r.id, before=m.before,
                                           after=m.after, reason=m.reason, by=by)),
                          markup=False)


def print_library(entries: list[Entry], *, color: bool, name: str | None = None) -> None:
    """The shipped schemes, or those ``name`` matches."""
    lang = current_lang()
    console = _console(color)
    title = t("library.title", lang, count=len(entries)) if name is None else \
        t("library.matching", lang, count=len(entries), name=name)
    console.print(title, style="italic", markup=False)
    columns = [_Col(t("library.id", lang)), _Col(t("title", lang), wrap=1),
               _Col(t("roles", lang), wrap=2), _Col(t("period", lang), wrap=3),
               _Col(t("indicators", lang), "right"), _Col(t("origin", lang), wrap=4)]
    rows = [[escape(x) for x in (e.id, e.title, "、".join(e.roles), e.period or "",
                                 str(e.indicators), e.origin or "")] for e in entries]
    _fitted(console, columns, rows, lang)


def print_scheme(compiled: CompiledScheme, entry: dict[str, Any], *, color: bool) -> None:
    lang = current_lang()
    console = _console(color)
    s = compiled.scheme
    console.print(f"[bold]{escape(s.title)}[/bold] ({escape(s.id)})")
    for label, value in (("file", entry["file"]), ("roles", "、".join(s.roles)),
                         ("period", s.period), ("origin", s.origin), ("source", s.source)):
        if value:
            console.print(f"  {t(label, lang)}: {value}", markup=False)
    if s.description:
        console.print(f"  {s.description}", markup=False)
    columns = [_Col(t("dimension", lang), wrap=3), _Col(t("indicator", lang), wrap=2),
               _Col(t("weight", lang), "right"), _Col(t("target", lang), "right"),
               _Col(t("full", lang), "right"), _Col(t("scoring", lang), wrap=1)]
    rows = []
    for ci in compiled.indicators:
        target = "" if ci.ind.target is None else f"{plain(ci.ind.target)}{ci.ind.unit}"
        if ci.ind.better == "lower" and target:
            target = "≤ " + target
        rows.append([escape(x) for x in (
            ci.dimension, f"{ci.ind.label} ({ci.id})", f"{plain(round_half_up(ci.weight, 2))}%",
            target, plain(ci.spec.full), ci.rule.summary(s.precision).render(lang))])
    _fitted(console, columns, rows, lang)
    veto = t("veto", lang)
    for v in s.vetoes:
        console.print(f"{veto} {v.title or v.id}: {v.column or v.formula} {v.when} → "
                      f"{v.outcome}")
    for ci in compiled.indicators:
        if ci.ind.veto:
            console.print(f"{veto} {ci.ind.label}: {ci.ind.veto.when} → {ci.ind.veto.outcome}")
    if s.grades:
        console.print(f"{t('grades', lang)}: " + " · ".join(
            f"{g.name} ≥ {plain(g.min)}" if g.min is not None else g.name for g in s.grades))
    if s.pay:
        console.print(f"{t('pay', lang)}: {s.pay.formula}")
    if s.weights == "normalise":
        console.print(t("weights.normalise", lang))
    from kpiscore.scheme.describe import departure_lines

    for line in departure_lines(compiled.departures, lang):
        console.print(line, markup=False, highlight=False)


# -- kpiscore explain / whatif / diff --------------------------------------------------------

_STYLES = {"person": "bold", "section": "bold", "dimension": "bold", "rule": "dim",
           "formula": "dim", "arithmetic": "cyan", "contribution": "green", "total": "bold",
           "grade": "bold magenta", "pay": "bold", "error": "red", "vetoed": "bold red",
           "not_on_card": "yellow"}


def print_trace(node: Node, *, color: bool) -> None:
    """An explanation outline (:func:`kpiscore.explain.trace.outline`) as a tree."""
    from rich.tree import Tree

    def add(parent: Tree, n: Node) -> None:
        branch = parent.add(Text(visible(n.label), style=_STYLES.get(n.kind, "")))
        for c in n.children:
            add(branch, c)

    tree = Tree(Text(visible(node.label), style=_STYLES.get(node.kind, "")), guide_style="dim")
    for child in node.children:
        add(tree, child)
    _console(color).print(tree)


def _signed(value: Decimal, precision: int) -> str:
    v = round_half_up(value, precision)
    return f"+{v}" if v > 0 else str(v)


def print_whatif(w: WhatIf, *, color: bool) -> None:
    lang = current_lang()
    console = _console(color)
    p = w.precision
    who = visible(" ".join(x for x in (w.subject_id, w.name) if x))
    goal = w.goal
    bound = "" if goal.total is None else plain(goal.total)
    key = "whatif.goal.total" if goal.grade is None else "whatif.goal.grade"
    console.print(t(key, lang, grade=goal.grade, total=bound), markup=False)
    grade = f" ({w.grade})" if w.grade else ""
    now = t("whatif.now", lang, total="—" if w.total is None else round_half_up(w.total, p),
            grade=grade)
    console.print(f"{who}: {now}", markup=False)
    if w.reached:
        console.print(t("whatif.reached", lang, who=who), markup=False)
        return

    def shown(v: Decimal | str | None, unit: str = "") -> str:
        if v is None:
            return ""
        if isinstance(v, str):
            return v
        return f"{readable(v, p)}{unit}" if unit == "%" else readable(v, p)

    columns = [_Col(t("indicator", lang), wrap=2), _Col(t("whatif.actual", lang), "right"),
               _Col(t("whatif.needed", lang), "right", wrap=1),
               _Col(t("whatif.points", lang), "right"), _Col(t("whatif.then", lang), "right")]
    rows = []
    for a in w.answers:
        now_points = shown(a.points_now)
        if a.reachable:
            needed = shown(a.needed, a.unit)
            points = f"{now_points} → {shown(a.points_then)}"
            then = ("" if a.total_then is None else str(round_half_up(a.total_then, p))) + \
                (f" {a.grade_then}" if a.grade_then else "")
        else:
            needed = f"[dim]{t('whatif.unreachable', lang)}[/dim]"
            points = now_points
            then = "" if a.best_total is None else f"≤ {round_half_up(a.best_total, p)}"
        rows.append([_text(f"{a.title} ({a.id})"), _text(shown(a.current, a.unit)),
                     needed if not a.reachable else escape(needed), points, escape(then)])
    _fitted(console, columns, rows, lang)
    reachable = sum(1 for a in w.answers if a.reachable)
    console.print(t("whatif.summary", lang, reachable=reachable, count=len(w.answers)),
                  markup=False)


def print_diff(c: Comparison, *, color: bool, changed_only: bool = False, old_name: str = "",
               new_name: str = "") -> None:
    lang = current_lang()
    console = _console(color)
    p = c.precision
    old, new = t("diff.old", lang), t("diff.new", lang)
    for label, name, title, ident in ((old, old_name, c.old_title, c.old_id),
                                      (new, new_name, c.new_title, c.new_id)):
        console.print(visible(f"{label}: {name} — {title} ({ident})" if name else
                              f"{label}: {title} ({ident})"), markup=False)
    columns = [*_people(lang), *(_Col(head, "right") for head in (
        f"{old} {t('total', lang)}", f"{new} {t('total', lang)}", t("diff.change", lang))),
        _Col(t("grade", lang))]
    rows = []
    missing = t("diff.missing", lang)
    for m in c.moves:
        if changed_only and not (c.moved(m) or m.old_grade != m.new_grade):
            continue
        change = "" if m.change is None else _signed(m.change, p)
        if m.change is not None and c.moved(m):
            change = f"[{'green' if m.change > 0 else 'red'}]{change}[/]"
        if m.old_grade == m.new_grade:
            grade = _text(m.new_grade)
        else:
            grade = f"[bold]{_text(m.old_grade or '—')} → {_text(m.new_grade or '—')}[/bold]"
        rows.append([str(m.row), _text(m.id), _text(m.name),
                     missing if m.old_total is None else str(round_half_up(m.old_total, p)),
                     missing if m.new_total is None else str(round_half_up(m.new_total, p)),
                     change, grade])
    _fitted(console, columns, rows, lang)
    s = c.summary()
    line = t("diff.moved", lang, people=s["compared"], moved=s["moved"], up=s["up"],
             down=s["down"], same=s["unchanged"])
    if s["mean_change"] is not None:
        line += t("diff.mean", lang, mean=_signed(s["mean_change"], p))
    console.print(line, markup=False)
    console.print(t("diff.grades", lang, count=s["grade_changes"]), markup=False)
    for g in s["grade_moves"]:
        console.print(t("diff.grade_move", lang, old=g["from"] or "—", new=g["to"] or "—",
                        count=g["count"]), markup=False)
