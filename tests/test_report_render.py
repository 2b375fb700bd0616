"""The report as LibreOffice prints it, with whatever fonts the machine has: each
person's card is exactly one A4 page, in the report and in a file of its own.

Needs LibreOffice (``soffice``) and poppler-utils (``pdfinfo``, ``pdftotext``);
``.ci/run`` installs them. One small example (6 people), one LibreOffice start.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kpiscore.api import evaluate_file
from kpiscore.base import i18n
from kpiscore.outputs.report_xlsx import write_cards, write_report
from kpiscore.scheme.load import load_scheme

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tech-support-manager"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
MISSING = [tool for tool, found in (("soffice", SOFFICE), ("pdfinfo", shutil.which("pdfinfo")),
                                    ("pdftotext", shutil.which("pdftotext"))) if not found]

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(bool(MISSING), reason=f"{' and '.join(MISSING)} not installed: "
                       "the report is rendered by LibreOffice (apt-get install "
                       "libreoffice-calc poppler-utils; .ci/run does)"),
]


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    found = re.search(r"^Pages:\s+(\d+)", info.stdout, re.MULTILINE)
    assert found, info.stdout
    return int(found.group(1))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's report (with its cards, and without), and each card in a file of its
    own, printed to PDF by one LibreOffice run."""
    folder = tmp_path_factory.mktemp("render")
    loaded = load_scheme(EXAMPLE / "scheme.yaml")
    with i18n.using("zh"):
        report = evaluate_file(loaded, EXAMPLE / "actuals.xlsx")
        write_report(str(folder / "report.xlsx"), report, loaded, period="2024-06")
        write_report(str(folder / "no-cards.xlsx"), report, loaded, period="2024-06",
                     cards=False)
        cards = write_cards(report, str(folder / "cards"), loaded, period="2024-06")
    assert len(cards) == 6
    files = [folder / "report.xlsx", folder / "no-cards.xlsx", *map(Path, cards)]
    profile = (folder / "profile").as_uri()  # a profile of its own: runs in parallel
    # a guard against a hung LibreOffice, far above the few seconds it takes
    subprocess.run([str(SOFFICE), f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(folder / "pdf"), *map(str, files)],
                   check=True, capture_output=True, timeout=600)
    return folder / "pdf"


def test_each_card_file_prints_on_exactly_one_page(rendered: Path) -> None:
    printed = sorted(rendered.glob("E00*.pdf"))
    assert len(printed) == 6
    for pdf in printed:
        assert pages(pdf) == 1, pdf.name


def test_the_report_prints_a_page_a_card(rendered: Path) -> None:
    assert pages(rendered / "report.pdf") == pages(rendered / "no-cards.pdf") + 6


def test_a_printed_card_reads_as_the_form(rendered: Path) -> None:
    text = subprocess.run(["pdftotext", "-layout", str(rendered / "E001_张伟.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for words in ("E001", "2024-06", "97.19", "98.5%", "160min"):
        assert words in text, words
    assert "E001" in lines[-1]  # the footer names the person
    if _has_cjk_font():  # else the Chinese prints as boxes, and reads back as nothing
        assert lines[0] == "技术支持经理售后服务绩效评定表"  # the title whole, on its line
        for words in ("张伟", "满分", "考核意见", "被考核人（签名）", "工号 E001"):
            assert words in text, words


def _has_cjk_font() -> bool:
    fc = shutil.which("fc-list")
    return fc is not None and bool(subprocess.run([fc, ":lang=zh"], capture_output=True,
                                                  text=True).stdout.strip())
