"""The browser test harness: Debian's Chromium driven by Playwright, axe-core and the Nu checker.

Everything here runs offline. ``./dev setup`` installs the tools: the ``chromium`` and
``default-jre-headless`` Debian packages, Playwright for Python (pinned in pyproject.toml; its
browser download is never used: Chromium is started from ``/usr/bin/chromium`` through
``executable_path``), and axe-core and the Nu HTML checker pinned in ``tests/browser/package.json``
(installed by ``npm ci`` into ``tests/browser/node_modules``).
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

TOOLS = Path(__file__).resolve().parent / "browser" / "node_modules"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Best-practice rules the site audit found broken, checked too: unique landmark names, one h1 per
# page, no empty table header.
AXE_EXTRA_RULES = ["landmark-unique", "page-has-heading-one", "empty-table-header"]
WIDTHS = (375, 1280)
SCHEMES = ("light", "dark")


def chromium_path() -> str | None:
    for name in (os.environ.get("SAFE_HARBOR_CHROMIUM", ""), "chromium", "chromium-browser"):
        if name and (found := shutil.which(name)):
            return found
    return None


def missing_tools() -> list[str]:
    """What the browser suite needs and this machine lacks (``./dev setup`` installs all of it)."""
    missing = []
    if chromium_path() is None:
        missing.append("chromium (apt-get install chromium)")
    if shutil.which("java") is None:
        missing.append("java (apt-get install default-jre-headless)")
    for path in (AXE_JS, VNU_JAR):
        if not path.is_file():
            missing.append(f"{path.relative_to(TOOLS.parent.parent.parent)} (npm ci --prefix tests/browser)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        missing.append("playwright (pip install -c requirements/constraints.txt -e '.[test]')")
    return missing


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve *folder* on a free loopback port; yields the base address."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class RequestLog:
    """Every request a page made; anything not to *allowed_origin* (or to ``file:`` when
    offline) is aborted and recorded as foreign."""

    allowed_origin: str
    requests: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def allows(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about"):
            return True
        if self.allowed_origin == "file:":
            return parts.scheme == "file"
        return f"{parts.scheme}://{parts.netloc}" == self.allowed_origin

    def route(self, route: Any) -> None:
        url = route.request.url
        self.requests.append(url)
        if self.allows(url):
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()


def origin(base: str) -> str:
    parts = urlsplit(base)
    return f"{parts.scheme}://{parts.netloc}"


def run_axe(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now (WCAG 2.0 and 2.1, A and AA)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):  # contexts add it as an init script
        page.add_script_tag(content=AXE_JS.read_text("utf-8"))
    result: dict[str, Any] = page.evaluate(
        """([tags, extra]) => axe.run(document, {
             runOnly: {type: 'tag', values: tags},
             rules: Object.fromEntries(extra.map((id) => [id, {enabled: true}])),
             resultTypes: ['violations'],
           })""",
        [AXE_TAGS, AXE_EXTRA_RULES],
    )
    return [
        {
            "id": v["id"],
            "impact": v.get("impact"),
            "nodes": len(v["nodes"]),
            "targets": [n["target"] for n in v["nodes"][:3]],
        }
        for v in result["violations"]
    ]


def run_vnu(files: list[Path]) -> list[dict[str, Any]]:
    """Nu HTML checker errors for *files* (one Java start for all of them)."""
    java = shutil.which("java")
    assert java is not None
    proc = subprocess.run(
        [
            java,
            "-jar",
            str(VNU_JAR),
            "--errors-only",
            "--format",
            "json",
            "--exit-zero-always",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    data = json.loads(proc.stderr or proc.stdout or '{"messages": []}')
    return [m for m in data["messages"] if m.get("type") == "error"]
