"""The participant and facilitator sites: the standard HTML builder, writing pages atomically."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.builders.html import StandaloneHTMLBuilder

from ..atomic import temp_path
from .navigation import SharedNavigationMixin
from .printhtml import FragmentWriter


class AtomicPagesMixin(StandaloneHTMLBuilder):
    """Write each page to a temporary file and rename it into place.

    Sphinx writes pages in place; an interrupted build would leave a truncated page.  Rendering
    into ``.<name>.tmp-<pid>`` and renaming keeps the previous page until the new one is whole.
    Templates compute links from the page name, not the file name, so the detour is invisible.
    """

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
        try:
            super().handle_page(pagename, addctx, templatename, outfilename=tmp, event_arg=event_arg)
            if tmp.exists():
                os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)


class ParticipantHTMLBuilder(SharedNavigationMixin, AtomicPagesMixin):
    """The participant site (Sphinx's ``html`` builder, with atomic page writes)."""

    name = "html"


class FacilitatorHTMLBuilder(SharedNavigationMixin, AtomicPagesMixin):
    """HTML pages for facilitators, written under ``site/facilitator/`` by ``safe-harbor build``.

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
