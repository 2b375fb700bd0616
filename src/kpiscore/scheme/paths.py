"""Scheme files named on the command line: folders expanded, each one loaded and checked.

Kept apart from :mod:`kpiscore.api` so that ``validate`` imports the scheme layer
only, not the readers and the scoring engine (its start-up time is in
docs/performance.md).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from kpiscore.base.errors import Finding, InputUnreadable, SchemeInvalid
from kpiscore.base.i18n import Phrase
from kpiscore.scheme.load import load_scheme

__all__ = ["SCHEME_SUFFIXES", "scheme_files", "validate_paths"]

SCHEME_SUFFIXES = (".yaml", ".yml")

NO_PATH = Phrase("{path}: no such file or folder", "{path}:没有这个文件或文件夹")


def scheme_files(paths: Sequence[str]) -> list[str]:
    """Expand folders into the scheme files below them (sorted, stable)."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for root, dirs, files in os.walk(p):
                dirs.sort()
                out += [os.path.join(root, f) for f in sorted(files)
                        if f.endswith(SCHEME_SUFFIXES)]
        else:
            out.append(p)
    return out


def validate_paths(paths: Sequence[str]) -> tuple[list[str], list[Finding]]:
    """Validate scheme files and folders; returns the files checked and all findings.

    Raises :class:`InputUnreadable` for a path that does not exist.
    """
    files = scheme_files(paths)
    findings: list[Finding] = []
    for f in files:
        if not os.path.exists(f):
            raise InputUnreadable(str(NO_PATH(path=f)))
        try:
            findings.extend(load_scheme(f).warnings)
        except SchemeInvalid as exc:
            findings.extend(exc.findings)
    return files, findings
