"""The command line: the click group and its commands (the only layer that uses click
and rich).

``main`` (the ``kpiscore`` program) handles signals before click and the commands are
imported (cli/process.py); ``cli``, the click group, is imported when first asked for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from kpiscore.cli.app import cli

__all__ = ["cli", "main"]


def main() -> NoReturn:
    from kpiscore.cli.process import run

    run()


def __getattr__(name: str) -> Any:
    if name == "cli":
        from kpiscore.cli.app import cli

        return cli
    raise AttributeError(name)
