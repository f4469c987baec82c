"""The trainee site without a browser: download links and their facts, the offline copy, the quick
exit's markup and setting, headings for blocks, and what participant pages leave out.
(tests/test_browser.py runs the real curriculum in Chromium.)"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import Built, replace_in
from safe_harbor.config import DEFAULT_QUICK_EXIT
from safe_harbor.publish import fill_file_facts

LINK = re.compile(
    r'<a class="(?P<cls>[^"]*sh-download[^"]*)" href="(?P<href>[^"]+)">(?P<text>[^<]*)</a> \(<span class="sh-file-facts">(?P<facts>[^<]*)</span>\)'
)


def downloads_on(page: Path) -> dict[str, str]:
    """Linked file (resolved, relative to the build folder's downloads) -> its facts text."""
    found = {}
    for match in LINK.finditer(page.read_text("utf-8")):
        target = (page.parent / match["href"]).resolve()
        found[target.as_posix().split("/downloads/", 1)[1]] = match["facts"]
    return found


def test_handout_page_links_its_pdfs_and_workbooks_with_facts(basic_build: Built) -> None:
    links = downloads_on(basic_build.site / "handouts/alpha-sheet.html")
    assert set(links) == {
        "handouts/alpha-sheet.pdf",
        "handouts/large-print/alpha-sheet.pdf",
        "workbooks/short-participant-workbook.pdf",
        "workbooks/two-day-participant-workbook.pdf",
    }
    for path, facts in links.items():
        pdf = basic_build.downloads / path
        pages = len(PdfReader(pdf).pages)
        kb = max(1, round(pdf.stat().st_size / 1000))
        expected = f"PDF, {pages} page{'s' if pages != 1 else ''}, {kb} KB"
        assert facts == expected, (path, facts, expected)


def test_participant_pages_never_link_guides_and_facilitator_pages_do(basic_build: Built) -> None:
    for page in basic_build.site.rglob("*.html"):
        text = page.read_text("utf-8")
        assert "facilitator-guide.pdf" not in text and "/guides/" not in text, page
    module = downloads_on(basic_build.facilitator / "modules/02-beta/index.html")
    assert "guides/two-day-facilitator-guide.pdf" in module
    assert "handouts/beta-sheet.pdf" in module and "handouts/alpha-sheet.pdf" in module
    participant = downloads_on(basic_build.site / "modules/02-beta/index.html")
    assert set(participant) == {p for p in module if not p.startswith("guides/")}
    facilitator_downloads = downloads_on(basic_build.facilitator / "docs/downloads.html")
    assert "guides/short-facilitator-guide.pdf" in facilitator_downloads


def test_downloads_page_lists_every_participant_pdf(basic_build: Built) -> None:
    listed = set(downloads_on(basic_build.site / "docs/downloads.html"))
    on_disk = {
        p.relative_to(basic_build.downloads).as_posix()
        for p in basic_build.downloads.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }
    assert listed == {p for p in on_disk if not p.startswith("guides/")}
    assert "test-curriculum-offline.zip" in listed
    home = (
        downloads_on(basic_build.site / "index.html")
        if "offline-copy" in (basic_build.root / "index.md").read_text()
        else {}
    )
    assert home == {} or "test-curriculum-offline.zip" in home


def test_offline_copy_holds_the_participant_site_only(basic_build: Built) -> None:
    with zipfile.ZipFile(basic_build.downloads / "test-curriculum-offline.zip") as archive:
        names = set(archive.namelist())
        secrets = [n for n in names if "facilitator" in n or "/guides/" in n or n.endswith(".zip")]
        assert not secrets
        top = "test-curriculum-offline/"
        for needed in (
            "index.html",
            "search.html",
            "searchindex.js",
            "handouts/alpha-sheet.html",
            "downloads/handouts/alpha-sheet.pdf",
            "downloads/workbooks/short-participant-workbook.pdf",
            "_static/safe-harbor.js",
        ):
            assert top + needed in names, needed
        page = archive.read(top + "modules/01-alpha/index.html").decode()
        assert "ZEBRA-FACILITATOR-SECRET" not in page
        for info in archive.infolist():
            assert info.date_time[:3] == (2026, 1, 15)


def test_file_facts_follow_the_file(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d/a.zip").write_bytes(b"x" * 2500)
    page = tmp_path / "p.html"
    page.write_text(
        '<a class="sh-download" href="d/a.zip">A</a> (<span class="sh-file-facts">ZIP</span>) '
        '<a class="sh-download" href="d/missing.pdf">B</a> (<span class="sh-file-facts">PDF</span>)'
    )
    assert fill_file_facts([tmp_path]) == 1
    text = page.read_text()
    assert "ZIP, 2 KB" in text or "ZIP, 3 KB" in text
    assert '<span class="sh-file-facts">PDF</span>' in text  # not built: no facts invented
    assert fill_file_facts([tmp_path]) == 0  # unchanged: not rewritten


def test_quick_exit_and_privacy_link_on_every_page(basic_build: Built) -> None:
    for view in (basic_build.site, basic_build.facilitator):
        for page in view.rglob("*.html"):
            if "_static" in page.parts:
                continue
            text = page.read_text("utf-8")
            first = text.index("<body")
            bar = text.index('class="sh-safety-bar', first)
            assert bar < text.index('class="skip-to-content', first), page  # first in the body
            assert f'href="{DEFAULT_QUICK_EXIT}"' in text and "Leave this site" in text, page
            privacy = re.search(r'class="sh-privacy-link" href="([^"]+)"', text)
            assert privacy, page
            target = page if privacy[1] == "#" else (page.parent / privacy[1]).resolve()
            assert target == (view / "docs/privacy.html").resolve(), page


def test_quick_exit_setting_is_validated(make_build: Callable[..., Built]) -> None:
    built = make_build()
    conf = built.root / "conf/curriculum.yaml"
    replace_in(conf, "  language: en", "  language: en\n  quick_exit: http://insecure.example/")
    report = built.rebuild()
    assert any("quick_exit must be the https:// address" in d.message for d in report.errors)
    replace_in(conf, "http://insecure.example/", "https://neutral.example/news")
    report = built.rebuild(only="site")
    assert not report.errors
    assert 'href="https://neutral.example/news"' in (built.site / "index.html").read_text()


def test_block_titles_are_headings_and_preparation_is_for_facilitators(basic_build: Built) -> None:
    participant = (basic_build.site / "modules/01-alpha/index.html").read_text()
    facilitator = (basic_build.facilitator / "modules/01-alpha/index.html").read_text()
    assert re.search(r'<h2 class="sh-block-title rubric">At a glance</h2>', participant)
    assert re.search(r'<h2 class="sh-block-title rubric">Content note</h2>', participant)
    assert re.search(r'<h3 class="sh-block-title rubric">Debrief</h3>', participant)
    assert "Read the alpha handout." not in participant
    assert "Read the alpha handout." in facilitator


@pytest.mark.parametrize("view", ["site", "facilitator"])
def test_theme_markup_fixes(basic_build: Built, view: str) -> None:
    text = (getattr(basic_build, view) / "modules/01-alpha/index.html").read_text()
    assert 'role="heading">' not in text  # every caption has its aria-level
    assert re.search(r'<aside class="sidebar-drawer" aria-label="[^"]+">', text)
    assert re.search(r'<aside class="toc-drawer[^"]*" aria-label="[^"]+">', text)
    assert len(re.findall(r'aria-current="page"', text)) == 1
    assert '<meta name="referrer" content="no-referrer">' in text


def test_search_index_lists_each_page_once(basic_build: Built) -> None:
    import json

    text = (basic_build.site / "searchindex.js").read_text()
    index = json.loads(text[text.index("(") + 1 : text.rindex(")")])
    assert "curriculum" not in json.dumps(index["objnames"])  # modules and handouts: no object hits
