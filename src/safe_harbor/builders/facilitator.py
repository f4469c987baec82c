"""The facilitator view: the participant site's pages with facilitator-only content kept."""

from __future__ import annotations

from sphinx.builders.html import StandaloneHTMLBuilder


class FacilitatorHTMLBuilder(StandaloneHTMLBuilder):
    """HTML pages for facilitators, written under ``site/facilitator/`` by ``safe-harbor build``.

    Everything but the name is the standard HTML builder: the name is what tells
    :func:`safe_harbor.sphinx_ext.writing.on_doctree_resolved` to keep facilitator-only nodes.
    """

    name = "facilitator"
    epilog = "The facilitator view is in %(outdir)s."
    # Facilitator pages are not for search engines; the participant site is the public one.
    search = True
