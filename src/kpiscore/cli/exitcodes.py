"""Exit codes shared by every command (documented in the README)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What a kpiscore process tells its caller."""

    #: Everything was read and scored / the schemes are valid.
    OK = 0
    #: Findings: an invalid scheme, or rows that could not be scored.
    FINDINGS = 1
    #: Usage error, or an input that could not be read at all.
    USAGE = 2
