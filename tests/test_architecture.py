"""The architecture as tests: no import cycles (function-level imports included),
click and rich only in the CLI, the core never importing the CLI, and the
registries complete (docs/architecture.md)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "kpiscore"


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


MODULES = _modules()


def _imports(path: Path) -> Iterator[tuple[str, int]]:
    """Every module ``path`` imports, at any depth of the code, with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield (full if full in MODULES else node.module), node.lineno


def _parents(name: str) -> Iterator[str]:
    """Importing a.b.c runs a/__init__ and a/b/__init__ first."""
    parts = name.split(".")
    for k in range(1, len(parts)):
        yield ".".join(parts[:k])


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for name, path in MODULES.items():
        for target, _ in _imports(path):
            if target in MODULES and target != name:
                graph[name].add(target)
                graph[name] |= {p for p in _parents(target) if p != name
                                and not name.startswith(p + ".")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_there_are_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


#: the CLI, and `python -m kpiscore`, which runs it
CLI = ("kpiscore.cli", "kpiscore.__main__")


@pytest.mark.parametrize("name", sorted(n for n in MODULES if not n.startswith(CLI)))
def test_the_core_never_imports_click_rich_or_the_cli(name: str) -> None:
    bad = [(target, line) for target, line in _imports(MODULES[name])
           if target.split(".")[0] in ("click", "rich") or target.startswith("kpiscore.cli")]
    assert bad == [], f"{name} imports {bad}"


def test_the_layers_point_downwards() -> None:
    """base, the shipped library, rules, io, scheme, draft (kpiscore import), score, outputs,
    explain; the api above all of them; batch runs through the api; the CLI on top."""
    order = ["base", "library", "rules", "io", "scheme", "draft", "score", "outputs", "explain",
             "api", "batch", "cli"]
    rank = {layer: k for k, layer in enumerate(order)}

    def layer(module: str) -> str:
        parts = module.split(".")
        return parts[1] if len(parts) > 1 else "kpiscore"

    wrong = []
    for name, targets in _graph().items():
        for target in targets:
            a, b = layer(name), layer(target)
            if a in rank and b in rank and rank[b] > rank[a]:
                wrong.append(f"{name} → {target}")
    assert wrong == []


def test_validate_imports_neither_the_readers_nor_the_engine(tmp_path: Path) -> None:
    """validate runs in pre-commit hooks: it loads schemes only, so the readers (openpyxl,
    sqlite, the fast sheet reader) and the scoring engine stay unimported (docs/performance.md)."""
    import subprocess
    import sys

    probe = (
        "import sys, runpy\n"
        "sys.argv = ['kpiscore', 'validate', sys.argv[1]]\n"
        "try:\n"
        "    runpy.run_module('kpiscore', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    print('exit', done.code)\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    scheme = Path(__file__).parents[1] / "examples" / "tech-support-manager" / "scheme.yaml"
    done = subprocess.run([sys.executable, "-c", probe, str(scheme)], capture_output=True,
                          text=True, check=False)
    assert done.stdout == "exit 0\n", done
    loaded = set(done.stderr.split())
    assert "kpiscore.scheme.load" in loaded
    heavy = {"openpyxl", "xlsxwriter", "sqlite3", "rich", "kpiscore.io.xlsx_table",
             "kpiscore.io.csv_table", "kpiscore.io.sqlite_table", "kpiscore.io.sheet_fast",
             "kpiscore.score.evaluate", "kpiscore.score.scorer", "kpiscore.score.results",
             # the readers' package at all (a rater check imports it when there are raters),
             # and what only an invalid scheme needs
             "kpiscore.io", "kpiscore.io.table", "difflib"}
    assert not heavy & loaded, sorted(heavy & loaded)


def _loaded_by(args: list[str]) -> tuple[str, set[str]]:
    """What ``kpiscore ARGS`` prints on standard output, and the modules it imported."""
    import subprocess
    import sys

    probe = (
        "import sys, runpy\n"
        "sys.argv = ['kpiscore', *sys.argv[1:]]\n"
        "try:\n"
        "    runpy.run_module('kpiscore', run_name='__main__')\n"
        "except SystemExit as done:\n"
        "    print('exit', done.code)\n"
        "print(' '.join(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True,
                          text=True, check=False)
    return done.stdout, set(done.stderr.split())


def test_help_imports_neither_pydantic_nor_yaml_nor_the_layers_below_the_cli() -> None:
    """``kpiscore --help`` is what a person waits for at the prompt: click and the
    commands' own modules only."""
    out, loaded = _loaded_by(["--help"])
    assert out.startswith("Usage: kpiscore") and out.endswith("exit 0\n"), out
    heavy = {"pydantic", "pydantic_core", "yaml", "openpyxl", "xlsxwriter", "rich", "sqlite3",
             "kpiscore.scheme", "kpiscore.io", "kpiscore.score", "kpiscore.rules",
             "kpiscore.explain", "kpiscore.draft", "kpiscore.batch", "kpiscore.api"}
    assert not heavy & loaded, sorted(heavy & loaded)


def test_validate_builds_pydantic_validators_only_for_what_it_validates() -> None:
    """The scheme's models build their validators when first used (``defer_build``):
    importing them builds none, so validate pays for one validator, the scheme's."""
    import subprocess
    import sys

    probe = (
        "from pydantic._internal._mock_val_ser import MockValSer\n"
        "from kpiscore.rules import RULES\n"
        "from kpiscore.scheme import models\n"
        "built = [m.__name__ for m in (models.Scheme, models.Indicator, *RULES.values())\n"
        "         if not isinstance(m.__pydantic_validator__, MockValSer)]\n"
        "print(built)\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=False)
    assert done.stdout == "[]\n", done
