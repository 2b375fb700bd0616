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


def settle() -> None:
    """Keep every object alive now out of the cycle collector's full passes (frozen, as
    the CLI does at exit). A long run keeps what it remembers (each indicator's results
    per distinct actual, encoded text): the collector scanned all of it again at each
    full pass, about a tenth of scoring 100 000 people. Objects are still released as
    their last reference goes; only a cycle among them outlives the run. For processes
    kpiscore owns (the CLI's run, a worker), not a library's caller."""
    gc.freeze()
