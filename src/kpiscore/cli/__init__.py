"""The command line: the click group and its commands (the only layer that uses click
and rich)."""

from kpiscore.cli.app import cli, main
from kpiscore.cli.batch import batch
from kpiscore.cli.explain import diff, explain, whatif

for command in (explain, whatif, diff, batch):
    cli.add_command(command)

__all__ = ["cli", "main"]
