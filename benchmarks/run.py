"""Safe Harbor build benchmarks: our pipeline against plain Sphinx and plain WeasyPrint, side by side.

Usage (from the repository root)::

    .venv/bin/python benchmarks/run.py [--sizes 10 50 200] [--quick]

For every size N a synthetic curriculum of N modules (2 handouts each) is generated with
``benchmarks/generate.py`` into ``benchmarks/_work/size-N/src`` and measured:

1. Sphinx phase: our three writes (``html`` + ``facilitator`` + ``safeharbor-print`` from
   ``report.timings``) against a plain ``sphinx-build -b html`` of the same sources, serial and
   with ``-j auto``.  Target: ours <= 1.5x.
2. PDF stage: ``report.timings['pdf']`` of a clean build against the sum of serial plain
   ``weasyprint`` CLI runs over the same print documents (``plan_jobs``).  Target: <= 0.6x.
3. No-change rebuild against the clean build (wall time of the build process).  Target: <= 0.1x.
4. Clean-build time per module at the largest size against 20 modules.  Target: <= 1.2x.
   Peak memory of the build process and its workers.
5. Editing one handout then rebuilding: which PDFs were rendered again, and how long it took.

Every build runs in its own process (``python benchmarks/run.py --child-build ...``, which calls
``safe_harbor.pipeline.build`` exactly as ``safe-harbor build`` does), inside a network namespace
without interfaces (``unshare -n``) when the machine allows it.  Results are printed and written
to ``benchmarks/_work/results.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
SNAPSHOT = WORK / "snapshot" / "src"  # the code under test, frozen when the run starts
VENV_BIN = Path(sys.executable).parent
TARGETS = {
    "sphinx_vs_plain_j1": 1.5,
    "sphinx_vs_plain_jauto": 1.5,
    "pdf_vs_plain_cli": 0.6,
    "noop_vs_clean": 0.1,
    "per_module_largest_vs_20": 1.2,
}
_REMOTE = re.compile(r"""(?:<img[^>]*\ssrc|<link[^>]*\shref|<script[^>]*\ssrc)=["']?(?:https?|ftp):|url\(\s*["']?(?:https?|ftp):""", re.I)


# --- the child: one build, in its own process ------------------------------------------------


def child_build(root: Path, out: Path, result_file: Path) -> int:
    """Run the pipeline once and write what the benchmark needs as JSON (``safe_harbor`` comes
    from the snapshot through PYTHONPATH)."""
    from safe_harbor.pipeline import BuildOptions, build

    started = time.perf_counter()
    report = build(BuildOptions(root=root, out=out))
    total = time.perf_counter() - started
    self_usage = resource.getrusage(resource.RUSAGE_SELF)
    child_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    data = {
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
        # ru_maxrss is in KiB on Linux: the largest single process (this one, or any waited-for
        # worker: Sphinx's forked readers/writers and the PDF pool's processes).
        "maxrss_self_kib": self_usage.ru_maxrss,
        "maxrss_children_kib": child_usage.ru_maxrss,
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


class TreeMemory(threading.Thread):
    """Samples the summed PSS (proportional set size) of a process and all its descendants.

    PSS shares pages between the forked workers fairly, so the sum is the real memory the build
    occupies; summing RSS would count the pages they share once per worker.
    """

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kib = 0
        self.peak_processes = 0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            pids = self.tree()
            total = sum(self.pss(p) for p in pids)
            if total > self.peak_kib:
                self.peak_kib = total
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
        found, frontier = [self.pid], [self.pid]
        while frontier:
            frontier = [p for p, parent in parents.items() if parent in frontier]
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


def run_timed(command: list[str], log: Path, *, memory: bool = False) -> dict[str, Any]:
    """Run a command to completion; wall time, exit code and (optionally) peak tree memory."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        out.write(f"$ {' '.join(command)}\n".encode())
        out.flush()
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, cwd=REPO)
        sampler = TreeMemory(process.pid) if memory else None
        if sampler:
            sampler.start()
        code = process.wait()
        wall = time.perf_counter() - started
        if sampler:
            sampler.stop()
    result: dict[str, Any] = {"wall": wall, "returncode": code}
    if sampler:
        result["peak_tree_pss_kib"] = sampler.peak_kib
        result["peak_processes"] = sampler.peak_processes
    return result


def modified_since(folder: Path, since: float, suffixes: tuple[str, ...]) -> int:
    return sum(
        1
        for path in folder.rglob("*")
        if path.suffix in suffixes and path.is_file() and path.stat().st_mtime > since
    )


class Bench:
    def __init__(self, jail: list[str], log: Path) -> None:
        self.jail = jail
        self.log = log

    def our_build(self, root: Path, out: Path, label: str) -> dict[str, Any]:
        result_file = out.parent / f"{out.name}-{label}.json"
        command = [*self.jail, sys.executable, str(HERE / "run.py"), "--child-build", str(root), str(out), str(result_file)]
        since = time.time()
        run = run_timed(command, self.log, memory=True)
        if not result_file.exists():
            raise SystemExit(f"build {label} of {root} produced no result; see {self.log}")
        data = json.loads(result_file.read_text("utf-8"))
        data.update(run)
        data["sphinx"] = sum(data["timings"].get(k, 0.0) for k in ("html", "facilitator", "safeharbor-print"))
        data["rendered"] = sorted(p["output"] for p in data["pdfs"] if p["rendered"])
        data["site_pages_written"] = modified_since(out / "site", since, (".html",))
        data["print_fragments_written"] = modified_since(out / "print", since, (".json",))
        if data["returncode"] != 0 or data["errors"]:
            raise SystemExit(f"build {label} of {root} failed: {data['errors'][:5]}; see {self.log}")
        return data

    def plain_sphinx(self, root: Path, out: Path, jobs: str | None) -> dict[str, Any]:
        if out.exists():
            shutil.rmtree(out)
        command = [
            *self.jail, str(VENV_BIN / "sphinx-build"), "-q", "-b", "html", "-c", str(root / "conf"),
            "-D", "safe_harbor_view_switch=0",
        ]
        if jobs:
            command += ["-j", jobs]
        command += [str(root), str(out)]
        run = run_timed(command, self.log)
        if run["returncode"] != 0:
            raise SystemExit(f"plain sphinx-build failed; see {self.log}")
        return run

    def plain_weasyprint(self, root: Path, print_dir: Path, folder: Path) -> dict[str, Any]:
        sys.path.insert(0, str(REPO / "src"))
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
        total, per_kind, slowest = 0.0, {}, ("", 0.0)
        for number, job in enumerate(jobs):
            if _REMOTE.search(job.html):
                raise SystemExit(f"{job.output}: the print HTML references a remote resource; refusing to run")
            source = folder / f"{number:04d}.html"
            source.write_text(job.html, "utf-8")
            command = [*self.jail, str(VENV_BIN / "weasyprint"), "-q", "-u", base, str(source), str(source.with_suffix(".pdf"))]
            run = run_timed(command, self.log)
            if run["returncode"] != 0:
                raise SystemExit(f"plain weasyprint failed on {job.output}; see {self.log}")
            total += run["wall"]
            per_kind[job.kind] = per_kind.get(job.kind, 0.0) + run["wall"]
            if run["wall"] > slowest[1]:
                slowest = (job.output, run["wall"])
        return {"documents": len(jobs), "total": total, "per_kind": per_kind, "slowest": list(slowest)}

    def startup(self) -> dict[str, float]:
        """Fixed cost of starting each tool (interpreter + imports), measured once."""
        code = "import weasyprint, sphinx.application, safe_harbor.pipeline"
        probes = {
            "weasyprint_cli_version": [str(VENV_BIN / "weasyprint"), "--version"],
            "sphinx_build_version": [str(VENV_BIN / "sphinx-build"), "--version"],
            "python_imports": [sys.executable, "-c", code],
        }
        return {name: min(run_timed([*self.jail, *cmd], self.log)["wall"] for _ in range(3)) for name, cmd in probes.items()}


# --- one size ---------------------------------------------------------------------------------


def edit_handout(path: Path) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            "\n## One more thing\n\nThis paragraph was added by benchmarks/run.py to measure an "
            "incremental rebuild after editing one handout.\n"
        )


def measure_size(bench: Bench, size: int, say: Any) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
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
    say(f"  [{size}] no-change rebuild (ours)")
    result["noop"] = bench.our_build(root, ours, "noop")
    say(f"  [{size}] plain weasyprint CLI, serial, over {len(clean['pdfs'])} documents")
    result["plain_weasyprint"] = bench.plain_weasyprint(root, ours / "print", folder / "plain-weasyprint")

    middle = generated.modules[len(generated.modules) // 2]
    handout = middle.handouts[0]
    say(f"  [{size}] edit handouts/{handout}.md, rebuild (ours)")
    time.sleep(1.1)  # a new mtime second, so the edit is newer than every output
    edit_handout(root / "handouts" / f"{handout}.md")
    edit = bench.our_build(root, ours, "edit")
    track = generated.track_id
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

    say(f"  [{size}] plain sphinx-build -b html (serial)")
    result["plain_sphinx_j1"] = bench.plain_sphinx(root, folder / "plain-html-j1", None)
    say(f"  [{size}] plain sphinx-build -b html -j auto")
    result["plain_sphinx_jauto"] = bench.plain_sphinx(root, folder / "plain-html-jauto", "auto")

    timings = clean["timings"]
    result["figures"] = {
        "ours_sphinx": clean["sphinx"],
        "ours_html": timings.get("html", 0.0),
        "ours_facilitator": timings.get("facilitator", 0.0),
        "ours_print": timings.get("safeharbor-print", 0.0),
        "plain_sphinx_j1": result["plain_sphinx_j1"]["wall"],
        "plain_sphinx_jauto": result["plain_sphinx_jauto"]["wall"],
        "sphinx_vs_plain_j1": clean["sphinx"] / result["plain_sphinx_j1"]["wall"],
        "sphinx_vs_plain_jauto": clean["sphinx"] / result["plain_sphinx_jauto"]["wall"],
        "ours_pdf": timings.get("pdf", 0.0),
        "pdfs": len(clean["pdfs"]),
        "pages": sum(p["pages"] for p in clean["pdfs"]),
        "plain_weasyprint": result["plain_weasyprint"]["total"],
        "pdf_vs_plain_cli": timings.get("pdf", 0.0) / result["plain_weasyprint"]["total"],
        "clean_wall": clean["wall"],
        "noop_wall": result["noop"]["wall"],
        "noop_vs_clean": result["noop"]["wall"] / clean["wall"],
        "noop_rendered": len(result["noop"]["rendered"]),
        "edit_wall": edit["wall"],
        "edit_pdf": edit["timings"].get("pdf", 0.0),
        "edit_rendered": len(edit["rendered"]),
        "edit_rendered_as_expected": edit["rendered"] == expected,
        "per_module": clean["wall"] / size,
        "peak_rss_mib": max(clean["maxrss_self_kib"], clean["maxrss_children_kib"]) / 1024,
        "peak_tree_pss_mib": clean["peak_tree_pss_kib"] / 1024,
    }
    return result


# --- report -------------------------------------------------------------------------------------


def verdict(value: float, target: float) -> str:
    return "PASS" if value <= target else "MISS"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("| " + " | ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))) + " |")
        if index == 0:
            lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def report(results: dict[str, Any]) -> str:
    sizes = sorted(results["sizes"].values(), key=lambda r: r["modules"])
    f = [s["figures"] for s in sizes]
    head = ["Measurement"] + [f"N={s['modules']}" for s in sizes]

    def row(label: str, key: str, fmt: str = "{:.2f}") -> list[str]:
        return [label] + [fmt.format(x[key]) for x in f]

    rows = [
        head,
        ["Source pages (modules + handouts + index)"] + [str(s["source_pages"]) for s in sizes],
        row("Ours: html (s)", "ours_html"),
        row("Ours: facilitator (s)", "ours_facilitator"),
        row("Ours: safeharbor-print (s)", "ours_print"),
        row("Ours: Sphinx phase total (s)", "ours_sphinx"),
        row("Plain sphinx-build -b html, serial (s)", "plain_sphinx_j1"),
        row("Plain sphinx-build -b html, -j auto (s)", "plain_sphinx_jauto"),
        row("Ratio ours / plain serial (target <= 1.5)", "sphinx_vs_plain_j1"),
        row("Ratio ours / plain -j auto (target <= 1.5)", "sphinx_vs_plain_jauto"),
        row("PDFs (documents)", "pdfs", "{:d}"),
        row("PDF pages", "pages", "{:d}"),
        row("Ours: PDF stage, clean (s)", "ours_pdf"),
        row("Plain weasyprint CLI, serial sum (s)", "plain_weasyprint"),
        row("Ratio ours / plain CLI (target <= 0.6)", "pdf_vs_plain_cli"),
        row("Ours: clean build, wall (s)", "clean_wall"),
        row("Ours: no-change rebuild, wall (s)", "noop_wall"),
        row("Ratio no-change / clean (target <= 0.1)", "noop_vs_clean"),
        row("PDFs rendered by no-change rebuild", "noop_rendered", "{:d}"),
        row("Edit one handout: rebuild wall (s)", "edit_wall"),
        row("Edit one handout: PDF stage (s)", "edit_pdf"),
        row("Edit one handout: PDFs rendered (expect 4)", "edit_rendered", "{:d}"),
        row("Clean build per module (s)", "per_module"),
        row("Peak RSS, largest single process (MiB)", "peak_rss_mib", "{:.0f}"),
        row("Peak PSS, build + workers summed (MiB)", "peak_tree_pss_mib", "{:.0f}"),
    ]
    lines = [table(rows), ""]

    checks: list[list[str]] = [["Target", "Size", "Measured", "Target", "Result"]]
    for s in sizes:
        x = s["figures"]
        n = str(s["modules"])
        checks.append(["Sphinx phase vs plain serial", n, f"{x['sphinx_vs_plain_j1']:.2f}x", "<= 1.50x", verdict(x["sphinx_vs_plain_j1"], 1.5)])
        checks.append(["Sphinx phase vs plain -j auto", n, f"{x['sphinx_vs_plain_jauto']:.2f}x", "<= 1.50x", verdict(x["sphinx_vs_plain_jauto"], 1.5)])
        checks.append(["PDF stage vs plain CLI", n, f"{x['pdf_vs_plain_cli']:.2f}x", "<= 0.60x", verdict(x["pdf_vs_plain_cli"], 0.6)])
        checks.append(["No-change rebuild vs clean", n, f"{x['noop_vs_clean']:.2f}x", "<= 0.10x", verdict(x["noop_vs_clean"], 0.1)])
        checks.append([
            "Edit one handout: PDFs re-rendered", n, str(x["edit_rendered"]), "4 (exact set)",
            "PASS" if x["edit_rendered_as_expected"] else "MISS",
        ])
    scaling = results.get("scaling")
    if scaling:
        checks.append([
            f"Per module at N={scaling['largest']} vs N=20", str(scaling["largest"]),
            f"{scaling['ratio']:.2f}x", "<= 1.20x", verdict(scaling["ratio"], 1.2),
        ])
    lines += [table(checks), ""]
    for s in sizes:
        edit = s["edit"]
        if not s["figures"]["edit_rendered_as_expected"]:
            extra = sorted(set(edit["rendered"]) - set(edit["expected_rendered"]))
            missing = sorted(set(edit["expected_rendered"]) - set(edit["rendered"]))
            lines.append(
                f"N={s['modules']}: editing {edit['edited']} re-rendered {len(edit['rendered'])} PDFs; "
                f"unexpected: {extra[:6]}{' ...' if len(extra) > 6 else ''}; missing: {missing}"
            )
        lines.append(
            f"N={s['modules']}: pages written by the no-change rebuild: {s['noop']['site_pages_written']} site HTML, "
            f"{s['noop']['print_fragments_written']} print fragments; by the one-handout edit: "
            f"{edit['site_pages_written']} site HTML, {edit['print_fragments_written']} print fragments"
        )
    return "\n".join(lines)


def machine(bench: Bench) -> dict[str, Any]:
    from importlib.metadata import version

    info: dict[str, Any] = {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpu": next(
            (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
            platform.processor(),
        ),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "network_isolation": " ".join(bench.jail) if bench.jail else "none (unshare unavailable)",
    }
    for package in ("sphinx", "weasyprint", "myst-parser", "sphinx-design", "furo", "docutils", "pydyf", "fonttools"):
        try:
            info[package] = version(package)
        except Exception:  # noqa: BLE001
            info[package] = "?"
    import ctypes.util

    info["harfbuzz_subset"] = ctypes.util.find_library("harfbuzz-subset") or "missing"
    return info


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child-build"]:
        return child_build(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    parser = argparse.ArgumentParser(description="Benchmark the Safe Harbor build against plain Sphinx and WeasyPrint.")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 20, 50], metavar="N", help="module counts (default: 10 20 50)")
    parser.add_argument("--quick", action="store_true", help="smoke run: sizes 10 and 20 only")
    args = parser.parse_args(argv)
    sizes = [10, 20] if args.quick else sorted(set(args.sizes) | {20})
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "run.log"
    log.write_text("", "utf-8")
    bench = Bench(network_jail(), log)

    def say(message: str) -> None:
        print(message, flush=True)

    results: dict[str, Any] = {"command": " ".join([".venv/bin/python", "benchmarks/run.py", *argv]), "sizes": {}}
    results["machine"] = machine(bench)
    say(f"machine: {results['machine']['nproc']} cores, Python {results['machine']['python']}, "
        f"Sphinx {results['machine']['sphinx']}, WeasyPrint {results['machine']['weasyprint']}; "
        f"network isolation: {results['machine']['network_isolation']}")
    results["startup"] = bench.startup()
    say("startup costs: " + ", ".join(f"{k} {v:.2f} s" for k, v in results["startup"].items()))
    started = time.perf_counter()
    for size in sizes:
        say(f"size {size}:")
        size_started = time.perf_counter()
        results["sizes"][str(size)] = measure_size(bench, size, say)
        results["sizes"][str(size)]["benchmark_seconds"] = time.perf_counter() - size_started
        largest = max(int(s) for s in results["sizes"])
        if "20" in results["sizes"] and largest != 20:
            per20 = results["sizes"]["20"]["figures"]["per_module"]
            per = results["sizes"][str(largest)]["figures"]["per_module"]
            results["scaling"] = {"largest": largest, "per_module_20": per20, "per_module_largest": per, "ratio": per / per20}
        (WORK / "results.json").write_text(json.dumps(results, indent=1), "utf-8")
    results["benchmark_seconds"] = time.perf_counter() - started
    text = report(results)
    results["table"] = text
    (WORK / "results.json").write_text(json.dumps(results, indent=1), "utf-8")
    say("")
    say(text)
    say(f"\nresults: {WORK / 'results.json'}; log: {log}; total {results['benchmark_seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
