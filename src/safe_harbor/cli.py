"""The ``safe-harbor`` command: thin; the work is in :mod:`safe_harbor.pipeline`."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="safe-harbor", description="Build the Safe Harbor curriculum.")
    parser.add_argument("--version", action="version", version=f"safe-harbor {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    build = commands.add_parser(
        "build", help="build the participant site, the facilitator view and every PDF into _build/"
    )
    build.add_argument("root", nargs="?", default=".", type=Path, help="curriculum folder (default: .)")
    build.add_argument("-o", "--out", type=Path, help="output folder (default: ROOT/_build)")
    build.add_argument("--paper", choices=("letter", "a4"), help="paper size (default: from conf/)")
    build.add_argument("--bleed", help="bleed for print shops, e.g. 3mm (default: from conf/)")
    build.add_argument("--crop-marks", action="store_true", default=None, help="add crop marks")
    build.add_argument(
        "--discreet",
        action="store_true",
        default=None,
        help="also build participant PDFs with the neutral title of print.discreet_title (in downloads/discreet/)",
    )
    build.add_argument(
        "-j", "--jobs", type=int, default=0, metavar="N", help="worker processes (default: all cores)"
    )
    build.add_argument("--strict", action="store_true", help="treat warnings as errors")
    build.add_argument("--only", choices=("site", "pdf"), help="build only the sites or only the PDFs")
    build.add_argument("-q", "--quiet", action="store_true", help="print problems only")
    from .certificates import add_parser as add_certificates

    add_certificates(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # accessible-pygments (imported by the Furo theme) calls logging.basicConfig(level=INFO) at
    # import time, which would print every WeasyPrint progress step.  A handler on the root
    # logger makes basicConfig a no-op; our own output goes through print().
    logging.getLogger().addHandler(logging.NullHandler())
    args = _parser().parse_args(argv)
    if args.command == "certificates":
        from .certificates import run as certificates

        return certificates(args)
    if args.command != "build":
        _parser().print_help()
        return 2
    from .pipeline import BuildOptions, build

    root = args.root.resolve()
    if not (root / "conf").is_dir():
        print(f"{args.root}: SH105 no conf/ folder here; run from the curriculum folder", file=sys.stderr)
        return 2
    if args.jobs < 0:
        print("safe-harbor: SH101 --jobs must be 1 or more", file=sys.stderr)
        return 2
    options = BuildOptions(
        root=root,
        out=args.out.resolve() if args.out else None,
        paper=args.paper,
        jobs=args.jobs,
        strict=args.strict,
        only=args.only,
        bleed=args.bleed,
        crop_marks=args.crop_marks,
        discreet=args.discreet,
    )

    def say(message: str) -> None:
        if not args.quiet:
            print(message, flush=True)

    try:
        report = build(options, say)
    except KeyboardInterrupt:
        print(
            "safe-harbor: interrupted; finished outputs are kept, unfinished ones were not written",
            file=sys.stderr,
        )
        return 130
    for note in report.notes:
        print(note, file=sys.stderr)
    for diagnostic in report.diagnostics:
        print(diagnostic.format(root), file=sys.stderr)
    failed = report.failed(args.strict)
    if not args.quiet:
        counts = f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        where = options.build_dir
        verdict = "build failed" if failed else "build succeeded"
        print(f"{verdict}: {counts}; outputs in {where}/site (open index.html)")
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
