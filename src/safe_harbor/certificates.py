"""``safe-harbor certificates``: certificates of completion for one track, as tagged PDFs.

The names file is private data.  It is read once, into memory; names go only into the PDFs the
command writes (one per person, or one combined file) and never into the build folder, a cache,
a log or the command's own output (messages name line numbers, not people).  Each PDF is
rendered through the same sandboxed WeasyPrint worker as the build (:mod:`.pdf.render`), as
PDF/UA-1, and written atomically (temporary file, then rename).

Training hours come from the track: the minutes of its modules (or of the activities it picks),
without breaks and meals, rounded down to the quarter hour.  No Sphinx build is needed.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import csv
import datetime as dt
import hashlib
import html
import io
import os
import re
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sphinx.locale import get_translation

from .config import CurriculumConfig, load_curriculum_config
from .diagnostics import Code, Diagnostic, DiagnosticError, Severity
from .model import Module, Track
from .yamlsource import LinedDict, Source, did_you_mean, load, split_front_matter

_ = get_translation("safe_harbor")

HEADER_WORDS = frozenset({"name", "names", "first name", "chosen name", "full name"})
_ACTIVITY_HEADING = re.compile(r"^## (.+?)\s*$", re.M)
_MINUTES = re.compile(r"^:minutes:\s*(\d+)\s*$", re.M)
_UNSAFE_IN_FILE_NAME = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|,;]+")
MAX_SLUG_BYTES = 120


class CertificateError(Exception):
    """A problem the user can fix: printed as one ``path: CODE message`` line."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(diagnostic.format())


def _fail(code: Code, message: str, path: str | Path = "", line: int | None = None) -> CertificateError:
    return CertificateError(Diagnostic.of(code, message, path, line))


# --- names ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    name: str
    line: int  # line of the names file, for messages that must not repeat the name


def read_names(path: Path) -> list[Person]:
    """One name per row (first column; a comma inside quotes stays in the name).

    Empty rows are skipped, spaces are tidied, and a first row that says ``name`` is taken as a
    header.  Duplicates are kept: two people can share a name.
    """
    try:
        data = path.read_bytes()
    except IsADirectoryError:
        raise _fail(Code.FILE_UNREADABLE, _("names file is a folder, not a file"), path) from None
    except OSError as exc:
        raise _fail(
            Code.FILE_UNREADABLE, _("cannot read names file: {reason}").format(reason=exc.strerror), path
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _fail(
            Code.FILE_UNREADABLE, _("names file is not UTF-8 text; save it as CSV UTF-8"), path, line
        ) from None
    people: list[Person] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            cell = row[0] if row else ""
            name = " ".join(unicodedata.normalize("NFC", cell).split())
            if not name:
                continue
            if not people and reader.line_num == _first_row_line(text) and name.lower() in HEADER_WORDS:
                continue
            people.append(Person(name, reader.line_num))
    except csv.Error as exc:
        raise _fail(
            Code.CONFIG_INVALID,
            _("names file is not valid CSV: {reason}").format(reason=exc),
            path,
            reader.line_num,
        ) from None
    if not people:
        raise _fail(Code.CONFIG_INVALID, _("names file has no names (one name per line)"), path)
    return people


def _first_row_line(text: str) -> int:
    """Line number of the first non-blank row: only that row can be a header."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().strip(","):
            return number
    return 1


def file_names(people: Sequence[Person]) -> list[str]:
    """``NNN-name.pdf`` in the order of the file: unique even when two people share a name."""
    width = max(3, len(str(len(people))))
    return [f"{number:0{width}d}-{_slug(person.name)}.pdf" for number, person in enumerate(people, start=1)]


def _slug(name: str) -> str:
    slug = _UNSAFE_IN_FILE_NAME.sub("", unicodedata.normalize("NFC", name))
    slug = "-".join(slug.split()).strip(".-")
    while len(slug.encode()) > MAX_SLUG_BYTES:
        slug = slug[:-1]
    return slug or "certificate"


def duplicates(people: Sequence[Person]) -> list[list[int]]:
    """Positions (1-based) of people who share a name with someone before or after them."""
    seen: dict[str, list[int]] = {}
    for number, person in enumerate(people, start=1):
        seen.setdefault(person.name.casefold(), []).append(number)
    return [numbers for numbers in seen.values() if len(numbers) > 1]


# --- hours and dates ------------------------------------------------------------------------


def module_timing(path: Path) -> tuple[Module, dict[str, int]]:
    """A module's front matter and its activities' minutes by id, without a Sphinx build.

    Activity ids are the section anchors the build uses (docutils' ``make_id`` of the ``##``
    heading); each activity's minutes are the first ``:minutes:`` under its heading.
    """
    from docutils.nodes import make_id

    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise _fail(
            Code.FILE_UNREADABLE, _("cannot read module: {reason}").format(reason=exc.strerror), path
        ) from None
    front, _offset = split_front_matter(text)
    source = Source(path, first_line=2)
    try:
        data = load(front or "", source)
    except DiagnosticError as exc:
        raise CertificateError(exc.diagnostics[0]) from None
    if not isinstance(data, LinedDict):
        raise _fail(Code.CONFIG_INVALID, _("front matter must be a mapping of keys to values"), path, 2)
    module = Module.from_front_matter(path.parent.name, data, source)
    errors = [d for d in source.diagnostics if d.severity is Severity.ERROR]
    if errors:
        raise CertificateError(errors[0])
    headings = list(_ACTIVITY_HEADING.finditer(text))
    minutes: dict[str, int] = {}
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        found = _MINUTES.search(text, heading.end(), end)
        if found:
            minutes[make_id(heading.group(1))] = int(found.group(1))
    return module, minutes


def training_minutes(track: Track, modules_dir: Path, config_path: Path) -> int:
    """Minutes of training in a track: its modules or chosen activities, not breaks or meals."""
    total = 0
    timings: dict[str, tuple[Module, dict[str, int]]] = {}
    for day in track.days:
        for item in day.items:
            if item.kind != "module":
                continue
            if item.ref not in timings:
                path = modules_dir / item.ref / "index.md"
                if not path.is_file():
                    raise _fail(
                        Code.UNKNOWN_MODULE,
                        _("track {track!r} uses unknown module {module!r}").format(
                            track=track.id, module=item.ref
                        ),
                        config_path,
                        item.line,
                    )
                timings[item.ref] = module_timing(path)
            module, minutes = timings[item.ref]
            if not item.activities:
                total += module.duration
                continue
            for activity in item.activities:
                if activity not in minutes:
                    raise _fail(
                        Code.UNKNOWN_MODULE,
                        _("module {module!r} has no activity {activity!r}").format(
                            module=item.ref, activity=activity
                        )
                        + did_you_mean(activity, minutes),
                        config_path,
                        item.line,
                    )
                total += minutes[activity]
    return total


def format_hours(minutes: int) -> str:
    """Training time as certificates state it: hours, rounded down to the quarter hour."""
    quarters = minutes // 15
    if quarters < 4:
        return _("{minutes} minutes").format(minutes=minutes)
    if quarters == 4:
        return str(_("1 hour"))
    hours = f"{quarters / 4:.2f}".rstrip("0").rstrip(".")
    return _("{hours} hours").format(hours=hours)


MONTHS = (
    _("January"),
    _("February"),
    _("March"),
    _("April"),
    _("May"),
    _("June"),
    _("July"),
    _("August"),
    _("September"),
    _("October"),
    _("November"),
    _("December"),
)


def parse_date(text: str | None) -> dt.date:
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise _fail(
            Code.CONFIG_INVALID, _("--date must be a date like 2026-03-14, got {value!r}").format(value=text)
        ) from None


def format_date(day: dt.date) -> str:
    return _("{month} {day}, {year}").format(month=MONTHS[day.month - 1], day=day.day, year=day.year)


# --- documents ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateDetails:
    site_title: str
    site_subtitle: str
    track_title: str
    hours: str
    date: dt.date
    facilitators: str
    language: str
    footer: str
    paper: str


def _stylesheet(details: CertificateDetails) -> str:
    from . import STATIC
    from .pdf.documents import PAPER

    fonts = (STATIC / "fonts").as_uri()
    faces = "".join(
        f'@font-face {{ font-family: "Atkinson Hyperlegible"; font-weight: {weight}; font-style: normal;'
        f' src: url("{fonts}/atkinson-hyperlegible-latin-{weight}-normal.ttf"); }}'
        for weight in (400, 700)
    )
    return (
        faces + f"@page {{ size: {PAPER[details.paper]} landscape; margin: 0.5in; }}"
        # DejaVu Sans (a system font the project installs) covers Arabic, Hebrew, Greek, Cyrillic
        '\nhtml { font-family: "Atkinson Hyperlegible", "DejaVu Sans", sans-serif; color: #000; }'
        "\nbody { margin: 0; }"
        "\n.certificate { break-after: page; height: 7in; box-sizing: border-box;"
        " border: 4pt double #000; padding: 0.8in 0.7in 0.5in; text-align: center; }"
        "\n.certificate:last-child { break-after: auto; }"
        "\n.certificate-site { font-size: 13pt; letter-spacing: 0.06em; text-transform: uppercase; margin: 0; }"
        "\nh1 { font-size: 30pt; margin: 0.25in 0 0.2in; }"
        "\n.certifies { font-size: 13pt; margin: 0; }"
        "\n.name { font-size: 28pt; font-weight: 700; margin: 0.15in 0 0.1in; overflow-wrap: anywhere;"
        " border-bottom: 1.5pt solid #000; padding-bottom: 0.05in; }"
        "\n.training { font-size: 13pt; margin: 0.12in 0 0; }"
        "\n.subtitle { font-size: 16pt; font-weight: 700; margin: 0.08in 0 0.1in; }"
        "\n.facts { font-size: 12.5pt; margin: 0.25in auto 0; display: table; text-align: left; }"
        "\n.facts div { display: table-row; }"
        "\n.facts dt, .facts dd { display: table-cell; padding: 0.03in 0.1in; margin: 0; }"
        "\n.facts dt { font-weight: 700; }"
        "\n.footer { font-size: 8.5pt; margin-top: 0.3in; }"
    )


def certificate_html(person: Person, details: CertificateDetails) -> str:
    """One certificate as a section; ``dir="auto"`` lets a right-to-left name run right to left."""
    esc = html.escape
    facts = [
        (_("Track"), details.track_title),
        (_("Hours"), _("{hours} of training, not counting breaks and meals").format(hours=details.hours)),
        (_("Date"), format_date(details.date)),
    ]
    if details.facilitators:
        facts.append((_("Facilitators"), details.facilitators))
    rows = "".join(f"<div><dt>{esc(str(term))}</dt><dd>{esc(str(value))}</dd></div>" for term, value in facts)
    subtitle = f'<p class="subtitle">{esc(details.site_subtitle)}</p>' if details.site_subtitle else ""
    return (
        '<section class="certificate">'
        f'<p class="certificate-site">{esc(details.site_title)}</p>'
        f"<h1>{esc(str(_('Certificate of completion')))}</h1>"
        f'<p class="certifies">{esc(str(_("This certifies that")))}</p>'
        f'<p class="name" dir="auto">{esc(person.name)}</p>'
        f'<p class="training">{esc(str(_("completed the {title} training").format(title=details.site_title)))}</p>'
        + subtitle
        + f'<dl class="facts">{rows}</dl>'
        + (f'<p class="footer">{esc(details.footer)}</p>' if details.footer else "")
        + "</section>"
    )


def document_html(people: Sequence[Person], details: CertificateDetails) -> str:
    esc = html.escape
    title = _("Certificate of completion: {track}").format(track=details.track_title)
    created = details.date.isoformat()
    return (
        f'<!DOCTYPE html><html lang="{esc(details.language)}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title>"
        f'<meta name="author" content="{esc(details.site_title)}">'
        f'<meta name="generator" content="Safe Harbor">'
        f'<meta name="dcterms.created" content="{created}">'
        f'<meta name="dcterms.modified" content="{created}">'
        f"<style>{_stylesheet(details)}</style></head><body><main>"
        + "".join(certificate_html(person, details) for person in people)
        + "</main></body></html>"
    )


# --- the command ----------------------------------------------------------------------------


def add_parser(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = commands.add_parser(
        "certificates",
        help=str(_("write certificates of completion (PDF) for the people in a names file")),
        description=str(
            _(
                "Write a certificate of completion for each name in a CSV file (one name per line). "
                "The names are read once and written only into the certificates."
            )
        ),
    )
    parser.add_argument(
        "root", nargs="?", default=".", type=Path, help=str(_("curriculum folder (default: .)"))
    )
    parser.add_argument("--track", required=True, help=str(_("track id from conf/curriculum.yaml")))
    parser.add_argument("--names", required=True, type=Path, help=str(_("CSV file, one name per line")))
    parser.add_argument("--date", help=str(_("date of the training, YYYY-MM-DD (default: today)")))
    parser.add_argument(
        "--facilitators", default="", help=str(_("facilitators' names, as they should appear"))
    )
    parser.add_argument("--combined", action="store_true", help=str(_("one PDF with a page per person")))
    parser.add_argument(
        "--discreet",
        action="store_true",
        help=str(_("print the neutral title of print.discreet_title instead of the curriculum's title")),
    )
    parser.add_argument(
        "-o", "--out", type=Path, help=str(_("output folder (default: ROOT/_build/certificates/TRACK)"))
    )
    parser.add_argument("-j", "--jobs", type=int, default=0, metavar="N", help=str(_("worker processes")))


@dataclass
class Plan:
    jobs: list[tuple[str, Path]]  # (HTML, target)
    out: Path
    people: int
    details: CertificateDetails
    duplicates: list[list[int]]


def plan(args: argparse.Namespace) -> Plan:
    """Check every input and assemble the documents; nothing is written yet."""
    root = Path(args.root).resolve()
    if not (root / "conf").is_dir():
        raise _fail(
            Code.FILE_UNREADABLE, _("no conf/ folder here; run from the curriculum folder"), args.root
        )
    config = _load_config(root)
    track = config.track(args.track)
    if track is None:
        known = [t.id for t in config.tracks]
        raise _fail(
            Code.UNKNOWN_TRACK,
            _("unknown track {track!r}; tracks: {known}").format(track=args.track, known=", ".join(known))
            + did_you_mean(args.track, known),
            config.path,
        )
    day = parse_date(args.date)
    minutes = training_minutes(track, root / "modules", config.path)
    out = (Path(args.out) if args.out else root / "_build" / "certificates" / track.id).resolve()
    site_folder = (root / "_build" / "site").resolve()
    if out == site_folder or out.is_relative_to(site_folder):
        raise _fail(
            Code.CONFIG_INVALID,
            _("certificates must not go inside the published site folder {site}").format(site=site_folder),
        )
    if out.exists() and not out.is_dir():
        raise _fail(Code.CONFIG_INVALID, _("output is a file, not a folder"), out)
    people = read_names(Path(args.names))  # the one read of the names file
    site = config.site
    # A certificate is kept and shown to others: --discreet leaves the topic off it.
    title = config.print.discreet_title if args.discreet else site.title
    details = CertificateDetails(
        site_title=title,
        site_subtitle="" if args.discreet else site.subtitle,
        track_title=track.title,
        hours=format_hours(minutes),
        date=day,
        facilitators=" ".join(args.facilitators.split()),
        language=site.language,
        footer=""
        if args.discreet
        else " · ".join(p for p in (f"{site.title} {site.version}", site.license) if p.strip()),
        paper=config.print.paper,
    )
    if args.combined:
        jobs = [(document_html(people, details), out / f"certificates-{track.id}.pdf")]
    else:
        jobs = [
            (document_html([person], details), out / name)
            for person, name in zip(people, file_names(people), strict=True)
        ]
    return Plan(jobs, out, len(people), details, [] if args.combined else duplicates(people))


def _load_config(root: Path) -> CurriculumConfig:
    try:
        return load_curriculum_config(root / "conf")
    except DiagnosticError as exc:
        raise CertificateError(exc.diagnostics[0]) from None


def render(work: Plan, workers: int) -> list[str]:
    """Render every document in sandboxed workers; return problems (never names)."""
    from . import STATIC
    from .pdf.render import init_worker, render_one

    work.out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    workers = max(1, min(workers or os.cpu_count() or 1, len(work.jobs)))
    base_url = STATIC.as_uri() + "/"
    with cf.ProcessPoolExecutor(
        max_workers=workers, initializer=init_worker, initargs=([str(STATIC)], os.getpid())
    ) as pool:
        futures = {
            pool.submit(
                render_one,
                document,
                base_url,
                str(target),
                hashlib.sha256(document.encode()).hexdigest(),
                120 + 60 * len(document.encode()) // 1_000_000,
            ): number
            for number, (document, target) in enumerate(work.jobs, start=1)
        }
        for future in cf.as_completed(futures):
            outcome = future.result()
            if "error" in outcome:
                number = futures[future]
                # a renderer's message may name the file, and the file name holds the person's name
                message = outcome["message"].replace(
                    work.jobs[number - 1][1].name, f"certificate-{number}.pdf"
                )
                problems.append(_("certificate {number}: {message}").format(number=number, message=message))
    return sorted(problems)


def run(args: argparse.Namespace) -> int:
    if args.jobs < 0:
        print(f"safe-harbor: SH101 {_('--jobs must be 1 or more')}", file=sys.stderr)
        return 2
    try:
        work = plan(args)
    except CertificateError as exc:
        print(exc.diagnostic.format(Path(args.root).resolve()), file=sys.stderr)
        return 2
    try:
        problems = render(work, args.jobs)
    except KeyboardInterrupt:
        print(
            f"safe-harbor: {_('interrupted; finished certificates are kept, unfinished ones were not written')}",
            file=sys.stderr,
        )
        return 130
    except OSError as exc:  # the output folder cannot be created or written
        where = exc.filename or work.out
        print(
            f"{where}: {Code.FILE_UNREADABLE.code} {_('cannot write certificates')}: {exc.strerror}",
            file=sys.stderr,
        )
        return 1
    for problem in problems:
        print(f"safe-harbor: {Code.RENDER_FAILED.code} {problem}", file=sys.stderr)
    if problems:
        return 1
    details = work.details
    summary = _("{track}, {hours}, {date}").format(
        track=details.track_title, hours=details.hours, date=format_date(details.date)
    )
    if args.combined:
        print(
            _("wrote one PDF with {count} certificate(s) ({summary}): {path}").format(
                count=work.people, summary=summary, path=work.jobs[0][1]
            )
        )
    else:
        print(
            _("wrote {count} certificate(s) ({summary}) to {folder}").format(
                count=work.people, summary=summary, folder=work.out
            )
        )
    for numbers in work.duplicates:
        print(
            _("note: certificates {numbers} are for people with the same name; each has its own file").format(
                numbers=", ".join(f"{n:03d}" for n in numbers)
            )
        )
    others = _other_pdfs(work)
    if others:
        print(
            _(
                "note: {folder} also holds {count} other PDF(s), perhaps from an earlier run; remove them if unwanted"
            ).format(folder=work.out, count=others)
        )
    return 0


def _other_pdfs(work: Plan) -> int:
    written = {target.name for _doc, target in work.jobs}
    return sum(1 for p in work.out.glob("*.pdf") if p.name not in written)
