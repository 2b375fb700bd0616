"""Holding Python's cycle collector off while a short command builds what it keeps.

Importing modules and building pydantic's validators make tens of thousands of objects
and almost no garbage; the collector's passes over them cost ``kpiscore validate`` about a
tenth of its time (docs/performance.md).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The cycle collector held off inside the block (as it was before, after it). For
    blocks that make little cyclic garbage (validate's few kilobytes a scheme): what they
    leave is collected once the collector runs again."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
