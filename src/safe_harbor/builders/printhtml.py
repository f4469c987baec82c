"""Print fragments: lean HTML for the PDF stage, one JSON file per page, two audiences each.

WeasyPrint is fast on small, plain HTML and slow on full web themes, so the PDF stage never sees
the site's pages.  This builder renders each page's *body* with Sphinx's HTML translator twice
from one resolved doctree (facilitator variant, then participant variant with facilitator-only
nodes removed) and writes them with the page title to ``<docname>.json``.  ``finish`` writes
``manifest.json``: the curriculum model (modules, handouts, tracks, site settings) the PDF stage
assembles documents from, without importing Sphinx.
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.util.docutils import new_document

from ..sphinx_ext import nodes as sh
from ..sphinx_ext.aggregates import fill_aggregate
from ..sphinx_ext.config_bridge import curriculum_config
from ..sphinx_ext.domain import get_domain
from ..sphinx_ext.writing import resolve_handout, strip_facilitator_content


def write_atomic(path: Path, data: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(data, encoding="utf-8")
    os.replace(tmp, path)


class PrintFragmentsBuilder(StandaloneHTMLBuilder):
    name = "safeharbor-print"
    format = "html"
    out_suffix = ".json"
    epilog = "Print fragments are in %(outdir)s."
    search = False
    copysource = False
    allow_parallel = True

    def get_target_uri(self, docname: str, typ: str | None = None) -> str:
        # Sphinx resets link_suffix to out_suffix (.json); links in fragments name the pages.
        return docname + ".html"

    def copy_assets(self) -> None:
        """Only images are needed; themes, scripts and static files never reach the PDFs."""
        # The HTML theme may still write its stylesheet here at build-finished (Furo does).
        (self.outdir / "_static").mkdir(parents=True, exist_ok=True)

    def write_doc(self, docname: str, doctree: nodes.document) -> None:
        title_node = self.env.longtitles.get(docname)
        page = {
            "docname": docname,
            "title": title_node.astext() if title_node else docname,
            "facilitator": self.render_fragment(docname, doctree),
        }
        participant = doctree.deepcopy()
        strip_facilitator_content(participant)
        page["participant"] = self.render_fragment(docname, participant)
        write_atomic(self.outdir / f"{docname}{self.out_suffix}", json.dumps(page))

    def render_fragment(self, docname: str, doctree: nodes.document) -> str:
        doctree.settings = self.docsettings
        self.secnumbers = self.env.toc_secnumbers.get(docname, {})
        self.fignumbers = self.env.toc_fignumbers.get(docname, {})
        # Images are addressed from the print folder's root, where the PDF stage sets base_url.
        self.imgpath = "_images"
        self.dlpath = "_downloads"
        self.current_docname = docname
        visitor = self.create_translator(doctree, self)
        doctree.walkabout(visitor)
        return "".join(visitor.fragment)  # type: ignore[attr-defined]

    def render_aggregate(self, kind: str, track: str) -> str:
        """Render an agenda or checklist for a track outside any page (for the guides)."""
        config = curriculum_config(self.env)
        document = new_document(str(config.path), self.docsettings)
        placeholder = sh.aggregate(kind=kind, track=track)
        placeholder.source, placeholder.line = str(config.path), getattr(config.track(track), "line", 1)
        document += placeholder
        fill_aggregate(self._app, placeholder, "index", facilitator=True)
        for ref in list(document.findall(sh.handout_ref)):
            ref.replace_self(resolve_handout(self._app, ref, "index"))
        return self.render_fragment("index", document)

    def finish(self) -> None:
        self.finish_tasks.add_task(self.copy_image_files)
        self.finish_tasks.add_task(self.write_buildinfo)
        self.write_manifest()

    def write_manifest(self) -> None:
        domain = get_domain(self.env)
        config = curriculum_config(self.env)
        modules = domain.modules()
        manifest: dict[str, Any] = {
            "site": dataclasses.asdict(config.site),
            "print": dataclasses.asdict(config.print),
            "build_date": config.build_date,
            "modules": [
                {**dataclasses.asdict(m), "docname": domain.module_doc(m.id)} for m in modules.values()
            ],
            "handouts": [
                {
                    **dataclasses.asdict(h),
                    "docname": domain.handout_doc(h.id),
                    "modules": domain.modules_using(h.id),
                }
                for h in domain.handouts().values()
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
            "glossary": self.env.config.safe_harbor_glossary_doc
            if self.env.config.safe_harbor_glossary_doc in self.env.found_docs
            else None,
        }
        write_atomic(self.outdir / "manifest.json", json.dumps(manifest, indent=1))
