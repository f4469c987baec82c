"""The real curriculum's two sites in headless Chromium: every page of both views.

One build of the real curriculum per session, served from a loopback port. Any request to
another host fails the test that made it. See ``browser_harness.py`` for the tools.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import browser_harness as bh
from safe_harbor.pipeline import BuildOptions, build, paths

REPO = Path(__file__).resolve().parent.parent
# A word that exists only in facilitator notes (tests/test_browser.py checks it is in the
# facilitator view's search and nowhere in the participant site).
FACILITATOR_ONLY_WORD = "flipchart"

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # ./dev test --fast skips it


@dataclass
class Site:
    out: Path  # the build folder, served as the web root
    participant: Path
    facilitator: Path
    base: str  # the served address of ``out``
    report: Any

    def url(self, path: Path) -> str:
        return self.base + path.relative_to(self.out).as_posix()

    def pages(self, view: str) -> list[Path]:
        root = self.participant if view == "participant" else self.facilitator
        skip = {"_static", "_images", "_sources", "downloads"}
        found = []
        for page in sorted(root.rglob("*.html")):
            parts = page.relative_to(root).parts
            if parts[0] in skip or (view == "participant" and self.facilitator in page.parents):
                continue
            found.append(page)
        return found


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    if missing := bh.missing_tools():
        pytest.fail("the browser suite needs: " + "; ".join(missing) + " (./dev setup installs all of it)")
    root = tmp_path_factory.mktemp("browser") / "curriculum"
    for part in ("conf", "docs", "modules", "handouts"):
        shutil.copytree(REPO / part, root / part)
    shutil.copy(REPO / "index.md", root / "index.md")
    options = BuildOptions(root=root, out=root / "_build", jobs=2)
    report = build(options)
    assert not report.errors, [d.format() for d in report.errors]
    where = paths(options)
    with bh.serve(options.build_dir) as base:
        yield Site(options.build_dir, where["site"], where["facilitator"], base, report)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # module scope: Playwright's event loop is gone before other modules' tests use asyncio.run()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=bh.chromium_path(), args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture
def guarded(browser: Any, site: Site) -> Iterator[Any]:
    """A browser context whose requests to any other host are aborted and fail the test."""
    log = bh.RequestLog(bh.origin(site.base))
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", log.route)
    context.request_log = log  # type: ignore[attr-defined]
    yield context
    context.close()
    assert not log.foreign, f"requests to other hosts: {log.foreign[:10]}"


def all_pages(site: Site) -> list[tuple[str, Path]]:
    return [(view, page) for view in ("participant", "facilitator") for page in site.pages(view)]


def test_both_views_have_pages(site: Site) -> None:
    participant, facilitator = site.pages("participant"), site.pages("facilitator")
    assert len(participant) > 20 and len(facilitator) == len(participant)
    assert not any(site.facilitator in p.parents for p in participant)


def test_every_page_passes_axe_light_and_dark_at_both_widths(browser: Any, site: Site) -> None:
    """axe-core (WCAG 2.0/2.1 A and AA) on every page of both views, 375 and 1280 px, light and
    dark; no request leaves the site's own host."""
    log = bh.RequestLog(bh.origin(site.base))
    found: list[dict[str, Any]] = []
    checked = 0
    for width in bh.WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 800})
        context.route("**/*", log.route)
        context.add_init_script(path=str(bh.AXE_JS))
        page = context.new_page()
        for view, path in all_pages(site):
            page.goto(site.url(path), wait_until="load")
            for scheme in bh.SCHEMES:
                page.emulate_media(color_scheme=scheme)
                checked += 1
                for violation in bh.run_axe(page):
                    found.append(
                        {"view": view, "page": path.name, "width": width, "scheme": scheme, **violation}
                    )
        context.close()
    summary = _summarize(found)
    print(f"axe: {checked} page checks, {len(found)} violations: {json.dumps(summary)}")
    assert not log.foreign, f"requests to other hosts: {log.foreign[:10]}"
    assert not found, json.dumps(found[:20], indent=1)


def _summarize(found: list[dict[str, Any]]) -> dict[str, int]:
    summary: dict[str, int] = {}
    for v in found:
        summary[v["id"]] = summary.get(v["id"], 0) + v["nodes"]
    return summary


def test_every_page_passes_the_nu_html_checker(site: Site) -> None:
    pages = [path for _, path in all_pages(site)]
    errors = bh.run_vnu(pages)
    where = sorted({e["url"].rsplit("/", 2)[-1] for e in errors})
    print(f"vnu: {len(pages)} pages, {len(errors)} errors in {len(where)} pages")
    assert not errors, json.dumps(errors[:10], indent=1)


# --- keyboard -----------------------------------------------------------------------------

FOCUS_INFO = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const visible = (node) => {
    const r = node.getBoundingClientRect();
    const s = getComputedStyle(node);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && r.right > 0 && r.bottom > 0
      && r.left < window.innerWidth && r.top < window.innerHeight;
  };
  // a visually hidden toggle shows its focus on the icon label that stands for it
  const labels = el.id ? [...document.querySelectorAll(`label[for="${el.id}"]`)] : [];
  const name = el.getAttribute("aria-label") || el.textContent.trim() || el.getAttribute("title") || "";
  return {
    tag: el.tagName.toLowerCase(), id: el.id, cls: el.className && String(el.className), name: name.slice(0, 60),
    visible: visible(el) || labels.some(visible),
    // at or past the start of the content (a page whose content has no link, like the search
    // page before a search, is done when focus moves past it)
    inMain: (() => {
      const main = document.getElementById("furo-main-content");
      return !!main && (main.contains(el) || !!(main.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING));
    })(),
  };
}"""


def tab_path(page: Any, limit: int = 40) -> list[dict[str, Any]]:
    """Focus stops from the top of the page until the first one inside the main content."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUS_INFO)
        if info is None:
            continue
        stops.append(info)
        if info["inMain"]:
            break
    return stops


def test_keyboard_path_on_a_phone(browser: Any, site: Site) -> None:
    """At 375 px: every focus stop before the content is visible, the menu and contents toggles
    are reachable and named, and the quick exit comes first."""
    log = bh.RequestLog(bh.origin(site.base))
    context = browser.new_context(viewport={"width": 375, "height": 800})
    context.route("**/*", log.route)
    page = context.new_page()
    problems = []
    for view, path in all_pages(site):
        page.goto(site.url(path))
        stops = tab_path(page)
        where = f"{view}:{path.relative_to(site.out)}"
        if not stops or not stops[-1]["inMain"]:
            problems.append(f"{where}: content not reached in {len(stops)} stops")
        hidden = [s for s in stops[:-1] if not s["visible"]]  # the stops before the content
        if hidden:
            problems.append(f"{where}: {len(hidden)} invisible stops, e.g. {hidden[:2]}")
        if stops and "sh-quick-exit" not in stops[0]["cls"]:
            problems.append(f"{where}: first stop is {stops[0]}, not the quick exit")
        ids = {s["id"]: s for s in stops}
        if "__navigation" not in ids or not ids["__navigation"]["name"]:
            problems.append(f"{where}: the menu toggle is not reachable or has no name")
    context.close()
    assert not log.foreign, log.foreign[:5]
    print(f"keyboard: {len(all_pages(site))} pages, {len(problems)} problems")
    assert not problems, "\n".join(problems[:20])


def test_current_page_link_and_search_focus_ring(guarded: Any, site: Site) -> None:
    page = guarded.new_page()
    module = next(p for p in site.pages("participant") if "modules" in p.parts)
    page.goto(site.url(module))
    current = page.locator('.sidebar-tree a[aria-current="page"]')
    assert current.count() == 1
    assert current.get_attribute("href") == "#"
    search = page.locator("input.sidebar-search")
    search.focus()
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] != "none" and outline[1] >= 2, outline
    assert search.get_attribute("autocomplete") == "off"


# --- quick exit ---------------------------------------------------------------------------

NEUTRAL_PAGE = "<!doctype html><title>Neutral</title><p>neutral</p>"


def _neutral(context: Any, site: Site) -> str:
    """Answer the configured neutral site locally (no request leaves the machine)."""
    from safe_harbor.config import load_curriculum_config

    neutral = load_curriculum_config(REPO / "conf").site.quick_exit
    context.unroute("**/*")
    log = context.request_log

    def route(route: Any) -> None:
        if route.request.url.startswith(neutral.split("?")[0]):
            route.fulfill(status=200, content_type="text/html", body=NEUTRAL_PAGE)
        else:
            log.route(route)

    context.route("**/*", route)
    return neutral


@pytest.mark.parametrize("how", ["button", "escape"])
def test_quick_exit_replaces_the_page(guarded: Any, site: Site, how: str) -> None:
    neutral = _neutral(guarded, site)
    page = guarded.new_page()
    first, second = site.pages("participant")[0], site.pages("participant")[-1]
    page.goto(site.url(first))
    page.goto(site.url(second))
    page.evaluate("() => sessionStorage.setItem('sh-test', '1')")
    length = page.evaluate("history.length")
    if how == "button":
        link = page.locator("[data-sh-quick-exit]")
        assert link.is_visible() and link.inner_text().strip()
        with page.expect_navigation():
            link.click()
    else:
        with page.expect_navigation():
            page.keyboard.press("Escape")
            page.keyboard.press("Escape")
    assert page.url.startswith(neutral.split("?")[0]) and "neutral" in page.content()
    # replaced, not added: the page that was open is gone from the tab's history
    assert page.evaluate("history.length") == length
    page.go_back()
    assert page.url == site.url(first)
    assert page.evaluate("sessionStorage.length") == 0


def test_quick_exit_on_every_page(site: Site) -> None:
    from safe_harbor.config import load_curriculum_config

    neutral = load_curriculum_config(REPO / "conf").site.quick_exit
    for _view, path in all_pages(site):
        text = path.read_text("utf-8")
        assert "data-sh-quick-exit" in text and f'href="{neutral.replace("&", "&amp;")}"' in text, path
        assert '<meta name="referrer" content="no-referrer">' in text, path


# --- search -------------------------------------------------------------------------------


def _search(page: Any, site: Site, root: Path, query: str) -> list[str]:
    page.goto(site.url(root / "index.html"))
    page.fill("input.sidebar-search", query)
    page.press("input.sidebar-search", "Enter")
    page.wait_for_selector("#search-results .search-summary:not(:empty)")
    return page.locator("#search-results ul.search > li > a").evaluate_all("els => els.map(e => e.href)")


def _storage(page: Any) -> str:
    return str(page.evaluate("() => JSON.stringify([{...localStorage}, {...sessionStorage}])"))


def test_search_leaves_no_trace_and_still_highlights(guarded: Any, site: Site) -> None:
    page = guarded.new_page()
    query = "stigma"
    results = _search(page, site, site.participant, query)
    assert results, "no results"
    assert len(results) == len({r.split("#")[0] for r in results}), f"a page is listed twice: {results}"
    assert "?" not in page.url and query not in page.url
    assert query not in _storage(page)
    assert query not in page.evaluate("() => history.state === null ? '' : JSON.stringify(history.state)")
    # previews are the page's own text, not the site's controls
    previews = page.locator("#search-results p.context").all_inner_texts()
    assert previews and not any("You are reading" in p or "Leave this site" in p for p in previews)
    # following a result highlights the words there, and leaves nothing behind
    with page.expect_navigation():
        page.locator("#search-results ul.search > li > a").first.click()
    page.wait_for_selector("span.highlighted")
    assert query not in _storage(page)


def facilitator_only_terms(site: Site) -> list[str]:
    def terms(root: Path) -> set[str]:
        text = (root / "searchindex.js").read_text("utf-8")
        return set(json.loads(text[text.index("(") + 1 : text.rindex(")")])["terms"])

    only = terms(site.facilitator) - terms(site.participant)
    return sorted((t for t in only if t.isalpha() and len(t) >= 6), key=lambda t: (-len(t), t))


def test_facilitator_only_words_find_nothing_in_participant_search(guarded: Any, site: Site) -> None:
    page = guarded.new_page()
    tried = []
    for term in facilitator_only_terms(site)[:8]:
        if not _search(page, site, site.facilitator, term):
            continue  # the stemmer changes this one: try another
        tried.append(term)
        assert _search(page, site, site.participant, term) == [], term
        if len(tried) == 3:
            break
    assert tried, "no facilitator-only word found to search for"


# --- downloads and the offline copy -------------------------------------------------------


def test_offline_copy_works_from_disk(browser: Any, site: Site, tmp_path: Path) -> None:
    zips = list(site.participant.rglob("*-offline.zip"))
    assert len(zips) == 1
    with zipfile.ZipFile(zips[0]) as archive:
        names = archive.namelist()
        assert not any("/facilitator/" in n or "/guides/" in n for n in names)
        assert any(n.endswith(".pdf") for n in names)
        archive.extractall(tmp_path)
    index = next(tmp_path.glob("*/index.html"))
    log = bh.RequestLog("file:")
    context = browser.new_context()
    context.route("**/*", log.route)
    page = context.new_page()
    page.goto(index.as_uri())
    handout = page.locator(".sidebar-tree a", has_text="Words matter").first
    with page.expect_navigation():
        handout.click()
    pdf = page.locator("a.sh-download-handout").first.get_attribute("href")
    assert pdf and (Path(page.url.removeprefix("file://")).parent / pdf).resolve().is_file()
    page.fill("input.sidebar-search", "stigma")
    page.press("input.sidebar-search", "Enter")
    page.wait_for_selector("#search-results ul.search > li > a")
    page.wait_for_selector("#search-results p.context")
    assert "?" not in page.url
    context.close()
    assert not log.foreign, log.foreign[:5]
