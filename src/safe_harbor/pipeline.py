"""The build pipeline behind ``safe-harbor build``.

1. **Configuration**: ``conf/curriculum.yaml`` is loaded and validated; problems stop the build.
2. **Sphinx**: one read of the sources, then writes from the same pickled environment and
   doctrees: participant site (``html``), then facilitator view (``facilitator``), which also
   writes the print fragments from the doctrees it resolves (the ``safeharbor-print`` builder
   does that alone for ``--only pdf`` or a site without a facilitator view).  Sphinx's own
   incremental logic applies to each.
3. **PDFs**: print documents are assembled from the fragments and rendered in parallel, only when
   their content hash changed, into ``site/downloads/`` (participant PDFs) and
   ``facilitator/downloads/`` (guides and facilitator handouts).

Every problem from any stage is collected as a :class:`~safe_harbor.diagnostics.Diagnostic`.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import io
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .config import CurriculumConfig, load_curriculum_config, valid_length
from .diagnostics import Code, Diagnostic, DiagnosticError, Severity, parse_sphinx_warning
from .fingerprint import SphinxState, inputs_fingerprint
from .i18n import _
from .pdf.render import RenderResult

Stage = Literal["site", "pdf"]
_ENV_UPDATE = re.compile(r"(?P<added>\d+) added, (?P<changed>\d+) changed, \d+ removed")
_WRITE_ERROR = re.compile(
    r"^(?:error writing file (?P<path>.+?): |cannot copy (?:static|extra|image|downloadable) file "
    r"|Failed to write build info file: )(?P<error>.*)$",
    re.S,
)
_RECORD_START = re.compile(r"^(?:[^\n]*?: )?(?:WARNING|ERROR|CRITICAL|SEVERE): ", re.M)


@dataclass
class BuildOptions:
    root: Path
    out: Path | None = None
    paper: str | None = None
    jobs: int = 0  # 0: all cores
    strict: bool = False
    only: Stage | None = None
    bleed: str | None = None
    crop_marks: bool | None = None
    discreet: bool | None = None  # None: from conf/curriculum.yaml (print.discreet)
    verbose: bool = False
    keep_going: bool = False  # render PDFs even when the sources have errors
    lock_timeout: float | None = None  # seconds to wait for another build; None: as long as it takes

    @property
    def build_dir(self) -> Path:
        return self.out or self.root / "_build"

    @property
    def workers(self) -> int:
        return self.jobs or os.cpu_count() or 1


@dataclass
class BuildReport:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    pdfs: list[RenderResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    read_counts: dict[str, int] = field(default_factory=dict)  # builder -> sources (re)read
    wrote_outputs: bool = False  # a site or a PDF of this build is in the output folder

    def add(self, diagnostic: Diagnostic) -> None:
        if diagnostic not in self.diagnostics:
            self.diagnostics.append(diagnostic)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    def failed(self, strict: bool) -> bool:
        return bool(self.errors or (strict and self.warnings))


Reporter = Callable[[str], None]


def paths(options: BuildOptions) -> dict[str, Path]:
    build = options.build_dir
    return {
        "doctrees": build / ".doctrees",
        "site": build / "site",
        "facilitator": build / "facilitator",
        "print": build / "print",
        "downloads": build / "site" / "downloads",
        "facilitator-downloads": build / "facilitator" / "downloads",
        "pdfcache": build / ".pdf-cache.json",
        "sphinx-state": build / ".sphinx-state.json",
    }


def build(options: BuildOptions, say: Reporter = lambda _: None) -> BuildReport:
    report = BuildReport()
    try:
        config = load_curriculum_config(options.root / "conf")
    except DiagnosticError as exc:
        report.diagnostics.extend(exc.diagnostics)
        return report
    report.diagnostics.extend(config.warnings)
    if options.bleed is not None and not valid_length(options.bleed):
        report.add(
            Diagnostic.of(Code.CONFIG_INVALID, f"--bleed must be a length like 3mm, got {options.bleed!r}")
        )
        return report
    if options.build_dir.exists() and not options.build_dir.is_dir():
        report.add(
            Diagnostic.of(
                Code.FILE_UNREADABLE, "the output folder is a file; give -o a folder", options.build_dir
            )
        )
        return report
    try:
        with output_lock(options, say):
            _build(options, config, report, say)
    except BuildFolderBusy as exc:
        report.add(Diagnostic.of(Code.BUILD_FOLDER_BUSY, str(exc), options.build_dir))
    except OSError as exc:  # a read-only or full disk, a path that is a file: one line, no traceback
        if os.environ.get("SAFE_HARBOR_DEBUG"):
            raise
        report.add(Diagnostic.of(Code.FILE_UNREADABLE, f"cannot write: {exc.strerror}", exc.filename or ""))
    return report


def _build(options: BuildOptions, config: CurriculumConfig, report: BuildReport, say: Reporter) -> None:
    where = paths(options)
    _remove_old_layout(where["site"], say)

    steps = _sphinx_steps(options, config.site.facilitator_view, where)
    state = SphinxState(where["sphinx-state"])
    fingerprint = inputs_fingerprint(options.root, options.build_dir)
    total = len(steps) + (options.only != "site")
    for number, step in enumerate(steps, start=1):
        heading = f"[{number}/{total}] {step.label}"
        started = time.perf_counter()
        previous = _unchanged(state, step, fingerprint, options)
        if previous is not None:
            say(f"{heading}: sources unchanged, up to date")
            for diagnostic in previous:
                report.add(diagnostic)
            report.read_counts[step.builder] = 0
            report.wrote_outputs = True
        else:
            say(heading)
            before = len(report.diagnostics)
            overrides = {"safe_harbor_print_dir": str(step.print_dir)} if step.print_dir else {}
            # A run that did not finish (killed, disk full) leaves its marker: the next run writes
            # every page again, so no truncated or stale page, search index or fragment survives.
            markers = [_incomplete_marker(options, name) for name in step.outputs]
            rewrite_all = any(marker.exists() for marker in markers)
            for marker in markers:
                marker.touch()
            run_sphinx(
                options,
                step.builder,
                step.outdir,
                where["doctrees"],
                report,
                overrides,
                rewrite_all=rewrite_all,
            )
            new = report.diagnostics[before:]
            failed = any(d.code in _RUN_FAILED for d in new)
            for name in step.outputs:
                if failed:
                    state.forget(name)
                else:
                    state.record(name, fingerprint, new)
            state.save()
            if not failed:
                report.wrote_outputs = True
                for marker in markers:
                    marker.unlink(missing_ok=True)
        report.timings[step.builder] = time.perf_counter() - started
        if any(d.code == Code.SPHINX_ERROR.code and "stopped" in d.message for d in report.errors):
            return
    report.notes.extend(recheck_notes(options, config, where["print"]))
    if options.only != "site" and report.errors and not options.keep_going:
        report.notes.append(
            _(
                "PDFs not rendered: the sources have {count} error(s); fix them (safe-harbor check "
                "lists them in seconds) or build with --keep-going"
            ).format(count=len(report.errors))
        )
        return
    if options.only != "site":
        say(f"[{total}/{total}] PDFs")
        started = time.perf_counter()
        render_pdfs(options, config, where, report, say)
        report.timings["pdf"] = time.perf_counter() - started
    started = time.perf_counter()
    publish(options, config, where, report, say)
    report.timings["publish"] = time.perf_counter() - started


class BuildFolderBusy(Exception):
    pass


@contextlib.contextmanager
def output_lock(options: BuildOptions, say: Reporter) -> Iterator[None]:
    """Only one build writes to an output folder at a time; a second one waits its turn.

    Two builds at once (say ``--paper letter`` and ``--paper a4``) would mix their PDFs and
    record each other's outputs as up to date.  The lock is ``fcntl.flock`` on ``.lock`` in the
    output folder: the system releases it when the holder exits, even when killed.
    """
    import fcntl

    options.build_dir.mkdir(parents=True, exist_ok=True)
    with open(options.build_dir / ".lock", "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            say(f"another build ({holder}) is writing to {options.build_dir}; waiting for it to finish")
            deadline = None if options.lock_timeout is None else time.monotonic() + options.lock_timeout
            while True:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if deadline is not None and time.monotonic() > deadline:
                        raise BuildFolderBusy(
                            f"another build ({holder}) is writing to this folder; try again when it "
                            "has finished, or build into another folder with -o"
                        ) from None
                    time.sleep(0.2)
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def recheck_notes(options: BuildOptions, config: CurriculumConfig, print_dir: Path) -> list[str]:
    """One line per marked claim whose "as of" date is past ``facts.recheck_after_months``."""
    import datetime as dt
    import json

    from .register import Claim, recheck_due

    try:
        manifest = json.loads((print_dir / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return []  # no print fragments (--only site): nothing to list
    claims = [
        Claim(**c) for page in manifest["modules"] + manifest["handouts"] for c in page.get("claims", [])
    ]
    months = config.facts.recheck_after_months
    lines = []
    for claim in recheck_due(claims, dt.date.fromisoformat(config.build_date), months):
        where = Diagnostic.of(
            Code.RECHECK_DUE,
            f"re-check due: {claim.text!r} was last checked {claim.as_of} (over {months} months ago)",
            options.root / f"{claim.docname}.md",
            claim.line,
        )
        lines.append(where.format(options.root))
    return lines


def _remove_old_layout(site: Path, say: Reporter) -> None:
    """Builds before 0.2 wrote the facilitator view and guides inside the participant site."""
    for old in (site / "facilitator", site / "downloads" / "guides"):
        if old.is_dir():
            say(f"removing {old} (facilitator outputs are now in the facilitator folder)")
            shutil.rmtree(old)


def publish(
    options: BuildOptions,
    config: CurriculumConfig,
    where: dict[str, Path],
    report: BuildReport,
    say: Reporter,
) -> None:
    """File facts on every download link, then the offline copy (see :mod:`.publish`)."""
    from .publish import fill_file_facts, write_offline_copy
    from .sphinx_ext.downloads import offline_copy_name

    fill_file_facts([where["site"], where["facilitator"]])
    if options.only == "site" or report.errors or not (where["site"] / "index.html").exists():
        return
    name = offline_copy_name(config)
    write_offline_copy(
        where["site"],
        where["downloads"],
        name,
        exclude=[where["facilitator"]],
        print_dir=where["print"],
        date=config.build_date,
    )
    # the Downloads page and the home page give the zip's size too
    fill_file_facts([where["site"], where["facilitator"]])
    say(f"      offline copy: {where['downloads'].relative_to(options.build_dir)}/{name}")


@dataclass(frozen=True)
class SphinxStep:
    """One Sphinx run: a builder, its output folder, and whether it also writes print fragments."""

    builder: str
    outdir: Path
    label: str
    print_dir: Path | None = None

    @property
    def outputs(self) -> dict[str, Path]:
        """The outputs this run writes, by the builder name the fingerprint state records."""
        outputs = {self.builder: self.outdir}
        if self.print_dir is not None:
            outputs["safeharbor-print"] = self.print_dir
        return outputs


def _sphinx_steps(options: BuildOptions, facilitator_view: bool, where: dict[str, Path]) -> list[SphinxStep]:
    """The Sphinx runs a build needs.

    The facilitator builder keeps facilitator-only content, as the print fragments do, so when
    both are wanted it writes the fragments from the doctrees it resolves anyway; the
    ``safeharbor-print`` builder runs on its own only for ``--only pdf`` or without a
    facilitator view.
    """
    steps: list[SphinxStep] = []
    if options.only != "pdf":
        steps.append(SphinxStep("html", where["site"], "participant site"))
        if facilitator_view:
            print_dir = where["print"] if options.only != "site" else None
            label = "facilitator view and print fragments" if print_dir else "facilitator view"
            steps.append(SphinxStep("facilitator", where["facilitator"], label, print_dir))
    if options.only != "site" and not any(step.print_dir for step in steps):
        steps.append(SphinxStep("safeharbor-print", where["print"], "print fragments"))
    return steps


# Diagnostics that mean a Sphinx run did not write everything it should have.
_RUN_FAILED = frozenset({Code.SPHINX_ERROR.code, Code.FILE_UNREADABLE.code})


def _incomplete_marker(options: BuildOptions, builder: str) -> Path:
    return options.build_dir / f".incomplete-{builder}"


def _has_output(builder: str, outdir: Path) -> bool:
    if builder != "safeharbor-print":
        return (outdir / "index.html").exists()
    try:  # the PDF stage reads the manifest: a damaged one means writing the fragments again
        json.loads((outdir / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
    return True


def _unchanged(
    state: SphinxState, step: SphinxStep, fingerprint: str, options: BuildOptions
) -> list[Diagnostic] | None:
    """The diagnostics to repeat when every output of *step* is up to date, else ``None``."""
    repeated: list[Diagnostic] = []
    for name, outdir in step.outputs.items():
        if _incomplete_marker(options, name).exists():
            return None
        previous = state.unchanged(name, fingerprint) if _has_output(name, outdir) else None
        if previous is None:
            return None
        repeated.extend(d for d in previous if d not in repeated)
    return repeated


def run_sphinx(
    options: BuildOptions,
    builder: str,
    outdir: Path,
    doctrees: Path,
    report: BuildReport,
    overrides: dict[str, Any] | None = None,
    *,
    fresh: bool = False,
    rewrite_all: bool = False,
) -> None:
    from sphinx.application import Sphinx
    from sphinx.errors import SphinxError
    from sphinx.util.console import nocolor
    from sphinx.util.docutils import docutils_namespace, patch_docutils

    nocolor()  # warnings are parsed, not shown as they come

    from .check.thirdparty import KnownNames, known_names, refine

    warnings = io.StringIO()
    status = io.StringIO() if not options.verbose else None
    names = KnownNames()
    confdir = options.root / "conf"
    try:
        with patch_docutils(confdir), docutils_namespace():
            app = Sphinx(
                srcdir=options.root,
                confdir=confdir,
                outdir=outdir,
                doctreedir=doctrees,
                buildername=builder,
                status=status,
                warning=warnings,
                freshenv=fresh,
                parallel=options.workers,
                keep_going=True,
                confoverrides=overrides or {},
            )
            app.build(force_all=rewrite_all)
            names = known_names()
    except OSError as exc:  # a full or read-only disk while Sphinx writes
        if os.environ.get("SAFE_HARBOR_DEBUG"):
            raise
        message = f"cannot write: {exc.strerror} (build stopped)"
        report.add(Diagnostic.of(Code.FILE_UNREADABLE, message, exc.filename or outdir))
    except SphinxError as exc:
        report.add(Diagnostic.of(Code.SPHINX_ERROR, f"{exc} (build stopped)", options.root / "conf"))
    except Exception as exc:  # an extension bug must still give one line, not a traceback
        if os.environ.get("SAFE_HARBOR_DEBUG"):
            raise
        report.add(Diagnostic.of(Code.SPHINX_ERROR, f"{type(exc).__name__}: {exc} (build stopped)", ""))
    if isinstance(status, io.StringIO):
        updates = _ENV_UPDATE.search(status.getvalue())
        report.read_counts[builder] = int(updates["added"]) + int(updates["changed"]) if updates else 0
    for record in split_warning_records(warnings.getvalue()):
        diagnostic = parse_sphinx_warning(record)
        if diagnostic is None:
            continue
        written = _WRITE_ERROR.match(diagnostic.message)
        if written:  # Sphinx only warns; the page kept its previous version (AtomicPagesMixin)
            diagnostic = Diagnostic.of(
                Code.FILE_UNREADABLE,
                f"cannot write: {written['error']}",
                written["path"] or diagnostic.path or outdir,
            )
        diagnostic = refine(diagnostic, names)
        if diagnostic is not None:
            report.add(diagnostic)


def split_warning_records(text: str) -> list[str]:
    starts = [m.start() for m in _RECORD_START.finditer(text)]
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=False)]


def render_pdfs(
    options: BuildOptions,
    config: CurriculumConfig,
    where: dict[str, Path],
    report: BuildReport,
    say: Reporter,
) -> None:
    from . import STATIC
    from .pdf.documents import PrintOptions, plan_jobs
    from .pdf.render import render_jobs

    if not (where["print"] / "manifest.json").exists():
        report.add(
            Diagnostic.of(Code.RENDER_FAILED, "no print fragments to render (the Sphinx stage failed)", "")
        )
        return
    if ctypes.util.find_library("harfbuzz-subset") is None:
        report.notes.append(
            "note: libharfbuzz-subset0 is not installed; fonts are subset with fontTools, about six times "
            "slower (apt-get install libharfbuzz-subset0)"
        )
    print_options = PrintOptions(
        paper=options.paper or config.print.paper,
        bleed=options.bleed or config.print.bleed,
        crop_marks=config.print.crop_marks if options.crop_marks is None else options.crop_marks,
        large_print=config.print.large_print,
        discreet=config.print.discreet if options.discreet is None else options.discreet,
        discreet_title=config.print.discreet_title,
    )
    try:
        jobs = plan_jobs(where["print"], print_options)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        # a damaged print folder (an interrupted copy, an edit by hand): rewrite it next time
        SphinxState(where["sphinx-state"]).forget_and_save("safeharbor-print")
        _incomplete_marker(options, "safeharbor-print").touch()
        message = f"the print fragments are damaged ({type(exc).__name__}); build again to rewrite them"
        report.add(Diagnostic.of(Code.RENDER_FAILED, message, where["print"]))
        return

    def progress(done: int, total: int, name: str) -> None:
        say(f"      rendered {done}/{total}: {name}")

    def source_path(docname: str) -> str:
        for suffix in (".md", ".rst"):
            candidate = options.root / f"{docname}{suffix}"
            if candidate.exists():
                return str(candidate)
        return docname

    report.pdfs = render_jobs(
        jobs,
        base_dir=where["print"],
        downloads_dir=where["downloads"],
        facilitator_downloads_dir=where["facilitator-downloads"],
        cache_path=where["pdfcache"],
        allowed_roots=[options.root, options.build_dir, STATIC],
        workers=options.workers,
        progress=progress,
        source_path=source_path,
    )
    for result in report.pdfs:
        if result.diagnostic is not None:
            report.add(result.diagnostic)
    report.wrote_outputs = report.wrote_outputs or any(
        r.diagnostic is None or r.diagnostic.severity is Severity.WARNING for r in report.pdfs
    )
    say(f"      {pdf_summary(jobs, report.pdfs)}")


def pdf_summary(jobs: list[Any], results: list[RenderResult]) -> str:
    """``3 rendered, 17 unchanged, 2 failed``: every job counted once."""
    outputs = [job.output for job in jobs]
    rendered = {r.output for r in results if r.rendered}
    failed = {
        r.output
        for r in results
        if r.diagnostic is not None and r.diagnostic.severity is Severity.ERROR and r.output not in rendered
    }
    unchanged = len([o for o in outputs if o not in rendered and o not in failed])
    summary = f"{len(rendered)} rendered, {unchanged} unchanged"
    return summary + (f", {len(failed)} failed" if failed else "")
