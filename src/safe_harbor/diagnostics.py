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
import re
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"


class Code(enum.Enum):
    """Diagnostic codes. The value is (code, default severity, short title)."""

    # Configuration and front matter (SH1xx)
    CONFIG_INVALID = ("SH101", Severity.ERROR, "invalid configuration value")
    CONFIG_UNKNOWN_KEY = ("SH102", Severity.ERROR, "unknown key")
    CONFIG_MISSING_KEY = ("SH103", Severity.ERROR, "required key missing")
    YAML_SYNTAX = ("SH104", Severity.ERROR, "YAML syntax error")
    FILE_UNREADABLE = ("SH105", Severity.ERROR, "file cannot be read")
    # Curriculum structure (SH2xx)
    DURATION_MISMATCH = ("SH201", Severity.WARNING, "module duration differs from activities")
    UNKNOWN_HANDOUT = ("SH202", Severity.ERROR, "unknown handout id")
    UNKNOWN_MODULE = ("SH203", Severity.ERROR, "unknown module")
    ACTIVITY_INVALID = ("SH204", Severity.ERROR, "invalid activity")
    AGENDA_OVERRUN = ("SH205", Severity.WARNING, "day runs past its end time")
    DUPLICATE_ID = ("SH206", Severity.ERROR, "duplicate id")
    UNKNOWN_TRACK = ("SH207", Severity.ERROR, "unknown track")
    MISPLACED_DIRECTIVE = ("SH208", Severity.WARNING, "directive used in the wrong place")
    CLAIM_INVALID = ("SH210", Severity.ERROR, "claim without a known source or an 'as of' date")
    RECHECK_DUE = ("SH211", Severity.WARNING, "claim last checked too long ago")
    # Print and safety (SH3xx)
    FETCH_REFUSED = ("SH301", Severity.ERROR, "resource outside the project refused")
    RENDER_FAILED = ("SH302", Severity.ERROR, "PDF rendering failed")
    MISSING_ALT = ("SH303", Severity.ERROR, "image without alt text")
    RENDER_TIMEOUT = ("SH305", Severity.ERROR, "PDF rendering took too long")
    RENDER_WARNING = ("SH306", Severity.WARNING, "the PDF renderer reported a problem")
    TOO_MANY_PAGES = ("SH307", Severity.WARNING, "handout is longer than its page limit")
    # Sphinx and other tools (SH9xx)
    SPHINX = ("SH900", Severity.WARNING, "Sphinx warning")
    SPHINX_ERROR = ("SH901", Severity.ERROR, "Sphinx error")

    @property
    def code(self) -> str:
        return self.value[0]

    @property
    def severity(self) -> Severity:
        return self.value[1]

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

    @classmethod
    def of(cls, code: Code, message: str, path: str | Path = "", line: int | None = None) -> Diagnostic:
        return cls(code.code, message, str(path), line, code.severity)

    def format(self, root: Path | None = None) -> str:
        path = self.path
        if root is not None and path:
            with contextlib.suppress(ValueError):
                path = str(Path(path).resolve().relative_to(root.resolve()))
        where = f"{path}:{self.line}" if self.line else (path or "safe-harbor")
        return f"{where}: {self.code} {self.message}"

    def __str__(self) -> str:
        return self.format()


class DiagnosticError(Exception):
    """Raised when loading input finds problems; carries every diagnostic, not just the first."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        self.diagnostics = diagnostics
        super().__init__("\n".join(d.format() for d in diagnostics))


# "path:line: WARNING: message [type.subtype]" as Sphinx writes to its warning stream.
_SPHINX_LINE = re.compile(
    r"^(?:(?P<path>[^\n]*?)(?::(?P<line>\d+))?(?::\d+)?: )?"
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
    return Diagnostic(code, message, path, line, severity)
