"""``safe-harbor check``: every check of ``build``, without writing a site or rendering a PDF.

The configuration is validated as in ``build``, then Sphinx reads every page and resolves every
reference with its ``dummy`` builder (which writes nothing) into a scratch folder, so the
extension's checks (:mod:`safe_harbor.sphinx_ext.checks`) and Sphinx's and MyST's own warnings
(unknown directives, broken links, missing images) come out exactly as they would in a build.
Findings can be limited to some files (``check PATH...``), and ``--fix`` applies the language
rules' safe replacements to the files first.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..diagnostics import Code, Diagnostic, DiagnosticError
from ..i18n import _
from .language import apply_fixes, find_terms, load_rules
from .markdown import Page


@dataclass
class Fixed:
    path: Path
    line: int
    column: int
    old: str
    new: str


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixed: list[Fixed] = field(default_factory=list)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity.value == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity.value == "warning"]


def source_files(root: Path, paths: Iterable[Path]) -> list[Path]:
    """The Markdown files the given paths name (files, or folders searched for ``*.md``)."""
    found: list[Path] = []
    for path in paths:
        path = path.resolve()
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*.md")) if "_build" not in p.relative_to(root).parts)
        elif path.suffix == ".md":
            found.append(path)
    return found


def fix_language(root: Path, files: Iterable[Path], rules_path: Path) -> tuple[list[Fixed], list[Diagnostic]]:
    """Apply every unambiguous replacement in *files*; report each one."""
    try:
        rules = load_rules(rules_path)
    except DiagnosticError as exc:
        return [], exc.diagnostics
    fixed: list[Fixed] = []
    for path in files:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        page = Page.parse(text)
        new_text, done = apply_fixes(page, find_terms(page, rules))
        if not done:
            continue
        for finding, replacement in done:
            line, column = page.position(finding.start)
            fixed.append(Fixed(path, line, column, finding.text, replacement))
        from ..atomic import write_text_atomic

        write_text_atomic(path, new_text)
    return fixed, []


def run_check(root: Path, paths: Iterable[Path] = (), *, fix: bool = False, jobs: int = 1) -> CheckResult:
    from ..config import load_curriculum_config
    from ..pipeline import BuildOptions, BuildReport, run_sphinx

    result = CheckResult()
    paths = list(paths)
    if fix:
        rules_path = root / "conf" / "language.yaml"
        files = source_files(root, paths or [root])
        fixed, problems = fix_language(root, files, rules_path)
        result.fixed.extend(fixed)
        result.diagnostics.extend(problems)
    report = BuildReport()
    try:
        config = load_curriculum_config(root / "conf")
    except DiagnosticError as exc:
        result.diagnostics.extend(exc.diagnostics)
        return result
    report.diagnostics.extend(config.warnings)
    with tempfile.TemporaryDirectory(prefix="safe-harbor-check-") as scratch:
        options = BuildOptions(root=root, out=Path(scratch), jobs=jobs)
        run_sphinx(
            options,
            "dummy",
            Path(scratch) / "out",
            Path(scratch) / "doctrees",
            report,
            {"safe_harbor_list_recheck": True},
            fresh=True,
        )
    wanted = [p.resolve() for p in paths]
    for diagnostic in report.diagnostics:
        if wanted and not _under(diagnostic.path, wanted):
            continue
        if diagnostic not in result.diagnostics:
            result.diagnostics.append(diagnostic)
    return result


def _under(path: str, wanted: list[Path]) -> bool:
    if not path:
        return True  # a finding about the whole curriculum concerns every change
    resolved = Path(path).resolve()
    return any(resolved == w or w in resolved.parents for w in wanted)


def describe_fix(fixed: Fixed, root: Path) -> str:
    where = Diagnostic.of(Code.TERM_TO_AVOID, "", fixed.path, fixed.line, fixed.column).relative_path(root)
    return _("{where}:{line}:{column}: fixed: '{old}' -> '{new}'").format(
        where=where, line=fixed.line, column=fixed.column, old=" ".join(fixed.old.split()), new=fixed.new
    )
