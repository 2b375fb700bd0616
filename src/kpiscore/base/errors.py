"""Diagnostics a user can act on, and the exceptions that carry them."""

from __future__ import annotations

import errno
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

from kpiscore.base.i18n import Phrase, current, visible

if TYPE_CHECKING:
    from kpiscore.base.i18n import Text

Severity = Literal["error", "warning"]
#: a finding's severity as a person reads it
SEVERITY = {"error": Phrase("error", "错误"), "warning": Phrase("warning", "警告")}


@dataclass(frozen=True)
class Finding:
    """One problem in a scheme file, located as ``file:line:col``."""

    path: str
    line: int
    column: int
    severity: Severity
    code: str
    #: given as a localized Text, kept as its text in the language of the run
    message: str | Text

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", str(self.message))

    def __str__(self) -> str:
        """``file:line:col: severity: message (code)``, the severity in the language of the
        run (the JSON's ``severity`` is always ``error`` or ``warning``)."""
        where = f"{self.path}:{self.line}:{self.column}"
        # one line a finding, whatever a key or a value in the message holds (a "\r")
        message = visible(str(self.message)).replace("\n", "\\n")
        return f"{where}: {SEVERITY[self.severity]()}: {message} ({self.code})"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class KpiscoreError(Exception):
    """Base of every error kpiscore reports to a user (never a traceback)."""


class SchemeInvalid(KpiscoreError):
    """A scheme failed to load or validate; ``findings`` says where and why."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = findings
        super().__init__("\n".join(str(f) for f in findings))


class InputUnreadable(KpiscoreError):
    """An input file cannot be read at all (missing, wrong format, bad encoding)."""


#: What the operating system says about a file it cannot read, in Chinese (under en its
#: own words are shown, as every other program shows them)
ZH_ERRNO = {errno.ENOENT: "没有这个文件或文件夹", errno.EACCES: "权限不足",
            errno.EPERM: "不允许此操作", errno.EISDIR: "这是一个文件夹",
            errno.ENOTDIR: "路径中有一项不是文件夹", errno.ELOOP: "符号链接的层数过多",
            errno.ENAMETOOLONG: "文件名太长", errno.EIO: "输入/输出错误",
            errno.ENXIO: "没有这个设备或地址", errno.ENOSPC: "设备上没有剩余空间(磁盘已满)"}


def os_reason(exc: OSError) -> str:
    """Why the system refused a file, in the language of the run."""
    if current() == "zh" and exc.errno in ZH_ERRNO:
        return ZH_ERRNO[exc.errno]
    return exc.strerror or str(exc)
