"""A MyST page as text, with the parts a reader never sees as prose blanked out.

The text checks (language, headings, link text) work on the source, not the doctree, so every
finding has an exact line and column and ``--fix`` can edit the file in place.  Blanking
replaces characters with spaces (newlines kept), so offsets in the masked text are offsets in
the file.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# Directives whose body is code or a file to include, not prose.
CODE_DIRECTIVES = frozenset(
    {"code-block", "code", "sourcecode", "literalinclude", "include", "raw", "eval-rst"}
)
# Roles whose target is an id or an address, not text a reader sees as written.
REFERENCE_ROLES = frozenset(
    {"handout", "doc", "ref", "download", "numref", "avoid", "term", "any", "eq", "math"}
)

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>[^\n]*)$", re.M)
_DIRECTIVE_INFO = re.compile(r"^\{(?P<name>[^}\s]+)\}(?P<arg>[^\n]*)$")
_INLINE_CODE = re.compile(r"(?P<role>\{(?P<name>[\w:+-]+)\})?(?P<ticks>`+)(?P<body>.+?)(?P=ticks)", re.S)
_LINK = re.compile(r"(?<!!)\[(?P<text>[^\]\n]*)\]\((?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\)")
_IMAGE = re.compile(r"!\[(?P<alt>[^\]\n]*)\]\((?P<url>[^)\s]*)(?:\s+\"[^\"]*\")?\)")
_AUTOLINK = re.compile(r"<(?:https?|mailto|ftp):[^>\s]*>|\bhttps?://[^\s)\]>\"'`]+")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_COMMENT_LINE = re.compile(r"^%[^\n]*$", re.M)
_OPTION_KEY = re.compile(r"^(?P<indent>[ \t]*):[\w-]+:", re.M)
_HEADING = re.compile(r"^(?P<hashes>#{1,6})[ \t]+(?P<text>[^\n]*?)[ \t#]*$", re.M)
_FRONT_KEY = re.compile(r"^(?P<key>[\w-]+):", re.M)


def blank(text: str, start: int, end: int) -> str:
    """Replace text[start:end] with spaces, keeping newlines (so lines and columns stay put)."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


@dataclass
class Fence:
    """A fenced block: a code block, or a directive such as ``:::{activity}``."""

    name: str  # directive name, or "" for a plain code block
    start: int  # offset of the opening fence line
    body_start: int
    body_end: int  # offset of the closing fence line (or end of text)
    end: int  # offset after the closing fence line
    line: int  # line of the opening fence (1-based)
    column: int


@dataclass
class Page:
    """One source file's text, with helpers to go from offsets to lines and columns."""

    text: str
    front_matter_end: int = 0  # offset just after the closing ``---``, 0 without front matter
    fences: list[Fence] = field(default_factory=list)
    _line_starts: list[int] = field(default_factory=list)

    @classmethod
    def parse(cls, text: str) -> Page:
        page = cls(text)
        page._line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        if text.startswith("---"):
            match = re.search(r"^---[ \t]*$", text[3:], re.M)
            if match and text[: 3 + match.start()].count("\n") >= 1:
                page.front_matter_end = 3 + match.end()
        page.fences = list(_fences(text, page.front_matter_end))
        page._line_starts = [0] + [m.end() for m in re.finditer(r"\n", text)]
        return page

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of an offset."""
        index = bisect.bisect_right(self._line_starts, offset) - 1
        return index + 1, offset - self._line_starts[index] + 1

    def offset(self, line: int) -> int:
        return self._line_starts[min(max(line, 1), len(self._line_starts)) - 1]

    def line_text(self, line: int) -> str:
        start = self.offset(line)
        end = self.text.find("\n", start)
        return self.text[start : end if end != -1 else len(self.text)]

    def code_blanked(self) -> str:
        """The text with code, addresses, comments and markup keys blanked out: the prose."""
        text = self.text
        for fence in self.fences:
            if not fence.name or fence.name in CODE_DIRECTIVES:
                text = blank(text, fence.start, fence.end)
            else:  # a directive: its fence line and options are markup, its body is prose
                text = blank(text, fence.start, fence.body_start)
                for option in _OPTION_KEY.finditer(text, fence.body_start, fence.body_end):
                    text = blank(text, option.start(), option.end())
        for pattern in (_HTML_COMMENT, _COMMENT_LINE):
            for match in pattern.finditer(text):
                text = blank(text, match.start(), match.end())
        for match in _INLINE_CODE.finditer(text):
            if match["role"] is None or match["name"] in REFERENCE_ROLES:
                text = blank(text, match.start(), match.end())
            else:
                text = blank(text, match.start("role"), match.start("body"))
                text = blank(text, match.end("body"), match.end())
        for match in _AUTOLINK.finditer(text):
            text = blank(text, match.start(), match.end())
        for pattern in (_LINK, _IMAGE):
            for match in pattern.finditer(text):
                text = blank(text, match.start("url"), match.end("url"))
        if self.front_matter_end:
            text = blank(text, 0, 4)
            text = blank(text, self.front_matter_end - 3, self.front_matter_end)
            for match in _FRONT_KEY.finditer(text, 0, self.front_matter_end):
                text = blank(text, match.start(), match.end())
        return text

    def front_matter_block(self, key: str) -> tuple[int, int] | None:
        """Offsets of a top-level front-matter key's whole value (to its next sibling key)."""
        if not self.front_matter_end:
            return None
        keys = list(_FRONT_KEY.finditer(self.text, 0, self.front_matter_end))
        for index, match in enumerate(keys):
            if match["key"] == key:
                end = keys[index + 1].start() if index + 1 < len(keys) else self.front_matter_end - 3
                return match.start(), end
        return None

    def headings(self) -> Iterator[tuple[int, str, int]]:
        """(level, text, offset) of each ATX heading outside code and front matter."""
        prose = self._structure_text()
        for match in _HEADING.finditer(prose):
            yield len(match["hashes"]), match["text"].strip(), match.start()

    def links(self) -> Iterator[tuple[str, str, int]]:
        """(text, address, offset) of each Markdown link outside code."""
        for match in _LINK.finditer(self._structure_text()):
            yield match["text"], match["url"], match.start()

    def images(self) -> Iterator[tuple[str, str, int]]:
        for match in _IMAGE.finditer(self._structure_text()):
            yield match["alt"], match["url"], match.start()

    def _structure_text(self) -> str:
        text = blank(self.text, 0, self.front_matter_end) if self.front_matter_end else self.text
        for fence in self.fences:
            if not fence.name or fence.name in CODE_DIRECTIVES:
                text = blank(text, fence.start, fence.end)
        for match in _INLINE_CODE.finditer(text):
            if match["role"] is None:
                text = blank(text, match.start(), match.end())
        return text


def _fences(text: str, start: int) -> Iterator[Fence]:
    """Every fenced block, outermost first, with code blocks' bodies not searched further."""
    position = start
    closings: set[int] = set()  # closing fence lines of the directives seen so far
    while True:
        match = _FENCE.search(text, position)
        if match is None:
            return
        if match.start() in closings:
            position = match.end()
            continue
        fence, info = match["fence"], match["info"].strip()
        directive = _DIRECTIVE_INFO.match(info)
        if fence[0] == ":" and directive is None:
            position = match.end()  # a stray closing colon fence
            continue
        name = directive["name"] if directive else ""
        if fence[0] != ":" and info and not directive and "`" in info:
            position = match.end()  # inline code spread over a line, not a fence
            continue
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.M)
        body_start = min(match.end() + 1, len(text))
        close = closing.search(text, body_start)
        body_end = close.start() if close else len(text)
        end = close.end() if close else len(text)
        line = text.count("\n", 0, match.start()) + 1
        yield Fence(name, match.start(), body_start, body_end, end, line, len(match["indent"]) + 1)
        if name and name not in CODE_DIRECTIVES:
            if close:
                closings.add(close.start())
            position = body_start  # directives nest: look inside
        else:
            position = end
