"""The site-wide navigation tree, rendered once per build and filled in for each page.

Themes such as Furo put the whole toctree on every page.  Sphinx resolves, deep-copies and
renders it afresh for each page, and Furo then re-parses each copy with BeautifulSoup to add its
expand/collapse controls: pages x pages work that dominated the writing of both sites.

Between two pages the tree differs only in

* the link addresses, which are relative to the page;
* which entries carry the ``current`` class (the page's own entry and its ancestors), and the
  page's own link, which becomes ``#``;
* for Furo, which expand checkboxes are ``checked`` and which item is ``current-page``.

So the tree is resolved once from the root, with a unique token as every internal address and
a token class on every element that can become current, rendered once (and passed through Furo
once), and cut into literal text and *slots*.  :meth:`NavigationTemplate.fill` then writes a
page's navigation by joining the literals with that page's slot values: linear in the size of
the tree, with no copying, rendering or parsing.  The result is byte-identical to Sphinx's and
Furo's own output (tests compare every page).

Page names are used verbatim in the slots, so a template is only built when every page name and
anchor is made of characters that HTML never escapes; otherwise the builder falls back to the
standard per-page path.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.util.osutil import relative_uri

_SAFE = re.compile(r"[A-Za-z0-9._/~+-]*\Z")


@dataclass(frozen=True)
class _Link:
    """One internal link of the tree: the page it points to, and an anchor on it, if any."""

    page: str
    anchor: str


@dataclass(frozen=True)
class _Href:
    link: int


@dataclass(frozen=True)
class _ClassAttr:
    """A ``class`` attribute holding one or more branch tokens among fixed classes."""

    parts: tuple[str | int, ...]  # class names, or the branch element's number
    is_item: bool  # an <li>: Furo marks the last current one "current-page"


@dataclass(frozen=True)
class _Checkbox:
    """Furo's expand checkbox of a branch element (an <li> with a sub-list)."""

    element: int
    unchecked: str
    checked: str


_Slot = _Href | _ClassAttr | _Checkbox


class NavigationTemplate:
    """A rendered navigation tree cut into literal text and per-page slots."""

    def __init__(
        self, pieces: list[str | _Slot], links: list[_Link], chains: list[tuple[int, ...]], mark_page: bool
    ):
        self._pieces = pieces
        self._mark_page = mark_page  # Furo: the last current <li> is also "current-page"
        self._links = links
        self._chains = chains  # per link: the numbers of its element and every ancestor
        self._links_to: dict[str, list[int]] = {}  # page -> numbers of the links to it
        for number, link in enumerate(links):
            self._links_to.setdefault(link.page, []).append(number)
        self._last_item = {  # piece index of each <li> class attribute, per branch element
            part: index
            for index, piece in enumerate(pieces)
            if isinstance(piece, _ClassAttr) and piece.is_item
            for part in piece.parts
            if isinstance(part, int)
        }
        self._hrefs_by_dir: dict[str, list[str]] = {}

    @classmethod
    def build(
        cls,
        tree: nodes.Element,
        render: Callable[[nodes.Element], str],
        postprocess: Callable[[str], str] | None = None,
    ) -> NavigationTemplate | None:
        """Template *tree* (a resolved, unmarked toctree, addressed from the root; it is changed).

        *render* turns the doctree into HTML (the builder's ``render_partial``); *postprocess*
        is the theme's pass over that HTML, run once here instead of once per page.  Returns
        ``None`` when a page name or anchor needs escaping.
        """
        nonce = f"shnav{secrets.token_hex(6)}"
        links: list[_Link] = []
        chains: list[tuple[int, ...]] = []
        numbers: dict[int, int] = {}  # id(element) -> branch element number
        for ref in list(tree.findall(nodes.reference)):
            uri = ref.get("refuri", "")
            if "://" in uri or uri.startswith(("mailto:", "#")):
                continue
            page, _, anchor = uri.partition("#")
            if not (_SAFE.match(page) and _SAFE.match(anchor)):
                return None
            chain: list[int] = []
            branch: nodes.Element | None = ref
            while branch is not None:  # as Sphinx marks a branch "current": the link and all ancestors
                key = id(branch)
                if key not in numbers:
                    numbers[key] = len(numbers)
                    branch["classes"].append(f"{nonce}c{numbers[key]}")
                chain.append(numbers[key])
                branch = branch.parent
            ref["refuri"] = f"{nonce}h{len(links)}"
            links.append(_Link(page, anchor))
            chains.append(tuple(chain))
        html = render(tree)
        if postprocess is not None:
            html = postprocess(html)
        pieces = list(_cut(html, nonce))
        seen_links = {piece.link for piece in pieces if isinstance(piece, _Href)}
        if seen_links != set(range(len(links))):
            return None  # the renderer dropped or duplicated an address: use the standard path
        return cls(pieces, links, chains, mark_page=postprocess is not None)

    def fill(self, here: str) -> str:
        """The navigation HTML of the page whose address (from the root) is *here*."""
        current: set[int] = set()  # branch elements marked "current" (HTML lists a class once)
        own = set(self._links_to.get(here, ()))
        for number in own:
            if not self._links[number].anchor:
                current.update(self._chains[number])
        last_item = -1
        if self._mark_page:
            last_item = max((self._last_item[e] for e in current if e in self._last_item), default=-1)
        hrefs = self._relative_hrefs(here)
        out: list[str] = []
        append = out.append
        for index, piece in enumerate(self._pieces):
            if isinstance(piece, str):
                append(piece)
            elif isinstance(piece, _Href):
                if piece.link in own:
                    link = self._links[piece.link]
                    if not link.anchor:
                        append('href="#"')
                        continue
                    append(f'href="{relative_uri(here, link.page)}#{link.anchor}"')
                else:
                    append(hrefs[piece.link])
            elif isinstance(piece, _Checkbox):
                append(piece.checked if piece.element in current else piece.unchecked)
            else:
                classes: list[str] = []
                for part in piece.parts:
                    if isinstance(part, int):
                        if part in current:
                            classes.append("current")
                    else:
                        classes.append(part)
                if index == last_item:
                    classes.append("current-page")
                if classes:
                    append(f' class="{" ".join(classes)}"')
        return "".join(out)

    def _relative_hrefs(self, here: str) -> list[str]:
        # relative_uri() depends on the page's folder only, except for links to the page
        # itself, which fill() handles: share the addresses between pages of one folder.
        folder = here.rpartition("/")[0]
        hrefs = self._hrefs_by_dir.get(folder)
        if hrefs is None:
            base = f"{folder}/_" if folder else "_"
            hrefs = []
            for link in self._links:
                uri = relative_uri(base, link.page)
                hrefs.append(f'href="{uri}#{link.anchor}"' if link.anchor else f'href="{uri}"')
            self._hrefs_by_dir[folder] = hrefs
        return hrefs


_TOKENS = re.compile(
    r'href="(?P<nonce_h>shnav[0-9a-f]+)h(?P<link>\d+)"'
    r'|(?P<open><li)?(?P<attrs>[^<>]*?) class="(?P<classes>[^"]*shnav[0-9a-f]+c\d+[^"]*)"'
    r"|<input (?P<label>aria-label=(?:\"[^\"]*\"|'[^']*')) (?P<rest>class=\"toctree-checkbox\"[^>]*/>)"
)


def _cut(html: str, nonce: str) -> Iterator[str | _Slot]:
    """Cut rendered HTML into literals and slots (see :class:`NavigationTemplate`)."""
    token = re.compile(rf"{nonce}c(\d+)\Z")
    position = 0
    pending_item: int | None = None  # branch number of the <li> whose checkbox comes next
    for match in _TOKENS.finditer(html):
        if match["link"] is not None:
            if match["nonce_h"] != nonce:
                continue
            yield html[position : match.start()]
            yield _Href(int(match["link"]))
        elif match["classes"] is not None:
            parts: list[str | int] = []
            for name in match["classes"].split():
                found = token.match(name)
                parts.append(int(found[1]) if found else name)
            if not any(isinstance(part, int) for part in parts):
                continue
            is_item = match["open"] is not None and not match["attrs"].strip()
            yield html[position : match.start("classes") - len(' class="')]
            yield _ClassAttr(tuple(parts), is_item)
            position = match.end()
            if is_item and "has-children" in parts:
                pending_item = next(part for part in parts if isinstance(part, int))
            continue
        else:
            if pending_item is None:
                continue
            yield html[position : match.start()]
            unchecked = match[0]
            checked = f'<input {match["label"]} checked="" {match["rest"]}'
            yield _Checkbox(pending_item, unchecked, checked)
            pending_item = None
        position = match.end()
    yield html[position:]


def furo_postprocess() -> Callable[[str], str] | None:
    """Furo's own pass over the toctree HTML, without its unbounded per-page cache."""
    try:
        from furo.navigation import get_navigation_tree
    except ImportError:  # pragma: no cover - Furo is a pinned dependency
        return None
    return getattr(get_navigation_tree, "__wrapped__", get_navigation_tree)  # type: ignore[no-any-return]


# Furo's call for its sidebar tree (furo/__init__.py: _compute_navigation_tree).
FURO_TOCTREE_CALL = {"collapse": False, "titles_only": True, "maxdepth": -1, "includehidden": True}


def before_theme(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """``html-page-context``, before Furo: let Furo's own navigation pass see an empty tree.

    :func:`after_theme` puts the pre-rendered one in its place.
    """
    builder = app.builder
    if not isinstance(builder, SharedNavigationMixin) or "toctree" not in context:
        return
    if builder.furo_template() is None:
        return
    original = context["toctree"]
    intercepted: list[bool] = []

    def toctree(**kwargs: Any) -> str:
        if kwargs == FURO_TOCTREE_CALL:
            intercepted.append(True)
            return ""
        return original(**kwargs)  # type: ignore[no-any-return]

    context["toctree"] = toctree
    context["_safe_harbor_toctree"] = (original, intercepted)


def after_theme(app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any) -> None:
    """``html-page-context``, after Furo: restore ``toctree`` and set Furo's navigation HTML.

    Only when Furo asked for the tree exactly as expected: should a new Furo ask differently,
    its own navigation stays (slower, never wrong).
    """
    saved = context.pop("_safe_harbor_toctree", None)
    if saved is None:
        return
    original, intercepted = saved
    context["toctree"] = original
    if intercepted:
        context["furo_navigation_tree"] = app.builder.furo_navigation(pagename)


class SharedNavigationMixin(StandaloneHTMLBuilder):
    """Builder mix-in: the whole-site toctree from a :class:`NavigationTemplate`."""

    _NAV_ROOT = "__safe_harbor_navigation__"

    def _navigation_template(self, kwargs: dict[str, Any], furo: bool) -> NavigationTemplate | None:
        key = (furo, *sorted(kwargs.items()))
        cache: dict[tuple[Any, ...], NavigationTemplate | None] = self.__dict__.setdefault(
            "_nav_templates", {}
        )
        if key not in cache:
            from sphinx.environment.adapters.toctree import global_toctree_for_doc

            postprocess = furo_postprocess() if furo else None
            tree = None
            if self._template_applies(kwargs) and (postprocess is not None or not furo):
                tree = global_toctree_for_doc(
                    self.env, self._NAV_ROOT, self, tags=self.tags, collapse=False, **kwargs
                )
            if tree is None:
                cache[key] = None
            else:
                cache[key] = NavigationTemplate.build(
                    tree, lambda t: self.render_partial(t)["fragment"], postprocess
                )
        return cache[key]

    def _template_applies(self, kwargs: dict[str, Any]) -> bool:
        """Whether a template reproduces Sphinx's tree for these options on this site.

        Not when the tree may be pruned (Sphinx marks "current" before pruning, so a pruned
        branch can still mark its parent), when a toctree sits inside an ``only`` directive
        (Sphinx resolves those differently on the page that holds them), or when page addresses
        are folders (``dirhtml``-style builders).
        """
        try:
            unpruned = int(kwargs.get("maxdepth", 0)) < 0
        except (TypeError, ValueError):
            unpruned = False
        if not unpruned:
            return False
        address = self.get_target_uri(self._NAV_ROOT)
        if not address.startswith(self._NAV_ROOT) or "/" in address:
            return False
        for toc in self.env.tocs.values():
            for toctree in toc.findall(addnodes.toctree):
                parent = toctree.parent
                while parent is not None:
                    if isinstance(parent, addnodes.only):
                        return False
                    parent = parent.parent
        return True

    def _get_local_toctree(self, docname: str, collapse: bool = True, **kwargs: Any) -> str:
        if collapse or not kwargs.get("titles_only"):
            return super()._get_local_toctree(docname, collapse, **kwargs)
        kwargs.setdefault("includehidden", False)
        if kwargs.get("maxdepth") == "":
            kwargs.pop("maxdepth")
        template = self._navigation_template(kwargs, furo=False)
        if template is None:
            return super()._get_local_toctree(docname, collapse, **kwargs)
        return template.fill(self.get_target_uri(docname))

    def furo_template(self) -> NavigationTemplate | None:
        """The template of Furo's sidebar tree, or ``None`` (not Furo, or no template)."""
        if getattr(self.theme, "name", None) != "furo":
            return None
        options = {k: v for k, v in FURO_TOCTREE_CALL.items() if k != "collapse"}
        return self._navigation_template(options, furo=True)

    def furo_navigation(self, docname: str) -> str:
        """Furo's sidebar tree for *docname* (only called when :meth:`furo_template` is set)."""
        template = self.furo_template()
        assert template is not None
        return template.fill(self.get_target_uri(docname))
