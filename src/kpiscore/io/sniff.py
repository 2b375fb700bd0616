"""What a file really is, from its first bytes, for a message when its suffix is wrong.

A workbook saved as ``.csv``, a CSV file renamed ``.xlsx``, an old ``.xls`` or
an HR system's HTML "Excel" export: each opener reads the kind its suffix
claims, and when the bytes say another kind, the refusal names what the file
is and what to do, instead of the error the wrong reader would give (a CSV
reader's "byte 14 is not valid UTF-8" for a zip).
"""

from __future__ import annotations

import codecs
import struct

from kpiscore.base.i18n import Phrase

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEAD_BYTES = 4096


def head(path: str) -> bytes:
    """The file's first bytes (empty when it cannot be read: its opener says why)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(HEAD_BYTES)
    except OSError:
        return b""


def what(data: bytes) -> str | None:
    """What the bytes look like: ``zip``, ``ole``, ``sqlite``, ``pdf``, ``html``,
    ``xml2003`` (an Excel 2003 XML spreadsheet), ``text``, or None (unknown binary)."""
    if data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if data.startswith(OLE_MAGIC):
        return "ole"
    if data.startswith(b"SQLite format 3\x00"):
        return "sqlite"
    if data.startswith(b"%PDF"):
        return "pdf"
    start = data.lstrip(codecs.BOM_UTF8).lstrip()[:2048].lower()
    if start.startswith((b"<!doctype html", b"<html", b"<table")) or b"<html" in start[:512]:
        return "html"
    if start.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in start:
        return "xml2003"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return "text"
    if data and b"\x00" not in data:
        control = sum(1 for b in data if b < 0x20 and b not in (9, 10, 13))
        if control * 50 <= len(data):
            return "text"
    return None


def ole_kind(path: str) -> str:
    """What an OLE compound file (the pre-2007 container) holds, from its directory:
    ``encrypted`` (an .xlsx with EncryptionInfo and EncryptedPackage streams), ``xls``
    (a Workbook or Book stream) or ``unknown``."""
    try:
        with open(path, "rb") as fh:
            header = fh.read(512)
            shift = struct.unpack_from("<H", header, 30)[0]
            first_dir = struct.unpack_from("<I", header, 48)[0]
            size = 1 << shift if 7 <= shift <= 16 else 512
            fh.seek((first_dir + 1) * size)
            directory = fh.read(size)
            fh.seek(0)
            start = fh.read(1 << 20)
    except (OSError, struct.error, ValueError, OverflowError):
        return "unknown"
    names = set()
    for i in range(0, len(directory) - 127, 128):
        length = struct.unpack_from("<H", directory, i + 64)[0]
        if 2 <= length <= 64:
            names.add(directory[i:i + length - 2].decode("utf-16-le", "replace"))
    for stream in ("EncryptedPackage", "EncryptionInfo", "Workbook", "Book"):
        if stream.encode("utf-16-le") in start:
            names.add(stream)
    if "EncryptedPackage" in names or "EncryptionInfo" in names:
        return "encrypted"
    if "Workbook" in names or "Book" in names:
        return "xls"
    return "unknown"


#: what each kind is, and what to do with it, for a file read as another kind
SAY = {
    "zip": Phrase("a zip file (an .xlsx workbook with the wrong suffix?); rename it .xlsx",
                  "一个 zip 文件(是后缀错了的 .xlsx 工作簿吗?);请改名为 .xlsx"),
    "sqlite": Phrase("a SQLite database; name it .sqlite or .db",
                     "一个 SQLite 数据库;请命名为 .sqlite 或 .db"),
    "pdf": Phrase("a PDF document; export the data as .xlsx or .csv",
                  "一个 PDF 文档;请把数据导出为 .xlsx 或 .csv"),
    "html": Phrase("a web page (an HR system's \"Excel\" export is often HTML); open it in Excel "
                   "and save it as .xlsx",
                   "一个网页(人事系统导出的“Excel”常常是 HTML);请用 Excel 打开并另存为 .xlsx"),
    "xml2003": Phrase("an Excel 2003 XML spreadsheet; open it in Excel and save it as .xlsx",
                      "一个 Excel 2003 XML 表格;请用 Excel 打开并另存为 .xlsx"),
    "text": Phrase("text (a CSV file with the wrong suffix?); rename it .csv",
                   "文本(是后缀错了的 CSV 文件吗?);请改名为 .csv"),
    "encrypted": Phrase("an encrypted (password-protected) workbook; open it in Excel, remove the "
                        "password (File > Info > Protect Workbook) and save it again as .xlsx",
                        "一个加密(有密码保护)的工作簿;请用 Excel 打开,去掉密码"
                        "(文件 > 信息 > 保护工作簿),再另存为 .xlsx"),
    "xls": Phrase("an old .xls (Excel 97-2003) workbook; save it as .xlsx",
                  "一个旧的 .xls(Excel 97-2003)工作簿;请另存为 .xlsx"),
    "ole": Phrase("an encrypted (password-protected) or old .xls workbook; remove the password "
                  "and save it as .xlsx",
                  "一个加密(有密码保护)或旧的 .xls 工作簿;请去掉密码并另存为 .xlsx"),
}


def real_kind(path: str) -> str | None:
    """:func:`what` the file is, with an OLE file told apart (``encrypted``, ``xls``)."""
    found = what(head(path))
    if found == "ole":
        inner = ole_kind(path)
        return inner if inner != "unknown" else "ole"
    return found
