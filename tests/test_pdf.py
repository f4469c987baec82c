"""Read every kind of PDF back: page size, structure, metadata, fonts, audiences, contents."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pytest
from pypdf import PdfReader

from conftest import Built
from safe_harbor.pdf.fetcher import FetchRefused, SandboxFetcher
from safe_harbor.pipeline import BuildOptions, build

KINDS = (
    "handouts/alpha-sheet.pdf",
    "handouts/large-print/alpha-sheet.pdf",
    "guides/short-facilitator-guide.pdf",
    "workbooks/short-participant-workbook.pdf",
)


def text_of(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(path).pages]


@pytest.mark.parametrize("name", KINDS)
def test_pdf_is_tagged_pdf_ua_with_metadata(basic_build: Built, name: str) -> None:
    with pikepdf.open(basic_build.pdf(name)) as pdf:
        root = pdf.Root
        assert "/StructTreeRoot" in root
        assert bool(root.MarkInfo.Marked)
        assert str(root.Lang) == "en"
        assert bool(root.ViewerPreferences.DisplayDocTitle)
        meta = pdf.open_metadata()
        assert meta.get("pdfuaid:part") == "1"
        title = str(pdf.docinfo["/Title"])
        assert title and meta.get("dc:title") == title
        assert str(pdf.docinfo["/Author"]) == "Test Authors"
        assert str(pdf.docinfo.get("/Subject", ""))
        box = [float(v) for v in pdf.pages[0].MediaBox]
        assert box[2:] == [612, 792]  # Letter by default


def test_every_font_is_embedded(basic_build: Built) -> None:
    for name in KINDS:
        with pikepdf.open(basic_build.pdf(name)) as pdf:
            fonts = [f for page in pdf.pages for f in page.Resources.get("/Font", {}).values()]
            assert fonts
            for font in fonts:
                descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                descriptor = descendant.FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), name
    if shutil.which("pdffonts"):
        listing = subprocess.run(
            ["pdffonts", str(basic_build.pdf(KINDS[2]))], capture_output=True, text=True, check=True
        ).stdout
        rows = listing.splitlines()[2:]
        assert rows and all(" yes yes " in row for row in rows), listing
        assert all("Atkinson" in row for row in rows)


def test_page_counts(basic_build: Built) -> None:
    counts = {name: len(PdfReader(basic_build.pdf(name)).pages) for name in KINDS}
    assert counts["handouts/alpha-sheet.pdf"] == 1
    assert 1 <= counts["handouts/large-print/alpha-sheet.pdf"] <= 2
    assert 6 <= counts["guides/short-facilitator-guide.pdf"] <= 20
    assert 3 <= counts["workbooks/short-participant-workbook.pdf"] <= 8


def test_handout_header_and_footer(basic_build: Built) -> None:
    (page,) = text_of(basic_build.downloads / "handouts/alpha-sheet.pdf")
    assert "Test Curriculum · Alpha module" in page  # header: curriculum and module
    assert "Page 1 of 1" in page
    assert "Test Curriculum 9.9.9 · 2026-01-15 · CC BY-SA 4.0" in page


def test_large_print_is_16pt_or_more(basic_build: Built) -> None:
    sizes: list[float] = []

    def visitor(text: str, cm: object, tm: list[float], font_dict: object, font_size: float) -> None:
        if text.strip():
            sizes.append(abs(font_size * tm[0]) if tm[0] else font_size)

    reader = PdfReader(basic_build.downloads / "handouts/large-print/alpha-sheet.pdf")
    reader.pages[0].extract_text(visitor_text=visitor)  # type: ignore[arg-type]
    body = sorted(sizes)[len(sizes) // 2]
    assert body >= 16, sizes


def test_facilitator_only_text_in_guide_not_in_workbook(basic_build: Built) -> None:
    guide = "\n".join(text_of(basic_build.pdf("guides/short-facilitator-guide.pdf")))
    workbook = "\n".join(text_of(basic_build.downloads / "workbooks/short-participant-workbook.pdf"))
    handout = "\n".join(text_of(basic_build.downloads / "handouts/beta-sheet.pdf"))
    for secret in (
        "ZEBRA-FACILITATOR-SECRET",
        "SCRIPT-WORDS-ALPHA",
        "BETA-ANSWER-KEY-TEXT",
        "BETA-SHEET-ANSWERS",
    ):
        assert secret in guide.replace("\n", ""), secret
    for secret in ("ZEBRA", "SCRIPT-WORDS", "BETA-ANSWER", "BETA-SHEET-ANSWERS"):
        assert secret not in workbook and secret not in handout
    assert "Facilitator only" in guide  # labelled, not marked by colour alone
    assert "Alpha sheet" in workbook and "Beta sheet" in workbook


def test_table_of_contents_page_numbers_match(basic_build: Built) -> None:
    pages = text_of(basic_build.pdf("guides/short-facilitator-guide.pdf"))
    toc = next(p for p in pages if p.lstrip().startswith("Contents"))
    entries = dict(re.findall(r"^(.+?)\s*\.{3,}\s*(\d+)\s*$", toc, re.M))
    assert {"Agenda", "Alpha module", "Beta module", "Glossary", "References"} <= set(entries)
    for title, number in entries.items():
        page = pages[int(number) - 1]
        assert title.split(":")[0] in page, (title, number)
    alpha = int(entries["Alpha module"])
    assert alpha % 2 == 1, "modules start on a right-hand (odd) page"
    assert "At a glance" in pages[alpha - 1]


def test_bookmarks_follow_headings(basic_build: Built) -> None:
    reader = PdfReader(basic_build.pdf("guides/short-facilitator-guide.pdf"))
    top = [item.title for item in reader.outline if not isinstance(item, list)]
    assert top[:4] == ["Agenda", "Preparation checklist", "Alpha module", "Beta module"]


def test_a4_and_bleed(make_build: Callable[..., Built]) -> None:
    built = make_build(paper="a4", bleed="3mm", crop_marks=True, only=None)
    with pikepdf.open(built.downloads / "handouts/alpha-sheet.pdf") as pdf:
        trim = [round(float(v)) for v in pdf.pages[0].TrimBox]
        media = [round(float(v)) for v in pdf.pages[0].MediaBox]
        assert trim[2] - trim[0] == 595 and trim[3] - trim[1] == 842
        assert media[2] - media[0] > trim[2] - trim[0] + 16  # bleed and room for crop marks


def test_two_builds_are_byte_identical(tmp_path: Path, basic_build: Built) -> None:
    other = tmp_path / "again"
    report = build(BuildOptions(root=basic_build.root, out=other, jobs=1))
    assert not report.errors
    again = Built(basic_build.root, other, report)
    assert set(again.pdfs()) == set(basic_build.pdfs())
    for name, pdf in basic_build.pdfs().items():
        assert pdf.read_bytes() == again.pdf(name).read_bytes(), name


def test_sandbox_refuses_outside_network_and_devices(tmp_path: Path) -> None:
    fetcher = SandboxFetcher([tmp_path])
    inside = tmp_path / "ok.png"
    inside.write_bytes(b"\x89PNG")
    assert fetcher.fetch(inside.as_uri()).url == inside.as_uri()
    cases = {
        "file:///etc/passwd": "outside the project",
        "http://example.invalid/x.png": "no network access",
        "https://example.invalid/font.woff": "no network access",
        "file:///dev/urandom": "outside the project",
    }
    for url, reason in cases.items():
        with pytest.raises(FetchRefused) as info:
            fetcher.fetch(url)
        assert reason in info.value.reason, url
    (tmp_path / "sneaky").symlink_to("/dev/urandom")
    with pytest.raises(FetchRefused, match="outside the project"):
        fetcher.fetch((tmp_path / "sneaky").as_uri())
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(FetchRefused, match="not a regular file"):
        fetcher.fetch((tmp_path / "pipe").as_uri())


def test_handout_with_outside_file_fails_with_message(make_build: Callable[..., Built]) -> None:
    built = make_build(only="site")
    handout = built.root / "handouts/alpha-sheet.md"
    # Markdown links refuse file: URLs; raw HTML does not, so the renderer's sandbox must.
    handout.write_text(handout.read_text() + '\n<img src="file:///etc/passwd" alt="The password file">\n')
    report = built.rebuild()
    refused = [d for d in report.errors if d.code == "SH301"]
    assert any("file:///etc/passwd" in d.message and d.path.endswith("alpha-sheet.md") for d in refused), [
        d.format() for d in report.diagnostics
    ]
    assert not (built.downloads / "handouts/alpha-sheet.pdf").exists()


def test_image_without_alt_text_is_an_error(make_build: Callable[..., Built]) -> None:
    built = make_build(only="site")
    (built.root / "handouts/pic.png").write_bytes(
        bytes.fromhex(
            "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
            "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
        )
    )
    handout = built.root / "handouts/alpha-sheet.md"
    handout.write_text(handout.read_text() + "\n![](pic.png)\n")
    report = built.rebuild(only="site")
    assert any(d.code == "SH303" and d.path.endswith("alpha-sheet.md") for d in report.errors)


def test_print_colours_keep_contrast_in_greyscale() -> None:
    from safe_harbor.pdf.documents import STATIC

    def luminance(hex_colour: str) -> float:
        value = hex_colour.lstrip("#")
        if len(value) == 3:
            value = "".join(c * 2 for c in value)
        channels = [int(value[i : i + 2], 16) / 255 for i in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a: str, b: str) -> float:
        la, lb = sorted((luminance(a), luminance(b)), reverse=True)
        return (la + 0.05) / (lb + 0.05)

    css = (STATIC / "print.css").read_text()
    text_colours = re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", css)
    backgrounds = ["#ffffff", *re.findall(r"background:\s*(#[0-9a-fA-F]{3,6})", css)]
    assert text_colours
    for fg in text_colours:
        for bg in backgrounds:
            assert contrast(fg, bg) >= 4.5, (fg, bg)


def test_collapsed_content_is_expanded_in_print(basic_build: Built) -> None:
    site = (basic_build.site / "handouts/alpha-sheet.html").read_text()
    assert "<details" in site  # a dropdown on the site
    assert "DROPDOWN-HIDDEN-TEXT" in "".join(text_of(basic_build.downloads / "handouts/alpha-sheet.pdf"))


def test_render_time_limit(tmp_path: Path) -> None:
    from safe_harbor.pdf import render

    render.init_worker([str(tmp_path)])
    long_html = "<html><body>" + "<p>text</p>" * 60000 + "</body></html>"
    target = tmp_path / "slow.pdf"
    outcome = render.render_one(long_html, tmp_path.as_uri() + "/", str(target), "x" * 32, 1)
    assert outcome["error"] == "timeout"
    assert not target.exists() and not list(tmp_path.glob(".*tmp*"))


def test_render_time_limit_counts_processor_time_not_waiting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A render slowed by a busy machine (here: one that waits 1.5 s without computing) is not
    stopped by a 1-second limit; only processor time counts."""
    import time
    import types

    from safe_harbor.pdf import render

    class Document:
        pages = [object()]

        def write_pdf(self, target: str, **options: object) -> None:
            Path(target).write_bytes(b"%PDF-1.7\n%%EOF\n")

    class WaitingHTML:
        def __init__(self, **options: object) -> None:
            pass

        def render(self) -> Document:
            time.sleep(1.5)
            return Document()

    render.init_worker([str(tmp_path)])
    monkeypatch.setitem(render._WORKER, "weasyprint", types.SimpleNamespace(HTML=WaitingHTML))
    target = tmp_path / "waited.pdf"
    outcome = render.render_one("<p>x</p>", tmp_path.as_uri() + "/", str(target), "x" * 32, 1)
    assert "error" not in outcome, outcome
    assert outcome["pages"] == 1 and target.exists()


def test_handout_over_its_page_limit_warns(make_build: Callable[..., Built]) -> None:
    built = make_build(only="site")
    handout = built.root / "handouts/alpha-sheet.md"
    long_text = "\n\n".join(
        "A paragraph that keeps going to fill the page with words." * 6 for _ in range(25)
    )
    handout.write_text(
        handout.read_text().replace("audience: participant", "audience: participant\nmax_pages: 1")
        + long_text
    )
    # the filler text reads above grade 8 (SH403): render the PDFs anyway
    report = built.rebuild(keep_going=True)
    (warning,) = [d for d in report.warnings if d.code == "SH307"]
    assert warning.path.endswith("handouts/alpha-sheet.md")
    assert "should fit on 1" in warning.message
    built.rebuild(keep_going=True)  # unchanged PDFs are still checked
    assert any(d.code == "SH307" for d in built.report.warnings)


def test_missing_harfbuzz_is_said_once(
    make_build: Callable[..., Built], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ctypes.util

    real = ctypes.util.find_library
    monkeypatch.setattr(
        ctypes.util, "find_library", lambda name: None if name == "harfbuzz-subset" else real(name)
    )
    built = make_build()
    notes = [n for n in built.report.notes if "libharfbuzz-subset0" in n]
    assert len(notes) == 1 and "apt-get install libharfbuzz-subset0" in notes[0]


def test_a_moved_checkout_renders_nothing_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PDF keys do not depend on where the checkout is, although the print stylesheet names the
    package's fonts by absolute file address: moving the curriculum and the package (a renamed
    checkout, or a CI cache restored elsewhere) renders nothing again."""
    import safe_harbor
    from conftest import copy_root
    from safe_harbor.pdf import documents

    root = copy_root("test-basic", tmp_path / "first")
    report = build(BuildOptions(root=root, out=root / "_build", jobs=2, only="pdf"))
    assert not report.errors and all(r.rendered for r in report.pdfs)
    moved = tmp_path / "elsewhere" / "renamed"
    moved.parent.mkdir()
    shutil.move(root, moved)
    static = shutil.copytree(documents.STATIC, tmp_path / "moved-package" / "static")
    monkeypatch.setattr(documents, "STATIC", static)
    monkeypatch.setattr(safe_harbor, "STATIC", static)  # the PDF sandbox's allowed roots
    again = build(BuildOptions(root=moved, out=moved / "_build", jobs=2, only="pdf"))
    assert not again.errors, [d.format() for d in again.errors]
    assert again.pdfs and not any(r.rendered for r in again.pdfs)


def test_renderer_warnings_point_at_the_handout_source(make_build: Callable[..., Built]) -> None:
    """SH306 names the handout's .md file (issue 13: it used to say handouts/alpha-sheet)."""
    built = make_build(only="site")
    handout = built.root / "handouts/alpha-sheet.md"
    handout.write_text(handout.read_text() + '\n<span style="color: not-a-colour">Odd colour.</span>\n')
    report = built.rebuild()
    renderer = [d for d in report.warnings if d.code == "SH306" and "alpha-sheet" in d.message]
    assert renderer, [d.format() for d in report.diagnostics]
    assert {Path(d.path).name for d in renderer} == {"alpha-sheet.md"}
