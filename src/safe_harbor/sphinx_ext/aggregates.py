"""Aggregate pages: agendas, preparation checklists and indexes built from every document.

Filled at write time from the curriculum domain and ``conf/curriculum.yaml``, so they always show
the current state of every module (see ``env-get-updated`` in :mod:`safe_harbor.sphinx_ext`).
"""

from __future__ import annotations

from collections.abc import Callable

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.osutil import relative_uri

from ..config import CurriculumConfig
from ..diagnostics import Code
from ..model import (
    Track,
    build_agenda,
    format_clock,
    format_minutes,
    merge_items,
)
from . import nodes as sh
from .config_bridge import curriculum_config
from .directives import warn
from .domain import CurriculumDomain, get_domain
from .tables import bullet_list, table

Filler = Callable[["AggregateContext"], list[nodes.Node]]


class AggregateContext:
    def __init__(self, app: Sphinx, node: nodes.Element, docname: str, facilitator: bool) -> None:
        self.app = app
        self.node = node
        self.docname = docname
        self.facilitator = facilitator
        self.domain: CurriculumDomain = get_domain(app.env)
        self.config: CurriculumConfig = curriculum_config(app.env)
        self.modules = self.domain.modules()
        self.chosen_tracks = self._tracks()
        # a heading per track only when the page shows several (or all) tracks
        self.title_each_track = len(self.chosen_tracks) > 1 or not node.get("track")

    def link(self, target_doc: str | None, text: str) -> nodes.Node:
        if target_doc is None:
            return nodes.Text(text)
        try:
            uri = relative_uri(
                self.app.builder.get_target_uri(self.docname), self.app.builder.get_target_uri(target_doc)
            )
        except Exception:
            return nodes.Text(text)
        return nodes.reference("", text, refuri=uri, internal=True)

    def module_link(self, module_id: str, text: str | None = None) -> nodes.Node:
        module = self.modules.get(module_id)
        return self.link(self.domain.module_doc(module_id), text or (module.title if module else module_id))

    def _tracks(self) -> list[Track]:
        wanted = self.node.get("track", "")
        if not wanted:
            return self.config.tracks
        track = self.config.track(wanted)
        if track is None:
            warn(
                Code.UNKNOWN_TRACK,
                f"unknown track {wanted!r}; conf defines: {', '.join(t.id for t in self.config.tracks) or 'none'}",
                self.node,
            )
            return []
        return [track]


def fill_aggregate(app: Sphinx, node: nodes.Element, docname: str, *, facilitator: bool) -> None:
    context = AggregateContext(app, node, docname, facilitator)
    content = FILLERS[node["kind"]](context)
    container = nodes.container(classes=["sh-aggregate", f"sh-{node['kind']}"])
    container.extend(content)
    node.replace_self(container)


def agenda(ctx: AggregateContext) -> list[nodes.Node]:
    result: list[nodes.Node] = []
    for track in ctx.chosen_tracks:
        if ctx.title_each_track:
            result.append(nodes.rubric(track.title, track.title, classes=["sh-track-title"]))
        if track.description:
            result.append(nodes.paragraph(track.description, track.description))
        for plan in build_agenda(track, ctx.modules):
            rows = []
            for slot in plan.slots:
                title: nodes.Node | str = (
                    ctx.module_link(slot.ref, slot.title) if slot.kind == "module" else slot.title
                )
                rows.append(
                    [
                        f"{format_clock(slot.start)}–{format_clock(slot.end)}",
                        title,
                        format_minutes(slot.minutes),
                    ]
                )
            footer = [
                f"{format_clock(plan.start)}–{format_clock(plan.finish)}",
                f"Day total (planned end {format_clock(plan.end)})",
                format_minutes(plan.total),
            ]
            result.append(
                table(
                    ["Time", "Session", "Length"],
                    rows,
                    caption=f"{track.title}: {plan.title}",
                    footer=footer,
                    classes=["sh-agenda-table"],
                )
            )
            if plan.overrun or plan.unused:
                text = (
                    f"This day runs {plan.overrun} min past its planned end time."
                    if plan.overrun
                    else f"This day's sessions end {plan.unused} min before its planned end time."
                )
                warning = nodes.warning()
                warning += nodes.paragraph(text, text)
                result.append(warning)
    return result


def preparation_checklist(ctx: AggregateContext) -> list[nodes.Node]:
    result: list[nodes.Node] = []
    for track in ctx.chosen_tracks:
        modules = [ctx.modules[m] for m in track.module_ids if m in ctx.modules]
        if ctx.title_each_track:
            result.append(nodes.rubric(track.title, track.title, classes=["sh-track-title"]))
        materials = merge_items([(m.id, m.materials) for m in modules])
        prep = merge_items([(m.id, m.preparation) for m in modules])
        result.append(nodes.paragraph("Materials", "Materials", classes=["sh-summary-heading"]))
        result.append(
            table(
                ["Item", "Modules needing it", "Count"],
                [[e.text, ", ".join(e.modules), str(e.count)] for e in materials],
                classes=["sh-checklist-table"],
            )
        )
        result.append(nodes.paragraph("Preparation", "Preparation", classes=["sh-summary-heading"]))
        result.append(
            bullet_list([f"{e.text} ({', '.join(e.modules)})" for e in prep], classes=["sh-checklist"])
        )
        result.append(
            nodes.paragraph("Handouts to print", "Handouts to print", classes=["sh-summary-heading"])
        )
        handouts = ctx.domain.handouts()
        rows: list[list[nodes.Node | str]] = []
        for handout_id in dict.fromkeys(h for m in modules for h in m.handouts):
            handout = handouts.get(handout_id)
            if handout is None:
                continue
            per = "1 per participant" if handout.audience == "participant" else "1 per facilitator"
            copies = str(track.participants) if handout.audience == "participant" else "1"
            rows.append([sh.handout_ref(handout_id, handout_id, handout_id=handout_id), per, copies])
        result.append(
            table(
                ["Handout", "Copies", f"For {track.participants} participants"],
                rows,
                classes=["sh-checklist-table"],
            )
        )
    return result


def objectives_index(ctx: AggregateContext) -> list[nodes.Node]:
    result: list[nodes.Node] = []
    for module in ctx.modules.values():
        result.append(nodes.paragraph("", "", ctx.module_link(module.id), classes=["sh-summary-heading"]))
        result.append(bullet_list(module.objectives))
    return result


def key_points_index(ctx: AggregateContext) -> list[nodes.Node]:
    result: list[nodes.Node] = []
    for docname in sorted(ctx.domain.blocks):
        points = [i for b in ctx.domain.blocks[docname] if b.kind == "key-points" for i in b.items]
        if points:
            title = ctx.app.env.titles[docname].astext() if docname in ctx.app.env.titles else docname
            result.append(nodes.paragraph("", "", ctx.link(docname, title), classes=["sh-summary-heading"]))
            result.append(bullet_list(points))
    return result


def handout_index(ctx: AggregateContext) -> list[nodes.Node]:
    from .writing import handout_pdf_uri

    rows: list[list[nodes.Node | str]] = []
    for handout in ctx.domain.handouts().values():
        pdf_address = handout_pdf_uri(ctx.app.builder, ctx.docname, handout)
        if pdf_address is None:
            continue  # a facilitator handout: listed in the facilitator view only
        used = [ctx.module_link(m, m) for m in ctx.domain.modules_using(handout.id)]
        used_cell = nodes.paragraph()
        for index, link in enumerate(used):
            if index:
                used_cell += nodes.Text(", ")
            used_cell += link
        pdf = nodes.reference("", "PDF", refuri=pdf_address)
        rows.append(
            [ctx.link(ctx.domain.handout_doc(handout.id), handout.title), handout.audience, used_cell, pdf]
        )
    return [table(["Handout", "For", "Used in", "Download"], rows, classes=["sh-handout-table"])]


def facilitator_notes_index(ctx: AggregateContext) -> list[nodes.Node]:
    if not ctx.facilitator:
        text = "The index of facilitator notes is part of the facilitator view."
        return [nodes.paragraph(text, text)]
    rows: list[list[nodes.Node | str]] = []
    for docname in sorted(ctx.domain.notes):
        title = ctx.app.env.titles[docname].astext() if docname in ctx.app.env.titles else docname
        for note in ctx.domain.notes[docname]:
            link = ctx.link(docname, title)
            if isinstance(link, nodes.reference):
                link["refuri"] += f"#{note.anchor}"
            rows.append([link, note.context, note.kind.replace("-", " "), note.excerpt + "…"])
    return [table(["Page", "Where", "Kind", "Begins"], rows, classes=["sh-notes-table"])]


def module_index(ctx: AggregateContext) -> list[nodes.Node]:
    rows: list[list[nodes.Node | str]] = [
        [ctx.module_link(m.id), format_minutes(m.duration), m.summary] for m in ctx.modules.values()
    ]
    return [table(["Module", "Length", "Summary"], rows, classes=["sh-module-table"])]


def downloads(ctx: AggregateContext) -> list[nodes.Node]:
    from .downloads import downloads_lists

    return downloads_lists(ctx.app, ctx.docname, facilitator=ctx.facilitator)


def offline_copy(ctx: AggregateContext) -> list[nodes.Node]:
    from .downloads import offline_copy as paragraph

    return paragraph(ctx.app, ctx.docname)


FILLERS: dict[str, Filler] = {
    "downloads": downloads,
    "offline-copy": offline_copy,
    "agenda": agenda,
    "preparation-checklist": preparation_checklist,
    "objectives-index": objectives_index,
    "key-points-index": key_points_index,
    "handout-index": handout_index,
    "facilitator-notes-index": facilitator_notes_index,
    "module-index": module_index,
}
