"""The Sphinx side of Safe Harbor: wiring only; each concern lives in its own module."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from .. import __version__
from . import nodes as sh


def setup_extension(app: Sphinx) -> dict[str, Any]:
    from ..builders import navigation
    from ..builders.facilitator import FacilitatorHTMLBuilder, ParticipantHTMLBuilder
    from ..builders.printhtml import PrintFragmentsBuilder
    from . import confine
    from .checks import register as register_checks
    from .claims import ClaimRole, list_recheck_due
    from .config_bridge import register_config_values
    from .directives import HandoutRole, all_directives
    from .domain import CurriculumDomain
    from .reading import FacilitatorScopeTransform, ModulePageTransform, read_front_matter
    from .site import (
        add_quick_exit,
        add_site_assets,
        add_templates,
        add_view_switch,
        check_consistency,
        withhold_headings,
        withhold_page_toc,
    )
    from .writing import on_doctree_resolved

    register_config_values(app)
    register_checks(app)
    confine.install(app)
    app.add_config_value("safe_harbor_glossary_doc", "docs/glossary", "env", str)
    app.add_config_value("safe_harbor_view_switch", True, "html", bool)
    app.add_config_value("safe_harbor_privacy_doc", "docs/privacy", "html", str)
    app.add_config_value("safe_harbor_downloads_doc", "docs/downloads", "html", str)
    # Set by `safe-harbor build`: the facilitator builder also writes the print fragments there.
    app.add_config_value("safe_harbor_print_dir", "", "", str)
    # Set by `safe-harbor check`: list claims due for a re-check (SH211) as warnings.
    app.add_config_value("safe_harbor_list_recheck", False, "", bool)
    app.add_domain(CurriculumDomain)
    for node_class in (sh.facilitator_only, sh.curriculum_block, sh.activity):
        app.add_node(node_class, **{fmt: sh.CONTAINER_VISITORS for fmt in sh.FORMATS})  # type: ignore[arg-type]
    app.add_node(sh.handout_ref, **{fmt: sh.INLINE_VISITORS for fmt in sh.FORMATS})  # type: ignore[arg-type]
    for name, directive in all_directives().items():
        app.add_directive(name, directive)
    app.add_role("handout", HandoutRole())
    app.add_role("claim", ClaimRole())
    app.add_transform(ModulePageTransform)
    app.add_transform(FacilitatorScopeTransform)
    app.add_builder(ParticipantHTMLBuilder, override=True)
    app.add_builder(FacilitatorHTMLBuilder)
    app.add_builder(PrintFragmentsBuilder)

    app.connect("source-read", read_front_matter)
    app.connect("env-get-updated", _pages_to_rewrite)
    app.connect("env-check-consistency", check_consistency)
    app.connect("env-check-consistency", list_recheck_due)
    app.connect("doctree-resolved", on_doctree_resolved)
    app.connect("config-inited", add_templates)
    app.connect("builder-inited", add_site_assets)
    app.connect("html-page-context", add_quick_exit)
    app.connect("html-page-context", add_view_switch)
    app.connect("html-page-context", withhold_page_toc, priority=400)
    app.connect("write-started", withhold_headings)
    # Furo's handler runs at the default priority (500): ours bracket it.
    app.connect("html-page-context", navigation.before_theme, priority=400)
    app.connect("html-page-context", navigation.after_theme, priority=600)
    return {
        "version": __version__,
        "env_version": _read_code_version(),
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }


def _read_code_version() -> int:
    """Changes whenever code that shapes the parsed doctrees changes.

    Sphinx re-reads every source when an extension's ``env_version`` changes; deriving it from
    the read-side modules means a changed directive or transform never leaves stale doctrees.
    """
    package = Path(__file__).resolve().parent.parent
    digest = 0
    for name in (
        "model.py",
        "yamlsource.py",
        "sphinx_ext/directives.py",
        "sphinx_ext/reading.py",
        "sphinx_ext/nodes.py",
        "sphinx_ext/domain.py",
        "sphinx_ext/tables.py",
        "sphinx_ext/claims.py",
        "register.py",
        # the checks report while reading: a changed check must see every page again
        "sphinx_ext/checks.py",
        "check/markdown.py",
        "check/language.py",
        "check/rules.py",
        "check/readability.py",
    ):
        digest = zlib.crc32((package / name).read_bytes(), digest)
    return digest


def _pages_to_rewrite(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """Pages this builder must write again although their own source did not change.

    Sphinx's HTML builders compare a page's output with its *source* file only.  Safe Harbor
    writes several outputs from one read, and some pages show other pages' data, so a page is
    rewritten when it was re-read after this builder last wrote it (an edited dependency such as
    ``conf/curriculum.yaml``), and an aggregate page (agenda, checklist, index) when any module
    or handout was re-read after it was written.
    """
    from .config_bridge import content_kind
    from .domain import get_domain

    output_path = getattr(app.builder, "get_output_path", None)
    if output_path is None:
        return []
    fragments = getattr(app.builder, "print_fragments", None)
    newest_content = max((t for d, t in env.all_docs.items() if content_kind(env, d)), default=0)
    aggregates = get_domain(env).aggregate_docs
    stale = []
    for docname, read_at in env.all_docs.items():
        try:
            written_at = Path(output_path(docname)).stat().st_mtime_ns // 1000
            if fragments is not None:  # the facilitator builder also writes the print fragments
                written_at = min(written_at, fragments.output_path(docname).stat().st_mtime_ns // 1000)
        except OSError:
            continue  # never written: Sphinx already lists it
        if read_at > written_at or (docname in aggregates and newest_content > written_at):
            stale.append(docname)
    return stale
