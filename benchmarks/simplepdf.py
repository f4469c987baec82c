"""Our facilitator guide against sphinx-simplepdf's single PDF, from the same sources.

    .venv/bin/python benchmarks/simplepdf.py [--root .]

sphinx-simplepdf is installed into its own virtual environment (benchmarks/_work/simplepdf-venv,
created on first use with pip, together with this package so the sources' directives work);
nothing of it is a dependency of Safe Harbor.  Both sides run one after another on this machine:

1. ``sphinx-build -b simplepdf`` on a fresh output folder (its read, write and WeasyPrint run);
2. ``safe-harbor build`` on a fresh output folder, reporting the whole build and the render
   time of each facilitator guide.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work" / "simplepdf"


def ensure_venv() -> Path:
    venv = WORK / "venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "sphinx-simplepdf", "-e", str(HERE.parent)],
            check=True,
        )
    return venv


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--root", type=Path, default=HERE.parent, help="curriculum folder (default: this repo)"
    )
    args = parser.parse_args()
    root = args.root.resolve()
    venv = ensure_venv()
    out = WORK / "simplepdf-out"
    shutil.rmtree(out, ignore_errors=True)
    extensions = "myst_parser,sphinx_design,safe_harbor,sphinx_simplepdf"
    started = time.perf_counter()
    subprocess.run(
        [
            str(venv / "bin" / "sphinx-build"),
            "-q",
            "-b",
            "simplepdf",
            "-c",
            "conf",
            "-D",
            f"extensions={extensions}",
            "-D",
            "safe_harbor_view_switch=0",
            ".",
            str(out / "pdf"),
            "-d",
            str(out / "doctrees"),
        ],
        cwd=root,
        check=True,
        env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin"},
    )
    simplepdf_seconds = time.perf_counter() - started
    (simple_pdf,) = (out / "pdf").glob("*.pdf")

    ours_out = WORK / "ours-out"
    shutil.rmtree(ours_out, ignore_errors=True)
    started = time.perf_counter()
    code = (
        "import json,sys; from pathlib import Path; from safe_harbor.pipeline import BuildOptions, build; "
        f"r = build(BuildOptions(root=Path({str(root)!r}), out=Path({str(ours_out)!r}))); "
        "print(json.dumps({'timings': r.timings, 'pdfs': [[p.output, p.pages, p.seconds] for p in r.pdfs if p.rendered]}))"
    )
    result = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    ours_seconds = time.perf_counter() - started
    report = json.loads(result.stdout.strip().splitlines()[-1])
    guides = [p for p in report["pdfs"] if p[0].startswith("guides/")]
    print(
        f"sphinx-simplepdf, one PDF of the whole site: {simplepdf_seconds:6.2f} s, {pages(simple_pdf)} pages"
    )
    print(f"safe-harbor build, everything:              {ours_seconds:6.2f} s, {len(report['pdfs'])} PDFs")
    for output, count, seconds in guides:
        ratio = seconds / simplepdf_seconds
        verdict = "PASS" if seconds < simplepdf_seconds else "MISS"
        print(f"  {output}: {seconds:5.2f} s render, {count} pages, {ratio:.2f}x simplepdf [{verdict}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
