"""The claim register: sources with identities, and factual claims that cite them with a date.

A page's ``sources:`` front matter lists references. A plain string is a reference that nothing
can cite by name; a mapping gives it an ``id`` (and a URL, a publisher, a date and whether it is
a primary source), so a claim in the page's text can cite it::

    sources:
      - id: hhs-2025
        text: 'HHS ACF (2025, September 22). Press release on the new hotline operator.'
        url: https://www.acf.hhs.gov/media/press/2025
        publisher: U.S. Department of Health and Human Services
        date: 2025-09-22
        primary: true

    Since September 2025 {claim}`Compass Connections runs the hotline <hhs-2025; 2026-12-01>`.

The date after the semicolon is when the claim was last checked against its sources ("as of").
Everything here is plain Python: the Sphinx role that records claims lives in
``sphinx_ext/claims.py``, and ``safe-harbor check`` and the guides read the records.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .diagnostics import Code
from .yamlsource import LinedDict, LinedList, Source, check_keys, did_you_mean, get_str

REFERENCE_KEYS = ("id", "text", "url", "publisher", "date", "primary")
DEFAULT_RECHECK_MONTHS = 18
_ID = re.compile(r"^[a-z0-9]+(?:[-_.][a-z0-9]+)*$")
# "claim text <id1, id2; 2026-12-01>": the sources and the date the claim was last checked.
_CLAIM = re.compile(r"^(?P<text>.*?)\s*<(?P<ids>[^<>;]*);\s*(?P<as_of>[^<>;]*)>\s*$", re.S)


@dataclass(frozen=True)
class Reference:
    """One entry of a page's ``sources:``: what the Sources section prints, and what it is."""

    text: str
    id: str = ""
    url: str = ""
    publisher: str = ""
    date: str = ""
    primary: bool = False
    line: int = 0

    @property
    def display(self) -> str:
        """The line the Sources section prints: the reference, then its address if not in it."""
        if self.url and self.url not in self.text:
            return f"{self.text} {self.url}"
        return self.text


@dataclass
class Claim:
    """A factual claim marked in a page: its text, the sources it cites, when it was checked."""

    text: str
    source_ids: list[str]
    as_of: str  # ISO date
    line: int = 0
    docname: str = ""
    sources: list[str] = field(default_factory=list)  # the cited references' display text

    def months_old(self, today: dt.date) -> int:
        checked = dt.date.fromisoformat(self.as_of)
        return (today.year - checked.year) * 12 + today.month - checked.month - (today.day < checked.day)


def load_references(data: LinedDict, source: Source) -> list[Reference]:
    """The ``sources:`` list of a page's front matter; every problem is reported at its line."""
    value = data.get("sources")
    if value is None:
        return []
    if isinstance(value, str):
        return [Reference(value.strip(), line=data.line_of("sources"))]
    if not isinstance(value, LinedList):
        source.error(Code.CONFIG_INVALID, "'sources' must be a list", data.line_of("sources"))
        return []
    references: list[Reference] = []
    for index, item in enumerate(value):
        line = value.line_of(index)
        if isinstance(item, LinedDict):
            reference = _load_reference(item, source)
        elif isinstance(item, (str, int, float)) and str(item).strip():
            reference = Reference(str(item).strip(), line=line)
        else:
            source.error(Code.CONFIG_INVALID, "each source is a text or a mapping with 'text'", line)
            continue
        if reference.id and any(r.id == reference.id for r in references):
            source.error(Code.DUPLICATE_ID, f"source id {reference.id!r} is used twice", reference.line)
        references.append(reference)
    return references


def _load_reference(item: LinedDict, source: Source) -> Reference:
    check_keys(item, REFERENCE_KEYS, source, " in a source")
    ref_id = get_str(item, "id", source)
    if ref_id and not _ID.match(ref_id):
        source.error(
            Code.CONFIG_INVALID,
            f"source id {ref_id!r} must be lowercase letters and digits joined by - _ or .",
            item.line_of("id"),
        )
    date = item.get("date")
    if isinstance(date, dt.date):
        date_text = date.isoformat()
    else:
        date_text = str(date or "").strip()
        if date_text and not _is_partial_date(date_text):
            source.error(
                Code.CONFIG_INVALID,
                f"source date must look like 2025, 2025-09 or 2025-09-22, got {date_text!r}",
                item.line_of("date"),
            )
    primary = item.get("primary", False)
    if not isinstance(primary, bool):
        source.error(Code.CONFIG_INVALID, "'primary' must be true or false", item.line_of("primary"))
        primary = False
    return Reference(
        text=get_str(item, "text", source, required=True),
        id=ref_id,
        url=get_str(item, "url", source),
        publisher=get_str(item, "publisher", source),
        date=date_text,
        primary=primary,
        line=item.line,
    )


def _is_partial_date(text: str) -> bool:
    for pattern in ("%Y", "%Y-%m", "%Y-%m-%d"):
        try:
            dt.datetime.strptime(text, pattern)
            return True
        except ValueError:
            continue
    return False


def parse_claim(text: str, references: list[Reference]) -> tuple[Claim | None, list[str]]:
    """Parse a claim role's text; return the claim (or None) and what is wrong with it."""
    match = _CLAIM.match(text)
    if not match or not match["text"].strip():
        return None, [
            "a claim needs its text, then its sources and the date it was checked: "
            "{claim}`text <source-id; 2026-12-01>`"
        ]
    problems: list[str] = []
    ids = [i.strip() for i in match["ids"].split(",") if i.strip()]
    if not ids:
        problems.append("a claim needs at least one source id before the ';'")
    known = {r.id: r for r in references if r.id}
    for ref_id in ids:
        if ref_id not in known:
            hint = did_you_mean(ref_id, list(known))
            where = "" if known else " (give the source an 'id' in this page's sources:)"
            problems.append(f"claim cites unknown source {ref_id!r}{hint}{where}")
    as_of = match["as_of"].strip()
    try:
        as_of = dt.date.fromisoformat(as_of).isoformat()
    except ValueError:
        problems.append(f"a claim's 'as of' date must look like 2026-12-01, got {as_of!r}")
        as_of = ""
    claim = Claim(
        text=" ".join(match["text"].split()),
        source_ids=ids,
        as_of=as_of,
        sources=[known[i].display for i in ids if i in known],
    )
    return (claim if not problems else None), problems


def recheck_due(claims: list[Claim], today: dt.date, months: int = DEFAULT_RECHECK_MONTHS) -> list[Claim]:
    """The claims last checked more than *months* ago, oldest first."""
    due = [c for c in claims if c.as_of and c.months_old(today) >= months]
    return sorted(due, key=lambda c: (c.as_of, c.docname, c.line))
