"""Standard input (``-``) as a file: spooled to a private temporary folder, within a size
limit, so that every reader (CSV, workbooks, SQLite, schemes, manifests) reads it as it
reads a file and says where each problem is.

The spooled file is named ``stdin`` with the suffix its first bytes call for
(``stdin.xlsx`` for a zip, ``stdin.sqlite`` for a SQLite database, ``stdin.xlsx`` for an
OLE container, so that the workbook reader explains what it is, else ``stdin.csv``);
messages and outputs name it so. It is removed when the block ends, however it ends.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

from kpiscore.base.errors import InputUnreadable, os_reason
from kpiscore.base.i18n import Phrase
from kpiscore.base.signals import signals_held

#: The name the path ``-`` stands for (standard input; standard output for an output).
DASH = "-"
#: First bytes → the suffix (and so the reader) of a spooled input.
MAGIC = ((b"PK\x03\x04", ".xlsx"), (b"SQLite format 3\x00", ".sqlite"),
         (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", ".xlsx"))
CHUNK = 1 << 20

TOO_LARGE = Phrase("standard input holds more than {limit} bytes, over the limit ({how})",
                   "标准输入超过 {limit} 字节,超出限制({how})")
TERMINAL = Phrase("standard input is a terminal: pipe a file in ({example}) or give its name "
                  "instead of -", "标准输入是终端:请用管道传入文件({example}),或用文件名代替 -")
UNREADABLE = Phrase("cannot read standard input: {why}", "无法读取标准输入:{why}")
NO_SPACE = Phrase("cannot keep standard input in a temporary file: {why}",
                  "无法把标准输入存入临时文件:{why}")


def suffix_for(head: bytes) -> str:
    """The suffix the first bytes of an input call for (``.csv`` for text)."""
    return next((suffix for magic, suffix in MAGIC if head.startswith(magic)), ".csv")


@contextmanager
def spool(source: BinaryIO, limit: int, how: str, suffix: str | None = None,
          example: str = "cat FILE | kpiscore …") -> Iterator[str]:
    """The bytes of ``source`` (standard input) in a temporary file; its path.

    Refuses a terminal (nothing would be piped in) and more than ``limit`` bytes
    (``how`` says how to raise the limit) with :class:`InputUnreadable`. ``suffix``
    names the kind (``.yaml``); by default it is told from the first bytes.
    """
    isatty = getattr(source, "isatty", None)
    if isatty is not None and isatty():
        raise InputUnreadable(str(TERMINAL(example=example)))
    read = getattr(source, "read1", source.read)  # what has arrived, not a whole chunk
    try:
        chunk = read(16)
    except OSError as exc:
        raise InputUnreadable(str(UNREADABLE(why=os_reason(exc)))) from None
    folder = tempfile.mkdtemp(prefix="kpiscore-stdin-")
    try:
        path = os.path.join(folder, "stdin" + (suffix or suffix_for(chunk)))
        size = 0
        with open(path, "wb") as fh:
            while chunk:
                size += len(chunk)
                if size > limit:
                    raise InputUnreadable(str(TOO_LARGE(limit=limit, how=how)))
                fh.write(chunk)
                try:
                    chunk = read(min(CHUNK, limit + 1 - size))
                except OSError as exc:
                    raise InputUnreadable(str(UNREADABLE(why=os_reason(exc)))) from None
    except OSError as exc:  # the temporary folder is full or unwritable
        _remove(folder)
        raise InputUnreadable(str(NO_SPACE(why=os_reason(exc)))) from None
    except BaseException:
        _remove(folder)
        raise
    try:
        yield path
    finally:
        _remove(folder)


def _remove(folder: str) -> None:
    with signals_held():
        shutil.rmtree(folder, ignore_errors=True)
