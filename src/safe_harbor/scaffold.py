"""``safe-harbor new module|handout "Title"``: a new source from a template that passes ``check``.

The templates (``templates/module.md``, ``templates/handout.md``) have every section a module or
handout needs, each explained in comments (``%`` lines in Markdown, ``#`` in the front matter)
that never reach a reader.  A module gets the next free number (``modules/NN-slug/index.md``);
a handout is ``handouts/slug.md``.  Nothing is overwritten.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from string import Template

from .atomic import write_text_atomic
from .diagnostics import Code, Diagnostic, DiagnosticError
from .i18n import _

TEMPLATES = Path(__file__).resolve().parent / "templates"
_NUMBERED = re.compile(r"^(\d+)-")


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_title.lower()))[:60].strip("-")


def _fill(kind: str, title: str) -> str:
    clean = " ".join(title.split()).replace('"', "'")
    lower = clean[0].lower() + clean[1:] if clean and not clean[:2].isupper() else clean
    return Template((TEMPLATES / f"{kind}.md").read_text("utf-8")).substitute(title=clean, title_lower=lower)


def new_source(root: Path, kind: str, title: str, slug: str | None = None) -> Path:
    """Create a module or handout from its template; return the new file's path."""
    slug = slug or slugify(title)
    if not slug:
        raise DiagnosticError(
            [Diagnostic.of(Code.CONFIG_INVALID, _("the title needs at least one letter or digit"))]
        )
    if kind == "module":
        folder = root / "modules"
        numbers = (
            [int(m[1]) for p in folder.glob("*/") if (m := _NUMBERED.match(p.name))]
            if folder.is_dir()
            else []
        )
        target = folder / f"{max(numbers, default=0) + 1:02d}-{slug}" / "index.md"
        clash = [p for p in folder.glob(f"*-{slug}")] if folder.is_dir() else []
    else:
        target = root / "handouts" / f"{slug}.md"
        clash = [target] if target.exists() else []
    if clash:
        raise DiagnosticError(
            [
                Diagnostic.of(
                    Code.DUPLICATE_ID, _("{path} already exists; choose another title").format(path=clash[0])
                )
            ]
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(target, _fill(kind, title))
    return target
