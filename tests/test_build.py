"""Small curricula built end to end: audiences, outputs, incremental rebuilds and failures."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from conftest import Built, replace_in, without_file_facts
from safe_harbor.builders.pagefix import fix_page

pytestmark = pytest.mark.slow  # every test here builds a small curriculum end to end

SECRETS = ("ZEBRA-FACILITATOR-SECRET", "SCRIPT-WORDS-ALPHA", "BETA-ANSWER-KEY-TEXT", "BETA-SHEET-ANSWERS")
EXPECTED_PDFS = {
    "handouts/alpha-sheet.pdf",
    "handouts/beta-sheet.pdf",
    "handouts/large-print/alpha-sheet.pdf",
    "handouts/large-print/beta-sheet.pdf",
    "guides/short-facilitator-guide.pdf",
    "guides/two-day-facilitator-guide.pdf",
    "workbooks/short-participant-workbook.pdf",
    "workbooks/two-day-participant-workbook.pdf",
}


def participant_files(site: Path) -> list[Path]:
    return [
        p
        for p in site.rglob("*")
        if p.is_file()
        and "facilitator" not in p.relative_to(site).parts[:1]
        and "downloads" not in p.relative_to(site).parts[:1]
    ]


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def rendered(built: Built) -> set[str]:
    return {r.output for r in built.report.pdfs if r.rendered}


def test_participant_outputs_never_contain_facilitator_text(basic_build: Built) -> None:
    files = participant_files(basic_build.site)
    assert any(p.name == "searchindex.js" for p in files)
    for path in files:
        data = path.read_bytes()
        for secret in SECRETS:
            assert secret.encode() not in data, f"{secret} leaked into {path}"
    index = (basic_build.site / "searchindex.js").read_text()
    assert "zebra" not in index.lower()
    assert not list((basic_build.site / "_sources").glob("**/*.*")), "page sources must not be published"


def test_facilitator_view_has_facilitator_text(basic_build: Built) -> None:
    page = (basic_build.facilitator / "modules/01-alpha/index.html").read_text()
    assert "ZEBRA-FACILITATOR-SECRET" in page and "SCRIPT-WORDS-ALPHA" in page
    assert "Minute-by-minute plan" in page
    assert "zebra" in (basic_build.facilitator / "searchindex.js").read_text().lower()
    notes = (basic_build.facilitator / "docs/indexes.html").read_text()
    assert "ZEBRA-FACILITATOR-SECRET" in notes  # the facilitator notes index


def test_participant_site_folder_can_be_published_alone(basic_build: Built) -> None:
    """Nothing facilitator-only in site/: the view and the guides are beside it, not inside."""
    site = basic_build.site
    assert not (site / "facilitator").exists() and not (site / "downloads/guides").exists()
    for path in site.rglob("*"):
        if path.is_file():
            data = pdf_text(path).encode() if path.suffix == ".pdf" else path.read_bytes()
            for secret in SECRETS:
                assert secret.encode() not in data, f"{secret} in {path}"
    assert (basic_build.facilitator / "index.html").exists()
    assert (basic_build.facilitator_downloads / "guides/short-facilitator-guide.pdf").exists()


def test_view_switch_follows_the_configured_addresses(make_build: Callable[..., Built]) -> None:
    from conftest import replace_in

    def switch(page: Path) -> str:
        return re.search(r'class="sh-view-switch[^"]*".*?href="([^"]+)"', page.read_text()).group(1)  # type: ignore[union-attr]

    built = make_build(only="site")
    replace_in(
        built.root / "conf/curriculum.yaml",
        "  language: en\n",
        "  language: en\n  facilitator_address: https://staff.example.org/sh\n"
        "  participant_address: https://example.org/safe-harbor/\n",
    )
    built.rebuild(only="site")
    page = "modules/01-alpha/index.html"
    assert switch(built.site / page) == f"https://staff.example.org/sh/{page}"
    assert switch(built.facilitator / page) == f"https://example.org/safe-harbor/{page}"
    fac = (built.facilitator / page).read_text()
    assert 'href="https://example.org/safe-harbor/downloads/handouts/alpha-sheet.pdf"' in fac
    replace_in(built.root / "conf/curriculum.yaml", "https://staff.example.org/sh", '""')
    built.rebuild(only="site")
    assert "sh-view-switch" not in (built.site / page).read_text()


def test_old_layout_is_removed_from_the_participant_site(make_build: Callable[..., Built]) -> None:
    built = make_build(only="site")
    (built.site / "facilitator").mkdir()
    (built.site / "facilitator/index.html").write_text("ZEBRA-FACILITATOR-SECRET")
    (built.site / "downloads/guides").mkdir(parents=True)
    (built.site / "downloads/guides/old.pdf").write_text("old")
    built.rebuild(only="site")
    assert not (built.site / "facilitator").exists() and not (built.site / "downloads/guides").exists()


def test_view_switch_links_both_ways(basic_build: Built) -> None:
    page = basic_build.site / "modules/01-alpha/index.html"
    href = re.search(r'class="sh-view-switch[^"]*".*?href="([^"]+)"', page.read_text()).group(1)  # type: ignore[union-attr]
    target = (page.parent / href).resolve()
    assert target == (basic_build.facilitator / "modules/01-alpha/index.html").resolve()
    back = re.search(r'class="sh-view-switch[^"]*".*?href="([^"]+)"', target.read_text()).group(1)  # type: ignore[union-attr]
    assert (target.parent / back).resolve() == page.resolve()


def test_every_expected_pdf_is_real(basic_build: Built) -> None:
    found = set(basic_build.pdfs())
    assert found == EXPECTED_PDFS
    participant = {
        p.relative_to(basic_build.downloads).as_posix() for p in basic_build.downloads.rglob("*.pdf")
    }
    assert participant == {name for name in EXPECTED_PDFS if not name.startswith("guides/")}
    for name in EXPECTED_PDFS:
        path = basic_build.pdf(name)
        assert path.read_bytes()[:5] == b"%PDF-"
    assert "Alpha sheet" in pdf_text(basic_build.downloads / "handouts/alpha-sheet.pdf")
    assert "Beta sheet" in pdf_text(basic_build.downloads / "handouts/large-print/beta-sheet.pdf")


def test_module_page_links_handouts_and_pdfs(basic_build: Built) -> None:
    page = (basic_build.site / "modules/01-alpha/index.html").read_text()
    assert 'href="../../handouts/alpha-sheet.html"' in page
    assert 'href="../../downloads/handouts/alpha-sheet.pdf"' in page
    fac = (basic_build.facilitator / "modules/01-alpha/index.html").read_text()
    assert 'href="../../../site/downloads/handouts/alpha-sheet.pdf"' in fac  # across to the site
    assert (
        (basic_build.facilitator / "modules/01-alpha" / "../../../site/downloads/handouts/alpha-sheet.pdf")
        .resolve()
        .exists()
    )


def test_sources_are_read_once_for_three_outputs(make_build: Callable[..., Built]) -> None:
    built = make_build()
    # the participant run reads every page of test-basic; the facilitator run reads none and
    # writes the facilitator view and the print fragments from the same doctrees
    pages = len(list(built.root.glob("**/*.md"))) - len(list(built.root.glob("**/README.md")))
    assert built.report.read_counts == {"html": pages, "facilitator": 0}
    assert len(list((built.out / "print").rglob("*.json"))) == pages + 1  # pages + manifest
    built.rebuild()
    assert built.report.read_counts == {"html": 0, "facilitator": 0}
    # the standalone print builder (--only pdf) reuses the doctrees too
    for page in (built.out / "print").rglob("*.json"):
        page.unlink()
    built.rebuild(only="pdf")
    assert built.report.read_counts == {"safeharbor-print": 0}
    assert (built.out / "print/manifest.json").exists()


def test_print_fragments_from_the_facilitator_run_equal_the_print_builder(tmp_path: Path) -> None:
    """The fragments written alongside the facilitator view make the very same PDFs."""
    from conftest import copy_root
    from safe_harbor.pdf.documents import PrintOptions, plan_jobs
    from safe_harbor.pipeline import BuildOptions, build

    root = copy_root("test-basic", tmp_path)
    together, alone = tmp_path / "together", tmp_path / "alone"
    build(BuildOptions(root=root, out=together, jobs=2, only="site"))  # participant + facilitator
    build(BuildOptions(root=root, out=together, jobs=2))  # facilitator again, with the fragments
    build(BuildOptions(root=root, out=alone, jobs=2, only="pdf"))  # the safeharbor-print builder
    pages = sorted(p.relative_to(alone / "print") for p in (alone / "print").rglob("*.json"))
    assert pages == sorted(p.relative_to(together / "print") for p in (together / "print").rglob("*.json"))
    # PDF links point across to the participant site from the facilitator view; the PDF stage drops them
    pdf_href = re.compile(r'href="[./]*(?:site/)?downloads/')
    for page in pages:
        a = pdf_href.sub('href="downloads/', json.loads((alone / "print" / page).read_text()).__repr__())
        b = pdf_href.sub('href="downloads/', json.loads((together / "print" / page).read_text()).__repr__())
        assert a == b, page
    options = PrintOptions(paper="letter", bleed="0mm", crop_marks=False, large_print=True)
    jobs_alone = plan_jobs(alone / "print", options)
    jobs_together = plan_jobs(together / "print", options)
    assert [j.output for j in jobs_alone] == [j.output for j in jobs_together]
    for a_job, b_job in zip(jobs_alone, jobs_together, strict=True):
        assert a_job.html == b_job.html, a_job.output


def test_no_change_rebuild_renders_nothing(make_build: Callable[..., Built]) -> None:
    built = make_build()
    assert rendered(built) == EXPECTED_PDFS
    page = built.site / "modules/01-alpha/index.html"
    before = page.stat().st_mtime_ns
    built.rebuild()
    assert rendered(built) == set()
    assert not built.report.errors
    assert page.stat().st_mtime_ns == before


def test_editing_one_handout_rerenders_only_pdfs_containing_it(make_build: Callable[..., Built]) -> None:
    built = make_build()
    handout = built.root / "handouts/beta-sheet.md"
    replace_in(handout, "2. Why does it follow alpha?", "2. Why does it follow alpha, really?")
    built.rebuild()
    assert rendered(built) == {
        "handouts/beta-sheet.pdf",
        "handouts/large-print/beta-sheet.pdf",
        "guides/short-facilitator-guide.pdf",
        "guides/two-day-facilitator-guide.pdf",
        "workbooks/short-participant-workbook.pdf",
        "workbooks/two-day-participant-workbook.pdf",
    }
    assert "really?" in pdf_text(built.downloads / "handouts/beta-sheet.pdf")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safe_harbor.cli", *args], capture_output=True, text=True, check=False
    )


def test_malformed_front_matter_is_one_line_error(tmp_path: Path) -> None:
    from conftest import copy_root

    root = copy_root("test-basic", tmp_path)
    module = root / "modules/01-alpha/index.md"
    replace_in(module, "summary: The first test module.", "summary: [broken")
    result = run_cli("build", str(root), "-o", str(tmp_path / "out"), "-q", "-j", "1")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert re.search(r"^modules/01-alpha/index\.md:\d+: SH104 ", result.stderr, re.M), result.stderr


def test_unknown_handout_and_key_are_errors_with_lines(tmp_path: Path) -> None:
    from conftest import copy_root

    root = copy_root("test-basic", tmp_path)
    module = root / "modules/02-beta/index.md"
    text = (
        module.read_text()
        .replace("{handout}`beta-sheet`", "{handout}`beta-shet`")
        .replace("duration: 15", "duration: 15\nmaterails: []")
    )
    module.write_text(text)
    result = run_cli("build", str(root), "-o", str(tmp_path / "out"), "-q", "--only", "site")
    assert result.returncode == 1
    assert (
        "modules/02-beta/index.md:5: SH102 unknown key 'materails' in module front matter; did you mean 'materials'?"
        in result.stderr
    )
    assert re.search(
        r"modules/02-beta/index\.md:\d+: SH202 unknown handout 'beta-shet'; did you mean 'beta-sheet'\?",
        result.stderr,
    )


def test_duration_mismatch_warns_and_strict_fails(tmp_path: Path) -> None:
    from conftest import copy_root

    root = copy_root("test-basic", tmp_path)
    module = root / "modules/02-beta/index.md"
    replace_in(module, "duration: 15", "duration: 20")
    relaxed = run_cli("build", str(root), "-o", str(tmp_path / "a"), "-q", "--only", "site")
    assert relaxed.returncode == 0
    assert "SH201 module duration is 20 min but its activities add up to 15 min" in relaxed.stderr
    strict = run_cli("build", str(root), "-o", str(tmp_path / "b"), "-q", "--only", "site", "--strict")
    assert strict.returncode == 1


def test_failing_render_keeps_previous_pdf(make_build: Callable[..., Built]) -> None:
    built = make_build()
    target = built.downloads / "handouts/alpha-sheet.pdf"
    good = target.read_bytes()
    handout = built.root / "handouts/alpha-sheet.md"
    handout.write_text(handout.read_text() + "\n![A remote picture](http://example.invalid/x.png)\n")
    # check (SH702) stops the build before the PDFs; --keep-going shows the renderer refuses it too
    assert any(d.code == "SH702" for d in built.rebuild().errors)
    report = built.rebuild(keep_going=True)
    refused = [d for d in report.errors if d.code == "SH301"]
    assert refused, [d.format() for d in report.diagnostics]
    assert any(
        d.path.endswith("handouts/alpha-sheet.md") and "http://example.invalid/x.png" in d.message
        for d in refused
    )
    assert target.read_bytes() == good
    assert not list(target.parent.glob(".*tmp*"))


def test_killed_render_leaves_previous_pdf(make_build: Callable[..., Built], tmp_path: Path) -> None:
    """SIGKILL a worker halfway through a long document: the old PDF is untouched."""
    import multiprocessing
    import time

    from safe_harbor.pdf import render

    built = make_build()
    target = built.downloads / "handouts/alpha-sheet.pdf"
    good = target.read_bytes()
    long_html = "<html><body>" + "<p>line of text for a long document</p>" * 40000 + "</body></html>"

    def work() -> None:
        render.init_worker([str(tmp_path)])
        render.render_one(long_html, tmp_path.as_uri() + "/", str(target), "x" * 32, 600)

    process = multiprocessing.get_context("fork").Process(target=work)
    process.start()
    time.sleep(2.0)
    assert process.is_alive(), "render finished too fast to be interrupted"
    os.kill(process.pid, 9)
    process.join()
    assert target.read_bytes() == good
    built.rebuild()  # the next build sweeps the dead worker's temp file
    assert not list(target.parent.glob(".*tmp*"))
    assert target.read_bytes() == good


def test_parallel_build_equals_serial(make_build: Callable[..., Built], tmp_path: Path) -> None:
    from safe_harbor.pipeline import BuildOptions, build

    parallel = make_build()
    serial_out = tmp_path / "serial"
    build(BuildOptions(root=parallel.root, out=serial_out, jobs=1, only="site"))
    for page in (
        "site/docs/tracks.html",
        "site/docs/indexes.html",
        "site/modules/01-alpha/index.html",
        "facilitator/docs/indexes.html",
    ):
        # the serial build made no PDFs: the download links carry no sizes there
        assert without_file_facts((parallel.out / page).read_text()) == without_file_facts(
            (serial_out / page).read_text()
        ), page


def test_editing_minutes_updates_every_agenda(make_build: Callable[..., Built]) -> None:
    built = make_build()
    tracks = built.site / "docs/tracks.html"
    assert "09:30–09:40" in tracks.read_text()  # break after the 30-minute alpha module
    module = built.root / "modules/01-alpha/index.md"
    replace_in(module, "duration: 30", "duration: 35")
    replace_in(module, ":minutes: 10", ":minutes: 15")
    built.rebuild()
    # both tracks that hold alpha now run 5 minutes long, and the timing check sees it too
    warnings = sorted((d.code, d.message.split(":")[0]) for d in built.report.warnings)
    assert warnings == [("SH205", "track 'short', Day one"), ("SH205", "track 'two-day', Day 1")]
    for page in (tracks, built.facilitator / "docs/tracks.html"):
        assert "09:35–09:45" in page.read_text(), page
    guide = pdf_text(built.pdf("guides/short-facilitator-guide.pdf"))
    assert "09:35" in guide


def test_editing_a_track_rebuilds_its_agenda(make_build: Callable[..., Built]) -> None:
    built = make_build()
    conf = built.root / "conf/curriculum.yaml"
    replace_in(conf, 'start: "09:00"\n        end: "09:55"', 'start: "08:00"\n        end: "08:55"')
    built.rebuild()
    for page in (built.site / "docs/tracks.html", built.facilitator / "docs/tracks.html"):
        assert "08:00–08:30" in page.read_text(), page


def test_plain_sphinx_build_works(tmp_path: Path) -> None:
    """The README's plain sphinx-build command builds the participant site from the same sources."""
    from conftest import copy_root

    root = copy_root("test-basic", tmp_path)
    out = tmp_path / "plain"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-q",
            "-c",
            "conf",
            "-D",
            "safe_harbor_view_switch=0",
            ".",
            str(out),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    page = (out / "modules/01-alpha/index.html").read_text()
    assert "Alpha module" in page and "ZEBRA-FACILITATOR-SECRET" not in page
    assert "sh-view-switch" not in page


def test_pages_are_written_atomically(make_build: Callable[..., Built], monkeypatch: object) -> None:
    """A page whose rendering fails midway keeps its previous version and leaves no temp file."""
    from sphinx.builders.html import StandaloneHTMLBuilder

    from safe_harbor.builders.facilitator import ParticipantHTMLBuilder

    built = make_build(only="site")
    page = built.site / "modules/01-alpha/index.html"
    good = page.read_text()

    original = StandaloneHTMLBuilder.handle_page

    def failing(self: StandaloneHTMLBuilder, pagename: str, *args: object, **kwargs: object) -> None:
        if pagename == "modules/01-alpha/index":
            target = kwargs["outfilename"]
            Path(str(target)).write_text("<html>trunc")  # a partial write, then a crash
            raise RuntimeError("disk full")
        original(self, pagename, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(StandaloneHTMLBuilder, "handle_page", failing)  # type: ignore[attr-defined]
    module = built.root / "modules/01-alpha/index.md"
    replace_in(module, "Pair people up.", "Pair people up again.")
    built.rebuild(only="site", jobs=1)
    assert any("disk full" in d.message for d in built.report.errors)
    assert page.read_text() == good
    assert not list(page.parent.glob(".*tmp*"))
    assert ParticipantHTMLBuilder.name == "html"


def test_site_makes_no_third_party_requests(basic_build: Built) -> None:
    """Scripts, styles, fonts and images all come from the site itself (links to read are fine)."""
    from html.parser import HTMLParser

    class Loads(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.urls: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            wanted = {"script": "src", "img": "src", "iframe": "src", "source": "src", "link": "href"}
            if tag in wanted:
                self.urls += [v or "" for k, v in attrs if k == wanted[tag]]

    for page in basic_build.site.rglob("*.html"):
        parser = Loads()
        parser.feed(page.read_text())
        external = [u for u in parser.urls if re.match(r"(https?:)?//", u)]
        assert not external, (page, external)
    for css in basic_build.site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text()), css
        assert "@import url(http" not in css.read_text()


def test_online_address_only_when_configured(basic_build: Built, make_build: Callable[..., Built]) -> None:
    assert "example.org" not in pdf_text(basic_build.downloads / "handouts/alpha-sheet.pdf")
    built = make_build()
    conf = built.root / "conf/curriculum.yaml"
    replace_in(conf, "  language: en", "  language: en\n  online_address: safeharbor.example.org/x")
    built.rebuild()
    assert "safeharbor.example.org/x" in pdf_text(built.downloads / "handouts/alpha-sheet.pdf")


def test_unchanged_build_skips_sphinx_but_repeats_its_warnings(tmp_path: Path) -> None:
    from conftest import copy_root

    root = copy_root("test-basic", tmp_path)
    module = root / "modules/02-beta/index.md"
    replace_in(module, "duration: 15", "duration: 20")
    first = run_cli("build", str(root), "-o", str(tmp_path / "out"), "--only", "site", "--strict")
    second = run_cli("build", str(root), "-o", str(tmp_path / "out"), "--only", "site", "--strict")
    assert first.returncode == second.returncode == 1
    assert "sources unchanged, up to date" in second.stdout
    warning = "SH201 module duration is 20 min but its activities add up to 15 min"
    assert warning in first.stderr and warning in second.stderr


@contextmanager
def html_app(root: Path, tmp_path: Path) -> Iterator[Any]:
    """*root* built in-process with the ``html`` builder; directive registrations stay inside."""
    from sphinx.application import Sphinx
    from sphinx.util.docutils import docutils_namespace

    with docutils_namespace():
        app = Sphinx(
            root, root / "conf", tmp_path / "html", tmp_path / "doctrees", "html", status=None, warning=None
        )
        app.build()
        yield app


def sphinx_navigation(builder: Any, docname: str, options: dict[str, Any]) -> str:
    """The whole-site toctree as Sphinx's own HTML builder renders it for one page."""
    from sphinx.builders.html import StandaloneHTMLBuilder

    return StandaloneHTMLBuilder._get_local_toctree(builder, docname, collapse=False, **options)  # type: ignore[no-any-return]


def test_shared_navigation_equals_sphinx_per_page_navigation(tmp_path: Path) -> None:
    """The navigation rendered once and filled in per page is exactly Sphinx's and Furo's own."""
    from furo.navigation import get_navigation_tree

    from conftest import copy_root

    root = copy_root("test-basic", tmp_path)
    # nest pages (expanded branches), list two pages twice, and add a caption and an outside link
    indexes = root / "docs/indexes.md"
    nested = "```{toctree}\n:caption: More\n:numbered:\n\nglossary\ntracks\nAn outside page <https://example.org/a>\n```\n"
    text = indexes.read_text().replace("title: Indexes", 'title: Indexes & "lists" <all>')
    indexes.write_text(text + "\n" + nested)
    with html_app(root, tmp_path) as app:
        builder = app.builder
        assert type(builder).__name__ == "ParticipantHTMLBuilder"
        options = {"titles_only": True, "maxdepth": -1, "includehidden": True}
        assert builder.furo_template() is not None  # type: ignore[attr-defined]
        checked = current_pages = 0
        for docname in sorted(app.env.found_docs):
            ours = builder._get_local_toctree(docname, collapse=False, **options)  # type: ignore[attr-defined]
            sphinx = sphinx_navigation(builder, docname, options)
            assert ours == sphinx, docname
            furo = get_navigation_tree.__wrapped__(sphinx)  # Furo's own pass, uncached
            assert builder.furo_navigation(docname) == furo, docname  # type: ignore[attr-defined]
            checked += 'checked=""' in furo
            current_pages += "current-page" in furo
        # the comparison covered expanded branches and marked pages, not only plain trees
        assert checked >= 3 and current_pages >= 5
        page = (tmp_path / "html/modules/02-beta/index.html").read_text()
        # pages pass through pagefix (aria-level, aria-current) on the way to disk
        assert fix_page(builder.furo_navigation("modules/02-beta/index")) in page  # type: ignore[attr-defined]


CHANGES_FOR_FALLBACK: dict[str, tuple[str, str] | None] = {
    # no other change: only the pruned trees (maxdepth 0 or 1) fall back
    "pruned": None,
    # a page name HTML escapes (Sphinx writes q%26a.html)
    "escaped-name": ("docs/q&a.md", "# Questions & answers\n\nText.\n"),
    # a toctree inside an only directive: Sphinx resolves it differently on its own page
    "only": ("docs/extra.md", "# Extra\n\n::::{only} latex\n```{toctree}\nglossary\n```\n::::\n"),
}


@pytest.mark.parametrize("change", sorted(CHANGES_FOR_FALLBACK))
def test_navigation_falls_back_to_sphinx_where_a_template_could_differ(tmp_path: Path, change: str) -> None:
    """Where a template could differ from Sphinx, each page takes Sphinx's and Furo's own path."""

    from conftest import copy_root

    root = copy_root("test-basic", tmp_path)
    if (extra := CHANGES_FOR_FALLBACK[change]) is not None:
        (root / extra[0]).write_text(extra[1])
    indexes = root / "docs/indexes.md"  # nested entries, which a maxdepth prunes
    indexes.write_text(indexes.read_text() + "\n```{toctree}\nglossary\ntracks\n```\n")
    with html_app(root, tmp_path) as app:
        builder = app.builder
        assert (builder.furo_template() is None) == (extra is not None)  # type: ignore[attr-defined]
        for maxdepth in (-1, 0, 1):  # 0 and 1 prune the tree: never templated
            options = {"titles_only": True, "maxdepth": maxdepth, "includehidden": True}
            for docname in sorted(app.env.found_docs):
                ours = builder._get_local_toctree(docname, collapse=False, **options)  # type: ignore[attr-defined]
                sphinx = sphinx_navigation(builder, docname, options)
                assert ours == sphinx, (docname, maxdepth)
    page = (tmp_path / "html/modules/02-beta/index.html").read_text()
    assert 'class="toctree-l1 current current-page"' in page
    if change == "escaped-name":
        assert 'href="../../docs/q%26a.html"' in page


def test_furo_keeps_its_own_navigation_when_it_asks_differently(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should a Furo release ask for the tree with other options, its own navigation stays."""
    from furo.navigation import get_navigation_tree

    from conftest import copy_root
    from safe_harbor.builders import navigation

    call = {**navigation.FURO_TOCTREE_CALL, "titles_only": False}  # not what this Furo asks for
    monkeypatch.setattr(navigation, "FURO_TOCTREE_CALL", call)
    root = copy_root("test-basic", tmp_path)
    with html_app(root, tmp_path) as app:
        options = {"titles_only": True, "maxdepth": -1, "includehidden": True}
        sphinx = sphinx_navigation(app.builder, "modules/02-beta/index", options)
    page = (tmp_path / "html/modules/02-beta/index.html").read_text()
    assert fix_page(get_navigation_tree.__wrapped__(sphinx)) in page
    assert 'class="toctree-l1 current current-page"' in page


def test_facilitator_pages_do_not_depend_on_writing_print_fragments(tmp_path: Path) -> None:
    """Rendering the fragments first must not change the doctree the facilitator page is made from.

    Sphinx's HTML translator edits the nodes it visits (image addresses, admonition titles,
    field classes), so each render must start from an untouched doctree.
    """
    from conftest import copy_root
    from safe_harbor.pipeline import BuildOptions, build

    outputs = {}
    for only in (None, "site"):
        root = copy_root("test-basic", tmp_path / str(only))
        svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'
        (root / "modules/01-alpha/pic.svg").write_text(svg)
        module = root / "modules/01-alpha/index.md"
        extra = "\n\n## Extras\n\n:::{note}\nNOTE-BODY\n:::\n\n![a small square](pic.svg)\n"
        module.write_text(module.read_text() + extra)
        out = tmp_path / f"out-{only}"
        report = build(BuildOptions(root=root, out=out, jobs=2, only=only))  # type: ignore[arg-type]
        assert not report.errors, report.errors
        outputs[only] = out
    full, site_only = outputs[None] / "facilitator", outputs["site"] / "facilitator"
    pages = sorted(p.relative_to(full) for p in full.rglob("*.html"))
    assert pages == sorted(p.relative_to(site_only) for p in site_only.rglob("*.html"))
    for page in pages:
        assert without_file_facts((full / page).read_text()) == without_file_facts(
            (site_only / page).read_text()
        ), page
    html = (full / "modules/01-alpha/index.html").read_text()
    assert 'src="../../_images/pic.svg"' in html
    assert html.count("admonition-title") == 1 and "field-odd field-odd" not in html
    fragments = json.loads((outputs[None] / "print/modules/01-alpha/index.json").read_text())
    for variant in ("facilitator", "participant"):
        fragment = fragments[variant]
        assert fragment.count("admonition-title") == 1, variant
        assert 'src="_images/pic.svg"' in fragment and "field-odd field-odd" not in fragment, variant
