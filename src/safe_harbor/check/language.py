"""Terms to avoid, from a rule file in ``conf/``, found in a page's prose and fixed on request.

A rule names the terms to avoid, the preferred alternatives, a reason and a source.  Matching
ignores case, crosses line breaks and hyphens, and catches plurals and possessives of the last
word (``prostitute`` also finds ``Prostitutes`` and ``prostitute's``); a rule can list other
forms.  Exempt, so the curriculum can teach about a term: quotations (``"..."``, curly quotes,
``>`` block quotes), the term written with the ``{avoid}`` role, entries of a ``glossary``
directive whose headword is a term to avoid, phrases the rule file lists (names of laws,
agencies and titles), the ``sources:`` citations, and anything that is not prose (code,
addresses, ids).

``--fix`` replaces a term only where its rule gives one ``fix``: the replacement takes the
matched word's plural, possessive and capital, and ``a``/``an`` before it is adjusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Code, Diagnostic, DiagnosticError
from ..i18n import _
from ..yamlsource import LinedDict, LinedList, Source, check_keys, get_str, get_str_list, iter_mappings, load
from .markdown import Page, blank

RULE_KEYS = ("avoid", "prefer", "reason", "source", "fix", "fix_plural", "forms")
FILE_KEYS = ("terms", "exempt_phrases")

_QUOTED = re.compile(r"\"[^\"\n]*(?:\n(?![ \t]*\n)[^\"\n]*)*\"|“[^”]*?”|‘[^’\n]*’")
_BLOCKQUOTE = re.compile(r"^[ \t]*>[^\n]*$", re.M)
_YAML_QUOTED_VALUE = re.compile(
    r"^(?P<lead>[ \t]*(?:- |[\w-]+:[ \t]+))(?P<q>\")(?P<body>[^\n]*)(?P<end>\")[ \t]*$", re.M
)
_GLOSSARY_TERM = re.compile(
    r"^(?P<term>\S[^\n]*)\n(?P<definition>(?:[ \t]+[^\n]*\n|[ \t]*\n(?=[ \t]+\S))*)", re.M
)


@dataclass
class Rule:
    avoid: list[str]
    prefer: list[str]
    reason: str
    source: str
    fix: str = ""
    fix_plural: str = ""
    forms: list[str] = field(default_factory=list)
    pattern: re.Pattern[str] = field(default=re.compile("(?!)"), repr=False)

    def __post_init__(self) -> None:
        alternatives = sorted({f for term in self.avoid for f in word_forms(term)} | set(self.forms), key=len)
        body = "|".join(_phrase_pattern(term) for term in reversed(alternatives))
        self.pattern = re.compile(rf"(?<![\w-])(?:{body})(?![\w-])", re.I)

    def avoid_last_words(self) -> set[str]:
        return {re.split(r"[\s-]+", term.lower())[-1] for term in self.avoid}

    def message(self, found: str) -> str:
        prefer = _(" or ").join(f"'{p}'" for p in self.prefer)
        return _("'{found}': say {prefer} instead ({reason}; source: {source})").format(
            found=" ".join(found.split()), prefer=prefer, reason=self.reason, source=self.source
        )


@dataclass
class LanguageRules:
    rules: list[Rule]
    exempt_phrases: list[str] = field(default_factory=list)
    path: str = ""

    def exempt_pattern(self) -> re.Pattern[str] | None:
        if not self.exempt_phrases:
            return None
        return re.compile("|".join(_phrase_pattern(p) for p in self.exempt_phrases), re.I)


@dataclass(frozen=True)
class Finding:
    rule: Rule
    start: int
    end: int
    text: str

    def replacement(self) -> str | None:
        """The fixed text for this finding, or None when the rule has no unambiguous fix."""
        if not self.rule.fix:
            return None
        last = self.text.split()[-1].split("-")[-1].lower()
        base = self.rule.avoid_last_words()
        if last.endswith(("'s", "’s")):
            new = self.rule.fix + last[-2:]
        elif last.endswith(("s'", "s’")):
            new = (self.rule.fix_plural or _pluralize(self.rule.fix)) + last[-1]
        elif last not in base and (last.endswith("s") or last.endswith("ies")):
            new = self.rule.fix_plural or _pluralize(self.rule.fix)
        else:
            new = self.rule.fix
        if self.text[0].isupper() and not self.text.rstrip("s'’").isupper():  # Capitalized, not an acronym
            new = new[0].upper() + new[1:]
        return new


def word_forms(term: str) -> list[str]:
    """The term with its last word as written, plural and possessive."""
    words = term.split()
    last = words[-1]
    stems = {last, last + "s"}
    if last.endswith(("s", "x", "z", "ch", "sh")):
        stems.add(last + "es")
    if re.search(r"[^aeiou]y$", last):
        stems.add(last[:-1] + "ies")
    forms = set()
    for stem in list(stems):
        forms.add(stem)
        if stem.endswith("s"):
            forms.update({stem + "'", stem + "’"})
        else:
            forms.update({stem + "'s", stem + "’s"})
    head = " ".join(words[:-1])
    return [f"{head} {form}" if head else form for form in sorted(forms)]


def _phrase_pattern(phrase: str) -> str:
    parts = re.split(r"[\s-]+", phrase.strip())
    return r"[\s-]+".join(re.escape(part) for part in parts)


def _pluralize(phrase: str) -> str:
    words = phrase.split()
    last = words[-1]
    if re.search(r"[^aeiou]y$", last):
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    else:
        last += "s"
    return " ".join([*words[:-1], last])


def load_rules(path: Path) -> LanguageRules:
    """Load and validate the rule file; problems raise DiagnosticError with their lines."""
    source = Source(path)
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DiagnosticError(
            [
                Diagnostic.of(
                    Code.FILE_UNREADABLE, _("cannot read language rules: {error}").format(error=exc), path
                )
            ]
        ) from None
    data = load(text, source)
    if not isinstance(data, LinedDict):
        raise DiagnosticError(
            [Diagnostic.of(Code.LANGUAGE_RULES, _("the rule file must be a mapping"), path, 1)]
        )
    check_keys(data, FILE_KEYS, source, _(" in the language rule file"))
    rules: list[Rule] = []
    for _index, item in iter_mappings(data.get("terms", LinedList()), "terms", source, data.line_of("terms")):
        check_keys(item, RULE_KEYS, source, _(" in a language rule"))
        avoid = get_str_list(item, "avoid", source, required=True)
        prefer = get_str_list(item, "prefer", source, required=True)
        reason = get_str(item, "reason", source, required=True)
        where = get_str(item, "source", source, required=True)
        if avoid and prefer and reason and where:
            rules.append(
                Rule(
                    avoid=avoid,
                    prefer=prefer,
                    reason=reason,
                    source=where,
                    fix=get_str(item, "fix", source),
                    fix_plural=get_str(item, "fix_plural", source),
                    forms=get_str_list(item, "forms", source),
                )
            )
    exempt = get_str_list(data, "exempt_phrases", source)
    errors = [
        Diagnostic.of(Code.LANGUAGE_RULES, d.message, d.path, d.line)
        if d.code != Code.YAML_SYNTAX.code
        else d
        for d in source.diagnostics
    ]
    if errors:
        raise DiagnosticError(errors)
    return LanguageRules(rules, exempt, str(path))


def prose_for_language(page: Page, rules: LanguageRules) -> str:
    """The page's prose with every exempt part blanked out."""
    text = page.text
    if page.front_matter_end:  # YAML's own quotes around a value are not quotation marks
        front = text[: page.front_matter_end]
        for match in _YAML_QUOTED_VALUE.finditer(front):
            text = blank(text, match.start("q"), match.end("q"))
            text = blank(text, match.start("end"), match.end("end"))
        sources = page.front_matter_block("sources")
        if sources:
            text = blank(text, *sources)
    masked = Page(text, page.front_matter_end, page.fences, page._line_starts).code_blanked()
    for pattern in (_QUOTED, _BLOCKQUOTE):
        for match in pattern.finditer(masked):
            masked = blank(masked, match.start(), match.end())
    exempt = rules.exempt_pattern()
    if exempt is not None:
        for match in exempt.finditer(masked):
            masked = blank(masked, match.start(), match.end())
    for fence in page.fences:
        if fence.name == "glossary":
            masked = _blank_avoided_glossary_entries(masked, fence.body_start, fence.body_end, rules.rules)
    return masked


def _blank_avoided_glossary_entries(text: str, start: int, end: int, rules: Iterable[Rule]) -> str:
    rules = list(rules)
    for entry in _GLOSSARY_TERM.finditer(text, start, end):
        term = entry["term"].strip()
        if term and any(rule.pattern.fullmatch(term) for rule in rules):
            text = blank(text, entry.start(), entry.end())
    return text


def find_terms(page: Page, rules: LanguageRules) -> list[Finding]:
    prose = prose_for_language(page, rules)
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for rule in rules.rules:
        for match in rule.pattern.finditer(prose):
            span = match.span()
            if any(a < span[1] and span[0] < b for a, b in taken):
                continue  # a longer term of an earlier rule already covers it
            taken.append(span)
            found.append(Finding(rule, span[0], span[1], page.text[span[0] : span[1]]))
    return sorted(found, key=lambda f: f.start)


def apply_fixes(page: Page, findings: Iterable[Finding]) -> tuple[str, list[tuple[Finding, str]]]:
    """The page text with every unambiguous replacement made, and what was replaced."""
    text = page.text
    done: list[tuple[Finding, str]] = []
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        new = finding.replacement()
        if new is None:
            continue
        text = text[: finding.start] + new + text[finding.end :]
        article = re.search(r"(?<![\w-])(a|an|A|An)(\s+)$", text[: finding.start])
        if article:
            wanted = "an" if new[0].lower() in "aeiou" else "a"
            if article[1].lower() != wanted:
                wanted = wanted.capitalize() if article[1][0].isupper() else wanted
                text = text[: article.start(1)] + wanted + text[article.end(1) :]
        done.append((finding, new))
    return text, list(reversed(done))
