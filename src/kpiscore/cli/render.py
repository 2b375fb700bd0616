"""Terminal rendering with rich (imported only for ``--format table``).

Headers and labels come from :mod:`kpiscore.base.i18n` in the language the CLI chose
(``--lang``, else the locale); scheme titles are shown as the scheme writes
them. rich measures East Asian wide characters as two cells, so Chinese
columns line up.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from kpiscore.base.i18n import t
from kpiscore.base.numbers import plain, readable, round_half_up
from kpiscore.cli.common import current_lang
from kpiscore.score.results import Report

if TYPE_CHECKING:
    from kpiscore.explain.diff import Comparison
    from kpiscore.explain.trace import Node
    from kpiscore.explain.whatif import WhatIf
    from kpiscore.library import Entry
    from kpiscore.scheme.compile import CompiledScheme


def _console(color: bool, **options: Any) -> Console:
    # force_terminal: --color always must colour a pipe too; never must not
    return Console(no_color=not color, force_terminal=color or None, highlight=False,
                   **options)


def _wide_console(color: bool) -> Console:
    """A console that gives a pipe or file whole lines (no wrapping), a terminal its width."""
    return _console(color, width=None if color or sys.stdout.isatty() else 10_000)


def _people_table(lang: str) -> Table:
    """A table whose first columns say who: row, id, name."""
    table = Table()
    table.add_column(t("row", lang), justify="right", style="dim")
    table.add_column(t("id", lang), no_wrap=True)
    table.add_column(t("name", lang))
    return table


def print_table(report: Report, *, color: bool) -> None:
    lang = current_lang()
    console = _console(color, soft_wrap=False)
    p = report.precision
    # the title on a line of its own: a table title wraps to the table's width
    console.print(f"{report.scheme_title} ({report.scheme_id})", style="italic", markup=False)
    table = _people_table(lang)
    table.add_column(t("department", lang))
    first = report.results[0].dimensions if report.results else []
    dims = first if len(first) > 1 else []
    for d in dims:
        table.add_column(d.title, justify="right", no_wrap=True)
    table.add_column(t("total", lang), justify="right", style="bold", no_wrap=True)
    if report.has_grades:
        table.add_column(t("grade", lang), no_wrap=True)
    if report.has_pay:
        table.add_column(t("pay", lang), justify="right")
    table.add_column(t("status", lang), no_wrap=True)
    for r in report.results:
        row = [str(r.row), r.id or "", r.name or "", r.department or ""]
        for d in r.dimensions if dims else []:
            row.append("" if d.contribution is None else str(round_half_up(d.contribution, p)))
        row.append("" if r.total is None else str(round_half_up(r.total, p)))
        if report.has_grades:
            row.append(r.grade or "")
        if report.has_pay:
            row.append("" if r.pay is None else str(round_half_up(r.pay, report.pay_precision)))
        if r.status == "ok":
            row.append(t("status.veto", lang) if r.vetoes else t("status.ok", lang))
        else:
            row.append(f"[red]{t('status.error', lang)}[/red] ({len(r.errors)})")
        table.add_row(*row)
    console.print(table)
    s = report.summary
    stats = t("summary.rows", lang, rows=s.rows, ok=s.ok, error=s.error)
    if s.mean is not None:
        stats += t("summary.stats", lang, mean=round_half_up(s.mean, p),
                   min=round_half_up(s.min, p), max=round_half_up(s.max, p))  # type: ignore[arg-type]
    console.print(stats, markup=False)
    for r in report.results:
        for v in r.vetoes:
            console.print(t("veto.for", lang, id=r.id, reason=v.reason, outcome=v.outcome),
                          markup=False)


def print_library(entries: list[Entry], *, color: bool) -> None:
    lang = current_lang()
    console = _console(color)
    table = Table(title=t("library.title", lang, count=len(entries)), title_justify="left")
    for name in ("id", "title", "roles", "period", "indicators", "origin"):
        table.add_column(t("library.id" if name == "id" else name, lang),
                         no_wrap=name in ("id", "indicators"),
                         justify="right" if name == "indicators" else "left")
    for e in entries:
        table.add_row(e.id, e.title, "、".join(e.roles), e.period or "", str(e.indicators),
                      e.origin or "")
    console.print(table)


def print_scheme(compiled: CompiledScheme, entry: dict[str, Any], *, color: bool) -> None:
    lang = current_lang()
    console = _console(color)
    s = compiled.scheme
    console.print(f"[bold]{s.title}[/bold] ({s.id})")
    for label, value in (("file", entry["file"]), ("roles", "、".join(s.roles)),
                         ("period", s.period), ("origin", s.origin), ("source", s.source)):
        if value:
            console.print(f"  {t(label, lang)}: {value}")
    if s.description:
        console.print(f"  {s.description}")
    table = Table(title_justify="left")
    for name in ("dimension", "indicator", "weight", "target", "full", "scoring"):
        table.add_column(t(name, lang), justify="right" if name in ("weight", "target", "full")
                         else "left")
    for ci in compiled.indicators:
        target = "" if ci.ind.target is None else f"{plain(ci.ind.target)}{ci.ind.unit}"
        if ci.ind.better == "lower" and target:
            target = "≤ " + target
        table.add_row(ci.dimension, f"{ci.ind.label} ({ci.id})",
                      f"{plain(round_half_up(ci.weight, 2))}%", target, plain(ci.spec.full),
                      ci.rule.summary(s.precision).render(lang))
    console.print(table)
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


# -- kpiscore explain / whatif / diff --------------------------------------------------------

_STYLES = {"person": "bold", "section": "bold", "dimension": "bold", "rule": "dim",
           "formula": "dim", "arithmetic": "cyan", "contribution": "green", "total": "bold",
           "grade": "bold magenta", "pay": "bold", "error": "red", "vetoed": "bold red"}


def print_trace(node: Node, *, color: bool) -> None:
    """An explanation outline (:func:`kpiscore.explain.trace.outline`) as a tree."""
    from rich.text import Text
    from rich.tree import Tree

    def add(parent: Tree, n: Node) -> None:
        branch = parent.add(Text(n.label, style=_STYLES.get(n.kind, "")))
        for c in n.children:
            add(branch, c)

    tree = Tree(Text(node.label, style=_STYLES.get(node.kind, "")), guide_style="dim")
    for child in node.children:
        add(tree, child)
    _wide_console(color).print(tree)


def _signed(value: Decimal, precision: int) -> str:
    v = round_half_up(value, precision)
    return f"+{v}" if v > 0 else str(v)


def print_whatif(w: WhatIf, *, color: bool) -> None:
    lang = current_lang()
    console = _wide_console(color)
    p = w.precision
    who = " ".join(x for x in (w.subject_id, w.name) if x)
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

    table = Table()
    table.add_column(t("indicator", lang))
    for key in ("whatif.actual", "whatif.needed", "whatif.points", "whatif.then"):
        table.add_column(t(key, lang), justify="right", no_wrap=key != "whatif.needed")
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
        table.add_row(escape(f"{a.title} ({a.id})"), escape(shown(a.current, a.unit)),
                      needed if not a.reachable else escape(needed), points, escape(then))
    console.print(table)
    reachable = sum(1 for a in w.answers if a.reachable)
    console.print(t("whatif.summary", lang, reachable=reachable, count=len(w.answers)),
                  markup=False)


def print_diff(c: Comparison, *, color: bool, changed_only: bool = False, old_name: str = "",
               new_name: str = "") -> None:
    lang = current_lang()
    console = _wide_console(color)
    p = c.precision
    old, new = t("diff.old", lang), t("diff.new", lang)
    for label, name, title, ident in ((old, old_name, c.old_title, c.old_id),
                                      (new, new_name, c.new_title, c.new_id)):
        console.print(f"{label}: {name} — {title} ({ident})" if name else
                      f"{label}: {title} ({ident})", markup=False)
    table = _people_table(lang)
    for head in (f"{old} {t('total', lang)}", f"{new} {t('total', lang)}",
                 t("diff.change", lang)):
        table.add_column(head, justify="right", no_wrap=True)
    table.add_column(t("grade", lang), no_wrap=True)
    missing = t("diff.missing", lang)
    for m in c.moves:
        if changed_only and not (c.moved(m) or m.old_grade != m.new_grade):
            continue
        change = "" if m.change is None else _signed(m.change, p)
        if m.change is not None and c.moved(m):
            change = f"[{'green' if m.change > 0 else 'red'}]{change}[/]"
        if m.old_grade == m.new_grade:
            grade = escape(m.new_grade or "")
        else:
            grade = f"[bold]{escape(m.old_grade or '—')} → {escape(m.new_grade or '—')}[/bold]"
        table.add_row(str(m.row), escape(m.id or ""), escape(m.name or ""),
                      missing if m.old_total is None else str(round_half_up(m.old_total, p)),
                      missing if m.new_total is None else str(round_half_up(m.new_total, p)),
                      change, grade)
    console.print(table)
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
