"""The contributor checks that need only a page's text: headings, link text, raw HTML, remote
resources, and a handout's length and reading grade.

Each returns :class:`Finding` s (a code, a message and an offset into the page), so the Sphinx
extension reports them during ``build`` and ``check`` with an exact line and column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..diagnostics import Code
from ..i18n import _
from .markdown import Page, blank
from .readability import measure, plain_text

FACILITATOR_ONLY = frozenset({"facilitator-note", "script", "answer-key"})
VAGUE_LINK_TEXT = frozenset(
    {
        "click here",
        "here",
        "click",
        "read more",
        "more",
        "link",
        "this link",
        "this",
        "this page",
        "learn more",
        "go",
    }
)
_UNSAFE_TAGS = re.compile(
    r"<\s*(?P<tag>script|iframe|frame|frameset|form|object|embed|applet|input|button|textarea|select|base|meta)\b",
    re.I,
)
_EVENT_HANDLER = re.compile(r"<[^>]*?\s(?P<attr>on[a-z]+)\s*=", re.I | re.S)
_JS_URL = re.compile(r"""(?:href|src|action|formaction)\s*=\s*["']?\s*javascript:""", re.I)
_TAG = re.compile(r"<\s*(?P<tag>[a-z][\w-]*)(?P<attrs>[^>]*)>", re.I | re.S)
_RESOURCE_ATTR = re.compile(
    r"""(?P<name>src|srcset|poster|data|background|href)\s*=\s*(?:(?P<q>["'])(?P<quoted>.*?)(?P=q)|(?P<bare>[^\s>]+))""",
    re.I | re.S,
)
_CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])(?P<url>[^"')\s]+)""", re.I)
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n\s*\n|\n(?=\s*(?:[-*]|\d+\.)\s)")


@dataclass(frozen=True)
class Finding:
    code: Code
    message: str
    offset: int | None = None  # into the page text; None: the page as a whole


def is_remote(address: str) -> bool:
    """Whether a resource address points at another host (``http:``, ``https:``, ``//host``)."""
    return bool(_REMOTE.match(address.strip())) and not address.strip().lower().startswith("file:")


def check_headings(page: Page, has_title: bool) -> Iterator[Finding]:
    """``#`` headings on a page titled by its front matter, and skipped levels."""
    previous = 1 if has_title else 0
    for level, text, offset in page.headings():
        if has_title and level == 1:
            yield Finding(
                Code.TITLE_HEADING,
                _(
                    "'# {text}' adds a second page title; the title comes from 'title:' in the front matter, so delete this line (sections start at '##')"
                ).format(text=text),
                offset,
            )
            continue
        if previous and level > previous + 1:
            yield Finding(
                Code.HEADING_SKIPPED,
                _("heading '{text}' jumps from level {previous} to {level}; use {wanted}").format(
                    text=text, previous=previous, level=level, wanted="#" * (previous + 1)
                ),
                offset,
            )
        previous = level


def check_link_text(page: Page) -> Iterator[Finding]:
    for text, _url, offset in page.links():
        words = " ".join(re.sub(r"[^\w\s]", " ", text).lower().split())
        if words in VAGUE_LINK_TEXT:
            yield Finding(
                Code.VAGUE_LINK,
                _("link text '{text}' does not say where it goes; name the destination instead").format(
                    text=text
                ),
                offset,
            )


def check_html(html: str) -> Iterator[tuple[Code, str, str]]:
    """Problems in a piece of raw HTML: (code, message, the offending snippet)."""
    for match in _UNSAFE_TAGS.finditer(html):
        yield (
            Code.UNSAFE_HTML,
            _(
                "raw HTML <{tag}> is not allowed (it can run code, track readers or collect data); use Markdown and the curriculum's directives"
            ).format(tag=match["tag"].lower()),
            match.group(0),
        )
    for match in _EVENT_HANDLER.finditer(html):
        yield (
            Code.UNSAFE_HTML,
            _("the HTML attribute '{attr}' runs a script; remove it").format(attr=match["attr"]),
            match["attr"],
        )
    for match in _JS_URL.finditer(html):
        yield Code.UNSAFE_HTML, _("a 'javascript:' address runs a script; remove it"), match.group(0)
    for tag in _TAG.finditer(html):
        name = tag["tag"].lower()
        for attr in _RESOURCE_ATTR.finditer(tag["attrs"]):
            if attr["name"].lower() == "href" and name != "link":
                continue  # a link the reader may follow, not a resource the page loads
            value = attr["quoted"] if attr["quoted"] is not None else attr["bare"]
            srcset = attr["name"].lower() == "srcset"
            urls = [u.split()[0] for u in value.split(",") if u.split()] if srcset else [value.strip()]
            for url in urls:
                if is_remote(url):
                    yield remote_resource(url, name)
    for match in _CSS_URL.finditer(html):
        if is_remote(match["url"]):
            yield remote_resource(match["url"], "style")


def remote_resource(url: str, what: str) -> tuple[Code, str, str]:
    return (
        Code.REMOTE_RESOURCE,
        _(
            "{what} loads {url} from another host, which tells that host who reads the page; save the file in the project and use a relative path"
        ).format(what=what, url=url),
        url,
    )


def participant_text(page: Page) -> str:
    """The page as a participant reads it: facilitator-only blocks blanked out."""
    text = page.text
    for fence in page.fences:
        if fence.name in FACILITATOR_ONLY:
            text = blank(text, fence.start, fence.end)
    return text


def check_handout_text(page: Page, grade_limit: float, min_words: int) -> Iterator[Finding]:
    """Length and Flesch-Kincaid grade of a participant handout's participant text."""
    prose = plain_text(participant_text(page))
    result = measure(prose)
    if result.words < min_words:
        yield Finding(
            Code.HANDOUT_TOO_SHORT,
            _(
                "handout has {words} words; write at least {minimum} so a reader can use it on their own"
            ).format(words=result.words, minimum=min_words),
        )
    if grade_limit and result.grade > grade_limit:
        sentences = sorted(
            (s for s in (" ".join(part.split()) for part in _SENTENCE_END.split(prose)) if s),
            key=lambda s: len(s.split()),
            reverse=True,
        )[:2]
        longest = "; ".join(
            _('"{start}..." ({words} words{where})').format(
                start=" ".join(s.split()[:8]), words=len(s.split()), where=_where(page, s)
            )
            for s in sentences
        )
        yield Finding(
            Code.READING_GRADE,
            _(
                "handout reads at grade {grade:.1f}, above the limit of {limit:g}; shorten the longest sentences: {longest}"
            ).format(grade=result.grade, limit=grade_limit, longest=longest),
        )


def _where(page: Page, sentence: str) -> str:
    words = sentence.split()[:4]
    if not words:
        return ""
    pattern = r"\W+".join(re.escape(w.strip("*_`")) for w in words)
    match = re.search(pattern, page.text)
    return _(", line {line}").format(line=page.position(match.start())[0]) if match else ""
