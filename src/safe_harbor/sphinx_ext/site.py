"""The participant and facilitator sites: self-hosted assets and templates, the quick exit, the
view switch, and checks that need every document (unknown handouts and modules, tracks)."""

from __future__ import annotations

import html
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.locale import get_translation

from .. import STATIC
from ..diagnostics import Code
from ..model import Source, check_track
from ..yamlsource import did_you_mean
from .config_bridge import curriculum_config
from .directives import warn
from .domain import get_domain

_ = get_translation("safe_harbor")

TEMPLATES = STATIC.parent / "templates"
SITE_BUILDERS = frozenset({"html", "facilitator"})
# Elements the site adds around a page's own text: search previews skip them.
CHROME_CLASS = "sh-chrome"


def add_templates(app: Sphinx, config: Config) -> None:
    """Our few template overrides (quick exit, search page heading, search box) come first."""
    if str(TEMPLATES) not in config.templates_path:
        config.templates_path.insert(0, str(TEMPLATES))


def add_site_assets(app: Sphinx) -> None:
    """Fonts, styles and script ship inside the package: the site makes no third-party requests."""
    if not isinstance(app.builder, StandaloneHTMLBuilder):
        return
    static = str(STATIC)
    if static not in app.config.html_static_path:
        app.config.html_static_path.append(static)
    app.add_css_file("safe-harbor.css")
    # deferred: runs after searchtools.js is defined and before the search starts
    app.add_js_file("safe-harbor.js", loading_method="defer")


def add_quick_exit(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """The "Leave this site" control and the privacy page link, first on every page.

    The script (static/safe-harbor.js) replaces the page with the neutral site on a click or
    on Escape pressed twice; without JavaScript the link still leads there.
    """
    if app.builder.name not in SITE_BUILDERS:
        return
    site = curriculum_config(app.env).site
    privacy_doc = app.config.safe_harbor_privacy_doc
    privacy = ""
    if privacy_doc in app.env.found_docs:
        privacy = (
            f'<a class="sh-privacy-link" href="{html.escape(context["pathto"](privacy_doc))}">'
            f"{html.escape(_('About your privacy and safety'))}</a>"
        )
    label, hint = _("Leave this site"), _("or press Esc twice")
    context["sh_quick_exit"] = (
        f'<div class="sh-safety-bar {CHROME_CLASS}">'
        f'<p class="sh-quick-exit-wrap"><a class="sh-quick-exit" id="sh-quick-exit" '
        f'href="{html.escape(site.quick_exit)}" rel="noreferrer noopener" data-sh-quick-exit>'
        f"{html.escape(label)}</a> "
        f'<span class="sh-quick-exit-hint">{html.escape(hint)}</span></p>{privacy}</div>'
    )
    context["sh_search_title"] = _("Search")


def add_view_switch(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """A plain link on every page between the participant and facilitator views."""
    if app.builder.name not in SITE_BUILDERS or doctree is None:
        return
    if not curriculum_config(app.env).site.facilitator_view or not app.config.safe_harbor_view_switch:
        return
    site = curriculum_config(app.env).site
    up = "../" * pagename.count("/")
    if app.builder.name == "facilitator":
        here, other = _("facilitator view"), _("participant view")
        href = view_address(up, site.participant_address or "../site/", f"{pagename}.html")
    else:
        if not site.facilitator_address:
            return  # published without a way across
        here, other = _("participant view"), _("facilitator view")
        href = view_address(up, site.facilitator_address, f"{pagename}.html")
    href = html.escape(href)
    reading = _("You are reading the <strong>%s</strong>.") % html.escape(here)
    switch_to = html.escape(_("Switch to the %s") % other)
    switch = (
        f'<nav class="sh-view-switch {CHROME_CLASS}" aria-label="{html.escape(_("Views"))}">'
        f'<p>{reading} <a href="{href}">{switch_to}</a></p></nav>'
    )
    context["body"] = switch + context.get("body", "")


def view_address(up: str, address: str, path: str) -> str:
    """*path* in the other view, published at *address* (relative to this view's root, or absolute)."""
    if "://" in address or address.startswith("/"):
        return address + path
    return up + address + path


def withhold_headings(app: Sphinx, builder: Any) -> None:
    """The participant site's navigation shows a facilitator handout's title, not its headings.

    Runs when writing starts, after Sphinx saved the environment the facilitator view loads, so
    only this builder's copy of the table of contents changes.
    """
    from .writing import is_facilitator_builder, is_facilitator_handout

    if is_facilitator_builder(builder):
        return
    env = app.env
    for docname in list(env.tocs):
        if is_facilitator_handout(app, docname):
            toc = env.tocs[docname].deepcopy()
            for item in list(toc.findall(nodes.list_item)):
                for sub in [c for c in item.children if isinstance(c, nodes.bullet_list)]:
                    item.remove(sub)
            env.tocs[docname] = toc


def withhold_page_toc(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    """A facilitator handout's page on the participant site lists none of its headings."""
    from .writing import is_facilitator_builder, is_facilitator_handout

    if (
        doctree is not None
        and not is_facilitator_builder(app.builder)
        and is_facilitator_handout(app, pagename)
    ):
        context["toc"] = ""
        context["display_toc"] = False


def check_consistency(app: Sphinx, env: BuildEnvironment) -> None:
    domain = get_domain(env)
    handouts = domain.handouts()
    modules = domain.modules()
    for docname, module in domain.modules_by_doc.items():
        for handout_id in module.handouts:
            if handout_id not in handouts:
                warn(
                    Code.UNKNOWN_HANDOUT,
                    f"module {module.id!r} lists unknown handout {handout_id!r}"
                    + did_you_mean(handout_id, handouts),
                    (docname, module.handout_lines.get(handout_id, 2)),
                )
        for prerequisite in module.prerequisites:
            if prerequisite not in modules:
                warn(
                    Code.UNKNOWN_MODULE,
                    f"unknown prerequisite module {prerequisite!r}" + did_you_mean(prerequisite, modules),
                    (docname, module.prerequisite_lines.get(prerequisite, 2)),
                )
    config = curriculum_config(env)
    for track in config.tracks:
        source = Source(config.path)
        check_track(track, modules, source)
        for diag in source.diagnostics:
            warn(Code.from_code(diag.code) or Code.CONFIG_INVALID, diag.message, f"{config.path}:{diag.line}")
