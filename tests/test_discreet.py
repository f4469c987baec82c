"""Discreet print: participant PDFs that do not name their topic on the outside.

A participant may carry a workbook home or on outreach. With ``print.discreet`` (or
``--discreet``) the build also writes every participant PDF with the program's neutral title on
the cover, in the running heads and footers, in the PDF metadata and in the file name. The
facilitator guide keeps the real title.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest

from conftest import Built, copy_root, replace_in
from safe_harbor.config import load_curriculum_config
from safe_harbor.diagnostics import DiagnosticError

# What names the test curriculum's topic: its title and subtitle, its modules and handouts.
TOPIC = re.compile(r"test curriculum|small curriculum|alpha|beta|safe harbor", re.I)


def pages_text(pdf: Path) -> list[str]:
    """Each page's text with its layout kept, so the first and last lines are the running heads."""
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return out.split("\f")[:-1]


def outside_of(pdf: Path) -> list[str]:
    """What a PDF shows of itself without being read: metadata, the cover, heads and footers."""
    shown: list[str] = []
    with pikepdf.open(pdf) as doc:
        shown += [str(value) for value in doc.docinfo.values()]
        shown += [str(value) for _, value in doc.open_metadata().items()]
    pages = pages_text(pdf)
    if "workbook" in pdf.name:
        shown.append(pages[0])  # the cover
    for page in pages:
        lines = [line for line in page.splitlines() if line.strip()]
        shown += lines[:1] + lines[-1:]  # running head; running title, footer line and page number
    shown.append(pdf.name)
    return shown


@pytest.fixture(scope="module")
def discreet_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    from safe_harbor.pipeline import BuildOptions, build

    base = tmp_path_factory.mktemp("discreet")
    root = copy_root("test-basic", base)
    replace_in(root / "conf/curriculum.yaml", "paper: letter", "paper: letter\n  discreet_title: Staff day")
    out = base / "out"
    report = build(BuildOptions(root=root, out=out, jobs=2, discreet=True))
    assert not report.errors, [d.format() for d in report.errors]
    return Built(root, out, report)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_discreet_participant_pdfs_do_not_name_the_topic(discreet_build: Built) -> None:
    folder = discreet_build.downloads / "discreet"
    names = sorted(p.name for p in folder.glob("*.pdf"))
    assert names == [
        "staff-day-handout-01-large-print.pdf",
        "staff-day-handout-01.pdf",
        "staff-day-handout-02-large-print.pdf",
        "staff-day-handout-02.pdf",
        "staff-day-workbook-1.pdf",
        "staff-day-workbook-2.pdf",
    ]
    for name in names:
        shown = outside_of(folder / name)
        leaks = [text for text in shown if TOPIC.search(text)]
        assert not leaks, (name, leaks)
        assert any("Staff day" in text for text in shown), name
        with pikepdf.open(folder / name) as doc:
            assert str(doc.docinfo["/Title"]).startswith("Staff day")
            assert "/StructTreeRoot" in doc.Root  # still tagged


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_the_same_pdfs_without_discreet_name_the_topic(discreet_build: Built) -> None:
    """The check above can fail: the standard copies show exactly what the discreet ones hide."""
    downloads = discreet_build.downloads
    for name in ("handouts/alpha-sheet.pdf", "workbooks/short-participant-workbook.pdf"):
        assert any(TOPIC.search(text) for text in outside_of(downloads / name)), name
    guide = pages_text(discreet_build.pdf("guides/short-facilitator-guide.pdf"))
    assert "Test Curriculum" in guide[0]  # facilitators keep the real title


def test_discreet_pdfs_hold_the_same_content(discreet_build: Built) -> None:
    downloads = discreet_build.downloads
    with pikepdf.open(downloads / "handouts/alpha-sheet.pdf") as standard:
        standard_pages = len(standard.pages)
    with pikepdf.open(downloads / "discreet/staff-day-handout-01.pdf") as discreet:
        assert len(discreet.pages) == standard_pages


def test_discreet_is_off_by_default(make_build: Callable[..., Built]) -> None:
    built = make_build(only="pdf")
    assert not (built.downloads / "discreet").exists()


def test_discreet_title_must_have_a_letter(tmp_path: Path) -> None:
    root = copy_root("test-basic", tmp_path)
    replace_in(root / "conf/curriculum.yaml", "paper: letter", 'paper: letter\n  discreet_title: " -- "')
    with pytest.raises(DiagnosticError) as caught:
        load_curriculum_config(root / "conf")
    (problem,) = caught.value.diagnostics
    assert problem.line == 10 and "discreet_title" in problem.message


def test_discreet_from_the_config_file(tmp_path: Path) -> None:
    root = copy_root("test-basic", tmp_path)
    replace_in(root / "conf/curriculum.yaml", "paper: letter", "paper: letter\n  discreet: true")
    config = load_curriculum_config(root / "conf")
    assert config.print.discreet and config.print.discreet_title == "Training notes"
