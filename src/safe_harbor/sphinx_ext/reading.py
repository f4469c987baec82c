"""Read phase: front matter into the model, then the summary card and the sources section.

``source-read`` parses the YAML front matter of module and handout pages with line numbers and
stores the model object in the curriculum domain before the directives run, so each
``activity`` directive can add itself to its module.  A transform then adds the parts every
module page has (summary card, facilitator plan, sources) from the same model.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform

from ..diagnostics import Code, DiagnosticError
from ..model import Activity, Handout, Module, format_minutes
from ..yamlsource import LinedDict, Source, load, split_front_matter
from . import nodes as sh
from .config_bridge import content_kind
from .directives import warn
from .domain import BlockRecord, NoteRecord, get_domain
from .tables import bullet_list, field_list, table


def read_front_matter(app: Sphinx, docname: str, content: list[str]) -> None:
    kind = content_kind(app.env, docname)
    path = app.env.doc2path(docname)
    text, body_start = split_front_matter(content[0])
    source = Source(path, first_line=2)
    if text is None:
        if kind is not None:
            warn(
                Code.CONFIG_MISSING_KEY,
                f"{kind[0]} page needs YAML front matter (--- ... ---) at the top",
                (docname, 1),
            )
        return
    try:
        data = load(text, source)
    except DiagnosticError as exc:
        for diag in exc.diagnostics:
            warn(Code.YAML_SYNTAX, diag.message, (docname, diag.line))
        # MyST reads the front matter again: give it none rather than what was refused (an
        # alias bomb, deep nesting), keeping every line where it was.
        lines = content[0].splitlines(keepends=True)
        lines[1 : body_start - 1] = ["{}\n"] + ["\n"] * (body_start - 3)
        content[0] = "".join(lines)
        return
    if kind is None:
        for diag in source.diagnostics:
            warn(Code.from_code(diag.code) or Code.YAML_SYNTAX, diag.message, (docname, diag.line))
        return
    if not isinstance(data, LinedDict):
        warn(Code.CONFIG_INVALID, "front matter must be a mapping of keys to values", (docname, 2))
        return
    domain = get_domain(app.env)
    if kind[0] == "module":
        domain.modules_by_doc[docname] = Module.from_front_matter(kind[1], data, source)
    else:
        domain.handouts_by_doc[docname] = Handout.from_front_matter(kind[1], data, source)
    for diag in source.diagnostics:
        code = Code.from_code(diag.code) or Code.CONFIG_INVALID
        warn(code, diag.message, (docname, diag.line))


class ModulePageTransform(SphinxTransform):
    """Adds the summary card, the facilitator's minute-by-minute plan and the sources section."""

    default_priority = 500

    def apply(self, **kwargs: Any) -> None:
        domain = get_domain(self.env)
        docname = self.env.docname
        module = domain.modules_by_doc.get(docname)
        handout = domain.handouts_by_doc.get(docname)
        self.record_structure(module)
        top = next(iter(self.document.findall(nodes.section)), None)
        if top is None:
            return
        if module is not None:
            if module.activities and module.activity_minutes != module.duration:
                warn(
                    Code.DURATION_MISMATCH,
                    f"module duration is {module.duration} min but its activities add up to "
                    f"{module.activity_minutes} min",
                    (docname, module.duration_line or 2),
                )
            # after the title and any content notes: a content warning comes before content
            position = 1
            while (
                position < len(top)
                and isinstance(top[position], sh.curriculum_block)
                and (top[position]["kind"] == "content-note")
            ):
                position += 1
            top.insert(position, summary_card(module))
            top.insert(position + 1, facilitator_plan(module))
            if module.sources:
                top += sources_section(module.sources, docname)
        elif handout is not None and handout.sources:
            top += sources_section(handout.sources, docname)

    def record_structure(self, module: Module | None) -> None:
        """Activities (titled by their section), facilitator notes and key points, in order."""
        domain = get_domain(self.env)
        docname = self.env.docname
        for node in self.document.findall(sh.activity):
            section = _enclosing_section(node)
            if not node["title"]:
                node["title"] = section[0].astext() if section is not None else "Activity"
            if not node["activity_id"]:
                node["activity_id"] = (
                    section["ids"][0] if section is not None and section["ids"] else f"activity-{node.line}"
                )
            if module is None:
                warn(Code.MISPLACED_DIRECTIVE, "activity outside a module page is not timed", node)
                continue
            module.activities.append(
                Activity(
                    node["activity_id"],
                    node["title"],
                    node["minutes"],
                    node["format"],
                    node["materials"],
                    node.line or 0,
                )
            )
        for note in self.document.findall(sh.facilitator_only):
            section = _enclosing_section(note)
            context = section[0].astext() if section is not None else ""
            excerpt = " ".join(note[1].astext().split()[:24]) if len(note) > 1 else ""
            domain.add_note(docname, NoteRecord(note["kind"], note["ids"][0], context, excerpt))
        for image in self.document.findall(nodes.image):
            if not str(image.get("alt", "")).strip():
                warn(
                    Code.MISSING_ALT,
                    f"image {image.get('uri', '')!r} needs alt text (describe it for screen readers)",
                    (docname, _line_of(image)),
                )
        for block in self.document.findall(sh.curriculum_block):
            if block["kind"] in ("objectives", "key-points"):
                items = [
                    item.astext().strip()
                    for bullet in block.findall(nodes.bullet_list)
                    for item in bullet.children
                ]
                domain.add_block(docname, BlockRecord(block["kind"], items))


def _line_of(node: nodes.Node | None) -> int | None:
    while node is not None and not node.line:
        node = node.parent
    return node.line if node is not None else None


def _enclosing_section(node: nodes.Node | None) -> nodes.section | None:
    while node is not None and not isinstance(node, nodes.section):
        node = node.parent
    return node if isinstance(node, nodes.section) else None


def summary_card(module: Module) -> nodes.container:
    card = nodes.container(classes=["sh-summary"])
    card += nodes.rubric("At a glance", "At a glance", classes=["sh-block-title"])
    rows: list[tuple[str, nodes.Node | str]] = [("Duration", format_minutes(module.duration))]
    if module.audience:
        rows.append(("Audience", module.audience))
    rows.append(("Summary", module.summary))
    card += field_list(rows, classes=["sh-summary-facts"])
    sections = [
        ("By the end, participants will be able to", module.objectives, False),
        ("Materials", module.materials, False),
        # the facilitator's steps before the session: not the trainee's business
        ("Preparation", module.preparation, True),
        ("Content notes", module.content_notes, False),
    ]
    for heading, items, facilitator_only in sections:
        if items:
            parent: nodes.Element = card
            if facilitator_only:
                parent = sh.facilitator_only(classes=["sh-summary-part"], kind="preparation")
                card += parent
            parent += nodes.paragraph(heading, heading, classes=["sh-summary-heading"])
            parent += bullet_list(items)
    if module.handouts:
        card += nodes.paragraph("Handouts", "Handouts", classes=["sh-summary-heading"])
        card += bullet_list(
            [
                # unknown ids here are reported once, at their front-matter line (site.py)
                sh.handout_ref(h, h, handout_id=h, classes=["sh-handout-ref"], from_front_matter=True)
                for h in module.handouts
            ]
        )
    return card


def facilitator_plan(module: Module) -> sh.facilitator_only:
    block = sh.facilitator_only(classes=["sh-block", "sh-plan"], kind="plan")
    block.append(nodes.rubric("Minute-by-minute plan", "Minute-by-minute plan", classes=["sh-block-title"]))
    rows = [
        [f"{start}–{start + a.minutes}", a.title, f"{a.minutes} min", a.format] for start, a in module.plan()
    ]
    footer = ["Total", "", f"{module.activity_minutes} min", ""]
    block.append(
        table(
            ["Minutes from start", "Activity", "Length", "Format"],
            rows,
            footer=footer,
            classes=["sh-plan-table"],
        )
    )
    return block


def sources_section(sources: list[str], docname: str) -> nodes.section:
    section = nodes.section(ids=["sources"], names=["sources"], classes=["sh-sources"])
    section += nodes.title("Sources", "Sources")
    listing = nodes.enumerated_list(enumtype="arabic", prefix="", suffix=".")
    for text in sources:
        item = nodes.list_item()
        item += nodes.paragraph(text, text)
        listing += item
    section += listing
    return section


class FacilitatorScopeTransform(SphinxTransform):
    """Facilitator-only content defines nothing site-wide.

    Index entries, glossary terms and labels are collected into the environment that both sites
    share (and from there into ``genindex.html`` and ``objects.inv``), and a download's file is
    copied into every site.  Inside facilitator-only content they are taken out before Sphinx's
    domains and collectors see the page (priority 850 and ``doctree-read``), with a warning.
    """

    default_priority = 840

    def apply(self, **kwargs: Any) -> None:
        docname = self.env.docname
        std = self.env.domains.standard_domain
        for block in list(self.document.findall(sh.facilitator_only)):
            for index in list(block.findall(addnodes.index)):
                if index.parent is not None and not isinstance(index.parent, nodes.term):
                    self.drop(index, "an index entry", "it is left out of the index")
                    index.parent.remove(index)
            for term in list(block.findall(nodes.term)):
                ids = set(term["ids"])
                for key, (doc, label_id) in list(std.objects.items()):
                    if key[0] == "term" and doc == docname and label_id in ids:
                        del std.objects[key]
                for name, (doc, label_id) in list(std._terms.items()):
                    if doc == docname and label_id in ids:
                        del std._terms[name]
                for index in list(term.findall(addnodes.index)):
                    index.parent.remove(index)
                self.drop(term, f"the glossary term {term.astext()!r}", "it is left out of the glossary")
            for element in block.findall(nodes.Element):
                for name in element.get("names", []):
                    if self.document.nametypes.get(name):
                        self.document.nametypes[name] = False  # not collected as a label
                        self.drop(element, f"the label {name!r}", "it cannot be linked to")
            for ref in list(block.findall(addnodes.download_reference)):
                self.drop(ref, "a download", "its file is not published; use a facilitator handout")
                ref.replace_self(nodes.inline("", ref.astext()))

    def drop(self, node: nodes.Node, what: str, effect: str) -> None:
        warn(
            Code.FACILITATOR_SCOPE,
            f"{what} inside facilitator-only content would be published on the participant site; {effect}",
            (self.env.docname, _line_of(node)),
        )
