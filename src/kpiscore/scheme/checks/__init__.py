"""The registry of ``validate`` checks: one small function per check.

A check reads a compiled scheme and yields :class:`Problem` s; the runner
places each at ``file:line:col`` and gives it its code. A check's docstring
documents its code (``docs/validate.md`` is generated from them)::

    @check("grade-order")
    def grades_run_downwards(ctx: Context) -> Iterator[Problem]:
        \"\"\"Grades are listed from the best down ...\"\"\"

Adding a check is one function in one of these modules (and its tests).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from kpiscore.base.errors import Finding
from kpiscore.base.i18n import Phrase, Text
from kpiscore.scheme.compile import CompiledScheme
from kpiscore.scheme.models import Scheme
from kpiscore.scheme.yamlload import Located, Path

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """What a check found: where (a path in the YAML), and why."""

    path: Path
    message: str | Text
    #: point at the key (``weight:``) rather than its value
    key: bool = False
    #: a position inside the text at ``path`` (a formula's offending name)
    offset: int | None = None
    #: for a check that reports several codes (a rule's own checks)
    code: str | None = None
    severity: Severity | None = None


@dataclass(frozen=True)
class Context:
    compiled: CompiledScheme
    located: Located | None

    @property
    def scheme(self) -> Scheme:
        return self.compiled.scheme

    def line(self, path: Path) -> int:
        return self.located.where(path)[0] if self.located else 0


CheckFn = Callable[[Context], Iterator[Problem]]


@dataclass(frozen=True)
class Check:
    name: str
    code: str
    severity: Severity
    run: CheckFn

    @property
    def doc(self) -> str:
        return (self.run.__doc__ or "").strip()


#: Every check, in the order the modules register them.
CHECKS: list[Check] = []
#: The modules that hold the checks (imported on first use).
MODULES = ("weights", "indicators", "formulas", "ids", "grades", "surveys", "grouped",
           "distribution", "printed", "imported")


def check(code: str, *, severity: Severity = "error") -> Callable[[CheckFn], CheckFn]:
    """Register a check that reports ``code``."""
    def register(fn: CheckFn) -> CheckFn:
        CHECKS.append(Check(fn.__name__, code, severity, fn))
        return fn
    return register


def all_checks() -> list[Check]:
    for name in MODULES:
        importlib.import_module(f"kpiscore.scheme.checks.{name}")
    return CHECKS


def run(compiled: CompiledScheme, located: Located | None = None) -> list[Finding]:
    """Every problem of ``compiled``, errors and warnings, in the order of the file."""
    ctx = Context(compiled, located)
    out: list[Finding] = []
    seen: set[tuple[int, int, str]] = set()
    for entry in all_checks():
        for p in entry.run(ctx):
            code = p.code or entry.code
            severity = p.severity or entry.severity
            if severity == "warning" and code in _allowed(compiled, p.path):
                continue
            finding = _place(ctx, p, code, severity)
            key = (finding.line, finding.column, str(finding.message))
            if key not in seen:
                seen.add(key)
                out.append(finding)
    return sorted(out, key=lambda f: (f.line, f.column))


def _allowed(compiled: CompiledScheme, path: Path) -> Sequence[str]:
    """The warning codes an indicator accepts (``allow:``), for a path inside it."""
    for ci in compiled.indicators:
        if path[:len(ci.path)] == ci.path:
            return ci.ind.allow
    return ()


def _place(ctx: Context, p: Problem, code: str, severity: Severity) -> Finding:
    source = ctx.compiled.source
    if ctx.located is None:
        where = ".".join(str(part) for part in p.path)
        message: str | Text = p.message if not where else f"{where}: {p.message}"
        return Finding(source, 0, 0, severity, code, message)
    if p.offset is not None:
        line, col = ctx.located.text_start(p.path)
        return Finding(source, line, col + p.offset, severity, code, p.message)
    line, col = ctx.located.where(p.path, key=p.key)
    return Finding(source, line, col, severity, code, p.message)


# -- helpers the checks share ------------------------------------------------------------

DID_YOU_MEAN = Phrase(" (did you mean {name!r}?)", "(是否想写 {name!r}?)")


def did_you_mean(name: str, options: Sequence[str]) -> Text | str:
    import difflib  # only for a name that is not known: validate of a good scheme skips it

    close = difflib.get_close_matches(name, list(options), n=1, cutoff=0.6)
    return DID_YOU_MEAN(name=close[0]) if close else ""


def reserved(s: Scheme) -> set[str]:
    """The names a formula reads besides inputs and indicators: ``total``, and
    ``grade_coefficient`` with grades, ``passed`` with a pass mark."""
    return {"total"} | ({"grade_coefficient"} if s.grades else set()) | \
        ({"passed"} if s.pass_mark is not None else set())
