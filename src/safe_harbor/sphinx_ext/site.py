"""The participant and facilitator sites: self-hosted assets, the view switch, and checks that
need every document (unknown handouts and modules, tracks)."""

from __future__ import annotations

import html
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.environment import BuildEnvironment

from .. import STATIC
from ..diagnostics import Code
from ..model import Source, check_track
from ..yamlsource import did_you_mean
from .config_bridge import curriculum_config
from .directives import warn
from .domain import get_domain

SITE_BUILDERS = frozenset({"html", "facilitator"})


def add_site_assets(app: Sphinx) -> None:
    """Fonts and styles ship inside the package: the site makes no third-party requests."""
    if not isinstance(app.builder, StandaloneHTMLBuilder):
        return
    static = str(STATIC)
    if static not in app.config.html_static_path:
        app.config.html_static_path.append(static)
    app.add_css_file("safe-harbor.css")


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
        here, other = "facilitator view", "participant view"
        href = view_address(up, site.participant_address or "../site/", f"{pagename}.html")
    else:
        if not site.facilitator_address:
            return  # published without a way across
        here, other = "participant view", "facilitator view"
        href = view_address(up, site.facilitator_address, f"{pagename}.html")
    href = html.escape(href)
    switch = (
        f'<nav class="sh-view-switch" aria-label="Views">'
        f"<p>You are reading the <strong>{here}</strong>. "
        f'<a href="{href}">Switch to the {other}</a></p></nav>'
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
