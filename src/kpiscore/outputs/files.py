"""Outputs are written atomically, and never over an input."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO


def refuse_input(path: str, inputs: tuple[str, ...]) -> None:
    """Raise ValueError if ``path`` is one of the input files."""
    target = os.path.abspath(path)
    for inp in inputs:
        if os.path.exists(inp) and os.path.exists(target) and os.path.samefile(inp, target):
            raise ValueError(f"refusing to write over the input file {inp}")


@contextmanager
def atomic_path(path: str, inputs: tuple[str, ...] = ()) -> Iterator[str]:
    """Like :func:`atomic_output` for writers that want a file name (workbooks)."""
    target = os.path.abspath(path)
    refuse_input(path, inputs)
    folder = os.path.dirname(target) or "."
    fd, tmp = tempfile.mkstemp(prefix=".kpiscore-", suffix=os.path.splitext(path)[1] + ".tmp",
                               dir=folder)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


@contextmanager
def atomic_output(path: str, inputs: tuple[str, ...] = ()) -> Iterator[IO[str]]:
    """Write to a temporary file beside ``path`` and rename it into place at the end.

    An interrupted run leaves no partial file; an input file is never overwritten.
    """
    with atomic_path(path, inputs) as tmp, open(tmp, "w", encoding="utf-8",
                                                 newline="") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
