"""Terminal rendering with rich (imported only for ``--format table``)."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from kpiscore.numbers import round_half_up
from kpiscore.results import Report


def print_table(report: Report, *, color: bool) -> None:
    # force_terminal: --color always must colour a pipe too; never must not
    console = Console(no_color=not color, force_terminal=color or None, highlight=False,
                      soft_wrap=False)
    p = report.precision
    table = Table(title=f"{report.scheme_title} ({report.scheme_id})", title_justify="left")
    table.add_column("row", justify="right", style="dim")
    table.add_column("id", no_wrap=True)
    table.add_column("name")
    table.add_column("department")
    if report.results and report.results[0].dimensions and len(report.results[0].dimensions) > 1:
        dims = report.results[0].dimensions
    else:
        dims = []
    for d in dims:
        table.add_column(d.title, justify="right", no_wrap=True)
    table.add_column("total", justify="right", style="bold", no_wrap=True)
    if report.has_grades:
        table.add_column("grade", no_wrap=True)
    if report.has_pay:
        table.add_column("pay", justify="right")
    table.add_column("status", no_wrap=True)
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
            row.append("veto" if r.vetoes else "ok")
        else:
            row.append(f"[red]error[/red] ({len(r.errors)})")
        table.add_row(*row)
    console.print(table)
    s = report.summary
    stats = f"{s.rows} rows: {s.ok} scored, {s.error} with errors"
    if s.mean is not None:
        stats += (f"; mean {round_half_up(s.mean, p)}, min {round_half_up(s.min, p)}"  # type: ignore[arg-type]
                  f", max {round_half_up(s.max, p)}")  # type: ignore[arg-type]
    console.print(stats)
    for r in report.results:
        for v in r.vetoes:
            console.print(f"veto for {r.id}: {v.reason} ({v.outcome})")


def print_library(entries: list[Any], *, color: bool) -> None:
    console = Console(no_color=not color, force_terminal=color or None, highlight=False)
    table = Table(title=f"{len(entries)} shipped schemes (kpiscore init ID -o my.yaml)",
                  title_justify="left")
    for name in ("id", "title", "roles", "period", "indicators", "origin"):
        table.add_column(name, no_wrap=name in ("id", "indicators"),
                         justify="right" if name == "indicators" else "left")
    for e in entries:
        table.add_row(e.id, e.title, "、".join(e.roles), e.period or "", str(e.indicators),
                      e.origin or "")
    console.print(table)


def print_scheme(compiled: Any, entry: dict[str, Any], *, color: bool) -> None:
    from kpiscore.describe import rule_summary
    from kpiscore.numbers import plain

    console = Console(no_color=not color, force_terminal=color or None, highlight=False)
    s = compiled.scheme
    console.print(f"[bold]{s.title}[/bold] ({s.id})")
    for label, value in (("file", entry["file"]), ("roles", "、".join(s.roles)),
                         ("period", s.period), ("origin", s.origin), ("source", s.source)):
        if value:
            console.print(f"  {label}: {value}")
    if s.description:
        console.print(f"  {s.description}")
    table = Table(title_justify="left")
    for name in ("dimension", "indicator", "weight", "target", "full", "scoring"):
        table.add_column(name, justify="right" if name in ("weight", "target", "full")
                         else "left")
    for ci in compiled.indicators:
        target = "" if ci.ind.target is None else f"{plain(ci.ind.target)}{ci.ind.unit}"
        if ci.ind.better == "lower" and target:
            target = "≤ " + target
        table.add_row(ci.dimension, f"{ci.ind.label} ({ci.id})",
                      f"{plain(round_half_up(ci.weight, 2))}%", target, plain(ci.spec.full),
                      rule_summary(ci))
    console.print(table)
    for v in s.vetoes:
        console.print(f"veto {v.title or v.id}: {v.column or v.formula} {v.when} → {v.outcome}")
    for ci in compiled.indicators:
        if ci.ind.veto:
            console.print(f"veto {ci.ind.label}: {ci.ind.veto.when} → {ci.ind.veto.outcome}")
    if s.grades:
        console.print("grades: " + " · ".join(
            f"{g.name} ≥ {plain(g.min)}" if g.min is not None else g.name for g in s.grades))
    if s.pay:
        console.print(f"pay: {s.pay.formula}")
