"""The curriculum model: modules, activities, handouts, tracks and agendas.

Plain typed classes with no Sphinx imports, so they load, validate and compute (timing sums,
agenda clock times, preparation checklists) in milliseconds and are tested without a build.
Loaders take already-parsed YAML (:mod:`safe_harbor.yamlsource`) so every problem is reported
with its file and line.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from .diagnostics import Code, Diagnostic
from .register import Reference, load_references
from .yamlsource import (
    LinedDict,
    LinedList,
    Source,
    check_keys,
    did_you_mean,
    get_int,
    get_str,
    get_str_list,
    iter_mappings,
)

__all__ = ["Activity", "Handout", "Module", "Source", "Track"]

ActivityFormat = Literal["solo", "pairs", "small groups", "whole group"]
ACTIVITY_FORMATS: tuple[str, ...] = ("solo", "pairs", "small groups", "whole group")
HandoutAudience = Literal["participant", "facilitator"]
HANDOUT_AUDIENCES: tuple[str, ...] = ("participant", "facilitator")

MODULE_KEYS = (
    "title",
    "summary",
    "duration",
    "audience",
    "objectives",
    "prerequisites",
    "materials",
    "preparation",
    "handouts",
    "content_notes",
    "sources",
    "myst",  # MyST's own front matter settings pass through untouched
)
HANDOUT_KEYS = ("title", "audience", "summary", "sources", "id", "max_pages", "myst")

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass
class Activity:
    """One activity of a module, in the order it is run."""

    id: str
    title: str
    minutes: int
    format: str = "whole group"
    materials: list[str] = field(default_factory=list)
    line: int = 0


@dataclass
class Module:
    """A training module, loaded from the front matter of ``modules/<NN-slug>/index.md``."""

    id: str
    title: str
    summary: str
    duration: int
    audience: str = ""
    objectives: list[str] = field(default_factory=list)
    prerequisites: list[str] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)
    preparation: list[str] = field(default_factory=list)
    handouts: list[str] = field(default_factory=list)
    content_notes: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # as printed; see ``references``
    references: list[Reference] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    handout_lines: dict[str, int] = field(default_factory=dict)
    duration_line: int = 0  # the front-matter line of ``duration:``, where SH201 points
    prerequisite_lines: dict[str, int] = field(default_factory=dict)

    @property
    def activity_minutes(self) -> int:
        return sum(activity.minutes for activity in self.activities)

    def plan(self) -> list[tuple[int, Activity]]:
        """Minute-by-minute plan: each activity with the minute it starts at."""
        clock, plan = 0, []
        for activity in self.activities:
            plan.append((clock, activity))
            clock += activity.minutes
        return plan

    @classmethod
    def from_front_matter(cls, module_id: str, data: LinedDict, source: Source) -> Module:
        check_keys(data, MODULE_KEYS, source, " in module front matter")
        references = load_references(data, source)
        handouts = get_str_list(data, "handouts", source)
        raw = data.get("handouts")
        handout_lines = (
            {h: raw.line_of(i) for i, h in enumerate(handouts)}
            if isinstance(raw, LinedList)
            else {h: data.line_of("handouts") for h in handouts}
        )
        prerequisites = get_str_list(data, "prerequisites", source)
        raw_prerequisites = data.get("prerequisites")
        return cls(
            prerequisite_lines=(
                {p: raw_prerequisites.line_of(i) for i, p in enumerate(prerequisites)}
                if isinstance(raw_prerequisites, LinedList)
                else {p: data.line_of("prerequisites") for p in prerequisites}
            ),
            id=module_id,
            title=get_str(data, "title", source, required=True),
            summary=get_str(data, "summary", source, required=True),
            duration=get_int(data, "duration", source, required=True, minimum=1),
            audience=get_str(data, "audience", source),
            objectives=get_str_list(data, "objectives", source, required=True),
            prerequisites=prerequisites,
            materials=get_str_list(data, "materials", source),
            preparation=get_str_list(data, "preparation", source),
            handouts=handouts,
            content_notes=get_str_list(data, "content_notes", source),
            sources=[r.display for r in references],
            references=references,
            handout_lines=handout_lines,
            duration_line=data.line_of("duration"),
        )


@dataclass
class Handout:
    """A handout: a page on the site and a PDF of its own."""

    id: str
    title: str
    audience: str = "participant"
    summary: str = ""
    sources: list[str] = field(default_factory=list)  # as printed; see ``references``
    references: list[Reference] = field(default_factory=list)
    max_pages: int = 2  # printed pages (regular print) the handout must fit on

    @property
    def pdf_path(self) -> str:
        return handout_pdf_path(self.id, self.audience)

    @classmethod
    def from_front_matter(cls, handout_id: str, data: LinedDict, source: Source) -> Handout:
        check_keys(data, HANDOUT_KEYS, source, " in handout front matter")
        references = load_references(data, source)
        audience = get_str(data, "audience", source, default="participant")
        if audience not in HANDOUT_AUDIENCES:
            source.error(
                Code.CONFIG_INVALID,
                f"audience must be one of {', '.join(HANDOUT_AUDIENCES)}, got {audience!r}"
                + did_you_mean(audience, HANDOUT_AUDIENCES),
                data.line_of("audience"),
            )
            audience = "participant"
        declared = get_str(data, "id", source, default=handout_id)
        if declared != handout_id:
            source.error(
                Code.CONFIG_INVALID,
                f"id {declared!r} must match the file name {handout_id!r}",
                data.line_of("id"),
            )
        return cls(
            id=handout_id,
            title=get_str(data, "title", source, required=True),
            audience=audience,
            summary=get_str(data, "summary", source),
            sources=[r.display for r in references],
            references=references,
            max_pages=get_int(data, "max_pages", source, default=2, minimum=1),
        )


FACILITATOR_PDFS = "guides"  # the folder of facilitator-only PDFs in the downloads folder


def is_facilitator_pdf(path: str) -> bool:
    """Whether a PDF (path relative to the downloads folder) is for facilitators only."""
    return path.split("/", 1)[0] == FACILITATOR_PDFS


def handout_pdf_path(handout_id: str, audience: str, *, large: bool = False) -> str:
    """Where a handout's PDF goes, relative to the downloads folder.

    Facilitator handouts (answer keys, scripts) go with the facilitator guides, never among the
    participant handouts, and have no large-print edition.
    """
    if audience == "facilitator":
        return f"{FACILITATOR_PDFS}/handouts/{handout_id}.pdf"
    return f"handouts/large-print/{handout_id}.pdf" if large else f"handouts/{handout_id}.pdf"


# --- tracks and agendas ----------------------------------------------------------------------


@dataclass
class TrackItem:
    """One entry of a day: a module (whole, or some of its activities), a break or a meal."""

    kind: Literal["module", "break", "meal"]
    ref: str = ""  # module id for modules
    title: str = ""
    minutes: int = 0  # fixed length for breaks and meals
    activities: list[str] = field(default_factory=list)  # a subset of a module's activity ids
    line: int = 0


@dataclass
class Day:
    title: str
    start: int  # minutes after midnight
    end: int
    items: list[TrackItem]
    line: int = 0


@dataclass
class Track:
    """A named way to run the training: days, each with an ordered list of items."""

    id: str
    title: str
    description: str
    days: list[Day]
    participants: int = 12
    line: int = 0

    @property
    def module_ids(self) -> list[str]:
        seen: list[str] = []
        for day in self.days:
            for item in day.items:
                if item.kind == "module" and item.ref not in seen:
                    seen.append(item.ref)
        return seen

    @classmethod
    def from_mapping(cls, data: LinedDict, source: Source) -> Track:
        check_keys(data, ("id", "title", "description", "participants", "days"), source, " in track")
        track_id = get_str(data, "id", source, required=True)
        if track_id and not _SLUG.match(track_id):
            source.error(
                Code.CONFIG_INVALID,
                f"track id {track_id!r} must be lowercase words joined by hyphens",
                data.line_of("id"),
            )
        days: list[Day] = []
        if "days" not in data:
            source.error(Code.CONFIG_MISSING_KEY, "missing required key 'days'", data.line)
        for number, day in iter_mappings(data.get("days"), "days", source, data.line_of("days")):
            days.append(_load_day(day, number + 1, source))
        return cls(
            id=track_id,
            title=get_str(data, "title", source, required=True),
            description=get_str(data, "description", source),
            days=days,
            participants=get_int(data, "participants", source, default=12, minimum=1),
            line=data.line,
        )


def _load_day(data: LinedDict, number: int, source: Source) -> Day:
    check_keys(data, ("title", "start", "end", "items"), source, " in day")
    start = parse_clock(get_str(data, "start", source, required=True), source, data.line_of("start"))
    end = parse_clock(get_str(data, "end", source, required=True), source, data.line_of("end"))
    if end <= start:
        source.error(Code.CONFIG_INVALID, "a day must end after it starts", data.line_of("end"))
    items: list[TrackItem] = []
    for _, item in iter_mappings(data.get("items"), "items", source, data.line_of("items")):
        loaded = _load_item(item, source)
        if loaded is not None:
            items.append(loaded)
    return Day(get_str(data, "title", source, default=f"Day {number}"), start, end, items, data.line)


def _load_item(data: LinedDict, source: Source) -> TrackItem | None:
    kinds = [k for k in ("module", "break", "meal") if k in data]
    if len(kinds) != 1:
        source.error(
            Code.CONFIG_INVALID,
            "each item needs exactly one of 'module', 'break' or 'meal'",
            data.line,
        )
        return None
    kind = kinds[0]
    if kind == "module":
        check_keys(data, ("module", "activities", "title"), source, " in a module item")
        return TrackItem(
            "module",
            ref=get_str(data, "module", source),
            title=get_str(data, "title", source),
            activities=get_str_list(data, "activities", source),
            line=data.line,
        )
    check_keys(data, (kind, "title"), source, f" in a {kind} item")
    minutes = get_int(data, kind, source, minimum=1)
    return TrackItem(
        kind,  # type: ignore[arg-type]  # narrowed by the check above
        title=get_str(data, "title", source, default=kind.capitalize()),
        minutes=minutes,
        line=data.line,
    )


def parse_clock(text: str, source: Source, line: int) -> int:
    match = _CLOCK.match(text.strip()) if text else None
    if not match:
        if text:
            source.error(Code.CONFIG_INVALID, f"time must look like 09:30, got {text!r}", line)
        return 0
    return int(match[1]) * 60 + int(match[2])


def format_clock(minutes: int) -> str:
    days, minutes = divmod(minutes, 24 * 60)
    suffix = f" (+{days}d)" if days else ""
    return f"{minutes // 60:02d}:{minutes % 60:02d}{suffix}"


def format_minutes(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


@dataclass
class AgendaSlot:
    start: int
    end: int
    kind: str
    title: str
    ref: str = ""

    @property
    def minutes(self) -> int:
        return self.end - self.start


@dataclass
class DayPlan:
    title: str
    start: int
    end: int  # planned end
    slots: list[AgendaSlot]

    @property
    def finish(self) -> int:
        return self.slots[-1].end if self.slots else self.start

    @property
    def total(self) -> int:
        return self.finish - self.start

    @property
    def overrun(self) -> int:
        return max(0, self.finish - self.end)

    @property
    def unused(self) -> int:
        """Minutes between the end of the last item and the planned end: time nobody planned."""
        return max(0, self.end - self.finish)


def item_minutes(item: TrackItem, modules: dict[str, Module]) -> int:
    if item.kind != "module":
        return item.minutes
    module = modules[item.ref]
    if not item.activities:
        return module.duration
    by_id = {a.id: a for a in module.activities}
    return sum(by_id[a].minutes for a in item.activities if a in by_id)


def build_agenda(track: Track, modules: dict[str, Module]) -> list[DayPlan]:
    """Clock times for every item of every day; unknown modules must be checked beforehand."""
    plans = []
    for day in track.days:
        clock, slots = day.start, []
        for item in day.items:
            if item.kind == "module" and item.ref not in modules:
                continue
            minutes = item_minutes(item, modules)
            title = item.title or (modules[item.ref].title if item.kind == "module" else item.kind)
            slots.append(AgendaSlot(clock, clock + minutes, item.kind, title, item.ref))
            clock += minutes
        plans.append(DayPlan(day.title, day.start, day.end, slots))
    return plans


def check_track(track: Track, modules: dict[str, Module], source: Source) -> None:
    """Unknown modules or activities, and days whose items do not fill them to the minute.

    A day that runs past its planned end (``SH205``) and a day whose last item ends before it
    (``SH212``) are both warnings: a printed agenda that says 16:00 when the sessions end at 15:00
    misleads participants, co-facilitators and the people booking the room as much as one that
    overruns.
    """
    for day in track.days:
        for item in day.items:
            if item.kind != "module":
                continue
            if item.ref not in modules:
                source.error(
                    Code.UNKNOWN_MODULE,
                    f"track {track.id!r} uses unknown module {item.ref!r}" + did_you_mean(item.ref, modules),
                    item.line,
                )
                continue
            known = {a.id for a in modules[item.ref].activities}
            for activity in item.activities:
                if activity not in known:
                    source.error(
                        Code.UNKNOWN_MODULE,
                        f"module {item.ref!r} has no activity {activity!r}" + did_you_mean(activity, known),
                        item.line,
                    )
    for day, plan in zip(track.days, build_agenda(track, modules), strict=True):
        if plan.overrun:
            source.diagnostics.append(
                Diagnostic.of(
                    Code.AGENDA_OVERRUN,
                    f"track {track.id!r}, {plan.title}: runs until {format_clock(plan.finish)}, "
                    f"{plan.overrun} min past its end time {format_clock(plan.end)}",
                    source.path,
                    day.line,
                )
            )
        elif plan.unused:
            source.diagnostics.append(
                Diagnostic.of(
                    Code.AGENDA_UNUSED,
                    f"track {track.id!r}, {plan.title}: its last item ends at {format_clock(plan.finish)}, "
                    f"{plan.unused} min before its end time {format_clock(plan.end)}; "
                    "fill the time or move the end time",
                    source.path,
                    day.line,
                )
            )


@dataclass
class ChecklistEntry:
    text: str
    count: int
    modules: list[str]


def merge_items(per_module: list[tuple[str, list[str]]]) -> list[ChecklistEntry]:
    """Merge identical items (case and spacing ignored), counting the modules that need each."""
    merged: dict[str, ChecklistEntry] = {}
    counts: Counter[str] = Counter()
    for module_id, items in per_module:
        for text in items:
            key = " ".join(text.lower().split()).rstrip(".")
            counts[key] += 1
            entry = merged.setdefault(key, ChecklistEntry(text, 0, []))
            entry.count = counts[key]
            if module_id not in entry.modules:
                entry.modules.append(module_id)
    return list(merged.values())


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
