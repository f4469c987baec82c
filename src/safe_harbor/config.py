"""Loading and validating ``conf/curriculum.yaml``: site metadata, print defaults and tracks.

The file is validated as a whole on load: every unknown key, wrong type or bad value is reported
(with file and line) before anything is built, so a contributor fixes them all in one go.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .diagnostics import Code, Diagnostic, DiagnosticError
from .model import Track, slugify
from .register import DEFAULT_RECHECK_MONTHS
from .yamlsource import (
    LinedDict,
    Source,
    check_keys,
    did_you_mean,
    get_int,
    get_mapping,
    get_str,
    iter_mappings,
    load,
)

CURRICULUM_FILE = "curriculum.yaml"
PAPER_SIZES = ("letter", "a4")
_LENGTH = re.compile(r"^\d{1,3}(\.\d{1,3})?(mm|in|pt)\Z")
DEFAULT_QUICK_EXIT = "https://www.google.com/search?q=weather"


@dataclass
class SiteSettings:
    title: str
    subtitle: str = ""
    author: str = ""
    version: str = "0.1.0"
    date: str = ""  # ISO date printed on PDFs; empty means SOURCE_DATE_EPOCH or today
    language: str = "en"
    license: str = "CC BY-SA 4.0"
    license_url: str = "https://creativecommons.org/licenses/by-sa/4.0/"
    online_address: str = ""  # printed on handouts only when set
    facilitator_view: bool = True
    # Where each view is published, as seen from the other's root folder (a relative path or an
    # address): the view switch and the facilitator view's links to participant PDFs use them.
    # The defaults fit the two folders side by side in _build/; "" leaves the switch out.
    facilitator_address: str = "../facilitator/"
    participant_address: str = "../site/"
    # The neutral page the "Leave this site" control and Escape twice replace the site with.
    quick_exit: str = DEFAULT_QUICK_EXIT


@dataclass
class PrintSettings:
    paper: str = "letter"
    bleed: str = "0mm"
    crop_marks: bool = False
    large_print: bool = True
    # Discreet print: participant PDFs also built with a neutral title (covers, running heads,
    # footers, metadata, file names), for people who cannot carry the topic on paper.
    discreet: bool = False
    discreet_title: str = "Training notes"


@dataclass
class FactSettings:
    # A claim whose "as of" date is this many months old is listed as "re-check due".
    recheck_after_months: int = DEFAULT_RECHECK_MONTHS


@dataclass
class CurriculumConfig:
    path: Path
    site: SiteSettings
    print: PrintSettings
    tracks: list[Track] = field(default_factory=list)
    facts: FactSettings = field(default_factory=FactSettings)
    warnings: list[Diagnostic] = field(default_factory=list)

    def track(self, track_id: str) -> Track | None:
        return next((t for t in self.tracks if t.id == track_id), None)

    @property
    def build_date(self) -> str:
        if self.site.date:
            return self.site.date
        epoch = os.environ.get("SOURCE_DATE_EPOCH")
        moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC) if epoch else dt.datetime.now(dt.UTC)
        return moment.date().isoformat()


SITE_KEYS = (
    "title",
    "subtitle",
    "author",
    "version",
    "date",
    "language",
    "license",
    "license_url",
    "online_address",
    "facilitator_view",
    "facilitator_address",
    "participant_address",
    "quick_exit",
)
PRINT_KEYS = ("paper", "bleed", "crop_marks", "large_print", "discreet", "discreet_title")


def load_curriculum_config(path: Path) -> CurriculumConfig:
    """Load a curriculum file (``conf/curriculum.yaml``); raise DiagnosticError listing every problem."""
    if path.is_dir():
        path = path / CURRICULUM_FILE
    source = Source(path)
    text = read_utf8(path)
    if not text.strip():
        raise DiagnosticError(
            [
                Diagnostic.of(
                    Code.CONFIG_MISSING_KEY, "the file is empty; it needs at least site: title:", path, 1
                )
            ]
        )
    data = load(text, source)
    if not isinstance(data, LinedDict):
        raise DiagnosticError([Diagnostic.of(Code.CONFIG_INVALID, "must be a mapping", path, 1)])
    check_keys(data, ("site", "print", "tracks", "facts"), source)
    site_data = get_mapping(data, "site", source)
    check_keys(site_data, SITE_KEYS, source, " in 'site'")
    site = SiteSettings(
        title=get_str(site_data, "title", source, required=True),
        subtitle=get_str(site_data, "subtitle", source),
        author=get_str(site_data, "author", source),
        version=get_str(site_data, "version", source, default="0.1.0"),
        date=_get_date(site_data, source),
        language=get_str(site_data, "language", source, default="en"),
        license=get_str(site_data, "license", source, default="CC BY-SA 4.0"),
        license_url=get_str(
            site_data, "license_url", source, default="https://creativecommons.org/licenses/by-sa/4.0/"
        ),
        online_address=get_str(site_data, "online_address", source),
        facilitator_view=_get_bool(site_data, "facilitator_view", source, True),
        facilitator_address=_get_address(site_data, "facilitator_address", "../facilitator/", source),
        participant_address=_get_address(site_data, "participant_address", "../site/", source),
        quick_exit=_get_quick_exit(site_data, source),
    )
    print_data = get_mapping(data, "print", source)
    check_keys(print_data, PRINT_KEYS, source, " in 'print'")
    paper = get_str(print_data, "paper", source, default="letter").lower()
    if paper not in PAPER_SIZES:
        source.error(
            Code.CONFIG_INVALID,
            f"paper must be one of {', '.join(PAPER_SIZES)}, got {paper!r}{did_you_mean(paper, PAPER_SIZES)}",
            print_data.line_of("paper"),
        )
        paper = "letter"
    bleed = get_str(print_data, "bleed", source, default="0mm")
    if not _LENGTH.match(bleed):
        source.error(
            Code.CONFIG_INVALID,
            f"bleed must be a length like 3mm, got {bleed!r}",
            print_data.line_of("bleed"),
        )
        bleed = "0mm"
    settings = PrintSettings(
        paper=paper,
        bleed=bleed,
        crop_marks=_get_bool(print_data, "crop_marks", source, False),
        large_print=_get_bool(print_data, "large_print", source, True),
        discreet=_get_bool(print_data, "discreet", source, False),
        discreet_title=_get_discreet_title(print_data, source),
    )
    facts_data = get_mapping(data, "facts", source)
    check_keys(facts_data, ("recheck_after_months",), source, " in 'facts'")
    facts = FactSettings(
        get_int(facts_data, "recheck_after_months", source, default=DEFAULT_RECHECK_MONTHS, minimum=1)
    )
    tracks: list[Track] = []
    if "tracks" in data:
        for _, item in iter_mappings(data["tracks"], "tracks", source, data.line_of("tracks")):
            track = Track.from_mapping(item, source)
            if any(t.id == track.id for t in tracks):
                source.error(Code.DUPLICATE_ID, f"track id {track.id!r} is used twice", item.line)
            tracks.append(track)
    source.raise_if_errors()
    return CurriculumConfig(path, site, settings, tracks, facts, warnings=source.diagnostics)


def valid_length(value: str) -> bool:
    """A non-negative length in mm, in or pt: the only thing ``bleed`` may be (it goes into CSS)."""
    return bool(_LENGTH.match(value))


def read_utf8(path: Path) -> str:
    """A file's text; unreadable files and bytes that are not UTF-8 become SH105 at their line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DiagnosticError(
            [Diagnostic.of(Code.FILE_UNREADABLE, f"cannot read {path.name}: {exc.strerror}", path)]
        ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        message = f"byte 0x{data[exc.start]:02x} is not UTF-8 text; save the file as UTF-8"
        raise DiagnosticError([Diagnostic.of(Code.FILE_UNREADABLE, message, path, line)]) from None


def _get_address(mapping: LinedDict, key: str, default: str, source: Source) -> str:
    """A folder or address another view is published at; always ends with ``/`` (or is empty)."""
    value = get_str(mapping, key, source, default=default)
    if any(c in value for c in "\"'<>` \n") or value.startswith(("javascript:", "data:")):
        source.error(Code.CONFIG_INVALID, f"{key!r} must be a folder or a web address", mapping.line_of(key))
        return default
    return value if not value or value.endswith("/") else value + "/"


def _get_bool(mapping: LinedDict, key: str, source: Source, default: bool) -> bool:
    value = mapping.get(key, default)
    if not isinstance(value, bool):
        source.error(Code.CONFIG_INVALID, f"{key!r} must be true or false", mapping.line_of(key))
        return default
    return value


def _get_quick_exit(mapping: LinedDict, source: Source) -> str:
    value = get_str(mapping, "quick_exit", source, default=DEFAULT_QUICK_EXIT).strip()
    if not re.match(r"^https://[^\s/\"'<>]+(/[^\s\"'<>]*)?$", value):
        source.error(
            Code.CONFIG_INVALID,
            f"quick_exit must be the https:// address of a neutral site, got {value!r}",
            mapping.line_of("quick_exit"),
        )
        return DEFAULT_QUICK_EXIT
    return value


def _get_date(mapping: LinedDict, source: Source) -> str:
    value = mapping.get("date")
    if value is None or value == "":
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        source.error(
            Code.CONFIG_INVALID, f"date must look like 2026-01-31, got {value!r}", mapping.line_of("date")
        )
        return ""


def _get_discreet_title(mapping: LinedDict, source: Source) -> str:
    title = get_str(mapping, "discreet_title", source, default=PrintSettings.discreet_title).strip()
    if not slugify(title):
        source.error(
            Code.CONFIG_INVALID,
            f"discreet_title needs at least one letter or digit, got {title!r}",
            mapping.line_of("discreet_title"),
        )
        return PrintSettings.discreet_title
    return title
