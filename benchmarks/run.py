"""Safe Harbor build benchmarks: our pipeline against plain Sphinx and plain WeasyPrint, side by side.

Usage (from the repository root)::

    .venv/bin/python benchmarks/run.py [--sizes 10 50 200] [--quick]

For every size N a synthetic curriculum of N modules (2 handouts each) is generated with
``benchmarks/generate.py`` into ``benchmarks/_work/size-N/src`` and measured:

1. Sphinx phase: our three outputs (``html``, then ``facilitator``, which also writes the print
   fragments; ``report.timings``) against a plain ``sphinx-build -b html`` of the same sources
   and conf, serial and with ``-j auto``.  Target: ours <= 1.5x.  The conf loads Safe Harbor,
   whose ``html`` builder shares the navigation tree between pages; one more plain run swaps in
   Sphinx's stock HTML builder, to show what that saves.
2. PDF stage: ``report.timings['pdf']`` of a clean build against the sum of serial plain
   ``weasyprint`` CLI runs over the same print documents (``plan_jobs``).  Target: <= 0.6x.
3. No-change rebuild against the clean build (wall time of the build process).  Target: <= 0.1x.
4. Clean-build time per module at the largest size against 20 modules.  Target: <= 1.2x.
   Peak memory of the build process and its workers.
5. Editing one handout then rebuilding: which PDFs were rendered again, and how long it took.

The code under test is copied from ``src/`` into ``benchmarks/_work/snapshot/`` when the run
starts and every process uses that copy (PYTHONPATH), so edits to ``src/`` during a long run
cannot mix two versions into one table.  Every build runs in its own process
(``run.py --child-build``, which calls ``safe_harbor.pipeline.build`` as ``safe-harbor build``
does), inside a network namespace without interfaces (``unshare -n``) when the machine allows
it.  CPU time used by *other* processes during each measurement is recorded, because a busy
machine makes any timing meaningless.  Results are printed and written to
``benchmarks/_work/results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work"
SNAPSHOT = WORK / "snapshot" / "src"
VENV_BIN = Path(sys.executable).parent
_REMOTE = re.compile(
    r"""(?:<img[^>]*\ssrc|<link[^>]*\shref|<script[^>]*\ssrc)=["']?(?:https?|ftp):|url\(\s*["']?(?:https?|ftp):""",
    re.I,
)
_CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- the child: one build, in its own process ------------------------------------------------


def child_build(root: Path, out: Path, result_file: Path, sphinx_only: bool = False) -> int:
    """Run the pipeline once; write timings, PDFs, diagnostics and peak RSS as JSON.

    ``sphinx_only`` replaces the PDF stage by a no-op (for repeated Sphinx-phase measurements).
    """
    from safe_harbor import pipeline
    from safe_harbor.pipeline import BuildOptions, build

    if sphinx_only:
        pipeline.render_pdfs = lambda *args, **kwargs: None  # type: ignore[assignment]

    started = time.perf_counter()
    report = build(BuildOptions(root=root, out=out))
    total = time.perf_counter() - started
    data = {
        "safe_harbor_file": sys.modules["safe_harbor"].__file__,
        "timings": report.timings,
        "total_in_process": total,
        "pdfs": [
            {"output": r.output, "rendered": r.rendered, "pages": r.pages, "seconds": r.seconds}
            for r in report.pdfs
            if r.diagnostic is None
        ],
        "errors": [d.format(root) for d in report.errors],
        "warnings": [d.format(root) for d in report.warnings],
        "notes": report.notes,
        # ru_maxrss is in KiB on Linux: the largest single process, this one or any waited-for
        # worker (Sphinx's forked readers and writers, the PDF pool's processes).
        "maxrss_self_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "maxrss_children_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
    }
    result_file.write_text(json.dumps(data, indent=1), "utf-8")
    return 1 if report.errors else 0


# --- measuring helpers -----------------------------------------------------------------------


def network_jail() -> list[str]:
    """A command prefix that runs a program without network access, if this machine allows it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    for prefix in ([unshare, "-n"], [unshare, "-rn"]):
        try:
            if subprocess.run([*prefix, "true"], capture_output=True, timeout=10).returncode == 0:
                return prefix
        except (OSError, subprocess.SubprocessError):
            continue
    return []


STOCK_HTML_SHIM = '''"""Benchmark only: register Sphinx's stock HTML builder as ``html`` again (after safe_harbor)."""

from sphinx.builders.html import StandaloneHTMLBuilder


def setup(app):
    app.add_builder(StandaloneHTMLBuilder, override=True)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
'''


def snapshot_source() -> dict[str, Any]:
    """Copy src/safe_harbor to the scratch folder and fingerprint it."""
    if SNAPSHOT.parent.exists():
        shutil.rmtree(SNAPSHOT.parent)
    shutil.copytree(
        REPO / "src" / "safe_harbor",
        SNAPSHOT / "safe_harbor",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    # For the informational baseline: Sphinx's own HTML builder in place of Safe Harbor's.
    (SNAPSHOT / "stock_html_builder.py").write_text(STOCK_HTML_SHIM, "utf-8")
    info: dict[str, Any] = {"fingerprint": fingerprint(SNAPSHOT / "safe_harbor")}
    try:
        git = ["git", "-C", str(REPO)]
        info["git_head"] = subprocess.run(
            [*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        info["git_src_changes"] = subprocess.run(
            [*git, "status", "--porcelain", "--", "src"], capture_output=True, text=True, check=True
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        info["git_head"] = "?"
    return info


def fingerprint(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(SNAPSHOT), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("SOURCE_DATE_EPOCH", None)  # the generated curriculum fixes its own date
    return env


def busy_seconds() -> float:
    """CPU seconds the whole machine spent busy since boot (all cores, /proc/stat)."""
    with open("/proc/stat") as handle:
        fields = [int(x) for x in handle.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / _CLK_TCK


def own_seconds() -> float:
    """CPU seconds used by this process and every child it has waited for."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


class TreeMemory(threading.Thread):
    """Samples the summed PSS (proportional set size) of a process and all its descendants.

    PSS shares pages between the forked workers fairly, so the sum is the real memory the build
    occupies; summing RSS would count the pages they share once per worker.
    """

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self.peak_processes = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            pids = self.tree()
            self.peak_kib = max(self.peak_kib, sum(self.pss(p) for p in pids))
            self.peak_processes = max(self.peak_processes, len(pids))
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()

    def tree(self) -> list[int]:
        parents: dict[int, int] = {}
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    stat = handle.read().rsplit(b")", 1)[1].split()
                parents[int(entry.name)] = int(stat[1])
            except (OSError, IndexError, ValueError):
                continue
        found, frontier = [self.pid], {self.pid}
        while frontier:
            frontier = {p for p, parent in parents.items() if parent in frontier}
            found += frontier
        return found

    @staticmethod
    def pss(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        try:
            with open(f"/proc/{pid}/statm") as handle:
                return int(handle.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except OSError:
            return 0


class Meter:
    """Wall time of a block, and the CPU time *other* processes used meanwhile."""

    def __enter__(self) -> Meter:
        self.started = time.perf_counter()
        self.busy = busy_seconds()
        self.own = own_seconds()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.started
        ours = own_seconds() - self.own
        machine = busy_seconds() - self.busy
        # jiffy rounding makes tiny negative values possible
        self.foreign = max(0.0, machine - ours)
        self.foreign_share = self.foreign / (self.wall * (os.cpu_count() or 1)) if self.wall else 0.0


def run_timed(command: list[str], log: Path, *, memory: bool = False) -> dict[str, Any]:
    """Run a command to completion: wall time, exit code, foreign CPU and (optionally) memory."""
    with log.open("ab") as out:
        out.write(f"$ {' '.join(command)}\n".encode())
        out.flush()
        with Meter() as meter:
            process = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, env=child_env()
            )
            sampler = TreeMemory(process.pid) if memory else None
            if sampler:
                sampler.start()
            code = process.wait()
            if sampler:
                sampler.stop()
    result: dict[str, Any] = {
        "wall": meter.wall,
        "returncode": code,
        "foreign_cpu": meter.foreign,
        "foreign_share": meter.foreign_share,
    }
    if sampler:
        result["peak_tree_pss_kib"] = sampler.peak_kib
        result["peak_processes"] = sampler.peak_processes
    return result


def modified_since(folder: Path, since: float, suffixes: tuple[str, ...]) -> list[str]:
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.suffix in suffixes and path.is_file() and path.stat().st_mtime > since
    )


def schedule(seconds: list[float], workers: int) -> float:
    """Makespan of jobs handed to ``workers`` processes in the given order (a pool's behaviour)."""
    free = [0.0] * workers
    for job in seconds:
        free[free.index(min(free))] += job
    return max(free, default=0.0)


class Bench:
    def __init__(self, jail: list[str], log: Path) -> None:
        self.jail = jail
        self.log = log

    def our_build(self, root: Path, out: Path, label: str, *, sphinx_only: bool = False) -> dict[str, Any]:
        result_file = out.parent / f"{out.name}-{label}.json"
        result_file.unlink(missing_ok=True)
        command = [
            *self.jail,
            sys.executable,
            str(HERE / "run.py"),
            "--child-build",
            str(root),
            str(out),
            str(result_file),
            *(["--sphinx-only"] if sphinx_only else []),
        ]
        since = time.time()
        run = run_timed(command, self.log, memory=True)
        if not result_file.exists():
            raise SystemExit(f"build {label} of {root} crashed (exit {run['returncode']}); see {self.log}")
        data = json.loads(result_file.read_text("utf-8"))
        data.update(run)
        if not str(data["safe_harbor_file"]).startswith(str(SNAPSHOT)):
            raise SystemExit(f"the build imported {data['safe_harbor_file']}, not the snapshot")
        data["sphinx"] = sum(data["timings"].get(k, 0.0) for k in ("html", "facilitator", "safeharbor-print"))
        data["rendered"] = sorted(p["output"] for p in data["pdfs"] if p["rendered"])
        data["site_pages_written"] = modified_since(out / "site", since, (".html",))
        data["print_fragments_written"] = modified_since(out / "print", since, (".json",))
        if data["errors"]:
            print(f"    ! {label} build reported {len(data['errors'])} error(s): {data['errors'][:3]}")
        return data

    def plain_sphinx(self, root: Path, out: Path, jobs: str | None, *, stock: bool = False) -> dict[str, Any]:
        """``sphinx-build -b html`` with the project's conf (Safe Harbor's ``html`` builder).

        ``stock`` swaps in Sphinx's own ``StandaloneHTMLBuilder`` (navigation per page), to show
        what the shared navigation saves.
        """
        if out.exists():
            shutil.rmtree(out)
        command = [
            *self.jail,
            str(VENV_BIN / "sphinx-build"),
            "-q",
            "-b",
            "html",
            "-c",
            str(root / "conf"),
            "-D",
            "safe_harbor_view_switch=0",
        ]
        if stock:
            import runpy

            extensions = runpy.run_path(str(root / "conf" / "conf.py"))["extensions"]
            command += ["-D", "extensions=" + ",".join([*extensions, "stock_html_builder"])]
        if jobs:
            command += ["-j", jobs]
        command += [str(root), str(out)]
        run = run_timed(command, self.log)
        if run["returncode"] != 0:
            raise SystemExit(f"plain sphinx-build failed; see {self.log}")
        return run

    def plain_weasyprint(self, root: Path, print_dir: Path, folder: Path) -> dict[str, Any]:
        from safe_harbor.config import load_curriculum_config
        from safe_harbor.pdf.documents import PrintOptions, plan_jobs

        config = load_curriculum_config(root / "conf")
        options = PrintOptions(
            paper=config.print.paper,
            bleed=config.print.bleed,
            crop_marks=config.print.crop_marks,
            large_print=config.print.large_print,
        )
        jobs = plan_jobs(print_dir, options)
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        base = print_dir.resolve().as_uri() + "/"
        total, foreign, per_kind, per_job = 0.0, 0.0, {}, {}
        for number, job in enumerate(jobs):
            if _REMOTE.search(job.html):
                raise SystemExit(f"{job.output}: the print HTML references a remote resource; not run")
            source = folder / f"{number:04d}.html"
            source.write_text(job.html, "utf-8")
            weasyprint = str(VENV_BIN / "weasyprint")
            command = [*self.jail, weasyprint, "-q", "-u", base, str(source), str(source.with_suffix(".pdf"))]
            run = run_timed(command, self.log)
            if run["returncode"] != 0:
                raise SystemExit(f"plain weasyprint failed on {job.output}; see {self.log}")
            total += run["wall"]
            foreign += run["foreign_cpu"]
            per_kind[job.kind] = per_kind.get(job.kind, 0.0) + run["wall"]
            per_job[job.output] = run["wall"]
        slowest = max(per_job.items(), key=lambda item: item[1])
        return {
            "documents": len(jobs),
            "total": total,
            "per_kind": per_kind,
            "slowest": list(slowest),
            "per_job": per_job,
            "foreign_cpu": foreign,
            "foreign_share": foreign / (total * (os.cpu_count() or 1)),
        }

    def startup(self) -> dict[str, float]:
        """Fixed cost of starting each tool (interpreter + imports), best of 3."""
        code = "import weasyprint, sphinx.application, safe_harbor.pipeline"
        probes = {
            "weasyprint_cli_version": [str(VENV_BIN / "weasyprint"), "--version"],
            "sphinx_build_version": [str(VENV_BIN / "sphinx-build"), "--version"],
            "python_imports": [sys.executable, "-c", code],
        }
        return {
            name: min(run_timed([*self.jail, *cmd], self.log)["wall"] for _ in range(3))
            for name, cmd in probes.items()
        }


# --- one size ---------------------------------------------------------------------------------


def edit_handout(path: Path) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            "\n## One more thing\n\nThis paragraph was added by benchmarks/run.py to measure an "
            "incremental rebuild after editing one handout.\n"
        )


def measure_size(bench: Bench, size: int, repeat: int, say: Any) -> dict[str, Any]:
    from generate import generate

    folder = WORK / f"size-{size}"
    if folder.exists():
        shutil.rmtree(folder)
    root = folder / "src"
    generated = generate(root, size)
    ours = folder / "ours"
    result: dict[str, Any] = {
        "modules": size,
        "handouts": len(generated.handouts),
        "source_pages": 1 + size + len(generated.handouts),
    }

    say(f"  [{size}] clean build (ours)")
    clean = bench.our_build(root, ours, "clean")
    result["clean"] = clean
    say(f"  [{size}] no-change rebuild (ours) x{repeat}")
    noops = [bench.our_build(root, ours, f"noop{i}") for i in range(repeat)]
    result["noop"] = min(noops, key=lambda r: r["wall"])
    result["noop_walls"] = [r["wall"] for r in noops]
    result["noop_rendered_max"] = max(len(r["rendered"]) for r in noops)
    say(f"  [{size}] plain weasyprint CLI, serial, over {len(clean['pdfs'])} documents")
    result["plain_weasyprint"] = bench.plain_weasyprint(root, ours / "print", folder / "plain-weasyprint")

    middle = generated.modules[len(generated.modules) // 2]
    handout = middle.handouts[0]
    say(f"  [{size}] edit handouts/{handout}.md, rebuild (ours)")
    time.sleep(1.1)  # a new mtime second: the edit is newer than every output
    edit_handout(root / "handouts" / f"{handout}.md")
    edit = bench.our_build(root, ours, "edit")
    track = generated.track_id(middle.id)
    expected = sorted(
        [
            f"handouts/{handout}.pdf",
            f"handouts/large-print/{handout}.pdf",
            f"guides/{track}-facilitator-guide.pdf",
            f"workbooks/{track}-participant-workbook.pdf",
        ]
    )
    edit["edited"] = f"handouts/{handout}.md"
    edit["expected_rendered"] = expected
    result["edit"] = edit

    # Sphinx phase: ours (the clean build above, then Sphinx-only builds into a fresh folder)
    # interleaved with the plain runs; the best of each is compared.
    sphinx_runs, j1_runs, jauto_runs = [clean], [], []
    for rep in range(repeat):
        if rep:
            say(f"  [{size}] Sphinx phase only (ours), fresh output, run {rep + 1}/{repeat}")
            fresh = folder / "ours-sphinx"
            shutil.rmtree(fresh, ignore_errors=True)
            sphinx_runs.append(bench.our_build(root, fresh, f"sphinx{rep}", sphinx_only=True))
        say(f"  [{size}] plain sphinx-build -b html, serial, run {rep + 1}/{repeat}")
        j1_runs.append(bench.plain_sphinx(root, folder / "plain-html-j1", None))
        say(f"  [{size}] plain sphinx-build -b html -j auto, run {rep + 1}/{repeat}")
        jauto_runs.append(bench.plain_sphinx(root, folder / "plain-html-jauto", "auto"))
    say(f"  [{size}] plain sphinx-build -b html with Sphinx's stock HTML builder, serial (once)")
    result["plain_sphinx_stock"] = bench.plain_sphinx(root, folder / "plain-html-stock", None, stock=True)
    best = min(sphinx_runs, key=lambda r: r["sphinx"])
    result["sphinx_runs"] = [r["sphinx"] for r in sphinx_runs]
    result["plain_sphinx_j1_runs"] = [r["wall"] for r in j1_runs]
    result["plain_sphinx_jauto_runs"] = [r["wall"] for r in jauto_runs]
    result["plain_sphinx_j1"] = min(j1_runs, key=lambda r: r["wall"])
    result["plain_sphinx_jauto"] = min(jauto_runs, key=lambda r: r["wall"])

    timings = clean["timings"]
    best_timings = best["timings"]
    # per-document render times in the order the pool receives them (plan_jobs order)
    by_output = {p["output"]: p["seconds"] for p in clean["pdfs"] if p["rendered"]}
    seconds = [by_output[o] for o in result["plain_weasyprint"]["per_job"] if o in by_output]
    workers = os.cpu_count() or 1
    measured = [
        clean,
        result["noop"],
        edit,
        best,
        result["plain_sphinx_j1"],
        result["plain_sphinx_jauto"],
        result["plain_sphinx_stock"],
    ]
    result["figures"] = {
        "ours_sphinx": best["sphinx"],
        "ours_html": best_timings.get("html", 0.0),
        "ours_facilitator": best_timings.get("facilitator", 0.0),
        "ours_print": best_timings.get("safeharbor-print", 0.0),
        "plain_sphinx_j1": result["plain_sphinx_j1"]["wall"],
        "plain_sphinx_jauto": result["plain_sphinx_jauto"]["wall"],
        "plain_sphinx_stock": result["plain_sphinx_stock"]["wall"],
        "sphinx_vs_plain_stock": best["sphinx"] / result["plain_sphinx_stock"]["wall"],
        "sphinx_vs_plain_j1": best["sphinx"] / result["plain_sphinx_j1"]["wall"],
        "sphinx_vs_plain_jauto": best["sphinx"] / result["plain_sphinx_jauto"]["wall"],
        "ours_pdf": timings.get("pdf", 0.0),
        "pdfs": len(clean["pdfs"]),
        "pages": sum(p["pages"] for p in clean["pdfs"]),
        "pdf_job_seconds": sum(seconds),
        "pdf_longest_job": max(seconds, default=0.0),
        "pdf_schedule_plan_order": schedule(seconds, workers),
        "pdf_schedule_longest_first": schedule(sorted(seconds, reverse=True), workers),
        "plain_weasyprint": result["plain_weasyprint"]["total"],
        "plain_weasyprint_guide": result["plain_weasyprint"]["per_kind"].get("guide", 0.0),
        "ours_guide": sum(p["seconds"] for p in clean["pdfs"] if p["output"].startswith("guides/")),
        "guide_pages": sum(p["pages"] for p in clean["pdfs"] if p["output"].startswith("guides/")),
        "guides": sum(1 for p in clean["pdfs"] if p["output"].startswith("guides/")),
        "pdf_vs_plain_cli": timings.get("pdf", 0.0) / result["plain_weasyprint"]["total"],
        "clean_wall": clean["wall"],
        "noop_wall": result["noop"]["wall"],
        "noop_vs_clean": result["noop"]["wall"] / clean["wall"],
        "noop_rendered": result["noop_rendered_max"],
        "edit_wall": edit["wall"],
        "edit_pdf": edit["timings"].get("pdf", 0.0),
        "edit_rendered": len(edit["rendered"]),
        "edit_rendered_as_expected": edit["rendered"] == expected,
        "per_module": clean["wall"] / size,
        "peak_rss_mib": max(clean["maxrss_self_kib"], clean["maxrss_children_kib"]) / 1024,
        "peak_tree_pss_mib": clean["peak_tree_pss_kib"] / 1024,
        "errors": sum(len(m.get("errors", [])) for m in (clean, result["noop"], edit)),
        "foreign_share_max": max(
            [m["foreign_share"] for m in measured] + [result["plain_weasyprint"]["foreign_share"]]
        ),
    }
    return result


# --- report -------------------------------------------------------------------------------------


def verdict(value: float, target: float) -> str:
    """Judged on the value as printed (2 decimals), so the table never reads "0.10x <= 0.10x MISS"."""
    return "PASS" if round(value, 2) <= target else "MISS"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("| " + " | ".join(cells) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def report(results: dict[str, Any]) -> str:
    sizes = sorted(results["sizes"].values(), key=lambda r: r["modules"])
    figures = [s["figures"] for s in sizes]

    def row(label: str, key: str, fmt: str = "{:.2f}") -> list[str]:
        return [label] + [fmt.format(x[key]) if key in x else "n/a" for x in figures]

    rows = [
        ["Measurement"] + [f"N={s['modules']}" for s in sizes],
        ["Source pages (index + modules + handouts)"] + [str(s["source_pages"]) for s in sizes],
        row("Ours: html (s)", "ours_html"),
        row("Ours: facilitator view + print fragments (s)", "ours_facilitator"),
        row("Ours: safeharbor-print, separate run (s)", "ours_print"),
        row("Ours: Sphinx phase, total (s)", "ours_sphinx"),
        row("Plain sphinx-build -b html, serial (s)", "plain_sphinx_j1"),
        row("Plain sphinx-build -b html -j auto (s)", "plain_sphinx_jauto"),
        row("Sphinx ratio ours / plain serial", "sphinx_vs_plain_j1"),
        row("Sphinx ratio ours / plain -j auto", "sphinx_vs_plain_jauto"),
        row("Plain, Sphinx's stock HTML builder, serial (s)", "plain_sphinx_stock"),
        row("Sphinx ratio ours / stock builder", "sphinx_vs_plain_stock"),
        row("PDF documents", "pdfs", "{:d}"),
        row("PDF pages", "pages", "{:d}"),
        row("Ours: PDF stage, clean (s)", "ours_pdf"),
        row("  sum of per-document render times (s)", "pdf_job_seconds"),
        row("  facilitator guides (one per track)", "guides", "{:d}"),
        row("  facilitator guides: pages, all tracks", "guide_pages", "{:d}"),
        row("  facilitator guides: render time, sum (s)", "ours_guide"),
        row("  longest single document (s)", "pdf_longest_job"),
        row("  simulated: pool in plan order (s)", "pdf_schedule_plan_order"),
        row("  simulated: longest document first (s)", "pdf_schedule_longest_first"),
        row("Plain weasyprint CLI, serial sum (s)", "plain_weasyprint"),
        row("  of which facilitator guides (s)", "plain_weasyprint_guide"),
        row("PDF ratio ours / plain CLI", "pdf_vs_plain_cli"),
        row("Ours: clean build, wall (s)", "clean_wall"),
        row("Ours: no-change rebuild, wall (s)", "noop_wall"),
        row("No-change ratio rebuild / clean", "noop_vs_clean"),
        row("PDFs rendered by the no-change rebuild", "noop_rendered", "{:d}"),
        row("Edit one handout: rebuild, wall (s)", "edit_wall"),
        row("Edit one handout: PDF stage (s)", "edit_pdf"),
        row("Edit one handout: PDFs rendered", "edit_rendered", "{:d}"),
        row("Clean build per module (s)", "per_module"),
        row("Peak RSS, largest process (MiB)", "peak_rss_mib", "{:.0f}"),
        row("Peak PSS, build + workers (MiB)", "peak_tree_pss_mib", "{:.0f}"),
        row("Build errors reported", "errors", "{:d}"),
        row("Other processes' CPU, worst step (share)", "foreign_share_max"),
    ]
    lines = [table(rows), ""]

    checks: list[list[str]] = [["Target", "N", "Measured", "Target", "Result"]]
    for s in sizes:
        x = s["figures"]
        n = str(s["modules"])
        failed = {step: bool(s[step].get("errors")) for step in ("clean", "noop", "edit")}
        for label, key, limit, step in (
            ("Sphinx phase / plain serial", "sphinx_vs_plain_j1", 1.5, ""),
            ("Sphinx phase / plain -j auto", "sphinx_vs_plain_jauto", 1.5, ""),
            ("PDF stage / plain CLI serial", "pdf_vs_plain_cli", 0.6, "clean"),
            ("No-change rebuild / clean", "noop_vs_clean", 0.1, "noop"),
        ):
            result = "FAIL*" if failed.get(step) else verdict(x[key], limit)
            checks.append([label, n, f"{x[key]:.2f}x", f"<= {limit:.2f}x", result])
        expected = "PASS" if x["edit_rendered_as_expected"] else "MISS"
        checks.append(
            [
                "Edit one handout: PDFs rendered",
                n,
                str(x["edit_rendered"]),
                "the 4 expected",
                "FAIL*" if failed["edit"] else expected,
            ]
        )
    scaling = results.get("scaling")
    if scaling:
        largest_failed = bool(results["sizes"][str(scaling["largest"])]["clean"].get("errors"))
        checks.append(
            [
                f"Per module, N={scaling['largest']} / N=20",
                str(scaling["largest"]),
                f"{scaling['ratio']:.2f}x",
                "<= 1.20x",
                "FAIL*" if largest_failed else verdict(scaling["ratio"], 1.2),
            ]
        )
    lines += [table(checks)]
    if "FAIL*" in {c[-1] for c in checks}:
        lines.append("* FAIL: the build measured on that line reported errors (listed below)")
    lines.append("")
    for s in sizes:
        for step in ("clean", "noop", "edit"):
            for error in dict.fromkeys(s[step].get("errors", [])):
                lines.append(f"N={s['modules']}: {step} build error: {error}")
    for s in sizes:
        edit, noop = s["edit"], s["noop"]
        if not s["figures"]["edit_rendered_as_expected"]:
            extra = sorted(set(edit["rendered"]) - set(edit["expected_rendered"]))
            missing = sorted(set(edit["expected_rendered"]) - set(edit["rendered"]))
            lines.append(
                f"N={s['modules']}: editing {edit['edited']} rendered {len(edit['rendered'])} PDFs; "
                f"unexpected: {extra[:4]}{' ...' if len(extra) > 4 else ''}; missing: {missing}"
            )
        lines.append(
            f"N={s['modules']}: written by the no-change rebuild: {len(noop['site_pages_written'])} site pages, "
            f"{len(noop['print_fragments_written'])} print files; by the one-handout edit: "
            f"{len(edit['site_pages_written'])} site pages, {len(edit['print_fragments_written'])} print files"
        )
        if s["figures"]["foreign_share_max"] > 0.05:
            lines.append(
                f"N={s['modules']}: WARNING other processes used up to "
                f"{s['figures']['foreign_share_max']:.0%} of the machine during a measurement"
            )
    return "\n".join(lines)


def machine(bench: Bench) -> dict[str, Any]:
    import ctypes.util
    from importlib.metadata import version

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    info: dict[str, Any] = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "network_isolation": " ".join(bench.jail) if bench.jail else "none (unshare unavailable)",
        "load_average_at_start": os.getloadavg(),
        "harfbuzz_subset": ctypes.util.find_library("harfbuzz-subset") or "missing",
    }
    for package in ("sphinx", "weasyprint", "myst-parser", "sphinx-design", "furo", "docutils", "pydyf"):
        try:
            info[package] = version(package)
        except Exception:
            info[package] = "?"
    return info


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-build"]:
        return child_build(Path(argv[1]), Path(argv[2]), Path(argv[3]), sphinx_only="--sphinx-only" in argv)
    parser = argparse.ArgumentParser(
        description="Benchmark the Safe Harbor build against plain Sphinx and plain WeasyPrint."
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=[10, 20, 50],
        metavar="N",
        help="module counts (default: 10 20 50)",
    )
    parser.add_argument("--quick", action="store_true", help="smoke run: sizes 10 and 20 only, no repeats")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="R",
        help="runs of the Sphinx-phase comparison and of the no-change rebuild; the best counts (default: 3)",
    )
    parser.add_argument(
        "--results", type=Path, default=WORK / "results.json", help="where to write the JSON results"
    )
    parser.add_argument("--report", type=Path, metavar="JSON", help="only print the tables of an earlier run")
    args = parser.parse_args(argv)
    if args.report:
        print(report(json.loads(args.report.read_text("utf-8"))))
        return 0
    repeat = 1 if args.quick else max(1, args.repeat)
    sizes = [10, 20] if args.quick else sorted(set(args.sizes) | {20})
    if min(sizes) < 2:
        parser.error("sizes must be 2 or more")
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "run.log"
    log.write_text("", "utf-8")
    bench = Bench(network_jail(), log)

    def say(message: str) -> None:
        print(message, flush=True)

    results: dict[str, Any] = {
        "command": " ".join([".venv/bin/python", "benchmarks/run.py", *argv]),
        "repeat": repeat,
        "sizes": {},
        "machine": machine(bench),
        "source": snapshot_source(),
    }
    sys.path[:0] = [str(SNAPSHOT), str(HERE)]  # plan_jobs (plain CLI inputs) from the snapshot too
    m = results["machine"]
    say(
        f"machine: {m['nproc']} cores, Python {m['python']}, Sphinx {m['sphinx']}, WeasyPrint "
        f"{m['weasyprint']}; network isolation: {m['network_isolation']}; load {m['load_average_at_start'][0]:.2f}"
    )
    say(
        f"code under test: {results['source']['git_head']} + {len(results['source'].get('git_src_changes', []))} "
        f"uncommitted change(s) in src/, snapshot {results['source']['fingerprint']}"
    )
    if m["load_average_at_start"][0] > 0.5:
        say("WARNING: the machine is busy (load average above 0.5); timings will be noisy")
    results["startup"] = bench.startup()
    say("startup costs: " + ", ".join(f"{k} {v:.2f} s" for k, v in results["startup"].items()))
    started = time.perf_counter()
    for size in sizes:
        say(f"size {size}:")
        size_started = time.perf_counter()
        results["sizes"][str(size)] = measure_size(bench, size, repeat, say)
        results["sizes"][str(size)]["benchmark_seconds"] = time.perf_counter() - size_started
        largest = max(int(s) for s in results["sizes"])
        if "20" in results["sizes"] and largest != 20:
            per20 = results["sizes"]["20"]["figures"]["per_module"]
            per = results["sizes"][str(largest)]["figures"]["per_module"]
            results["scaling"] = {
                "largest": largest,
                "per_module_20": per20,
                "per_module_largest": per,
                "ratio": per / per20,
            }
        args.results.write_text(json.dumps(results, indent=1), "utf-8")
    results["benchmark_seconds"] = time.perf_counter() - started
    changed = fingerprint(REPO / "src" / "safe_harbor") != results["source"]["fingerprint"]
    results["source"]["src_changed_during_run"] = changed
    text = report(results)
    results["table"] = text
    args.results.write_text(json.dumps(results, indent=1), "utf-8")
    say("")
    say(text)
    if changed:
        say("\nnote: src/ changed during the run; every figure above is for the snapshot taken at the start")
    say(f"\nresults: {args.results}; log: {log}; total {results['benchmark_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
