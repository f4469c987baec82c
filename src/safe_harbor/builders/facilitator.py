"""The participant and facilitator sites: the standard HTML builder, writing pages atomically."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Set
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.builders.html import StandaloneHTMLBuilder

from ..atomic import temp_path, write_text_atomic
from .navigation import SharedNavigationMixin
from .pagefix import fix_page
from .printhtml import FragmentWriter


class AtomicPagesMixin(StandaloneHTMLBuilder):
    """Write each page to a temporary file and rename it into place.

    Sphinx writes pages in place; an interrupted build would leave a truncated page.  Rendering
    into ``.<name>.tmp-<pid>`` and renaming keeps the previous page until the new one is whole.
    Templates compute links from the page name, not the file name, so the detour is invisible.
    Each page passes through :func:`~.pagefix.fix_page` (accessibility fixes to the theme's
    markup) on the way.
    """

    def create_pygments_style_file(self) -> None:
        """Sphinx writes these in place; a kill would leave them truncated."""
        write_text_atomic(self._static_dir / "pygments.css", self.highlighter.get_stylesheet())
        if self.dark_highlighter:
            write_text_atomic(self._static_dir / "pygments_dark.css", self.dark_highlighter.get_stylesheet())

    def handle_page(
        self,
        pagename: str,
        addctx: dict[str, Any],
        templatename: str = "page.html",
        outfilename: Path | None = None,
        event_arg: Any = None,
    ) -> None:
        final = Path(outfilename) if outfilename else Path(self.get_output_path(pagename))
        tmp = temp_path(final)
        rendered: list[str] = []
        render = self.templates.render

        def keep_output(template: str, context: dict[str, Any]) -> str:
            output: str = render(template, context)
            rendered.append(output)
            return output

        self.templates.render = keep_output  # type: ignore[method-assign]
        try:
            super().handle_page(pagename, addctx, templatename, outfilename=tmp, event_arg=event_arg)
            # Sphinx only logs a failed write (a full disk): rename the page only if it is whole.
            encoding = self.config.html_output_encoding
            if rendered and tmp.exists() and tmp.stat().st_size == _encoded_size(rendered[-1], encoding):
                if final.suffix == ".html":
                    text = tmp.read_text("utf-8")
                    fixed = fix_page(text)
                    if fixed != text:
                        try:
                            write_text_atomic(tmp, fixed)
                        except OSError:
                            return  # keep the last good page (the temp file is removed below)
                os.replace(tmp, final)
        finally:
            del self.templates.render
            tmp.unlink(missing_ok=True)


def _encoded_size(text: str, encoding: str) -> int:
    return len(text.encode(encoding, "xmlcharrefreplace"))


class WholeSearchIndexMixin(StandaloneHTMLBuilder):
    """Keep the index entries of pages not written again in the search index.

    Sphinx rebuilds ``searchindex.js`` from the pages it writes plus what it loads back from the
    previous file, but it does not load the index entries (glossary terms, ``{index}``) back: they
    come from the pickled environment, which is saved before any page is written and so holds
    none.  Each incremental build, and the build after a kill, dropped them.  They are restored
    from the previous file here, and entries are written in page order whatever the write order,
    so an incremental index equals a clean one.
    """

    def load_indexer(self, docnames: Set[str]) -> None:
        super().load_indexer(docnames)
        indexer: Any = self.indexer
        keep = set(self.env.all_docs).difference(docnames)
        try:
            from sphinx.search import js_index

            text = (self.outdir / self.searchindex_filename).read_text("utf-8")
            frozen = js_index.loads(text)
            index2fn = frozen["docnames"]
            restored: dict[str, list[tuple[str, str, str]]] = {}
            for entry, refs in frozen.get("indexentries", {}).items():
                for position, target, main in refs:
                    docname = index2fn[position]
                    if docname in keep and docname not in indexer._index_entries:
                        restored.setdefault(docname, []).append((entry, target, "main" if main else ""))
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            return
        for docname, entries in restored.items():
            indexer._index_entries[docname] = sorted(entries)

    def dump_search_index(self) -> None:
        indexer: Any = self.indexer
        if indexer is not None:
            indexer._index_entries = dict(sorted(indexer._index_entries.items()))
        super().dump_search_index()


class SearchPreviewsMixin(StandaloneHTMLBuilder):
    """Each page's own text for search previews read from disk (``_static/sh-previews.js``).

    Sphinx's search fetches each result page for its preview, which browsers refuse under
    ``file://`` (the offline copy). The text is taken from the doctree as it is indexed (after
    facilitator-only content is removed for the participant site), without the title and the
    site's download boxes, and kept across incremental builds. The script loads the file only
    when a fetch fails, so readers online never download it.
    """

    PREVIEWS = "_static/sh-previews.js"
    PREVIEW_CHARS = 20000
    _PREFIX = "window.SH_PREVIEWS = "

    def init(self) -> None:
        super().init()
        self.sh_previews: dict[str, str] = {}
        try:
            text = (Path(self.outdir) / self.PREVIEWS).read_text("utf-8")
            self.sh_previews = json.loads(text.removeprefix(self._PREFIX).rstrip().rstrip(";"))
        except (OSError, ValueError):
            pass

    def write_doc_serialized(self, docname: str, doctree: nodes.document) -> None:
        super().write_doc_serialized(docname, doctree)
        copy = doctree.deepcopy()
        for node in list(copy.findall(nodes.Element)):
            if node.parent is not None and (
                (
                    isinstance(node, nodes.title)
                    and isinstance(node.parent, nodes.section)
                    and node.parent.parent is copy
                )
                or "sh-site-only" in node.get("classes", [])
            ):
                node.parent.remove(node)
        self.sh_previews[docname] = " ".join(copy.astext().split())[: self.PREVIEW_CHARS]

    def finish(self) -> None:
        super().finish()
        known = {d: t for d, t in sorted(self.sh_previews.items()) if d in self.env.found_docs}
        write_text_atomic(Path(self.outdir) / self.PREVIEWS, self._PREFIX + json.dumps(known) + ";\n")


class ParticipantHTMLBuilder(
    SharedNavigationMixin, WholeSearchIndexMixin, SearchPreviewsMixin, AtomicPagesMixin
):
    """The participant site (Sphinx's ``html`` builder, with atomic page writes)."""

    name = "html"


class FacilitatorHTMLBuilder(
    SharedNavigationMixin, WholeSearchIndexMixin, SearchPreviewsMixin, AtomicPagesMixin
):
    """HTML pages for facilitators, written to ``facilitator/`` beside the participant ``site/``.

    The standard HTML builder but for its name, which tells
    :func:`safe_harbor.sphinx_ext.writing.on_doctree_resolved` to keep facilitator-only nodes.
    When ``safe_harbor_print_dir`` is set, it also writes the print fragments and manifest there
    from the doctrees it has resolved (the same output as the ``safeharbor-print`` builder, one
    pass over the pages fewer).
    """

    name = "facilitator"
    epilog = "The facilitator view is in %(outdir)s."

    def init(self) -> None:
        super().init()
        print_dir = self.config.safe_harbor_print_dir
        self.print_fragments = FragmentWriter(self, Path(print_dir)) if print_dir else None

    def get_outdated_docs(self) -> Iterator[str]:
        listed = set()
        for docname in super().get_outdated_docs():
            listed.add(docname)
            yield docname
        if self.print_fragments is not None:
            for docname in sorted(self.env.found_docs - listed):
                if self.print_fragments.is_outdated(docname):
                    yield docname

    def write_doc(self, docname: str, doctree: nodes.document) -> None:
        if self.print_fragments is not None:
            self.print_fragments.write(docname, doctree, keep=True)
        super().write_doc(docname, doctree)

    def finish(self) -> None:
        super().finish()
        if self.print_fragments is not None:
            self.finish_tasks.add_task(self.print_fragments.copy_images)
            self.print_fragments.write_manifest()
