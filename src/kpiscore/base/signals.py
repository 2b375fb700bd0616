"""The signals kpiscore turns into an orderly exit, and holding them back while a file is
put in place or removed (the CLI installs the handlers: cli/app.py)."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: SIGINT (Ctrl-C), SIGTERM (kill, timeout) and SIGHUP (the terminal closed): each ends a
#: run as an exception would, so that temporary files are removed (exit 128 + its number).
CAUGHT: tuple[signal.Signals, ...] = tuple(
    s for s in (getattr(signal, n, None) for n in ("SIGINT", "SIGTERM", "SIGHUP"))
    if s is not None)


@contextmanager
def signals_held() -> Iterator[None]:
    """Inside the block the :data:`CAUGHT` signals wait, and are delivered when it ends:
    a rename or a clean-up is never cut in half (a no-op where signals cannot be masked,
    and outside the main thread, which is the only one that handles them)."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    old = mask(signal.SIG_BLOCK, CAUGHT)
    try:
        yield
    finally:
        mask(signal.SIG_SETMASK, old)
