"""Write phase: decide what each audience sees and resolve cross-page references.

Runs on ``doctree-resolved`` for every builder, on the builder's own copy of the doctree:

1. facilitator-only nodes are removed unless the builder writes a facilitator output, so the
   participant HTML, its search index and any other format never contain them;
2. ``handout`` references become links to the handout's page and its PDF;
3. aggregate placeholders become tables and lists (see :mod:`.aggregates`);
4. block titles ("Content note", "At a glance", "Debrief"...) become headings one level below
   their section, so heading navigation and the PDF structure find them.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.locale import get_translation
from sphinx.util.osutil import relative_uri

from ..diagnostics import Code
from ..model import Handout, is_facilitator_pdf
from ..yamlsource import did_you_mean
from . import nodes as sh
from .aggregates import fill_aggregate
from .directives import warn
from .domain import get_domain
from .downloads import add_download_box

_ = get_translation("safe_harbor")

# Builders whose output is for facilitators.  The print builder keeps everything and writes the
# participant variant itself (it needs both from one doctree).
FACILITATOR_BUILDERS = frozenset({"facilitator", "safeharbor-print"})


def is_facilitator_builder(builder: Builder) -> bool:
    return builder.name in FACILITATOR_BUILDERS


def strip_facilitator_content(doctree: nodes.Node) -> None:
    """Remove facilitator-only subtrees, and footnotes only they refer to.

    MyST puts footnote bodies at the end of the page, outside the note that refers to them.
    """
    dropped: set[str] = set()
    for node in list(doctree.findall(sh.facilitator_only)):
        dropped.update(ref.get("refid", "") for ref in node.findall(nodes.footnote_reference))
        if node.parent is not None:
            node.parent.remove(node)
    if dropped:
        kept = {ref.get("refid", "") for ref in doctree.findall(nodes.footnote_reference)}
        for footnote in list(doctree.findall(nodes.footnote)):
            ids = set(footnote["ids"])
            if ids & dropped and not ids & kept:
                footnote.parent.remove(footnote)


def is_facilitator_handout(app: Sphinx, docname: str) -> bool:
    handout = get_domain(app.env).handouts_by_doc.get(docname)
    return handout is not None and handout.audience == "facilitator"


def withhold_page(doctree: nodes.document) -> None:
    """A facilitator handout's page on the participant site: its title and a pointer only."""
    top = next(iter(doctree.findall(nodes.section)), None)
    for child in list(doctree.children):
        if child is not top:
            doctree.remove(child)
    if top is None:
        return
    for child in list(top.children[1:] if isinstance(top[0], nodes.title) else top.children):
        top.remove(child)
    text = _("This handout is for facilitators: it is in the facilitator view and the facilitator guide.")
    top += nodes.paragraph(text, text, classes=["sh-withheld"])


def on_doctree_resolved(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    builder = app.builder
    facilitator = is_facilitator_builder(builder)
    if not facilitator:
        strip_facilitator_content(doctree)
        if is_facilitator_handout(app, docname):
            withhold_page(doctree)
    for placeholder in list(doctree.findall(sh.aggregate)):
        fill_aggregate(app, placeholder, docname, facilitator=facilitator)
    for ref in list(doctree.findall(sh.handout_ref)):
        ref.replace_self(resolve_handout(app, ref, docname))
    add_download_box(app, doctree, docname, facilitator=facilitator)
    set_block_heading_levels(doctree)


def set_block_heading_levels(doctree: nodes.Node) -> None:
    """Block titles are rubrics; give each the heading level below its enclosing section."""
    for rubric in doctree.findall(nodes.rubric):
        if "sh-block-title" not in rubric["classes"] or "heading-level" in rubric:
            continue
        depth, parent = 0, rubric.parent
        while parent is not None:
            depth += isinstance(parent, nodes.section)
            parent = parent.parent
        rubric["heading-level"] = min(max(depth, 1) + 1, 6)


def pdf_uri(builder: Builder, fromdoc: str, path: str) -> str:
    """URI of a PDF under a view's downloads folder, as seen from ``fromdoc``.

    Each view has its own: facilitator PDFs (``guides/``) are in the facilitator view's, the
    others in the participant site's, which the facilitator view links across to.
    """
    from .config_bridge import curriculum_config
    from .site import view_address

    to_root = "../" * fromdoc.count("/")
    downloads = builder.config.safe_harbor_downloads_dir
    if builder.name == "facilitator" and not is_facilitator_pdf(path):
        address = curriculum_config(builder.env).site.participant_address or "../site/"
        return view_address(to_root, address, f"{downloads}/{path}")
    return f"{to_root}{downloads}/{path}"


def handout_pdf_uri(builder: Builder, fromdoc: str, handout: Handout) -> str | None:
    """The handout's PDF as seen from ``fromdoc``; ``None`` where it is not published."""
    if handout.audience == "facilitator" and not is_facilitator_builder(builder):
        return None
    return pdf_uri(builder, fromdoc, handout.pdf_path)


def resolve_handout(app: Sphinx, ref: nodes.Element, fromdoc: str) -> nodes.Node:
    handout_id = ref["handout_id"]
    domain = get_domain(app.env)
    handout = domain.handouts().get(handout_id)
    target = domain.handout_doc(handout_id)
    if handout is None or target is None:
        if not ref.get("from_front_matter"):
            warn(
                Code.UNKNOWN_HANDOUT,
                f"unknown handout {handout_id!r}" + did_you_mean(handout_id, domain.handouts()),
                ref,
            )
        return nodes.inline(handout_id, handout_id, classes=["sh-handout-missing"])
    builder = app.builder
    wrapper = nodes.inline(classes=["sh-handout-ref"])
    pdf = handout_pdf_uri(builder, fromdoc, handout)
    if pdf is None:  # a facilitator handout, named on the participant site: no page, no PDF
        wrapper += nodes.inline(handout.title, handout.title)
        note = _(" (for facilitators)")
        wrapper += nodes.Text(note)
        return wrapper
    try:
        page_uri = relative_uri(builder.get_target_uri(fromdoc), builder.get_target_uri(target))
    except Exception:  # builders without pages (e.g. a linkcheck) still need text
        page_uri = ""
    title = nodes.inline(handout.title, handout.title)
    if page_uri:
        wrapper += nodes.reference("", "", title, refuri=page_uri, internal=True)
    else:
        wrapper += title
    label = f"PDF: {handout.title}"
    wrapper += nodes.Text(" (")
    wrapper += nodes.reference("", "PDF", refuri=pdf, classes=["sh-pdf-link"], reftitle=label)
    wrapper += nodes.Text(")")
    return wrapper
