"""One place for every diagnostic Safe Harbor reports.

Every finding has a stable code, a severity, a path and (where known) a line, and is printed in
one shape, ``path:line: CODE message``, whether it comes from the curriculum model, the Sphinx
extension, the PDF stage or the command line.  Sphinx warnings raised by the extension carry the
code as their ``subtype`` (``type="safe-harbor"``), so a project can silence one with
``suppress_warnings = ["safe-harbor.SH105"]`` and the CLI can map the warning back to its code.
"""

from __future__ import annotations

import contextlib
import enum
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .i18n import _


def N_(message: str) -> str:  # noqa: N802 (gettext's marker for strings translated later)
    return message


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class Code(enum.Enum):
    """Diagnostic codes. The value is (code, default severity, short title, what to do).

    ``docs/contributing.md`` lists them with the ``diagnostic-codes`` directive, generated from
    this enum, so the page cannot drift from the code.
    """

    # Configuration and front matter (SH1xx)
    CONFIG_INVALID = (
        "SH101",
        Severity.ERROR,
        N_("invalid configuration value"),
        N_("Use a value of the kind the message names."),
    )
    CONFIG_UNKNOWN_KEY = (
        "SH102",
        Severity.ERROR,
        N_("unknown key"),
        N_("Fix the spelling (the message suggests the closest key) or remove the key."),
    )
    CONFIG_MISSING_KEY = (
        "SH103",
        Severity.ERROR,
        N_("required key missing"),
        N_("Add the key; the contributor guide lists what each page needs."),
    )
    YAML_SYNTAX = (
        "SH104",
        Severity.ERROR,
        N_("YAML syntax error"),
        N_("Check indentation and quotes at the line named; quote text that contains a colon."),
    )
    FILE_UNREADABLE = (
        "SH105",
        Severity.ERROR,
        N_("file cannot be read"),
        N_("Run the command from the curriculum folder, or fix the file's permissions or encoding (UTF-8)."),
    )
    OUTSIDE_PROJECT = (
        "SH106",
        Severity.ERROR,
        N_("file outside the project or not a regular file"),
        N_(
            "Copy the file into the project (a link that points outside does not count) and refer to the copy."
        ),
    )
    BUILD_FOLDER_BUSY = (
        "SH107",
        Severity.ERROR,
        N_("another build is writing to the output folder"),
        N_("Wait for the other build to finish, or build into another folder with -o."),
    )
    # Curriculum structure (SH2xx)
    DURATION_MISMATCH = (
        "SH201",
        Severity.WARNING,
        N_("module duration differs from activities"),
        N_("Make `duration:` equal the sum of the activities' `:minutes:`."),
    )
    UNKNOWN_HANDOUT = (
        "SH202",
        Severity.ERROR,
        N_("unknown handout id"),
        N_("Use the file name of a handout in handouts/ without `.md`."),
    )
    UNKNOWN_MODULE = (
        "SH203",
        Severity.ERROR,
        N_("unknown module"),
        N_("Use the folder name of a module in modules/ (or an activity's anchor)."),
    )
    ACTIVITY_INVALID = (
        "SH204",
        Severity.ERROR,
        N_("invalid activity"),
        N_("Give `:minutes:` a whole number and `:format:` one of the listed formats."),
    )
    AGENDA_OVERRUN = (
        "SH205",
        Severity.WARNING,
        N_("day runs past its end time"),
        N_("Shorten the day's items or move its end time."),
    )
    DUPLICATE_ID = (
        "SH206",
        Severity.ERROR,
        N_("duplicate id"),
        N_("Give each track, module or handout its own id."),
    )
    UNKNOWN_TRACK = (
        "SH207",
        Severity.ERROR,
        N_("unknown track"),
        N_("Use a track id from conf/curriculum.yaml."),
    )
    MISPLACED_DIRECTIVE = (
        "SH208",
        Severity.WARNING,
        N_("directive used in the wrong place"),
        N_("Move the block to a page where it means something (activities belong in modules)."),
    )
    FACILITATOR_SCOPE = (
        "SH209",
        Severity.WARNING,
        N_("site-wide entry inside facilitator-only content"),
        N_(
            "Move the index entry, glossary term, label or download out of the facilitator-only block, "
            "or drop it: it would reach the participant site."
        ),
    )
    CLAIM_INVALID = (
        "SH210",
        Severity.ERROR,
        N_("claim without a known source or an 'as of' date"),
        N_("Cite the id of a source in the page's `sources:` and the date you last checked the claim."),
    )
    RECHECK_DUE = (
        "SH211",
        Severity.WARNING,
        N_("claim last checked too long ago"),
        N_("Check the fact again against its source, then update the claim's date."),
    )
    AGENDA_UNUSED = (
        "SH212",
        Severity.WARNING,
        N_("day ends before its planned end time"),
        N_("Lengthen a break or an activity, or move the end time to when the last item ends."),
    )
    UNKNOWN_DIRECTIVE = (
        "SH220",
        Severity.ERROR,
        N_("unknown directive or option"),
        N_(
            "Fix the spelling (the message suggests the closest name); the contributor guide lists every directive."
        ),
    )
    BROKEN_LINK = (
        "SH221",
        Severity.ERROR,
        N_("broken internal link"),
        N_("Point the link at an existing page or heading anchor, relative to the page."),
    )
    MISSING_IMAGE = (
        "SH222",
        Severity.ERROR,
        N_("image file not found"),
        N_("Put the image next to the page and check the file name's spelling and case."),
    )
    UNUSED_HANDOUT = (
        "SH223",
        Severity.WARNING,
        N_("handout not used by any module"),
        N_("List the handout in a module's `handouts:` front matter, or remove it."),
    )
    MODULE_NOT_IN_TRACK = (
        "SH224",
        Severity.WARNING,
        N_("module not in any track"),
        N_("Add the module to a track in conf/curriculum.yaml."),
    )
    TITLE_HEADING = (
        "SH225",
        Severity.ERROR,
        N_("`#` title heading in a module or handout"),
        N_(
            "Delete the `#` heading: the title comes from `title:` in the front matter; sections start at `##`."
        ),
    )
    # Print and safety (SH3xx)
    FETCH_REFUSED = (
        "SH301",
        Severity.ERROR,
        N_("resource outside the project refused"),
        N_("Use files inside the project only; copy the file next to the page."),
    )
    RENDER_FAILED = (
        "SH302",
        Severity.ERROR,
        N_("PDF rendering failed"),
        N_("Read the message; run again with SAFE_HARBOR_DEBUG=1 for details and report it if it persists."),
    )
    MISSING_ALT = (
        "SH303",
        Severity.ERROR,
        N_("image without alt text"),
        N_("Describe the image in the brackets: `![what it shows](file.png)`."),
    )
    RENDER_TIMEOUT = (
        "SH305",
        Severity.ERROR,
        N_("PDF rendering took too long"),
        N_("Shorten the document or split it; very large tables are the usual cause."),
    )
    RENDER_WARNING = (
        "SH306",
        Severity.WARNING,
        N_("the PDF renderer reported a problem"),
        N_("Read the renderer's message; it names the file or style it could not use."),
    )
    TOO_MANY_PAGES = (
        "SH307",
        Severity.WARNING,
        N_("handout is longer than its page limit"),
        N_("Shorten the handout or raise `max_pages:` in its front matter."),
    )
    # Content rules (SH4xx)
    MISSING_PART = (
        "SH401",
        Severity.ERROR,
        N_("module lacks a required part"),
        N_(
            "Add what the message names: every module has objectives, sources, key points and enough activities, each with a script, a facilitator note and a debrief."
        ),
    )
    HANDOUT_TOO_SHORT = (
        "SH402",
        Severity.ERROR,
        N_("handout too short"),
        N_("Write enough for a reader to use on their own (the message names the minimum)."),
    )
    READING_GRADE = (
        "SH403",
        Severity.ERROR,
        N_("handout reads above the grade limit"),
        N_(
            "Shorten the sentences the message names and prefer short, common words; the limit is `safe_harbor_reading_grade` in conf/conf.py."
        ),
    )
    # Accessibility (SH5xx; SH303 is the missing alt text)
    HEADING_SKIPPED = (
        "SH501",
        Severity.ERROR,
        N_("heading level skipped"),
        N_("Go down one level at a time (`##` then `###`), so screen-reader users can follow the outline."),
    )
    VAGUE_LINK = (
        "SH502",
        Severity.ERROR,
        N_("link text does not say where it goes"),
        N_("Use the destination's name as the link text instead of 'click here' or 'read more'."),
    )
    TABLE_NO_HEADER = (
        "SH503",
        Severity.ERROR,
        N_("table without a header row"),
        N_("Give the table a header row (`:header-rows: 1` in a list-table)."),
    )
    # Language (SH6xx)
    TERM_TO_AVOID = (
        "SH601",
        Severity.ERROR,
        N_("term to avoid"),
        N_(
            "Use the preferred term the message gives (`safe-harbor check --fix` makes safe replacements). To teach about a term, quote it or write {avoid}`term`."
        ),
    )
    LANGUAGE_RULES = (
        "SH602",
        Severity.ERROR,
        N_("invalid language rule file"),
        N_(
            "Fix the rule file in conf/ at the line named; each rule needs `avoid`, `prefer`, `reason` and `source`."
        ),
    )
    # Safety and privacy (SH7xx)
    UNSAFE_HTML = (
        "SH701",
        Severity.ERROR,
        N_("raw HTML that can run code or collect data"),
        N_(
            "Remove scripts, iframes, forms and `on...=` attributes; use Markdown and the curriculum's directives."
        ),
    )
    REMOTE_RESOURCE = (
        "SH702",
        Severity.ERROR,
        N_("resource from another host"),
        N_(
            "Download the file into the project (check its license) and refer to it by a relative path; readers' browsers must not contact other hosts."
        ),
    )
    # Sphinx and other tools (SH9xx)
    SPHINX = (
        "SH900",
        Severity.WARNING,
        N_("Sphinx warning"),
        N_("A warning from Sphinx or MyST with no code of its own; the message says what it found."),
    )
    SPHINX_ERROR = (
        "SH901",
        Severity.ERROR,
        N_("Sphinx error"),
        N_("An error that stopped Sphinx; set SAFE_HARBOR_DEBUG=1 to see the traceback and report it."),
    )

    @property
    def code(self) -> str:
        return self.value[0]

    @property
    def severity(self) -> Severity:
        return self.value[1]

    @property
    def title(self) -> str:
        return _(self.value[2])

    @property
    def help(self) -> str:
        return _(self.value[3])

    @classmethod
    def from_code(cls, code: str) -> Code | None:
        for member in cls:
            if member.code == code:
                return member
        return None


@dataclass(frozen=True)
class Diagnostic:
    """One finding: where it is, what it is, and how bad."""

    code: str
    message: str
    path: str = ""
    line: int | None = None
    severity: Severity = Severity.ERROR
    column: int | None = None

    @classmethod
    def of(
        cls,
        code: Code,
        message: str,
        path: str | Path = "",
        line: int | None = None,
        column: int | None = None,
    ) -> Diagnostic:
        return cls(code.code, message, str(path), line, code.severity, column)

    def relative_path(self, root: Path | None = None) -> str:
        path = self.path
        if root is not None and path:
            # the path as written first: a page that is a link elsewhere is named by its link
            for candidate in (Path(os.path.abspath(path)), Path(path).resolve()):
                with contextlib.suppress(ValueError):
                    path = str(candidate.relative_to(root.resolve()))
                    break
        return path

    def format(self, root: Path | None = None) -> str:
        """``path:line:col: CODE message`` (line and column where known)."""
        path = self.relative_path(root)
        where = path or "safe-harbor"
        if path and self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        return f"{where}: {self.code} {self.message}"

    def format_github(self, root: Path | None = None) -> str:
        """A GitHub Actions workflow command, shown as an annotation on the pull request's diff."""
        level = "error" if self.severity is Severity.ERROR else "warning"
        known = Code.from_code(self.code)
        title = f"{self.code} {known.title}" if known else self.code
        properties = []
        path = self.relative_path(root)
        if path:
            properties.append(f"file={_escape_property(path)}")
            if self.line:
                properties.append(f"line={self.line}")
                if self.column:
                    properties.append(f"col={self.column}")
        properties.append(f"title={_escape_property(title)}")
        return f"::{level} {','.join(properties)}::{_escape_data(self.message)}"

    def __str__(self) -> str:
        return self.format()


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


class DiagnosticError(Exception):
    """Raised when loading input finds problems; carries every diagnostic, not just the first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.format() for d in diagnostics))


# "path:line: WARNING: message [type.subtype]" as Sphinx writes to its warning stream.
_SPHINX_LINE = re.compile(
    r"^(?:(?P<path>[^\n]*?)(?::(?P<line>\d+))?(?::(?P<col>\d+))?: )?"
    r"(?P<level>WARNING|ERROR|CRITICAL|SEVERE): (?P<msg>.*?)(?: \[(?P<type>[\w.\-]+)\])?$"
)
_CODE_IN_MESSAGE = re.compile(r"^(?P<code>SH\d{3}) (?P<msg>.*)$", re.S)


def parse_sphinx_warning(text: str) -> Diagnostic | None:
    """Turn one line of Sphinx's warning stream into a Diagnostic."""
    first, *rest = text.rstrip("\n").split("\n")
    match = _SPHINX_LINE.match(first.strip())
    if not match:
        return None
    message = "\n".join([match["msg"], *rest]).strip()
    warning_type = match["type"] or ""
    severity = Severity.WARNING if match["level"] == "WARNING" else Severity.ERROR
    own = _CODE_IN_MESSAGE.match(message)
    if own:
        code, message = own["code"], own["msg"]
        known = Code.from_code(code)
        if known is not None and known.severity is Severity.ERROR:
            severity = Severity.ERROR
    elif warning_type:
        code = warning_type
    else:
        code = Code.SPHINX.code if severity is Severity.WARNING else Code.SPHINX_ERROR.code
    path = (match["path"] or "").strip().rstrip(":")
    line = int(match["line"]) if match["line"] else None
    column = int(match["col"]) if match["col"] else None
    return Diagnostic(code, message, path, line, severity, column)
