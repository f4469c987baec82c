"""``safe-harbor serve``: the sites on a local address, rebuilt on every change, browser reloaded.

Built on sphinx-autobuild's library (its file watcher, reload web socket and script injector,
served with Starlette and uvicorn): the ecosystem's live-preview tool.  Two things differ from
``sphinx-autobuild``:

- the rebuild runs in this process, in a worker thread, with Sphinx already imported and the
  pickled environment warm, instead of a new ``sphinx-build`` process per change (whose start-up
  alone costs seconds); only the changed pages (and the aggregate pages that show them) are
  read and written again;
- the participant site is rebuilt and the browser reloaded first, then the facilitator view.
  PDFs are rendered only on request, at ``/_safe-harbor/pdfs``, never on a keystroke.

Everything binds to 127.0.0.1 by default and nothing is fetched from the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic
from .i18n import _
from .pipeline import BuildOptions, BuildReport, paths

Say = Callable[[str], None]
PDF_ROUTE = "/_safe-harbor/pdfs"


@dataclass
class SiteRebuilder:
    """Rebuilds the participant site, then the facilitator view, incrementally, one at a time.

    Each builder keeps one Sphinx application for the whole session (Sphinx's own tests build
    one application several times): the extensions, the theme's compiled templates and the
    environment stay in memory, so a rebuild reads and writes only what changed.  The docutils
    registrations of both applications stay in place while the server runs (the
    ``docutils_namespace`` is entered once), and the search index is refreshed by the first
    build only: typing in the search box is not what a preview is for.
    """

    options: BuildOptions
    say: Say = print
    facilitator: bool = True
    lock: threading.Lock = field(default_factory=threading.Lock)
    last: list[Diagnostic] = field(default_factory=list)
    apps: dict[str, Any] = field(default_factory=dict)
    contexts: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)

    def site(self) -> float:
        return self._run("html")

    def facilitator_view(self) -> float:
        return self._run("facilitator") if self.facilitator else 0.0

    def _app(self, builder: str, warnings: io.StringIO) -> Any:
        from sphinx.application import Sphinx
        from sphinx.util.docutils import docutils_namespace, patch_docutils

        if not self.apps:
            self.contexts.enter_context(patch_docutils(self.options.root / "conf"))
            self.contexts.enter_context(docutils_namespace())
        where = paths(self.options)
        app = Sphinx(
            srcdir=self.options.root,
            confdir=self.options.root / "conf",
            outdir=where["site"] if builder == "html" else where["facilitator"],
            doctreedir=where["doctrees"],
            buildername=builder,
            status=None,
            warning=io.StringIO(),  # the second application re-registers the same directives
            freshenv=False,
            parallel=1,
            keep_going=True,
        )
        self.apps[builder] = app
        return app

    def _run(self, builder: str) -> float:
        from sphinx.util import logging as sphinx_logging
        from sphinx.util.console import nocolor

        from .check.thirdparty import known_names, refine
        from .diagnostics import Code, parse_sphinx_warning
        from .pipeline import split_warning_records

        nocolor()  # warnings are parsed, not shown as they come
        started = time.perf_counter()
        report = BuildReport()
        warnings = io.StringIO()
        with self.lock:
            try:
                app = self.apps.get(builder) or self._app(builder, warnings)
                sphinx_logging.setup(app, io.StringIO(), warnings)
                app.build()
                if hasattr(app.builder, "search"):
                    app.builder.search = False  # after the first build (see the class docstring)
                names = known_names()
            except Exception as exc:  # one line, as in build; the server keeps serving
                self.apps.pop(builder, None)
                report.add(Diagnostic.of(Code.SPHINX_ERROR, f"{type(exc).__name__}: {exc}"))
                names = known_names()
        for record in split_warning_records(warnings.getvalue()):
            diagnostic = parse_sphinx_warning(record)
            diagnostic = refine(diagnostic, names) if diagnostic is not None else None
            if diagnostic is not None:
                report.add(diagnostic)
        seconds = time.perf_counter() - started
        for diagnostic in report.diagnostics:
            self.say(diagnostic.format(self.options.root))
        label = _("participant site") if builder == "html" else _("facilitator view")
        self.say(_("{label} rebuilt in {seconds:.1f} s").format(label=label, seconds=seconds))
        return seconds

    def close(self) -> None:
        """Forget the applications and leave the docutils namespace (registrations undone)."""
        self.apps.clear()
        self.contexts.close()

    def pdfs(self) -> tuple[str, list[str]]:
        """Render the PDFs with ``safe-harbor build --only pdf --keep-going`` in a new process
        (its Sphinx run must not share this process's docutils registrations); return its
        output and the PDFs it wrote."""
        import subprocess
        import sys

        downloads = paths(self.options)["downloads"]
        started = time.time()
        command = [sys.executable, "-m", "safe_harbor.cli", "build", str(self.options.root), "--only", "pdf"]
        command += ["--keep-going", "-o", str(self.options.build_dir)]
        self.say(_("rendering the PDFs..."))
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        output = (done.stdout + done.stderr).strip()
        self.say(output)
        written = (
            sorted(
                str(p.relative_to(downloads))
                for p in downloads.rglob("*.pdf")
                if p.stat().st_mtime >= started - 1
            )
            if downloads.is_dir()
            else []
        )
        return output, written


def _watch_server(rebuilder: SiteRebuilder, root: Path, ignore: list[Path]) -> Any:
    from sphinx_autobuild.filter import IgnoreFilter
    from sphinx_autobuild.server import RebuildServer

    class InProcessRebuildServer(RebuildServer):  # type: ignore[misc]
        """sphinx-autobuild's server, rebuilding in a thread of this process (Sphinx stays warm)."""

        async def watch(self) -> None:
            import watchfiles

            async for changes in watchfiles.awatch(
                *self.paths, watch_filter=lambda _change, path: not self.ignore(path), debounce=50, step=20
            ):
                changed = sorted(
                    {Path(p).relative_to(root) for _c, p in changes if Path(p).is_relative_to(root)}
                )
                rebuilder.say(_("changed: {files}").format(files=", ".join(str(p) for p in changed[:5])))
                await asyncio.to_thread(rebuilder.site)
                self.flag.set()  # reload now: the participant page is ready
                if rebuilder.facilitator:
                    await asyncio.to_thread(rebuilder.facilitator_view)
                    self.flag.set()

    ignored = [str(p) for p in ignore]
    return InProcessRebuildServer([root], IgnoreFilter(ignored, [r"/\.[^/]*$", r"\.tmp-\d+$", r"~$"]), None)


def create_app(rebuilder: SiteRebuilder, url_host: str) -> Any:
    from sphinx_autobuild.middleware import JavascriptInjectorMiddleware
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.requests import Request
    from starlette.responses import HTMLResponse
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles

    options = rebuilder.options
    root = options.root
    site = paths(options)["site"]
    watcher = _watch_server(rebuilder, root, [options.build_dir, root / ".git", root / ".venv"])

    async def pdfs(request: Request) -> HTMLResponse:
        output, written = await asyncio.to_thread(rebuilder.pdfs)
        items = "".join(f'<li><a href="/downloads/{_html(p)}">{_html(p)}</a></li>' for p in written)
        count = _("{count} PDF(s) rendered; unchanged ones were kept.").format(count=len(written))
        body = (
            f"<h1>{_html(_('PDFs'))}</h1><p>{_html(count)}</p><ul>{items}</ul>"
            f"<pre>{_html(output)}</pre>"
            f'<p><a href="/">{_html(_("Back to the site"))}</a></p>'
        )
        return HTMLResponse(
            f"<!doctype html><html lang='en'><meta charset='utf-8'><title>PDFs</title>{body}</html>"
        )

    return Starlette(
        routes=[
            WebSocketRoute("/websocket-reload", watcher, name="reload"),
            Route(PDF_ROUTE, pdfs, methods=["GET", "POST"]),
            # the two views are folders side by side; their links cross as ../facilitator/ and ../site/
            Mount(
                "/facilitator",
                app=StaticFiles(directory=paths(options)["facilitator"], html=True, check_dir=False),
                name="facilitator",
            ),
            Mount("/site", app=StaticFiles(directory=site, html=True), name="site"),
            Mount("/", app=StaticFiles(directory=site, html=True), name="static"),
        ],
        middleware=[Middleware(JavascriptInjectorMiddleware, ws_url=url_host)],
        lifespan=watcher.lifespan,
    )


def _html(text: str) -> str:
    import html

    return html.escape(text)


def serve(
    options: BuildOptions,
    host: str = "127.0.0.1",
    port: int = 8000,
    say: Say = print,
    *,
    facilitator: bool = True,
) -> None:
    import uvicorn
    from sphinx_autobuild.utils import find_free_port

    port = port or find_free_port()
    url_host = f"{host}:{port}"
    rebuilder = SiteRebuilder(options, say, facilitator)
    say(_("first build of the sites (PDFs only on request)..."))
    rebuilder.site()
    rebuilder.facilitator_view()
    paths(options)["site"].mkdir(parents=True, exist_ok=True)
    say(_("serving on http://{host}/ ; edit and save a page to see it here").format(host=url_host))
    say(_("PDFs: open http://{host}{route} to render them").format(host=url_host, route=PDF_ROUTE))
    app = create_app(rebuilder, url_host)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        rebuilder.close()
