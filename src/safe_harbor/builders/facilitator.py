"""The participant and facilitator sites: the standard HTML builder, writing pages atomically."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment.adapters.toctree import global_toctree_for_doc
from sphinx.util.osutil import relative_uri


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


class SharedNavigationMixin(StandaloneHTMLBuilder):
    """Resolve the site-wide navigation tree once per build instead of once per page.

    Themes such as Furo ask for the whole toctree on every page.  Sphinx resolves it afresh
    for each page (deep copies of every entry), which grows with pages x pages and dominated
    the writing of both sites.  The tree differs between pages only in its link addresses
    (relative to the page) and in which entries are marked current, so it is resolved once from
    the root, then copied, marked and re-addressed for each page, as Sphinx itself would.
    """

    _NAV_ROOT = "__safe_harbor_navigation__"

    def _get_local_toctree(self, docname: str, collapse: bool = True, **kwargs: Any) -> str:
        if collapse or not kwargs.get("titles_only"):
            return super()._get_local_toctree(docname, collapse, **kwargs)
        if "includehidden" not in kwargs:
            kwargs["includehidden"] = False
        key = tuple(sorted(kwargs.items()))
        cache: dict[tuple[Any, ...], Any] = self.__dict__.setdefault("_shared_navigation", {})
        if key not in cache:
            cache[key] = global_toctree_for_doc(
                self.env, self._NAV_ROOT, self, tags=self.tags, collapse=False, **kwargs
            )
        shared = cache[key]
        if shared is None:
            return ""
        tree = shared.deepcopy()
        _mark_current_and_readdress(tree, docname, self)
        return self.render_partial(tree)["fragment"]  # type: ignore[no-any-return]


def _mark_current_and_readdress(tree: nodes.Element, docname: str, builder: StandaloneHTMLBuilder) -> None:
    here = builder.get_target_uri(docname)
    for ref in tree.findall(nodes.reference):
        uri = ref.get("refuri", "")
        if "://" in uri or uri.startswith(("mailto:", "#")):
            continue
        page, _, anchor = uri.partition("#")
        if page == here and not anchor:
            branch: nodes.Element | None = ref
            while branch is not None:
                branch["classes"].append("current")
                branch = branch.parent
            ref["refuri"] = "#"
            continue
        ref["refuri"] = relative_uri(here, page) + (f"#{anchor}" if anchor else "")


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
