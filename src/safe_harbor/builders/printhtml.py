"""Print fragments: lean HTML for the PDF stage, one JSON file per page, two audiences each.

WeasyPrint is fast on small, plain HTML and slow on full web themes, so the PDF stage never sees
the site's pages.  This builder renders each page's *body* with Sphinx's HTML translator twice
from one resolved doctree (facilitator variant, then participant variant with facilitator-only
nodes removed) and writes them with the page title to ``<docname>.json``.  ``finish`` writes
``manifest.json``: the curriculum model (modules, handouts, tracks, site settings) the PDF stage
assembles documents from, without importing Sphinx.

The rendering lives in :class:`FragmentWriter`, so that the facilitator builder can write the
same fragments from the doctrees it has already resolved (``safe_harbor_print_dir``), which
spares ``safe-harbor build`` a third pass over every page.  This builder is the standalone path
(``--only pdf``, or a site without a facilitator view).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.util import logging
from sphinx.util.docutils import new_document

from ..atomic import write_text_atomic
from ..sphinx_ext import nodes as sh
from ..sphinx_ext.aggregates import fill_aggregate
from ..sphinx_ext.config_bridge import curriculum_config
from ..sphinx_ext.confine import checked_copyfile
from ..sphinx_ext.domain import get_domain
from ..sphinx_ext.downloads import SITE_ONLY_CLASS
from ..sphinx_ext.writing import resolve_handout, strip_facilitator_content

logger = logging.getLogger(__name__)


class FragmentWriter:
    """Print fragments and the manifest, rendered with an HTML builder's translator.

    *builder* has resolved each doctree as a facilitator builder does (facilitator-only content
    kept); the participant variant is rendered from a copy with that content removed.  The
    builder's per-page state (image path, current page) is restored after each fragment, so a
    site builder can render fragments and then its own page from the same doctree.
    """

    def __init__(self, builder: StandaloneHTMLBuilder, outdir: Path) -> None:
        self.builder = builder
        self.outdir = outdir

    def write(self, docname: str, doctree: nodes.document, *, keep: bool = False) -> None:
        """Write the page's fragments.

        Sphinx's HTML translator edits the nodes it visits (image addresses, admonition titles,
        field classes), so each variant is rendered from a doctree no render has touched: the
        participant copy is taken first, and with *keep* (the caller renders its own page from
        *doctree* afterwards) the facilitator variant is rendered from a copy too.
        """
        title_node = self.builder.env.longtitles.get(docname)
        participant = doctree.deepcopy()
        strip_facilitator_content(participant)
        facilitator = doctree.deepcopy() if keep else doctree
        for copy in (participant, facilitator):  # download boxes are for the site, not the PDFs
            for node in list(copy.findall(nodes.container)):
                if SITE_ONLY_CLASS in node["classes"]:
                    node.parent.remove(node)
        page = {
            "docname": docname,
            "title": title_node.astext() if title_node else docname,
            "facilitator": self.render(docname, facilitator),
            "participant": self.render(docname, participant),
        }
        write_text_atomic(self.output_path(docname), json.dumps(page))

    def output_path(self, docname: str) -> Path:
        return self.outdir / f"{docname}.json"

    def render(self, docname: str, doctree: nodes.document) -> str:
        builder: Any = self.builder
        saved = {name: getattr(builder, name, None) for name in _PAGE_STATE}
        try:
            doctree.settings = builder.docsettings
            builder.secnumbers = builder.env.toc_secnumbers.get(docname, {})
            builder.fignumbers = builder.env.toc_fignumbers.get(docname, {})
            # Images are addressed from the print folder's root, where the PDF stage sets base_url.
            builder.imgpath = "_images"
            builder.dlpath = "_downloads"
            builder.current_docname = docname
            visitor = builder.create_translator(doctree, builder)
            doctree.walkabout(visitor)
            return "".join(visitor.fragment)
        finally:
            for name, value in saved.items():
                setattr(builder, name, value)

    def render_aggregate(self, kind: str, track: str) -> str:
        """Render an agenda or checklist for a track outside any page (for the guides)."""
        builder = self.builder
        config = curriculum_config(builder.env)
        document = new_document(str(config.path), builder.docsettings)
        placeholder = sh.aggregate(kind=kind, track=track)
        placeholder.source, placeholder.line = str(config.path), getattr(config.track(track), "line", 1)
        document += placeholder
        fill_aggregate(builder._app, placeholder, "index", facilitator=True)
        for ref in list(document.findall(sh.handout_ref)):
            ref.replace_self(resolve_handout(builder._app, ref, "index"))
        return self.render("index", document)

    def copy_images(self) -> None:
        """The images the fragments use, under ``_images/`` in the print folder."""
        images = self.builder.images
        if not images:
            return
        (self.outdir / "_images").mkdir(parents=True, exist_ok=True)
        for src, dest in images.items():
            try:
                checked_copyfile(self.builder.srcdir / src, self.outdir / "_images" / dest, force=True)
            except Exception as err:
                logger.warning("cannot copy image file '%s': %s", self.builder.srcdir / src, err)

    def write_manifest(self) -> None:
        env = self.builder.env
        domain = get_domain(env)
        config = curriculum_config(env)
        modules = domain.modules()

        def claims(docname: str | None) -> list[dict[str, Any]]:
            return [dataclasses.asdict(c) for c in domain.claims.get(docname or "", [])]

        manifest: dict[str, Any] = {
            "site": dataclasses.asdict(config.site),
            "print": dataclasses.asdict(config.print),
            "facts": dataclasses.asdict(config.facts),
            "build_date": config.build_date,
            "modules": [
                {**dataclasses.asdict(m), "docname": doc, "claims": claims(doc)}
                for m in modules.values()
                for doc in [domain.module_doc(m.id)]
            ],
            "handouts": [
                {
                    **dataclasses.asdict(h),
                    "docname": doc,
                    "modules": domain.modules_using(h.id),
                    "claims": claims(doc),
                }
                for h in domain.handouts().values()
                for doc in [domain.handout_doc(h.id)]
            ],
            "tracks": [
                {
                    "id": t.id,
                    "title": t.title,
                    "description": t.description,
                    "modules": [m for m in t.module_ids if m in modules],
                    # activities a track runs from a module, when it runs only some of them
                    "subsets": {
                        item.ref: [a.title for a in modules[item.ref].activities if a.id in item.activities]
                        for day in t.days
                        for item in day.items
                        if item.kind == "module" and item.activities and item.ref in modules
                    },
                    "agenda": self.render_aggregate("agenda", t.id),
                    "checklist": self.render_aggregate("preparation-checklist", t.id),
                }
                for t in config.tracks
            ],
            "glossary": env.config.safe_harbor_glossary_doc
            if env.config.safe_harbor_glossary_doc in env.found_docs
            else None,
        }
        write_text_atomic(self.outdir / "manifest.json", json.dumps(manifest, indent=1))

    def is_outdated(self, docname: str) -> bool:
        """The page's fragment is missing or older than its source."""
        try:
            written = self.output_path(docname).stat().st_mtime
        except OSError:
            return True
        try:
            return self.builder.env.doc2path(docname).stat().st_mtime > written
        except OSError:
            return True


# Builder attributes a fragment render changes and restores.
_PAGE_STATE = ("imgpath", "dlpath", "current_docname", "secnumbers", "fignumbers")


class PrintFragmentsBuilder(StandaloneHTMLBuilder):
    name = "safeharbor-print"
    format = "html"
    out_suffix = ".json"
    epilog = "Print fragments are in %(outdir)s."
    search = False
    copysource = False
    allow_parallel = True

    def init(self) -> None:
        super().init()
        self.fragments = FragmentWriter(self, Path(self.outdir))

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        # Sphinx resets link_suffix to out_suffix (.json); links in fragments name the pages.
        return docname + ".html"

    def copy_assets(self) -> None:
        """Only images are needed; themes, scripts and static files never reach the PDFs."""
        # The HTML theme may still write its stylesheet here at build-finished (Furo does).
        (self.outdir / "_static").mkdir(parents=True, exist_ok=True)

    def write_doc(self, docname: str, doctree: nodes.document) -> None:
        self.fragments.write(docname, doctree)

    def finish(self) -> None:
        self.finish_tasks.add_task(self.copy_image_files)
        self.finish_tasks.add_task(self.write_buildinfo)
        self.fragments.write_manifest()
