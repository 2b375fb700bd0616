"""The command line: the click group and its commands (the only layer that uses click
and rich)."""

from kpiscore.cli.app import cli, main

__all__ = ["cli", "main"]
