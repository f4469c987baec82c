"""Contributor-loop benchmark: ``safe-harbor check`` and ``safe-harbor serve`` on the real curriculum.

Measured side by side with the plain tools they replace, on a copy of this repository's
curriculum in ``benchmarks/_work/contributor/``:

1. ``check``: wall time of ``safe-harbor check`` (a new process each time, as a contributor runs
   it), against ``sphinx-build -b dummy`` (Sphinx reading and resolving every page, writing
   nothing) on the same sources.  Target: under 5 s.
2. ``serve``: from saving an edit to one module to the browser being told to reload (the
   ``refresh`` message on sphinx-autobuild's web socket), with the edit checked in the served
   page; against ``sphinx-build -b html`` run on the same edit (what ``sphinx-autobuild`` runs
   per change).  Target: under 2 s.

    .venv/bin/python benchmarks/contributor.py [--repeat 5]

Nothing here touches the network: ``serve`` listens on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work" / "contributor"
MODULE = "modules/02-two-framings/index.md"


def copy_curriculum(target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    for part in ("conf", "docs", "modules", "handouts", "tests/roots/test-basic"):
        shutil.copytree(REPO / part, target / part)
    shutil.copy(REPO / "index.md", target / "index.md")
    return target


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "src")}


CPU: dict[str, list[float]] = {}


def timed(command: list[str], cwd: Path, cpu_key: str = "") -> float:
    """Wall time of *command*; its CPU time (user + system) is kept under *cpu_key*."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu_key:
        used = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        CPU.setdefault(cpu_key, []).append(used)
    return elapsed


def bench_check(root: Path, repeat: int) -> dict[str, list[float]]:
    ours = [timed([sys.executable, "-m", "safe_harbor.cli", "check"], root, "check") for _ in range(repeat)]
    plain = []
    for _ in range(repeat):
        out = WORK / "dummy"
        shutil.rmtree(out, ignore_errors=True)
        plain.append(
            timed(
                [
                    sys.executable,
                    "-m",
                    "sphinx",
                    "build",
                    "-q",
                    "-E",
                    "-b",
                    "dummy",
                    "-c",
                    "conf",
                    ".",
                    str(out),
                ],
                root,
                "sphinx-build -b dummy",
            )
        )
    return {"check": ours, "sphinx-build -b dummy": plain}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _edit_until_reload(root: Path, port: int, marker: str) -> float:
    import websockets

    async with websockets.connect(f"ws://127.0.0.1:{port}/websocket-reload") as ws:
        page = root / MODULE
        started = time.perf_counter()
        page.write_text(page.read_text() + f"\n\nA sentence added by the benchmark, {marker}.\n")
        message = await asyncio.wait_for(ws.recv(), 120)
        elapsed = time.perf_counter() - started
        assert message == "refresh", message
        html = urllib.request.urlopen(f"http://127.0.0.1:{port}/{MODULE[:-3]}.html").read().decode()
        assert marker in html, "the reloaded page does not show the edit"
        # let the facilitator view finish before the next edit
        await asyncio.wait_for(ws.recv(), 120)
        return elapsed


def bench_serve(root: Path, repeat: int) -> dict[str, list[float]]:
    port = free_port()
    log = (WORK / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "safe_harbor.cli", "serve", "--port", str(port)],
        cwd=root,
        env=env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 300
        while "serving on" not in (WORK / "serve.log").read_text():
            if server.poll() is not None or time.time() > deadline:
                raise RuntimeError((WORK / "serve.log").read_text())
            time.sleep(0.5)
        while True:  # uvicorn listens a moment after the message
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30)
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.3)
        ours = [
            asyncio.run(_edit_until_reload(root, port, f"edit-{i}-{time.time_ns()}")) for i in range(repeat)
        ]
    finally:
        server.terminate()
        server.wait(30)
        log.close()
    out = WORK / "plain-html"
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "sphinx", "build", "-q", "-b", "html", "-c", "conf", ".", str(out)]
    timed(command, root)  # first, full build
    plain = []
    for i in range(repeat):
        page = root / MODULE
        page.write_text(page.read_text() + f"\n\nA plain edit {i}.\n")
        plain.append(timed(command, root))
    return {"serve: edit to reload": ours, "sphinx-build -b html after the edit": plain}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    root = copy_curriculum(WORK / "curriculum")
    results = {
        **bench_check(root, args.repeat),
        **bench_serve(copy_curriculum(WORK / "curriculum"), args.repeat),
    }
    load = os.getloadavg()
    print(f"cores: {os.cpu_count()}, load average at the end: {load[0]:.1f}")
    print(f"{'measurement':40} {'best':>6} {'median':>7} {'worst':>6}  (seconds, {args.repeat} runs)")
    for name, times in results.items():
        print(f"{name:40} {min(times):6.2f} {statistics.median(times):7.2f} {max(times):6.2f}")
    check, dummy = results["check"], results["sphinx-build -b dummy"]
    serve, plain = results["serve: edit to reload"], results["sphinx-build -b html after the edit"]
    print(
        f"check / sphinx-build -b dummy (medians): {statistics.median(check) / statistics.median(dummy):.2f}x"
    )
    print(
        f"serve reload / sphinx-build html rebuild (medians): {statistics.median(serve) / statistics.median(plain):.2f}x"
    )
    for name, times in CPU.items():
        print(f"CPU time (user + system) of {name}: median {statistics.median(times):.2f} s")
    print("Wall times depend on the machine's load; CPU times much less so.")
    (WORK / "results.json").write_text(json.dumps({"wall": results, "cpu": CPU, "load": load}, indent=1))


if __name__ == "__main__":
    main()
