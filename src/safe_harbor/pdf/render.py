"""Render print jobs to PDF: skip what has not changed, render the rest in parallel, atomically.

* **Incremental.** Each job's key is a SHA-256 of its HTML, the bytes of every local file it
  uses (fonts, images), the paper options and the WeasyPrint version.  Keys are stored in a
  cache file next to the downloads; a job whose key and output are unchanged is not rendered.
* **Parallel.** Jobs run in a process pool, one worker per core by default; each worker imports
  WeasyPrint once (in the pool initializer), not once per PDF.
* **Atomic.** A worker writes ``.name.pdf.tmp-<pid>`` next to the target and renames it into place
  only after WeasyPrint finished; a failure or a kill leaves the previous PDF untouched.
* **Safe.** Every fetch goes through :class:`~.fetcher.SandboxFetcher`; each document has a time
  limit.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import logging
import os
import re
import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from ..atomic import temp_path, write_text_atomic
from ..diagnostics import Code, Diagnostic
from ..model import is_facilitator_pdf
from .documents import PrintJob

RENDERER_VERSION = "1"  # bump when the way PDFs are written changes
_FILE_DIR = re.compile(r"file://[^\"')]*/")
_LOCAL_URL = re.compile(r"""(?:src|href)=["']([^"':]+)["']|url\(["']?(file://[^"')]+)["']?\)""")


@dataclass
class RenderResult:
    output: str
    rendered: bool
    pages: int = 0
    seconds: float = 0.0
    diagnostic: Diagnostic | None = None


class PdfCache:
    """Output path -> key of the job that produced the PDF now on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = json.loads(path.read_text("utf-8"))
            self.keys: dict[str, str] = dict(data["keys"])
            self.pages: dict[str, int] = dict(data["pages"])
        except (OSError, ValueError, KeyError, TypeError):
            self.keys, self.pages = {}, {}

    def save(self) -> None:
        data = {"keys": self.keys, "pages": {k: v for k, v in self.pages.items() if k in self.keys}}
        write_text_atomic(self.path, json.dumps(data, indent=1, sort_keys=True))


def job_key(job: PrintJob, base_dir: Path, file_hashes: dict[str, str]) -> str:
    # The version from package metadata: importing WeasyPrint here would load it (and parse its
    # stylesheets) in the coordinating process, which never renders.
    digest = hashlib.sha256()
    digest.update(f"{RENDERER_VERSION}\0{metadata.version('weasyprint')}\0".encode())
    # Local files count by name and content, not by where the checkout is: a moved or renamed
    # checkout (or a CI cache restored elsewhere) gives the same keys and renders nothing.
    digest.update(_FILE_DIR.sub("file://", job.html).encode())
    for match in _LOCAL_URL.finditer(job.html):
        ref = match.group(1) or match.group(2)
        path = Path(ref[7:]) if ref.startswith("file://") else base_dir / ref
        key = str(path)  # hashed by content: the same sources give the same key anywhere
        if key not in file_hashes:
            try:
                file_hashes[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                file_hashes[key] = "missing"
        digest.update(f"{ref if not ref.startswith('file://') else path.name}\0{file_hashes[key]}\0".encode())
    return digest.hexdigest()


# --- worker side -----------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


class _LogCapture(logging.Handler):
    """Collects what WeasyPrint logs (unsupported CSS, missing images) for the current render."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class RenderTimeout(BaseException):
    """BaseException so that no ``except Exception`` inside the renderer swallows it."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise RenderTimeout()


def init_worker(allowed_roots: Sequence[str], parent: int | None = None) -> None:
    """Pool initializer: import WeasyPrint and build the sandbox once per worker process."""
    # Logging first: importing WeasyPrint already parses its default stylesheets and logs it.
    _WORKER["log"] = _LogCapture()
    logger = logging.getLogger("weasyprint")
    logger.handlers[:] = [_WORKER["log"]]
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    progress = logging.getLogger("weasyprint.progress")
    progress.handlers[:] = []
    progress.setLevel(logging.ERROR)
    progress.propagate = False

    import weasyprint

    from .fetcher import SandboxFetcher

    _WORKER["weasyprint"] = weasyprint
    _WORKER["fetcher"] = SandboxFetcher([Path(r) for r in allowed_roots])
    # The limit counts this process's processor time, not the wall clock: a busy machine (a CI
    # runner, several builds at once) slows a render down without making it any less healthy.
    signal.signal(signal.SIGPROF, _on_alarm)
    if parent is not None:
        die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """Stop this worker when the build that started it dies, even by ``kill -9``.

    A killed coordinator cannot shut its pool down; without this its workers (a few hundred MB
    each) would live on.  On Linux the kernel sends SIGKILL on the parent's death
    (``PR_SET_PDEATHSIG``); if the parent is already gone, exit now.
    """
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def render_one(html: str, base_url: str, target: str, identifier: str, timeout: int) -> dict[str, Any]:
    """Render one document into ``target`` atomically; return pages and time, or the error."""
    from .fetcher import FetchRefused

    weasyprint = _WORKER["weasyprint"]
    started = time.perf_counter()
    dest = Path(target)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(dest)
    _WORKER["log"].messages.clear()
    fetcher = _WORKER["fetcher"]
    fetcher.refused.clear()
    signal.setitimer(signal.ITIMER_PROF, timeout)
    try:
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=fetcher).render()
        document.write_pdf(
            tmp,
            pdf_variant="pdf/ua-1",
            pdf_identifier=identifier.encode()[:32],
        )
        signal.setitimer(signal.ITIMER_PROF, 0)
        if fetcher.refused:  # WeasyPrint skips what an SVG image cannot load, with a warning only
            raise fetcher.refused[0]
        os.replace(tmp, dest)
        return {
            "pages": len(document.pages),
            "seconds": time.perf_counter() - started,
            "log": list(_WORKER["log"].messages),
        }
    except FetchRefused as exc:
        return {"error": "fetch", "message": f"refused {exc.url}: {exc.reason}"}
    except RenderTimeout:
        return {
            "error": "timeout",
            "message": f"rendering used more than {timeout} s of processor time and was stopped",
        }
    except Exception as exc:  # any renderer failure becomes one diagnostic, never a traceback
        return {"error": "render", "message": f"{type(exc).__name__}: {exc}"}
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        tmp.unlink(missing_ok=True)


# --- coordinator side ------------------------------------------------------------------------

Progress = Callable[[int, int, str], None]


def render_jobs(
    jobs: Sequence[PrintJob],
    *,
    base_dir: Path,
    downloads_dir: Path,
    facilitator_downloads_dir: Path | None = None,
    cache_path: Path,
    allowed_roots: Sequence[Path],
    workers: int,
    timeout: int = 120,
    timeout_per_mb: int = 60,
    progress: Progress | None = None,
    source_path: Callable[[str], str] = lambda docname: docname,
) -> list[RenderResult]:
    cache = PdfCache(cache_path)
    folders = Folders(downloads_dir, facilitator_downloads_dir or downloads_dir)
    file_hashes: dict[str, str] = {}
    todo: list[tuple[PrintJob, str]] = []
    results: list[RenderResult] = []
    for job in jobs:
        key = job_key(job, base_dir, file_hashes)
        if cache.keys.get(job.output) == key and folders.target(job.output).exists():
            results.append(RenderResult(job.output, rendered=False, pages=cache.pages.get(job.output, 0)))
        else:
            todo.append((job, key))
    _remove_stale(jobs, cache, folders)
    # temp files of a render that was killed (SIGKILL gives no chance to clean up)
    for folder in {downloads_dir, folders.facilitator}:
        for leftover in folder.glob("**/.*.pdf.tmp-*"):
            leftover.unlink(missing_ok=True)
    if todo:
        # Longest documents first, so a big guide does not start last and leave a core idle.
        todo.sort(key=lambda item: len(item[0].html), reverse=True)
        base_url = base_dir.resolve().as_uri() + "/"
        roots = [str(r) for r in allowed_roots]
        done = 0
        with cf.ProcessPoolExecutor(
            max_workers=max(1, min(workers, len(todo))),
            initializer=init_worker,
            initargs=(roots, os.getpid()),
        ) as pool:
            futures = {
                pool.submit(
                    render_one,
                    job.html,
                    base_url,
                    str(folders.target(job.output)),
                    key,
                    time_limit(job, timeout, timeout_per_mb),
                ): (
                    job,
                    key,
                )
                for job, key in todo
            }
            for future in cf.as_completed(futures):
                job, key = futures[future]
                done += 1
                try:
                    outcome = future.result()
                except cf.process.BrokenProcessPool:
                    outcome = {
                        "error": "render",
                        "message": "the PDF worker stopped before finishing (killed, or out of memory); "
                        "the previous PDF is kept",
                    }
                if "error" in outcome:
                    code = {"fetch": Code.FETCH_REFUSED, "timeout": Code.RENDER_TIMEOUT}.get(
                        outcome["error"], Code.RENDER_FAILED
                    )
                    where = source_path(job.sources[0]) if len(job.sources) == 1 else job.output
                    message = f"{job.output}: {outcome['message']}"
                    results.append(
                        RenderResult(job.output, False, diagnostic=Diagnostic.of(code, message, where))
                    )
                    cache.keys.pop(job.output, None)
                else:
                    cache.keys[job.output] = key
                    results.append(RenderResult(job.output, True, outcome["pages"], outcome["seconds"]))
                    cache.pages[job.output] = outcome["pages"]
                    for line in dict.fromkeys(outcome["log"]):
                        results.append(
                            RenderResult(
                                job.output,
                                False,
                                # at the page's source file when the PDF has one source (issue 13)
                                diagnostic=Diagnostic.of(
                                    Code.RENDER_WARNING,
                                    f"{job.output}: {line}",
                                    source_path(job.sources[0]) if len(job.sources) == 1 else job.output,
                                ),
                            )
                        )
                if progress:
                    progress(done, len(todo), job.output)
                # save as we go: an interrupted build keeps what it finished
                cache.save()
    cache.save()
    for job in jobs:
        pages = cache.pages.get(job.output, 0)
        if job.max_pages and job.output in cache.keys and pages > job.max_pages:
            message = f"{job.output} has {pages} pages; this handout should fit on {job.max_pages} (shorten it, or set max_pages)"
            results.append(
                RenderResult(
                    job.output,
                    False,
                    diagnostic=Diagnostic.of(Code.TOO_MANY_PAGES, message, source_path(job.sources[0])),
                )
            )
    return results


def time_limit(job: PrintJob, base: int, per_mb: int) -> int:
    """A fixed allowance plus time for the document's size: a guide of many modules is long
    honestly; a small handout that takes minutes is stuck (a pathological style, a huge image)."""
    return base + per_mb * len(job.html.encode()) // 1_000_000


@dataclass(frozen=True)
class Folders:
    """Participant PDFs go to the participant site's downloads, facilitator PDFs to the
    facilitator view's, so the participant site can be published alone."""

    participant: Path
    facilitator: Path

    def target(self, output: str) -> Path:
        return (self.facilitator if is_facilitator_pdf(output) else self.participant) / output


def _remove_stale(jobs: Sequence[PrintJob], cache: PdfCache, folders: Folders) -> None:
    """PDFs this builder made earlier for jobs that no longer exist (a handout was removed)."""
    planned = {job.output for job in jobs}
    for output in list(cache.keys):
        if output not in planned:
            folders.target(output).unlink(missing_ok=True)
            del cache.keys[output]
