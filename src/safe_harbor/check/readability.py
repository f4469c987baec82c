"""Reading grade of plain-language text, offline.

Flesch-Kincaid grade level = 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59.
Syllables are counted with Pyphen's hyphenation dictionaries (installed with WeasyPrint): the
number of hyphenation points plus one.  This needs no data download, unlike textstat 0.7.13,
which fetches NLTK's cmudict at run time and fails offline.  Hyphenation points undercount
syllables a little for short words, so grades read slightly low; the bar (grade 8) is set for
that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pyphen

_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
_SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)|\n\s*\n|\n(?=\s*(?:[-*]|\d+\.)\s)")
_FENCE_LINE = re.compile(r"^\s*(:{3,}|`{3,}).*$", re.M)
_OPTION_LINE = re.compile(r"^\s*:[\w-]+:.*$", re.M)
_ROLE = re.compile(r"\{[\w:-]+\}`([^`]*)`")
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_MARKUP = re.compile(r"[*_`#>|]")


@dataclass(frozen=True)
class Readability:
    words: int
    sentences: int
    syllables: int

    @property
    def grade(self) -> float:
        if not self.words or not self.sentences:
            return 0.0
        return 0.39 * self.words / self.sentences + 11.8 * self.syllables / self.words - 15.59


@lru_cache(maxsize=4)
def _dictionary(language: str) -> pyphen.Pyphen:
    return pyphen.Pyphen(lang=language)


def syllables(word: str, language: str = "en_US") -> int:
    return max(1, len(_dictionary(language).positions(word.strip("'’-"))) + 1)


def plain_text(markdown: str) -> str:
    """MyST source to the prose a reader sees: no front matter, fences, options or markup."""
    if markdown.startswith("---"):
        end = markdown.find("\n---", 3)
        markdown = markdown[end + 4 :] if end != -1 else markdown
    text = _FENCE_LINE.sub("", markdown)
    text = _OPTION_LINE.sub("", text)
    text = _ROLE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    return _MARKUP.sub(" ", text)


def measure(text: str, language: str = "en_US") -> Readability:
    sentences = [s for s in _SENTENCE_END.split(text) if _WORD.search(s)]
    words = _WORD.findall(text)
    return Readability(len(words), len(sentences), sum(syllables(w, language) for w in words))
