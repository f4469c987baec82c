"""The last stages of a build, once the sites and the PDFs exist.

1. **File facts**: every download link the sites carry is followed by
   ``<span class="sh-file-facts">PDF</span>``; here each is filled with the linked file's kind,
   page count and size ("PDF, 4 pages, 180 KB"), read from the file itself. Runs on every build
   (it is cheap and idempotent), so the facts follow re-rendered PDFs even when Sphinx skipped.
2. **Offline copy**: a zip of the participant site with its PDFs, written atomically into the
   downloads folder. Facilitator-only files are never in it: not the facilitator view, not the
   facilitator guides, not facilitator handouts. Opened from disk, it works as the site does
   (relative links; Sphinx's search runs from ``searchindex.js``).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote

from sphinx.locale import get_translation

from .atomic import temp_path, write_text_atomic

_ = get_translation("safe_harbor")

_FACTS = re.compile(
    r'(<a [^>]*?href="(?P<href>[^"#?]+)"[^>]*>(?:(?!</a>).)*</a> \()'
    r'<span class="sh-file-facts">[^<]*</span>',
    re.S,
)
# Already compressed: stored as they are.
_STORED = {".pdf", ".zip", ".woff2", ".woff", ".png", ".jpg", ".jpeg", ".gif", ".webp"}


def human_size(size: int) -> str:
    if size < 1000 * 1000:
        return _("%d KB") % max(1, round(size / 1000))
    return _("%.1f MB") % (size / 1000 / 1000)


def describe(path: Path, pages_cache: dict[Path, int | None]) -> str | None:
    """ "PDF, 4 pages, 180 KB" for a file, or None if it does not exist."""
    try:
        size = path.stat().st_size
    except OSError:
        return None
    kind = path.suffix.lstrip(".").upper()
    parts = [kind]
    if path.suffix == ".pdf":
        if path not in pages_cache:
            pages_cache[path] = pdf_pages(path)
        pages = pages_cache[path]
        if pages is not None:
            parts.append(_("1 page") if pages == 1 else _("%d pages") % pages)
    parts.append(human_size(size))
    return ", ".join(str(p) for p in parts)


def pdf_pages(path: Path) -> int | None:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        return len(PdfReader(path).pages)
    except (OSError, PyPdfError, ValueError):
        return None


def fill_file_facts(folders: Iterable[Path]) -> int:
    """Fill the facts after every download link in the HTML pages under *folders*.

    Returns the number of pages rewritten (atomically, and only when their text changed).
    """
    cache: dict[Path, int | None] = {}
    changed = 0
    for folder in folders:
        if not folder.is_dir():
            continue
        for page in sorted(folder.rglob("*.html")):
            text = page.read_text("utf-8")
            if "sh-file-facts" not in text:
                continue

            def fill(match: re.Match[str], page: Path = page) -> str:
                target = (page.parent / unquote(match["href"])).resolve()
                facts = describe(target, cache)
                kind = target.suffix.lstrip(".").upper()
                return f'{match[1]}<span class="sh-file-facts">{html.escape(facts or kind)}</span>'

            new = _FACTS.sub(fill, text)
            if new != text:
                write_text_atomic(page, new)
                changed += 1
    return changed


def facilitator_only_downloads(print_dir: Path) -> set[str]:
    """Paths (relative to the downloads folder) of PDFs with facilitator-only content."""
    hidden = {"guides"}
    try:
        manifest = json.loads((print_dir / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return hidden
    for handout in manifest.get("handouts", []):
        if handout.get("audience", "participant") != "participant":
            hidden.add(f"handouts/{handout['id']}.pdf")
            hidden.add(f"handouts/large-print/{handout['id']}.pdf")
    return hidden


def write_offline_copy(
    site: Path, downloads: Path, name: str, *, exclude: Iterable[Path], print_dir: Path, date: str
) -> Path:
    """Zip the participant site (with its PDFs) into ``downloads/name``; returns the zip's path."""
    target = downloads / name
    excluded = {p.resolve() for p in exclude}
    hidden = facilitator_only_downloads(print_dir)
    top = Path(name).stem
    stamp = _zip_time(date)
    files: list[tuple[str, Path]] = []
    for path in sorted(site.rglob("*")):
        rel = path.relative_to(site)
        if not path.is_file() or path.is_symlink() or any(part.startswith(".") for part in rel.parts):
            continue
        resolved = path.resolve()
        if resolved == target.resolve() or any(e == resolved or e in resolved.parents for e in excluded):
            continue
        if downloads in path.parents:
            inside = path.relative_to(downloads).as_posix()
            if inside.split("/")[0] in hidden or inside in hidden or path.suffix == ".zip":
                continue
        files.append((f"{top}/{rel.as_posix()}", path))
    downloads.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(target)
    try:
        with zipfile.ZipFile(tmp, "w") as archive:
            for arcname, path in files:
                info = zipfile.ZipInfo(arcname, date_time=stamp)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_STORED if path.suffix in _STORED else zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _zip_time(date: str) -> tuple[int, int, int, int, int, int]:
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        day = dt.date(1980, 1, 1)
    return (max(day.year, 1980), day.month, day.day, 0, 0, 0)
