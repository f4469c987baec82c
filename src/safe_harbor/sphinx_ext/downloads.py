"""Downloads: which PDFs concern a page, the per-page download box and the Downloads page.

What a page links:

- a handout page: its PDF, its large-print edition, and the participant workbook of every
  track whose modules use it;
- a module page: its handouts' PDFs and large-print editions, and the workbook of every track
  that includes the module;
- the Downloads page: every participant PDF and the offline copy of the site.

The facilitator view adds the facilitator guides (and facilitator handouts) the same way. Guides
hold answer keys: participant pages never link them.

Each link is followed by ``<span class="sh-file-facts">PDF</span>``; once the PDFs exist, the
pipeline's last stage (:mod:`safe_harbor.filefacts`) fills in each file's size and page count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import get_translation

from ..config import CurriculumConfig
from ..model import Handout
from . import nodes as sh
from .config_bridge import content_kind, curriculum_config
from .domain import CurriculumDomain, get_domain

_ = get_translation("safe_harbor")

FACTS_CLASS = "sh-file-facts"
SITE_ONLY_CLASS = "sh-site-only"  # left out of the print fragments (and so of every PDF)


@dataclass(frozen=True)
class Download:
    path: str  # relative to the downloads folder
    title: str
    kind: str  # handout, large-print, workbook, guide, offline


@dataclass(frozen=True)
class TrackInfo:
    id: str
    title: str
    modules: tuple[str, ...]


def tracks(config: CurriculumConfig, domain: CurriculumDomain) -> list[TrackInfo]:
    """The tracks that get a workbook and a guide (as pdf/documents.py plans them)."""
    if config.tracks:
        return [TrackInfo(t.id, t.title, tuple(t.module_ids)) for t in config.tracks]
    return [TrackInfo("all-modules", _("All modules"), tuple(domain.modules()))]


def offline_copy_name(config: CurriculumConfig) -> str:
    slug = "-".join(re.sub(r"[^a-z0-9]+", " ", config.site.title.lower()).split()) or "site"
    return f"{slug}-offline.zip"


def handout_downloads(handout: Handout, config: CurriculumConfig, *, facilitator: bool) -> list[Download]:
    if handout.audience != "participant" and not facilitator:
        return []
    # where the PDF stage puts it (a facilitator handout may live with the guides)
    path = str(getattr(handout, "pdf_path", f"handouts/{handout.id}.pdf"))
    found = [Download(path, handout.title, "handout")]
    if config.print.large_print and path == f"handouts/{handout.id}.pdf":
        found.append(
            Download(
                f"handouts/large-print/{handout.id}.pdf",
                _("%s (large print)") % handout.title,
                "large-print",
            )
        )
    return found


def workbook(track: TrackInfo) -> Download:
    return Download(
        f"workbooks/{track.id}-participant-workbook.pdf",
        _("Participant workbook: %s") % track.title,
        "workbook",
    )


def guide(track: TrackInfo) -> Download:
    return Download(
        f"guides/{track.id}-facilitator-guide.pdf",
        _("Facilitator guide: %s") % track.title,
        "guide",
    )


def page_downloads(app: Sphinx, docname: str, *, facilitator: bool) -> list[Download]:
    """Every PDF that concerns a module or handout page, for this view."""
    kind = content_kind(app.env, docname)
    if kind is None:
        return []
    domain = get_domain(app.env)
    config = curriculum_config(app.env)
    handouts = domain.handouts()
    found: list[Download] = []
    if kind[0] == "handout":
        handout = domain.handouts_by_doc.get(docname)
        if handout is None:
            return []
        found += handout_downloads(handout, config, facilitator=facilitator)
        if handout.audience != "participant":
            modules: set[str] = set()  # workbooks hold participant handouts only
        else:
            modules = set(domain.modules_using(handout.id))
    else:
        module = domain.modules_by_doc.get(docname)
        if module is None:
            return []
        for handout_id in module.handouts:
            if handout_id in handouts:
                found += handout_downloads(handouts[handout_id], config, facilitator=facilitator)
        modules = {module.id}
    for track in tracks(config, domain):
        if modules & set(track.modules):
            found.append(workbook(track))
            if facilitator:
                found.append(guide(track))
    return found


def download_link(app: Sphinx, docname: str, item: Download) -> list[nodes.Node]:
    from .writing import pdf_uri

    uri = pdf_uri(app.builder, docname, item.path)
    link = nodes.reference("", item.title, refuri=uri, classes=["sh-download", f"sh-download-{item.kind}"])
    facts = nodes.inline("", "PDF" if item.path.endswith(".pdf") else "ZIP", classes=[FACTS_CLASS])
    return [link, nodes.Text(" ("), facts, nodes.Text(")")]


def download_box(app: Sphinx, docname: str, items: list[Download]) -> nodes.container:
    box = nodes.container(classes=["sh-downloads", SITE_ONLY_CLASS])
    heading = _("Download and print")
    box += nodes.rubric(heading, heading, classes=["sh-block-title"])
    listing = nodes.bullet_list()
    for item in items:
        entry = nodes.list_item()
        entry += nodes.paragraph("", "", *download_link(app, docname, item))
        listing += entry
    box += listing
    return box


def add_download_box(app: Sphinx, doctree: nodes.document, docname: str, *, facilitator: bool) -> None:
    """On module and handout pages: the PDFs that concern the page, near its top."""
    if app.builder.format != "html" or app.builder.name == "safeharbor-print":
        return
    items = page_downloads(app, docname, facilitator=facilitator)
    top = next(iter(doctree.findall(nodes.section)), None)
    if not items or top is None:
        return
    position = 1  # after the title, any content notes and the summary card
    while position < len(top) and (
        (isinstance(top[position], sh.curriculum_block) and top[position]["kind"] == "content-note")
        or "sh-summary" in top[position].get("classes", [])
        or isinstance(top[position], sh.facilitator_only)
    ):
        position += 1
    top.insert(position, download_box(app, docname, items))


def all_downloads(app: Sphinx, *, facilitator: bool) -> dict[str, list[Download]]:
    """The Downloads page's groups, in order."""
    domain = get_domain(app.env)
    config = curriculum_config(app.env)
    groups: dict[str, list[Download]] = {}
    standard: list[Download] = []
    large: list[Download] = []
    for handout in domain.handouts().values():
        for item in handout_downloads(handout, config, facilitator=facilitator):
            (large if item.kind == "large-print" else standard).append(item)
    groups[_("Handouts")] = standard
    if large:
        groups[_("Handouts in large print")] = large
    groups[_("Participant workbooks")] = [workbook(t) for t in tracks(config, domain)]
    if facilitator:
        groups[_("Facilitator guides")] = [guide(t) for t in tracks(config, domain)]
    return groups


def offline_copy(app: Sphinx, docname: str) -> list[nodes.Node]:
    """A paragraph linking the zip of the participant site and its PDFs."""
    config = curriculum_config(app.env)
    item = Download(offline_copy_name(config), _("The whole participant site, with its PDFs"), "offline")
    text = _("Read it without a connection: unzip it and open index.html (search works too).")
    paragraph = nodes.paragraph("", "", *download_link(app, docname, item), nodes.Text(". " + text))
    return [nodes.container("", paragraph, classes=["sh-offline-copy", SITE_ONLY_CLASS])]


def downloads_lists(app: Sphinx, docname: str, *, facilitator: bool) -> list[nodes.Node]:
    """The Downloads page: a heading and a list of links per group."""
    result: list[nodes.Node] = []
    for heading, items in all_downloads(app, facilitator=facilitator).items():
        if not items:
            continue
        result.append(nodes.rubric(heading, heading, classes=["sh-block-title"]))
        listing = nodes.bullet_list(classes=["sh-downloads-list"])
        for item in items:
            entry = nodes.list_item()
            entry += nodes.paragraph("", "", *download_link(app, docname, item))
            listing += entry
        result.append(listing)
    return result
