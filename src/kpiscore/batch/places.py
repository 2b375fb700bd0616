"""Where a batch may write, and which existing files are its own to replace.

A manifest may come from someone else, and its output paths are templates: so that
``json: ../../victim/passwd`` or an ``out`` link to ``/etc`` cannot write anywhere,

- every output (and the summary) must be, once links are resolved, inside the
  manifest's folder or a folder the manifest lists in ``output_folders:``;
- an existing file is replaced only when kpiscore batch wrote it and nobody changed it
  since: each folder the batch writes in keeps a ledger, ``.kpiscore-outputs.json``, of
  the files written there and the SHA-256 of their content. A file the ledger does not
  know (a colleague's notes, last month's report edited in Excel) is left as it is and
  its run fails, unless ``kpiscore batch --force``;
- a FIFO or a character device is written into (nothing there to overwrite).

docs/batch.md ("Where outputs may go") is the user's description.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from collections.abc import Iterable

from kpiscore.base.i18n import Phrase
from kpiscore.outputs.files import atomic_output, unwritable

#: The ledger's file name, in every folder a batch writes in.
LEDGER = ".kpiscore-outputs.json"
LEDGER_VERSION = 1
#: A ledger larger than this is not one kpiscore wrote (it is read as empty).
MAX_LEDGER_BYTES = 4 * 1024 * 1024

OUTSIDE = Phrase("it is outside the manifest's folder {folder}: a batch writes only there, "
                 "or in a folder the manifest lists in output_folders:",
                 "它在清单所在文件夹 {folder} 之外:批量运行只写入该文件夹,"
                 "或清单 output_folders: 中列出的文件夹")
FOREIGN = Phrase("it exists and kpiscore batch did not write it (or it was changed since): "
                 "it is left as it is; move it away, or run kpiscore batch --force to "
                 "replace it", "该文件已存在,且不是 kpiscore batch 写入的(或之后被修改过):"
                 "保持原样;请把它移走,或用 kpiscore batch --force 覆盖")
RESERVED = Phrase("{name} is the ledger of the files kpiscore batch wrote in a folder",
                  "{name} 是 kpiscore batch 记录所写文件的台账")


def real(path: str) -> str:
    """``path`` with every link resolved (as far as it exists) and made absolute."""
    return os.path.realpath(path)


def inside(path: str, folders: Iterable[str]) -> bool:
    """Whether ``path``, links resolved, is within one of ``folders`` (real paths)."""
    where = real(path)
    for folder in folders:
        try:
            if os.path.commonpath([where, folder]) == folder:
                return True
        except ValueError:  # another drive (Windows)
            continue
    return False


def check_place(path: str, allowed: Iterable[str], folder: str) -> None:
    """Raise OutputUnwritable unless ``path`` may be written by a batch whose manifest is
    in ``folder``: inside the allowed folders, and not the ledger's own name."""
    if os.path.basename(path) == LEDGER:
        raise unwritable(path, RESERVED(name=LEDGER))
    if not inside(path, allowed):
        raise unwritable(path, OUTSIDE(folder=folder or "."))


def digest(path: str) -> str:
    """The SHA-256 of a file's content, as the ledger records it."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return "sha256:" + h.hexdigest()


def _ledger(folder: str) -> dict[str, str]:
    """The ledger of ``folder``: file name → digest (empty if missing or not a ledger)."""
    path = os.path.join(folder, LEDGER)
    try:
        if os.path.getsize(path) > MAX_LEDGER_BYTES:
            return {}
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return {}
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        return {}
    return {k: v for k, v in files.items() if isinstance(k, str) and isinstance(v, str)}


def check_own(path: str) -> None:
    """Raise OutputUnwritable if ``path`` is an existing regular file that the ledger of
    its folder does not record with its present content."""
    where = real(path)
    try:
        st = os.stat(where)
    except OSError:
        return  # a new file (other problems are the writer's to report)
    if not stat.S_ISREG(st.st_mode):
        return  # a FIFO or device is written into; a folder is refused by the writer
    recorded = _ledger(os.path.dirname(where)).get(os.path.basename(where))
    try:
        same = recorded is not None and recorded == digest(where)
    except OSError:
        same = False
    if not same:
        raise unwritable(path, FOREIGN())


def record(paths: Iterable[str]) -> None:
    """Add the files just written to the ledgers of their folders (regular files only)."""
    by_folder: dict[str, dict[str, str]] = {}
    for path in paths:
        where = real(path)
        try:
            if not stat.S_ISREG(os.stat(where).st_mode):
                continue
            sha = digest(where)
        except OSError:
            continue
        by_folder.setdefault(os.path.dirname(where), {})[os.path.basename(where)] = sha
    for folder, written in by_folder.items():
        files = {name: sha for name, sha in _ledger(folder).items()  # files still there
                 if os.path.isfile(os.path.join(folder, name))}
        files.update(written)
        with atomic_output(os.path.join(folder, LEDGER)) as fh:
            json.dump({"kpiscore_outputs": LEDGER_VERSION,
                       "files": dict(sorted(files.items()))}, fh, ensure_ascii=False,
                      indent=1)
            fh.write("\n")
