"""The edges of a kpiscore process: signals, a reader that goes away, the last flush of
standard output, and a private folder for temporary files. No click here: the handlers
are in place before click and the commands are imported.

- SIGINT (Ctrl-C), SIGTERM and SIGHUP end the run as an exception does, so that every
  temporary file is removed, and exit 130, 143 and 129 (128 + the signal's number, as a
  shell reports a process the signal killed). A second signal during that clean-up
  ends the process at once.
- A broken pipe (``kpiscore evaluate … | head -1``) ends the run quietly: no message,
  nothing more written, exit 141 (128 + SIGPIPE, what ``yes | head -1`` gives ``yes``).
- Temporary files of the libraries kpiscore writes with (XlsxWriter's worksheets, a
  spooled standard input) go to a private folder that is removed at the end.
"""

from __future__ import annotations

import gc
import os
import shutil
import signal
import sys
import tempfile
from types import FrameType
from typing import NoReturn

from kpiscore.base.collector import paused
from kpiscore.base.signals import CAUGHT, signals_held


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """The first signal unwinds the run (temporary files are removed); a second one, while
    that happens, ends the process at once."""
    for caught in CAUGHT:
        signal.signal(caught, _at_once)
    raise SystemExit(128 + signum)


def _at_once(signum: int, frame: FrameType | None) -> None:
    os._exit(128 + signum)


def _scratch() -> str | None:
    """A private temporary folder for this process (None if there is nowhere to make one)."""
    try:
        folder = tempfile.mkdtemp(prefix="kpiscore-")
    except OSError:
        return None
    tempfile.tempdir = folder
    return folder


def run() -> NoReturn:
    """Run the command line as a process."""
    for caught in CAUGHT:
        signal.signal(caught, _on_signal)
    scratch: str | None = None
    code: object = 0
    try:
        # a Ctrl-C waits until the folder is made and known: arriving half-way, it left
        # the folder, or the probe file Python writes to find the temporary directory
        with signals_held():
            scratch = _scratch()
        with paused():  # once the signals are handled
            from kpiscore.cli.app import cli, utf8_streams
            from kpiscore.cli.common import reader_gone

        utf8_streams()
        try:
            cli(prog_name="kpiscore")
        except SystemExit as exc:
            code = exc.code
        try:  # the last of standard output, while a failure can still be said
            sys.stdout.flush()
        except BrokenPipeError:
            reader_gone()
        except OSError as exc:
            from kpiscore.outputs.files import STDOUT, reason, unwritable

            print(f"kpiscore: error: {unwritable(STDOUT, reason(exc))}", file=sys.stderr)
            code = 2
    finally:
        if scratch is not None:
            with signals_held():
                tempfile.tempdir = None
                shutil.rmtree(scratch, ignore_errors=True)
    # The interpreter's teardown runs the cycle collector over every object still alive
    # (pydantic's schemas, the imported modules): about 25 ms of a 0.2 s validate. Frozen,
    # they are skipped; objects are still released (and files closed) as their last
    # reference goes, as before.
    gc.freeze()
    sys.exit(code)  # type: ignore[arg-type]
