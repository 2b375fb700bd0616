"""kpiscore: exact, explained KPI scoring from YAML schemes.

The package is a pure library (no click, no rich). The public entry points are
re-exported lazily so that ``import kpiscore`` stays cheap::

    from kpiscore import load_scheme, evaluate_file
    scheme = load_scheme("schemes/tech-support-manager.yaml")
    report = evaluate_file(scheme, "actuals.xlsx")
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "CompiledScheme",
    "Report",
    "__version__",
    "evaluate",
    "evaluate_file",
    "iter_results",
    "load_scheme",
    "open_table",
    "validate_paths",
]

if TYPE_CHECKING:  # pragma: no cover
    from kpiscore.api import evaluate, evaluate_file, iter_results, open_table, validate_paths
    from kpiscore.scheme.compile import CompiledScheme
    from kpiscore.scheme.load import load_scheme
    from kpiscore.score.results import Report

_LAZY = {
    "evaluate": "kpiscore.api",
    "evaluate_file": "kpiscore.api",
    "iter_results": "kpiscore.api",
    "open_table": "kpiscore.api",
    "validate_paths": "kpiscore.api",
    "CompiledScheme": "kpiscore.scheme.compile",
    "load_scheme": "kpiscore.scheme.load",
    "Report": "kpiscore.score.results",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kpiscore' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
