"""``safe-harbor serve``: warm incremental rebuilds, the browser told to reload, PDFs on request.

Everything listens on 127.0.0.1; nothing reaches the network."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOTS, replace_in
from safe_harbor.pipeline import BuildOptions
from safe_harbor.serve import SiteRebuilder


def test_rebuild_after_an_edit_writes_only_what_changed(tmp_path: Path) -> None:
    root = tmp_path / "c"
    shutil.copytree(ROOTS / "test-basic", root)
    said: list[str] = []
    rebuilder = SiteRebuilder(BuildOptions(root=root, jobs=1), said.append, facilitator=False)
    try:
        _edit_and_rebuild(root, rebuilder, said)
    finally:
        rebuilder.close()


def _edit_and_rebuild(root: Path, rebuilder: SiteRebuilder, said: list[str]) -> None:
    rebuilder.site()
    site = root / "_build" / "site"
    module = site / "modules/02-beta/index.html"
    untouched = site / "handouts/alpha-sheet.html"
    before = untouched.stat().st_mtime_ns
    replace_in(
        root / "modules/01-alpha/index.md", "1. Pair people up.", "1. Pair people up. EDITED-IN-SERVE."
    )
    rebuilder.site()
    assert "EDITED-IN-SERVE" in (site / "modules/01-alpha/index.html").read_text()
    assert untouched.stat().st_mtime_ns == before  # a page that does not show the module
    assert module.exists()
    assert any("participant site rebuilt in" in line for line in said)
    # a mistake is reported with its code, and the server keeps going
    replace_in(root / "modules/01-alpha/index.md", ":::{debrief}", ":::{debreif}")
    said.clear()
    rebuilder.site()
    assert any("SH220 unknown directive 'debreif'; did you mean 'debrief'?" in line for line in said), said


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get_when_up(url: str, deadline: float) -> str:
    """The page, once the server (which starts listening after its first build) answers."""
    while True:
        try:
            return str(urllib.request.urlopen(url, timeout=30).read().decode())
        except OSError:
            assert time.time() < deadline, f"no answer from {url}"
            time.sleep(0.3)


@pytest.mark.slow
def test_serve_reloads_the_browser_and_renders_pdfs_on_request(tmp_path: Path) -> None:
    import websockets

    root = tmp_path / "c"
    shutil.copytree(ROOTS / "test-basic", root)
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "safe_harbor.cli", "serve", str(root), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.time() + 240
        while "serving on" not in log.read_text():
            assert server.poll() is None and time.time() < deadline, log.read_text()
            time.sleep(0.3)
        page = f"http://127.0.0.1:{port}/modules/01-alpha/index.html"
        html = _get_when_up(page, deadline)
        assert "/websocket-reload" in html  # sphinx-autobuild's reload script is injected

        async def edit_and_wait() -> str:
            async with websockets.connect(f"ws://127.0.0.1:{port}/websocket-reload") as ws:
                replace_in(root / "modules/01-alpha/index.md", "1. Pair people up.", "1. Pair up. LIVE-EDIT.")
                return str(await asyncio.wait_for(ws.recv(), 120))

        assert asyncio.run(edit_and_wait()) == "refresh"
        assert "LIVE-EDIT" in urllib.request.urlopen(page).read().decode()
        assert not (root / "_build/site/downloads").exists()  # no PDF on a keystroke
        answer = (
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_safe-harbor/pdfs", timeout=600).read().decode()
        )
        assert "handouts/alpha-sheet.pdf" in answer
        assert (root / "_build/site/downloads/handouts/alpha-sheet.pdf").read_bytes().startswith(b"%PDF")
    finally:
        server.terminate()
        server.wait(30)
