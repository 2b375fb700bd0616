"""Where a registry entry's code lives, imported when it is first used.

Registries (input openers, output formats) name their code as ``"module:name"``
so that a command that needs none of it (``validate``, ``--help``) does not pay
for importing every reader and writer and the libraries behind them.
``importlib`` keeps each module once imported, so resolving again is cheap.
"""

from __future__ import annotations

import importlib
from typing import Any


def resolve(where: str) -> Any:
    """The object ``where`` (``"package.module:name"``) names, importing its module."""
    module, _, name = where.partition(":")
    return getattr(importlib.import_module(module), name)
