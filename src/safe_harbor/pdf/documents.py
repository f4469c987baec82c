"""Assemble one small print document per PDF from the print builder's fragments.

Inputs are ``<print>/manifest.json`` (the curriculum model) and ``<print>/<docname>.json`` (each
page's body for facilitators and for participants).  Outputs are :class:`PrintJob` objects: the
complete HTML of a PDF, where it goes, and the source pages it was made from (for messages and
for incremental rebuilds).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import STATIC
from ..config import PrintSettings, valid_length
from ..model import handout_pdf_path, slugify
from ..register import Claim

PAPER = {"letter": "letter", "a4": "A4"}
_INTERNAL_LINK = re.compile(r'(<a class="reference internal[^"]*") href="[^"]*"')
_ID = re.compile(r'\b(id)="([^"]+)"')
_ANCHOR = re.compile(r'href="#([^"]+)"')
_PDF_LINK = re.compile(r'\s*\(<a class="[^"]*sh-pdf-link[^"]*"[^>]*>PDF</a>\)')


# The same four settings as ``print:`` in conf/curriculum.yaml, after command-line overrides.
PrintOptions = PrintSettings


@dataclass
class PrintJob:
    """One PDF to render: its HTML, where it goes and what it was made from."""

    output: str  # path relative to the downloads folder
    title: str
    html: str
    kind: str  # handout, large-print, guide, workbook
    sources: list[str] = field(default_factory=list)  # docnames, for messages
    max_pages: int | None = None  # a handout that must fit on this many pages

    @property
    def label(self) -> str:
        return self.sources[0] if len(self.sources) == 1 else self.output


def printable(fragment: str) -> str:
    """Drop links to other site pages and to PDFs: they mean nothing on paper."""
    return _INTERNAL_LINK.sub(r"\1", _PDF_LINK.sub("", fragment))


class PrintSet:
    """The print folder: manifest plus fragments, read lazily and once."""

    def __init__(self, print_dir: Path) -> None:
        self.dir = print_dir
        self.manifest: dict[str, Any] = json.loads((print_dir / "manifest.json").read_text("utf-8"))
        self._pages: dict[str, dict[str, str]] = {}

    def page(self, docname: str) -> dict[str, str]:
        if docname not in self._pages:
            self._pages[docname] = json.loads((self.dir / f"{docname}.json").read_text("utf-8"))
        return self._pages[docname]

    def body(self, docname: str, audience: str, prefix: str = "") -> str:
        """A page's body for one audience; ``prefix`` keeps its ids unique in a combined PDF."""
        fragment = printable(self.page(docname)[audience])
        if prefix:
            fragment = _ID.sub(rf'\1="{prefix}-\2"', fragment)
            fragment = _ANCHOR.sub(rf'href="#{prefix}-\1"', fragment)
        return fragment

    @property
    def site(self) -> dict[str, Any]:
        return self.manifest["site"]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Face:
    """What a PDF shows of the curriculum on its outside: cover, running heads, footer, metadata.

    The real face names the curriculum; the discreet face (``print.discreet``) shows only the
    program's neutral title, so a participant's copy does not name its topic to whoever sees it.
    """

    title: str
    subtitle: str
    author: str
    footer: str  # the footer's line: title and version, date, license, address
    discreet: bool = False

    @classmethod
    def of(cls, ps: PrintSet, options: PrintOptions, *, discreet: bool = False) -> Face:
        site, date = ps.site, ps.manifest["build_date"]
        if discreet:  # the title is in the running head and the running title already
            return cls(options.discreet_title, "", "", f"{date} · {site['license']}", discreet=True)
        parts = [site["version"], date, site["license"]]
        footer = " · ".join([f"{site['title']} {parts[0]}", *parts[1:]])
        if site.get("online_address"):
            footer += f" · {site['online_address']}"
        return cls(site["title"], site["subtitle"], site["author"], footer)


def stylesheet(options: PrintOptions, *, large_print: bool = False) -> str:
    css = (STATIC / "print.css").read_text("utf-8")
    fonts = (STATIC / "fonts").as_uri()
    if not valid_length(options.bleed):  # checked on input; never paste anything else into CSS
        raise ValueError(f"bleed must be a length like 3mm, got {options.bleed!r}")
    page = [f"size: {PAPER[options.paper]};"]
    if options.bleed not in ("0mm", "0in", "0pt", "0"):
        page.append(f"bleed: {options.bleed};")
    if options.crop_marks:
        page.append("marks: crop cross;")
    rules = css.replace("__FONTS__", fonts) + "\n@page { " + " ".join(page) + " }\n"
    if large_print:
        rules += (STATIC / "print-large.css").read_text("utf-8")
    return rules


def _head(ps: PrintSet, face: Face, title: str, description: str, css: str) -> str:
    esc = html.escape
    meta = [f'<meta name="author" content="{esc(face.author)}">'] if face.author else []
    if description:
        meta.append(f'<meta name="description" content="{esc(description)}">')
    if not face.discreet:
        meta.append('<meta name="generator" content="Safe Harbor">')
    return (
        f'<!DOCTYPE html><html lang="{esc(ps.site["language"])}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>"
        + "".join(meta)
        + f'<meta name="dcterms.created" content="{esc(ps.manifest["build_date"])}">'
        f'<meta name="dcterms.modified" content="{esc(ps.manifest["build_date"])}">'
        f"<style>{css}</style></head>"
    )


def _running(face: Face, header: str, footer_title: str) -> str:
    esc = html.escape
    return (
        f'<div class="running-header" aria-hidden="true">{esc(header)}</div>'
        f'<div class="running-title" aria-hidden="true">{esc(footer_title)}</div>'
        f'<div class="running-meta" aria-hidden="true">{esc(face.footer)}</div>'
    )


def _participant_handouts(ps: PrintSet) -> list[dict[str, Any]]:
    return [h for h in ps.manifest["handouts"] if h["audience"] == "participant"]


def handout_job(
    ps: PrintSet, handout: dict[str, Any], options: PrintOptions, *, large: bool, discreet: bool = False
) -> PrintJob:
    face = Face.of(ps, options, discreet=discreet)
    audience = "facilitator" if handout["audience"] == "facilitator" else "participant"
    css = stylesheet(options, large_print=large)
    doc_class = "handout large-print" if large else "handout"
    suffix = " (large print)" if large else ""
    if discreet:
        number = [h["id"] for h in _participant_handouts(ps)].index(handout["id"]) + 1
        title = header = footer_title = f"{face.title}: handout {number}"
        description = ""
        output = f"discreet/{slugify(face.title)}-handout-{number:02d}{'-large-print' if large else ''}.pdf"
    else:
        modules = {m["id"]: m for m in ps.manifest["modules"]}
        used_in = [modules[m]["title"] for m in handout["modules"] if m in modules]
        header = f"{face.title} · {used_in[0]}" if used_in else face.title
        title = footer_title = handout["title"]
        description = handout.get("summary", "")
        output = handout_pdf_path(handout["id"], handout["audience"], large=large)
    document = (
        _head(ps, face, title, description, css)
        + f'<body class="{doc_class}">'
        + _running(face, header, footer_title)
        + f"<main>{ps.body(handout['docname'], audience)}</main></body></html>"
    )
    return PrintJob(
        output,
        title + suffix,
        document,
        "large-print" if large else "handout",
        [handout["docname"]],
        max_pages=None if large else handout.get("max_pages", 2),
    )


def _cover(ps: PrintSet, face: Face, kind_title: str, track_title: str) -> str:
    site = ps.site
    esc = html.escape
    license_line = (
        f'{esc(site["license"])} (<a href="{esc(site["license_url"])}">{esc(site["license_url"])}</a>)'
    )
    subtitle = f'<p class="cover-subtitle">{esc(face.subtitle)}</p>' if face.subtitle else ""
    facts = [] if face.discreet else [("Version", esc(site["version"]))]
    facts += [("Date", esc(ps.manifest["build_date"])), ("License", license_line)]
    if face.author:
        facts.append(("Authors", esc(face.author)))
    return (
        '<section class="cover">'
        f'<p class="cover-kind">{esc(kind_title)}</p>'
        f'<h1 class="cover-title">{esc(face.title)}</h1>'
        + subtitle
        + f'<p class="cover-track">{esc(track_title)}</p>'
        '<dl class="cover-facts">'
        + "".join(f"<dt>{term}</dt><dd>{value}</dd>" for term, value in facts)
        + "</dl></section>"
    )


def _toc(entries: list[tuple[str, str]]) -> str:
    items = "".join(
        f'<li><a class="toc-link" href="#{anchor}">{html.escape(title)}</a></li>' for anchor, title in entries
    )
    return f'<nav class="toc" aria-label="Contents"><h1 class="toc-title">Contents</h1><ol>{items}</ol></nav>'


def _tracks(ps: PrintSet) -> list[dict[str, Any]]:
    tracks = list(ps.manifest["tracks"])
    if not tracks:  # no tracks configured: one guide with every module
        tracks = [
            {
                "id": "all-modules",
                "title": "All modules",
                "modules": [m["id"] for m in ps.manifest["modules"]],
                "agenda": "",
                "checklist": "",
            }
        ]
    return tracks


def _book(
    ps: PrintSet,
    face: Face,
    kind: str,
    body_class: str,
    title: str,
    track: dict[str, Any],
    toc: list[tuple[str, str]],
    parts: list[str],
    options: PrintOptions,
) -> str:
    """A combined document: cover, running heads, contents, then the parts."""
    return (
        _head(ps, face, title, f"{kind} for the {track['title']} track", stylesheet(options))
        + f'<body class="{body_class}{" discreet" if face.discreet else ""}">'
        + _cover(ps, face, kind, track["title"])
        + _running(face, face.title, f"{kind} · {track['title']}")
        + _toc(toc)
        + "<main>"
        + "".join(parts)
        + "</main></body></html>"
    )


FACTS_TITLE = "Facts to re-check before you run this"


def _facts_chapter(ps: PrintSet, pages: list[dict[str, Any]]) -> str:
    """Every marked claim of the guide's modules and handouts: what to check, where, and when
    it was last checked; claims past the re-check limit say so first."""
    months = ps.manifest.get("facts", {}).get("recheck_after_months", 18)
    today = dt.date.fromisoformat(ps.manifest["build_date"])
    esc = html.escape
    items = []
    for page in pages:
        for data in page.get("claims", []):
            claim = Claim(**data)
            due = claim.months_old(today) >= months
            flag = '<strong class="fact-due">Re-check due.</strong> ' if due else ""
            sources = "; ".join(esc(s) for s in claim.sources)
            items.append(
                f'<li class="fact"><p class="fact-claim">{flag}{esc(claim.text)}</p>'
                f'<p class="fact-meta">{esc(page["title"])} · last checked {esc(claim.as_of)}</p>'
                f'<p class="fact-sources">Sources: {sources}</p></li>'
            )
    if not items:
        return ""
    intro = (
        "<p>These statements can change: a law, a court decision, a phone line, who runs a service "
        "and what it does with what people tell it. Check each against its source before the "
        f"training, and re-check any last checked more than {months} months ago.</p>"
    )
    return (
        f'<section class="chapter" id="facts"><h1>{FACTS_TITLE}</h1>{intro}'
        f'<ol class="facts">{"".join(items)}</ol></section>'
    )


def guide_job(ps: PrintSet, track: dict[str, Any], options: PrintOptions) -> PrintJob:
    modules = {m["id"]: m for m in ps.manifest["modules"]}
    handouts = {h["id"]: h for h in ps.manifest["handouts"]}
    chosen = [modules[m] for m in track["modules"] if m in modules]
    used_handouts = [handouts[h] for m in chosen for h in dict.fromkeys(m["handouts"]) if h in handouts]
    used_handouts = list({h["id"]: h for h in used_handouts}.values())
    toc: list[tuple[str, str]] = []
    parts: list[str] = []
    if track.get("agenda"):
        toc.append(("agenda", "Agenda"))
        parts.append(
            f'<section class="chapter" id="agenda"><h1>Agenda</h1>{printable(track["agenda"])}</section>'
        )
    if track.get("checklist"):
        toc.append(("checklist", "Preparation checklist"))
        parts.append(
            f'<section class="chapter" id="checklist"><h1>Preparation checklist</h1>{printable(track["checklist"])}</section>'
        )
    facts = _facts_chapter(ps, chosen + used_handouts)
    if facts:
        toc.append(("facts", FACTS_TITLE))
        parts.append(facts)
    for module in chosen:
        anchor = f"module-{module['id']}"
        toc.append((anchor, module["title"]))
        subset = track.get("subsets", {}).get(module["id"])
        note = ""
        if subset:
            items = "".join(f"<li>{html.escape(title)}</li>" for title in subset)
            note = (
                '<div class="sh-block sh-track-note"><p class="sh-block-title">'
                f"In the {html.escape(track['title'])}, run only these activities</p><ul>{items}</ul></div>"
            )
        body = ps.body(module["docname"], "facilitator", anchor)
        body = body.replace("</h1>", "</h1>" + note, 1) if note else body
        parts.append(f'<section class="chapter module" id="{anchor}">{body}</section>')
    if used_handouts:
        toc.append(("appendices", "Appendix: handouts"))
        parts.append('<section class="chapter appendices" id="appendices"><h1>Appendix: handouts</h1>')
        for handout in used_handouts:
            parts.append(
                f'<section class="appendix" id="handout-{handout["id"]}">'
                f"{ps.body(handout['docname'], 'facilitator', 'h-' + handout['id'])}</section>"
            )
        parts.append("</section>")
    glossary = ps.manifest.get("glossary")
    if glossary:
        toc.append(("glossary", "Glossary"))
        parts.append(
            f'<section class="chapter back" id="glossary">{ps.body(glossary, "participant", "glossary")}</section>'
        )
    references = sorted(
        {s for m in chosen for s in m["sources"]} | {s for h in used_handouts for s in h["sources"]}
    )
    if references:
        toc.append(("references", "References"))
        items = "".join(f"<li>{html.escape(r)}</li>" for r in references)
        parts.append(
            f'<section class="chapter back" id="references"><h1>References</h1><ul class="references">{items}</ul></section>'
        )
    face = Face.of(ps, options)
    title = f"{face.title} facilitator guide: {track['title']}"
    body = _book(ps, face, "Facilitator guide", "guide", title, track, toc, parts, options)
    sources = [m["docname"] for m in chosen] + [h["docname"] for h in used_handouts]
    return PrintJob(f"guides/{track['id']}-facilitator-guide.pdf", title, body, "guide", sources)


def workbook_job(
    ps: PrintSet, track: dict[str, Any], options: PrintOptions, *, discreet: bool = False
) -> PrintJob:
    face = Face.of(ps, options, discreet=discreet)
    modules = {m["id"]: m for m in ps.manifest["modules"]}
    handouts = {h["id"]: h for h in ps.manifest["handouts"]}
    chosen = [modules[m] for m in track["modules"] if m in modules]
    ordered = list(dict.fromkeys(h for m in chosen for h in m["handouts"] if h in handouts))
    participant = [handouts[h] for h in ordered if handouts[h]["audience"] == "participant"]
    toc = [(f"handout-{h['id']}", h["title"]) for h in participant]
    parts = [
        f'<section class="chapter workbook-handout" id="handout-{h["id"]}">'
        f"{ps.body(h['docname'], 'participant', 'h-' + h['id'])}</section>"
        for h in participant
    ]
    title = f"{face.title} participant workbook: {track['title']}"
    body = _book(ps, face, "Participant workbook", "workbook", title, track, toc, parts, options)
    if discreet:
        number = [t["id"] for t in _tracks(ps)].index(track["id"]) + 1
        output = f"discreet/{slugify(face.title)}-workbook-{number}.pdf"
    else:
        output = f"workbooks/{track['id']}-participant-workbook.pdf"
    return PrintJob(output, title, body, "workbook", [h["docname"] for h in participant])


def plan_jobs(print_dir: Path, options: PrintOptions) -> list[PrintJob]:
    """Every PDF of the curriculum, in a stable order (handouts, large print, guides, workbooks)."""
    ps = PrintSet(print_dir)
    jobs = [handout_job(ps, h, options, large=False) for h in ps.manifest["handouts"]]
    if options.large_print:
        # large print is for participants; facilitator handouts are in the guides too
        jobs += [
            handout_job(ps, h, options, large=True)
            for h in ps.manifest["handouts"]
            if h["audience"] != "facilitator"
        ]
    for track in _tracks(ps):
        jobs.append(guide_job(ps, track, options))
        jobs.append(workbook_job(ps, track, options))
    if options.discreet:  # participant outputs only: facilitators keep the real title
        for handout in _participant_handouts(ps):
            jobs.append(handout_job(ps, handout, options, large=False, discreet=True))
            if options.large_print:
                jobs.append(handout_job(ps, handout, options, large=True, discreet=True))
        jobs += [workbook_job(ps, track, options, discreet=True) for track in _tracks(ps)]
    return jobs
