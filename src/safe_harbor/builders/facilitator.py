"""The participant and facilitator sites: the standard HTML builder, writing pages atomically."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sphinx.builders.html import StandaloneHTMLBuilder

from .navigation import SharedNavigationMixin


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
        tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
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

    Everything but the name is the standard HTML builder: the name is what tells
    :func:`safe_harbor.sphinx_ext.writing.on_doctree_resolved` to keep facilitator-only nodes.
    """

    name = "facilitator"
    epilog = "The facilitator view is in %(outdir)s."
