"""The curriculum's MyST directives and the ``handout`` role.

Directives only record structure: they build format-neutral nodes (see :mod:`.nodes`) and note
what the aggregate pages need in the curriculum domain.  How anything looks is decided at write
time.
"""

from __future__ import annotations

from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective, SphinxRole

from ..diagnostics import Code
from ..model import ACTIVITY_FORMATS
from ..yamlsource import did_you_mean
from . import nodes as sh
from .domain import get_domain
from .tables import field_list

logger = logging.getLogger(__name__)

LABELS = {
    "objectives": "Objectives",
    "key-points": "Key points",
    "questions": "Questions",
    "debrief": "Debrief",
    "discussion": "Discussion",
    "content-note": "Content note",
    "facilitator-note": "Facilitator note",
    "script": "Script",
    "answer-key": "Answer key",
}


def warn(code: Code, message: str, location: object) -> None:
    """Emit a diagnostic through Sphinx so it carries a file, a line and a silenceable type."""
    log = logger.error if code.severity.value == "error" else logger.warning
    log(f"{code.code} {message}", location=location, type="safe-harbor", subtype=code.code)


class _Block(SphinxDirective):
    """A labelled block whose body is ordinary MyST content."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    kind: ClassVar[str] = ""
    node_class: ClassVar[type[nodes.Element]] = sh.curriculum_block

    def run(self) -> list[nodes.Node]:
        label = self.arguments[0] if self.arguments else LABELS[self.kind]
        node = self.node_class(classes=["sh-block", f"sh-{self.kind}"], kind=self.kind)
        self.set_source_info(node)
        title = nodes.rubric(label, label, classes=["sh-block-title"])
        node += title
        node += self.parse_content_to_nodes(allow_section_headings=False)
        self.record(node)
        return [node]

    def record(self, node: nodes.Element) -> None:
        pass


def _block(kind: str, base: type[_Block] = _Block) -> type[_Block]:
    return type(f"{kind.title().replace('-', '')}Directive", (base,), {"kind": kind})


class FacilitatorOnlyDirective(_Block):
    """Facilitator notes, scripts and answer keys: present only in facilitator outputs."""

    node_class = sh.facilitator_only

    def record(self, node: nodes.Element) -> None:
        node["ids"].append(f"fnote-{self.env.new_serialno('safe-harbor-note')}")


class ActivityDirective(SphinxDirective):
    """An activity: minutes, format, materials and numbered steps, titled by its section."""

    has_content = True
    optional_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar[dict[str, object]] = {  # type: ignore[misc]
        "minutes": directives.unchanged_required,
        "format": directives.unchanged,
        "materials": directives.unchanged,
        "id": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        location = self.get_location()
        minutes = _parse_minutes(self.options.get("minutes"), location)
        fmt = " ".join(self.options.get("format", "whole group").split()).lower()
        if fmt not in ACTIVITY_FORMATS:
            warn(
                Code.ACTIVITY_INVALID,
                f"format must be one of {', '.join(ACTIVITY_FORMATS)}, got {fmt!r}"
                + did_you_mean(fmt, ACTIVITY_FORMATS),
                location,
            )
        materials = [m.strip() for m in self.options.get("materials", "").split(",") if m.strip()]
        title = self.arguments[0] if self.arguments else ""
        activity_id = self.options.get("id", "")
        node = sh.activity(
            classes=["sh-activity"],
            minutes=minutes,
            format=fmt,
            materials=materials,
            activity_id=activity_id,
            title=title,
        )
        self.set_source_info(node)
        node += _activity_meta(minutes, fmt, materials)
        node += self.parse_content_to_nodes(allow_section_headings=False)

        return [node]


def _parse_minutes(value: str | None, location: object) -> int:
    if value is None:
        warn(Code.ACTIVITY_INVALID, "activity needs :minutes:", location)
        return 0
    try:
        minutes = int(value.strip())
    except ValueError:
        minutes = -1
    if minutes < 1:
        warn(Code.ACTIVITY_INVALID, f":minutes: must be a whole number above 0, got {value!r}", location)
        return 0
    return minutes


def _activity_meta(minutes: int, fmt: str, materials: list[str]) -> nodes.field_list:
    rows: list[tuple[str, nodes.Node | str]] = [("Time", f"{minutes} min"), ("Format", fmt)]
    if materials:
        rows.append(("Materials", ", ".join(materials)))
    return field_list(rows, classes=["sh-activity-meta"])


class AggregateDirective(SphinxDirective):
    """Placeholder for a table computed from every document (filled at write time)."""

    optional_arguments = 1
    kind: ClassVar[str] = ""

    def run(self) -> list[nodes.Node]:
        from .config_bridge import curriculum_config_path

        node = sh.aggregate(kind=self.kind, track=self.arguments[0] if self.arguments else "")
        self.set_source_info(node)
        # Agendas and checklists read conf/: editing a track must re-read this page.
        self.env.note_dependency(str(curriculum_config_path(self.env)))
        get_domain(self.env).aggregate_docs.setdefault(self.env.docname, set()).add(self.kind)
        return [node]


def _aggregate(kind: str) -> type[AggregateDirective]:
    return type(f"{kind.title().replace('-', '')}Directive", (AggregateDirective,), {"kind": kind})


AGGREGATES = (
    "agenda",
    "preparation-checklist",
    "objectives-index",
    "key-points-index",
    "handout-index",
    "facilitator-notes-index",
    "module-index",
    "downloads",
    "offline-copy",
)


class HandoutRole(SphinxRole):
    """``{handout}`id``` renders the handout's title with links to its page and its PDF."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        handout_id = self.text.strip()
        node = sh.handout_ref(handout_id, handout_id, handout_id=handout_id, classes=["sh-handout-ref"])
        self.set_source_info(node)
        return [node], []


def all_directives() -> dict[str, type[SphinxDirective]]:
    found: dict[str, type[SphinxDirective]] = {
        "objectives": _block("objectives"),
        "key-points": _block("key-points"),
        "questions": _block("questions"),
        "debrief": _block("debrief"),
        "discussion": _block("discussion"),
        "content-note": _block("content-note"),
        "facilitator-note": _block("facilitator-note", FacilitatorOnlyDirective),
        "script": _block("script", FacilitatorOnlyDirective),
        "answer-key": _block("answer-key", FacilitatorOnlyDirective),
        "activity": ActivityDirective,
    }
    found.update({kind: _aggregate(kind) for kind in AGGREGATES})
    return found
