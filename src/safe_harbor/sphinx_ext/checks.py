"""The contributor checks, run in every Sphinx read (so ``build`` and ``check`` report the same).

- ``source-read``: text checks on the page source (:mod:`safe_harbor.check.rules`,
  :mod:`safe_harbor.check.language`): ``#`` titles, skipped heading levels, vague link text,
  terms to avoid, and a participant handout's length and reading grade;
- ``doctree-read``: checks on the parsed page: a module's required parts, tables without a
  header row, raw HTML that can run code or collect data, images from other hosts;
- ``env-check-consistency``: handouts no module uses, modules no track uses;
- ``config-inited``: style sheets and scripts in ``conf.py`` from other hosts.

Limits and rules are Sphinx settings in ``conf/conf.py`` (see :func:`register`).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective, SphinxRole

from ..check.language import LanguageRules, find_terms, load_rules
from ..check.markdown import Page
from ..check.rules import (
    check_handout_text,
    check_headings,
    check_html,
    check_link_text,
    is_remote,
    remote_resource,
)
from ..diagnostics import Code, DiagnosticError
from ..i18n import _
from . import nodes as sh
from .config_bridge import content_kind, curriculum_config
from .directives import warn
from .domain import get_domain
from .tables import table

_RULES: dict[Path, tuple[float, LanguageRules | DiagnosticError]] = {}
BLOCK_NAMES = {
    "script": "{script}",
    "facilitator-note": "{facilitator-note}",
    "debrief": "{debrief}",
    "key-points": "{key-points}",
    "answer-key": "{answer-key}",
    "discussion": "{discussion}",
    "questions": "{questions}",
}


def register(app: Sphinx) -> None:
    app.add_config_value("safe_harbor_reading_grade", 8, "env", (int, float))
    app.add_config_value("safe_harbor_handout_min_words", 100, "env", int)
    app.add_config_value("safe_harbor_min_activities", 3, "env", int)
    app.add_config_value("safe_harbor_activity_parts", ["script", "facilitator-note", "debrief"], "env", list)
    app.add_config_value("safe_harbor_module_parts", ["key-points", "sources"], "env", list)
    app.add_config_value("safe_harbor_language_rules", "language.yaml", "env", str)
    app.add_role("avoid", AvoidRole())
    app.add_directive("diagnostic-codes", DiagnosticCodesDirective)
    app.connect("config-inited", check_conf_resources)
    app.connect("source-read", check_source, priority=600)  # after the front matter is read (500)
    app.connect("doctree-read", check_doctree)
    app.connect("env-check-consistency", check_usage)


class AvoidRole(SphinxRole):
    """``{avoid}`term``` shows a term to avoid, named in order to teach about it (exempt from SH601)."""

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        node = nodes.inline(self.text, self.text, classes=["sh-term-to-avoid"])
        self.set_source_info(node)
        return [node], []


class DiagnosticCodesDirective(SphinxDirective):
    """A table of every diagnostic code, generated from :class:`~safe_harbor.diagnostics.Code`."""

    def run(self) -> list[nodes.Node]:
        rows: list[list[str | nodes.Node]] = [
            [
                code.code,
                _("error") if code.severity.value == "error" else _("warning"),
                _with_literals(code.title),
                _with_literals(code.help),
            ]
            for code in Code
        ]
        node = table([_("Code"), _("Severity"), _("Meaning"), _("What to do")], rows, classes=["sh-codes"])
        self.set_source_info(node)
        return [node]


def _with_literals(text: str) -> nodes.paragraph:
    """Text whose `backquoted` parts become inline code."""
    paragraph = nodes.paragraph()
    for index, part in enumerate(text.split("`")):
        if part:
            paragraph += nodes.literal(part, part) if index % 2 else nodes.Text(part)
    return paragraph


def language_rules(app: Sphinx) -> LanguageRules | None:
    """The rule file's rules (cached per process and modification time); None without a file."""
    path = Path(app.confdir) / app.config.safe_harbor_language_rules
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    cached = _RULES.get(path)
    if cached is None or cached[0] != mtime:
        try:
            cached = (mtime, load_rules(path))
        except DiagnosticError as exc:
            cached = (mtime, exc)
        _RULES[path] = cached
    if isinstance(cached[1], DiagnosticError):
        for diag in cached[1].diagnostics:
            code = Code.from_code(diag.code) or Code.LANGUAGE_RULES
            warn(code, diag.message, f"{diag.path}:{diag.line}" if diag.line else diag.path)
        return None
    return cached[1]


def _at(path: str, page: Page, offset: int | None) -> str:
    if offset is None:
        return path
    line, column = page.position(offset)
    return f"{path}:{line}:{column}"


def check_source(app: Sphinx, docname: str, content: list[str]) -> None:
    path = str(app.env.doc2path(docname))
    if not path.endswith(".md"):
        return
    page = Page.parse(content[0])
    has_title = page.front_matter_block("title") is not None
    for finding in [*check_headings(page, has_title), *check_link_text(page)]:
        warn(finding.code, finding.message, _at(path, page, finding.offset))
    rules = language_rules(app)
    if rules is not None:
        for term in find_terms(page, rules):
            warn(Code.TERM_TO_AVOID, term.rule.message(term.text), _at(path, page, term.start))
    kind = content_kind(app.env, docname)
    handout = get_domain(app.env).handouts_by_doc.get(docname)
    if kind and kind[0] == "handout" and handout is not None and handout.audience == "participant":
        for finding in check_handout_text(
            page, float(app.config.safe_harbor_reading_grade), app.config.safe_harbor_handout_min_words
        ):
            warn(
                finding.code, finding.message, _at(path, page, page.offset(2) if page.front_matter_end else 0)
            )


def check_doctree(app: Sphinx, doctree: nodes.document) -> None:
    env = app.env
    docname = env.docname
    path = str(env.doc2path(docname))
    try:
        page = Page.parse(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        page = Page.parse("")
    module = get_domain(env).modules_by_doc.get(docname)
    if module is not None:
        _check_module_parts(app, doctree, docname, module.sources, module.activities)
    for tbl in doctree.findall(nodes.table):
        if tbl.line and not any(True for _n in tbl.findall(nodes.thead)):
            warn(
                Code.TABLE_NO_HEADER,
                _(
                    "table has no header row; screen readers announce each cell with its column's header (add ':header-rows: 1' or a header line)"
                ),
                _table_location(path, page, tbl.line),
            )
    for raw in doctree.findall(nodes.raw):
        if "html" not in raw.get("format", "").split():
            continue
        for code, message, snippet in check_html(raw.astext()):
            warn(code, message, _locate(path, page, raw.line, snippet))
    for image in doctree.findall(nodes.image):
        uri = str(image.get("uri", ""))
        candidates = [uri, *image.get("candidates", {}).values()]
        if any(is_remote(str(c)) for c in candidates):
            code, message, snippet = remote_resource(uri, _("image"))
            warn(code, message, _locate(path, page, _line_of(image), snippet))


def _check_module_parts(
    app: Sphinx, doctree: nodes.document, docname: str, sources: list[str], activities: list[Any]
) -> None:
    config = app.config
    found = list(doctree.findall(sh.activity))
    minimum = config.safe_harbor_min_activities
    if len(found) < minimum:
        warn(
            Code.MISSING_PART,
            _(
                "module has {count} activities; add at least {minimum} (a '##' section with an '::::{{activity}}' block each)"
            ).format(count=len(found), minimum=minimum),
            (docname, found[-1].line if found and found[-1].line else 1),
        )
    for activity in found:
        kinds = {
            n["kind"]
            for n in activity.findall(lambda n: isinstance(n, (sh.facilitator_only, sh.curriculum_block)))
        }
        missing = [part for part in config.safe_harbor_activity_parts if part not in kinds]
        if missing:
            names = ", ".join(f"':::{BLOCK_NAMES.get(p, '{' + p + '}')}'" for p in missing)
            warn(
                Code.MISSING_PART,
                _(
                    "activity '{title}' has no {names} block; add it inside the activity (what to say, what can go wrong, questions that close it)"
                ).format(title=activity["title"], names=names),
                (docname, activity.line),
            )
    kinds = {n["kind"] for n in doctree.findall(sh.curriculum_block)}
    for part in config.safe_harbor_module_parts:
        if part != "sources" and part not in kinds:
            warn(
                Code.MISSING_PART,
                _("module has no ':::{name}' block; add one at the end with the points to remember").format(
                    name=BLOCK_NAMES.get(part, "{" + part + "}")
                ),
                (docname, 1),
            )
    if "sources" in config.safe_harbor_module_parts and not sources:
        warn(
            Code.MISSING_PART,
            _("module has no 'sources:' in its front matter; cite every dated or numeric fact there"),
            (docname, 1),
        )


def _table_location(path: str, page: Page, line: int) -> str:
    """The opening fence of the table directive around *line* (docutils gives a row's line)."""
    offset = page.offset(line)
    around = [f for f in page.fences if f.start <= offset < f.end and f.name.endswith("table")]
    if around:
        return f"{path}:{around[-1].line}:{around[-1].column}"
    return f"{path}:{line}"


def _line_of(node: nodes.Node | None) -> int | None:
    while node is not None and not node.line:
        node = node.parent
    return node.line if node is not None else None


def _locate(path: str, page: Page, line: int | None, snippet: str) -> str:
    """path:line:col of *snippet* at or after *line* in the source, else path:line."""
    start = page.offset(line) if line else 0
    match = re.search(re.escape(snippet), page.text[start:], re.I)
    if match:
        found_line, column = page.position(start + match.start())
        return f"{path}:{found_line}:{column}"
    return f"{path}:{line}" if line else path


def check_usage(app: Sphinx, env: BuildEnvironment) -> None:
    domain = get_domain(env)
    used = {h for module in domain.modules_by_doc.values() for h in module.handouts}
    for docname, handout in sorted(domain.handouts_by_doc.items()):
        if handout.id not in used:
            warn(
                Code.UNUSED_HANDOUT,
                _(
                    "handout '{id}' is not listed in any module's 'handouts:'; add it to the module that uses it"
                ).format(id=handout.id),
                (docname, 1),
            )
    tracks = curriculum_config(env).tracks
    if not tracks:
        return
    in_tracks = {
        item.ref for track in tracks for day in track.days for item in day.items if item.kind == "module"
    }
    for docname, module in sorted(domain.modules_by_doc.items()):
        if module.id not in in_tracks:
            warn(
                Code.MODULE_NOT_IN_TRACK,
                _("module '{id}' is not in any track; add it to a track in conf/curriculum.yaml").format(
                    id=module.id
                ),
                (docname, 1),
            )


def check_conf_resources(app: Sphinx, config: Config) -> None:
    conf = str(Path(app.confdir) / "conf.py")
    for name in ("html_css_files", "html_js_files"):
        for entry in getattr(config, name, []) or []:
            url = entry[0] if isinstance(entry, tuple) else str(entry)
            if is_remote(url):
                _code, message, _snippet = remote_resource(url, name)
                warn(Code.REMOTE_RESOURCE, message, conf)
    for name in ("html_logo", "html_favicon"):
        value = getattr(config, name, None)
        if value and is_remote(str(value)):
            warn(Code.REMOTE_RESOURCE, remote_resource(str(value), name)[1], conf)
