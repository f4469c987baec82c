"""Sphinx's and MyST's own warnings, given our codes, a column and a suggestion.

MyST reports an unknown directive, option or role, and a link whose target does not exist;
Sphinx reports an image file it cannot read.  These are the mistakes contributors make most, so
each gets a code from :class:`~safe_harbor.diagnostics.Code`, the column of the mistake and,
where there is one, the closest known name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..diagnostics import Code, Diagnostic
from ..i18n import _
from ..yamlsource import did_you_mean

_OPTION = re.compile(
    r"^'(?P<directive>[^']+)': Unknown option keys?: (?P<options>.+?) \(allowed: \[(?P<allowed>[^\]]*)\]\)"
)
_DIRECTIVE = re.compile(r"^Unknown directive type: '(?P<name>[^']+)'")
_ROLE = re.compile(r'^Unknown interpreted text role "(?P<name>[^"]+)"')
_XREF = re.compile(r"cross-reference target not found: '(?P<target>[^']+)'")
_IMAGE = re.compile(r"^image file not readable: (?P<file>\S+)")
DROPPED = frozenset({"myst.header"})  # skipped heading levels are SH501, reported with a column


@dataclass
class KnownNames:
    directives: set[str] = field(default_factory=set)
    roles: set[str] = field(default_factory=set)


def known_names() -> KnownNames:
    """Directive and role names registered now (call inside the Sphinx run's docutils namespace)."""
    from docutils.parsers.rst import directives, roles

    return KnownNames(
        set(directives._directives) | set(directives._directive_registry),  # type: ignore[attr-defined]
        set(roles._roles) | set(roles._role_registry),  # type: ignore[attr-defined]
    )


def refine(diagnostic: Diagnostic, names: KnownNames) -> Diagnostic | None:
    """The diagnostic with our code, column and suggestion; None to drop it."""
    if diagnostic.code in DROPPED:
        return None
    message = diagnostic.message
    if diagnostic.code == "myst.directive_option" and (match := _OPTION.match(message)):
        allowed = [a.strip().strip("'\"") for a in match["allowed"].split(",") if a.strip()]
        options = re.findall(r"'([^']+)'", match["options"])
        option = options[0] if options else match["options"]
        text = _("unknown option ':{option}:' for '{directive}'{hint} (allowed: {allowed})").format(
            option=option,
            directive=match["directive"],
            hint=_suggest(option, allowed, ":"),
            allowed=", ".join(f":{a}:" for a in allowed) or _("none"),
        )
        return _located(diagnostic, Code.UNKNOWN_DIRECTIVE, text, f":{option}:")
    if diagnostic.code == "myst.directive_unknown" and (match := _DIRECTIVE.match(message)):
        name = match["name"]
        text = _("unknown directive '{name}'{hint}").format(name=name, hint=_suggest(name, names.directives))
        return _located(diagnostic, Code.UNKNOWN_DIRECTIVE, text, "{" + name + "}")
    if diagnostic.code == "myst.role_unknown" and (match := _ROLE.match(message)):
        name = match["name"]
        text = _("unknown role '{name}'{hint}").format(name=name, hint=_suggest(name, names.roles))
        return _located(diagnostic, Code.UNKNOWN_DIRECTIVE, text, "{" + name + "}")
    if diagnostic.code == "myst.xref_missing" and (match := _XREF.search(message)):
        target = match["target"]
        text = _(
            "link target '{target}' not found; link to an existing page (a path relative to this page) or a heading's anchor"
        ).format(target=target)
        return _located(diagnostic, Code.BROKEN_LINK, text, f"({target}")
    if diagnostic.code == "image.not_readable" and (match := _IMAGE.match(message)):
        file = match["file"]
        text = _(
            "image file '{file}' not found; put it next to the page or fix the file name (case matters)"
        ).format(file=file)
        return _located(diagnostic, Code.MISSING_IMAGE, text, Path(file).name)
    return diagnostic


def _suggest(name: str, choices: Iterable[str], wrap: str = "") -> str:
    hint = did_you_mean(name, [c for c in choices if ":" not in c or ":" in name])
    if hint and wrap:
        close = re.search(r"'([^']+)'", hint)
        if close:
            return _("; did you mean '{wrap}{name}{wrap}'?").format(wrap=wrap, name=close[1])
    return hint


def _located(diagnostic: Diagnostic, code: Code, message: str, snippet: str) -> Diagnostic:
    """Our code and message, with the line and column of *snippet* at or after the reported line."""
    line, column = diagnostic.line, None
    try:
        lines = Path(diagnostic.path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError, ValueError):
        lines = []
    start = (line or 1) - 1
    for index in [*range(start, len(lines)), *range(0, start)]:
        position = lines[index].find(snippet)
        if position != -1:
            line, column = index + 1, position + 1 + (1 if snippet.startswith("(") else 0)
            break
    return replace(
        diagnostic, code=code.code, message=message, severity=code.severity, line=line, column=column
    )
