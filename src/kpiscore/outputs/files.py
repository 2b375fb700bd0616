"""Where an output goes, and writing it there: atomically, never over an input, and every
failure one :class:`OutputUnwritable` line (docs/security.md, "Outputs").

What the path names decides how it is written:

- ``-`` is standard output (a workbook is written to a temporary file, then copied);
- an existing FIFO or character device (``/dev/null``, ``/dev/stdout``) is written
  into, never replaced;
- a regular file, or a new name, gets a temporary file beside it (``.kpiscore-*.tmp``)
  renamed over it at the end (``os.replace``): a reader sees the old content or the
  new, never a mix. A symbolic link's target is what is replaced; the link stays;
- a folder, a block device or a socket is refused, and so is a missing folder.

Temporary files are removed whatever ends the write (an error, Ctrl-C, SIGTERM:
the CLI turns catchable signals into exits, and the removal itself runs with
them held back so that a second signal cannot cut it short).
"""

from __future__ import annotations

import errno
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any, Literal, cast

from kpiscore.base.errors import KpiscoreError
from kpiscore.base.i18n import Phrase
from kpiscore.base.signals import signals_held

#: The path that means standard output (and, for an input, standard input).
STDOUT = "-"

CANNOT_WRITE = Phrase("cannot write {path}: {why}", "无法写入 {path}:{why}")
STANDARD_OUTPUT = Phrase("standard output", "标准输出")
OVER_INPUT = Phrase("{path} is an input of this run ({input}); kpiscore never writes over "
                    "an input", "{path} 是本次运行的输入文件({input});kpiscore 从不覆盖输入文件")
NO_FOLDER = Phrase("the folder {folder} does not exist", "文件夹 {folder} 不存在")
NOT_A_FOLDER = Phrase("{folder} is not a folder", "{folder} 不是文件夹")
IS_FOLDER = Phrase("it is a folder", "它是一个文件夹")
NOT_WRITABLE_KIND = Phrase("it is a {kind}; kpiscore writes files, FIFOs and character "
                           "devices only", "它是{kind};kpiscore 只写入普通文件、FIFO 和字符设备")
BLOCK_DEVICE = Phrase("block device", "块设备")
SOCKET = Phrase("socket", "套接字")
REASONS = {
    errno.ENOSPC: Phrase("no space left on the device (the disk is full)",
                         "设备上没有剩余空间(磁盘已满)"),
    errno.EDQUOT: Phrase("the disk quota is exceeded", "超出磁盘配额"),
    errno.EACCES: Phrase("permission denied", "权限不足"),
    errno.EPERM: Phrase("operation not permitted", "不允许此操作"),
    errno.EROFS: Phrase("the file system is read-only", "文件系统为只读"),
    errno.EISDIR: IS_FOLDER,
    errno.EFBIG: Phrase("the file is too large for the file system", "文件超出文件系统的大小限制"),
    errno.EIO: Phrase("input/output error", "输入/输出错误"),
}


class OutputUnwritable(KpiscoreError):
    """An output cannot be written (or must not be: it is an input): one line saying which
    and why, e.g. ``cannot write out/a.json: no space left on the device (…)``."""


def unwritable(path: str, why: object) -> OutputUnwritable:
    """``cannot write PATH: WHY`` (``-`` is named standard output)."""
    named = STANDARD_OUTPUT() if path == STDOUT else path
    return OutputUnwritable(str(CANNOT_WRITE(path=named, why=why)))


def reason(exc: BaseException, path: str = "") -> object:
    """Why a write failed, in words: a full disk, permissions, a missing folder …"""
    inner = exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else exc
    if isinstance(inner, OSError):
        if inner.errno == errno.ENOENT and path:
            return NO_FOLDER(folder=os.path.dirname(path) or ".")
        if inner.errno in (errno.ENOTDIR, errno.EEXIST) and path:  # makedirs met a file
            return NOT_A_FOLDER(folder=os.path.dirname(path) or ".")
        if inner.errno in REASONS:
            return REASONS[inner.errno]()
        return inner.strerror.lower() if inner.strerror else str(inner)
    return str(exc) or type(exc).__name__


def _write_errors() -> tuple[type[BaseException], ...]:
    """What a failed write raises: OSError, and XlsxWriter's own errors for a file it
    cannot create (a full disk, an unwritable folder) or one too large for a zip."""
    try:
        from xlsxwriter.exceptions import (  # type: ignore[import-untyped,unused-ignore]
            FileCreateError,
            FileSizeError,
        )
    except ImportError:  # pragma: no cover - xlsxwriter is a dependency
        return (OSError,)
    return (OSError, FileCreateError, FileSizeError)


def remove_quietly(path: str) -> None:
    """Remove a temporary file, if it is still there, with the signals held."""
    with signals_held():
        try:
            os.unlink(path)
        except OSError:
            pass


# -- where an output goes ---------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where an output's bytes go: ``stdout``, a ``stream`` written into (a FIFO or a
    character device), or a ``file`` replaced atomically at ``real`` (links resolved)."""

    path: str
    real: str
    kind: Literal["stdout", "stream", "file"]
    mode: int | None = None  # an existing file's permissions, kept when it is replaced


def target(path: str, inputs: Iterable[str] = ()) -> Target:
    """Check where ``path`` would be written, before any work: raises OutputUnwritable
    for a folder, a block device or socket, a missing folder, or an input's file."""
    if path == STDOUT:
        return Target(path, "", "stdout")
    real = os.path.realpath(path)
    try:
        st: os.stat_result | None = os.stat(real)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise unwritable(path, reason(exc, path)) from None
    if st is None:
        folder = os.path.dirname(real) or "."
        if not os.path.exists(folder):
            raise unwritable(path, NO_FOLDER(folder=os.path.dirname(path) or "."))
        if not os.path.isdir(folder):
            raise unwritable(path, NOT_A_FOLDER(folder=os.path.dirname(path) or "."))
        return Target(path, real, "file")
    if stat.S_ISDIR(st.st_mode):
        raise unwritable(path, IS_FOLDER())
    if stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
        return Target(path, real, "stream")  # written into: nothing there to overwrite
    if not stat.S_ISREG(st.st_mode):
        kind = BLOCK_DEVICE if stat.S_ISBLK(st.st_mode) else SOCKET
        raise unwritable(path, NOT_WRITABLE_KIND(kind=kind))
    refuse_input(path, inputs)
    return Target(path, real, "file", stat.S_IMODE(st.st_mode))


def refuse_input(path: str, inputs: Iterable[str]) -> None:
    """Raise OutputUnwritable if ``path`` is the file of one of ``inputs`` (compared by
    identity: another path, a link, to the same file is refused too)."""
    if path == STDOUT or not os.path.isfile(path):
        return
    for inp in inputs:
        try:
            same = os.path.isfile(inp) and os.path.samefile(inp, path)
        except OSError:
            same = False
        if same:
            raise OutputUnwritable(str(OVER_INPUT(path=path, input=inp)))


def _new_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


# -- writing ----------------------------------------------------------------------------------


@contextmanager
def atomic_path(path: str, inputs: Iterable[str] = ()) -> Iterator[str]:
    """A temporary file name for a writer that wants one (workbooks), put in place at the
    end: renamed over ``path``, or copied into a FIFO, a device or standard output.

    Anything the writer raises that is a write failure (OSError, XlsxWriter's
    FileCreateError) becomes :class:`OutputUnwritable`; the temporary file is removed
    whatever happens.
    """
    with _temporary(target(path, tuple(inputs))) as tmp:
        try:
            yield tmp
        except _write_errors() as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            raise unwritable(path, reason(exc)) from None


@contextmanager
def _temporary(where: Target) -> Iterator[str]:
    """A temporary file for ``where``, put in place if the block ends normally, removed in
    any case. Only its own failures (creating, renaming, copying) are reported here."""
    suffix = os.path.splitext(where.path)[1] + ".tmp"
    try:
        if where.kind == "file":  # beside the output, so that the rename is atomic
            fd, tmp = tempfile.mkstemp(prefix=".kpiscore-", suffix=suffix,
                                       dir=os.path.dirname(where.real) or ".")
        else:
            fd, tmp = tempfile.mkstemp(prefix="kpiscore-", suffix=suffix)
        os.close(fd)
    except OSError as exc:
        raise unwritable(where.path, reason(exc, where.path)) from None
    try:
        yield tmp
        _finish(where, tmp)
    finally:
        remove_quietly(tmp)


def _finish(where: Target, tmp: str) -> None:
    """Put the written temporary file where it belongs."""
    try:
        if where.kind == "file":
            with signals_held():
                os.chmod(tmp, where.mode if where.mode is not None else _new_mode())
                os.replace(tmp, where.real)
            return
        with open(tmp, "rb") as src:
            if where.kind == "stdout":
                sys.stdout.flush()
                shutil.copyfileobj(src, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            else:
                with open(where.real, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise unwritable(where.path, reason(exc)) from None


_PIECE = 8192


class _Guarded:
    """A text stream whose write failures are :class:`OutputUnwritable` (a broken pipe
    stays BrokenPipeError: the reader went away, which is not a failure to report)."""

    def __init__(self, stream: IO[str], path: str) -> None:
        self._stream = stream
        self._path = path

    def write(self, text: str) -> int:
        try:
            # in pieces: a single huge write that a reader leaves half-way is reported by
            # the buffered layer as a short write, and the broken pipe lost (CPython)
            for start in range(0, len(text), _PIECE):
                self._stream.write(text[start:start + _PIECE])
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise unwritable(self._path, reason(exc)) from None
        return len(text)

    def utf8_writer(self) -> Callable[[bytes], None] | None:
        """A function writing UTF-8 bytes straight to the stream's byte buffer, after
        what was written as text so far; None when the stream does not write UTF-8
        bytes as they are (another encoding, a text-only stream, line ends translated).
        Text is flushed first: what is written as text afterwards follows the bytes."""
        buffer = getattr(self._stream, "buffer", None)
        encoding = str(getattr(self._stream, "encoding", "") or "").lower()
        if buffer is None or encoding.replace("-", "").replace("_", "") != "utf8" \
                or os.linesep != "\n":
            return None
        self.flush()

        def write(data: bytes) -> None:
            view = memoryview(data)  # pieces without copies
            try:
                for start in range(0, len(data), _PIECE):
                    buffer.write(view[start:start + _PIECE])
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise unwritable(self._path, reason(exc)) from None

        return write

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise unwritable(self._path, reason(exc)) from None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def atomic_output(path: str, inputs: Iterable[str] = (), *,
                  encoding: str = "utf-8") -> Iterator[IO[str]]:
    """A text stream for ``path``: standard output for ``-``, the FIFO or device itself,
    or a temporary file beside a regular file, renamed over it once the block ends.

    An interrupted or failed write leaves no partial file (and no temporary one); an
    input file is never overwritten; write failures are :class:`OutputUnwritable`.
    """
    where = target(path, tuple(inputs))
    if where.kind == "stdout":
        guarded = _Guarded(sys.stdout, path)
        yield cast(IO[str], guarded)
        guarded.flush()
        return
    if where.kind == "stream":
        with _opened(where.real, path, encoding) as out:
            yield out
        return
    with _temporary(where) as tmp, _opened(tmp, path, encoding, sync=True) as out:
        yield out


@contextmanager
def _opened(name: str, path: str, encoding: str, sync: bool = False) -> Iterator[IO[str]]:
    """``name`` open for writing text, closed at the end: a failure to open, write, flush
    or close is :class:`OutputUnwritable` for ``path`` (once: closing after a failure
    does not raise again)."""
    try:
        fh = open(name, "w", encoding=encoding, newline="")
    except OSError as exc:
        raise unwritable(path, reason(exc)) from None
    out = _Guarded(fh, path)
    try:
        yield cast(IO[str], out)
        out.flush()
        if sync:
            os.fsync(fh.fileno())
        fh.close()
    except BrokenPipeError:
        raise
    except OSError as exc:  # the writer's own failures are this output's too
        raise unwritable(path, reason(exc)) from None
    finally:
        if not fh.closed:
            try:
                fh.close()
            except OSError:
                pass
