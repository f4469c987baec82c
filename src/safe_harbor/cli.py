"""The ``safe-harbor`` command: thin; the work is in :mod:`safe_harbor.pipeline`."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .i18n import _


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
    build.add_argument(
        "--keep-going", action="store_true", help=_("render the PDFs even when the sources have errors")
    )
    check = commands.add_parser(
        "check",
        help=_("check the sources in seconds (every check of build, without writing outputs)"),
        description=_("Check the curriculum: structure, content rules, accessibility, language, safety."),
    )
    check.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help=_("report only on these files or folders (default: all)"),
    )
    check.add_argument(
        "--root", type=Path, help=_("curriculum folder (default: found from PATH or the current folder)")
    )
    check.add_argument(
        "--format", choices=("text", "github"), default="text", help=_("github: GitHub Actions annotations")
    )
    check.add_argument(
        "--fix", action="store_true", help=_("replace terms to avoid where the replacement is safe")
    )
    check.add_argument("--strict", action="store_true", help=_("treat warnings as errors"))
    check.add_argument(
        "-j", "--jobs", type=int, default=1, metavar="N", help=_("worker processes for reading (default: 1)")
    )
    new = commands.add_parser(
        "new",
        help=_("create a module or handout from a template that passes check"),
        description=_("Create a module or handout with every section present and explained."),
    )
    new.add_argument("kind", choices=("module", "handout"), help=_("what to create"))
    new.add_argument("title", help=_('the title, in quotes: "Working with peers"'))
    new.add_argument("--root", type=Path, default=Path("."), help=_("curriculum folder (default: .)"))
    new.add_argument("--id", dest="slug", help=_("file or folder name (default: made from the title)"))
    serve = commands.add_parser(
        "serve",
        help=_("preview the sites locally; rebuild and reload the browser on every change"),
        description=_("Serve the sites on a local address, rebuilt on every change; PDFs on request."),
    )
    serve.add_argument("root", nargs="?", default=".", type=Path, help=_("curriculum folder (default: .)"))
    serve.add_argument("-o", "--out", type=Path, help=_("output folder (default: ROOT/_build)"))
    serve.add_argument("--host", default="127.0.0.1", help=_("address to listen on (default: 127.0.0.1)"))
    serve.add_argument("--port", type=int, default=8000, help=_("port (default: 8000; 0: any free port)"))
    serve.add_argument(
        "--no-facilitator", action="store_true", help=_("rebuild only the participant site on change")
    )
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
    if args.command == "check":
        return _check(args)
    if args.command == "new":
        return _new(args)
    if args.command == "serve":
        return _serve(args)
    if args.command != "build":
        _parser().print_help()
        return 2
    from .pipeline import BuildOptions, build

    root = args.root.resolve()
    if args.out is not None and args.out.exists() and not args.out.is_dir():
        print(f"{args.out}: SH105 -o must be a folder, and this is a file", file=sys.stderr)
        return 2
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
        keep_going=args.keep_going,
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
        site = options.build_dir / "site"
        verdict = "build failed" if failed else "build succeeded"
        if (site / "index.html").exists() and report.wrote_outputs:
            print(f"{verdict}: {counts}; outputs in {site} (open index.html)")
        else:
            print(f"{verdict}: {counts}")
    return 1 if failed else 0


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above *start* with a ``conf/`` folder."""
    start = start.resolve()
    for folder in [start if start.is_dir() else start.parent, *start.parents]:
        if (folder / "conf" / "conf.py").is_file():
            return folder
    return None


def _curriculum_root(start: Path) -> Path | None:
    """The curriculum folder at or above *start*, or ``None`` after saying there is none."""
    root = find_root(start)
    if root is None:
        print(
            _("safe-harbor: SH105 no conf/conf.py here or above; run from the curriculum folder"),
            file=sys.stderr,
        )
    return root


def _serve(args: argparse.Namespace) -> int:
    from .pipeline import BuildOptions
    from .serve import serve

    root = _curriculum_root(args.root)
    if root is None:
        return 2
    options = BuildOptions(root=root, out=args.out.resolve() if args.out else None, jobs=1)
    with contextlib.suppress(KeyboardInterrupt):
        serve(options, args.host, args.port, facilitator=not args.no_facilitator)
    return 0


def _new(args: argparse.Namespace) -> int:
    from .diagnostics import DiagnosticError
    from .scaffold import new_source

    root = _curriculum_root(args.root)
    if root is None:
        return 2
    try:
        path = new_source(root, args.kind, args.title, args.slug)
    except DiagnosticError as exc:
        for diagnostic in exc.diagnostics:
            print(diagnostic.format(root), file=sys.stderr)
        return 1
    relative = path.relative_to(root)
    print(_("created {path}").format(path=relative))
    if args.kind == "module":
        print(
            _("next: write the activities, then add '{id}' to a track in conf/curriculum.yaml").format(
                id=path.parent.name
            )
        )
    else:
        print(_("next: write the text, then list '{id}' in a module's 'handouts:'").format(id=path.stem))
    print(_("check it with: safe-harbor check {path}").format(path=relative))
    return 0


def _check(args: argparse.Namespace) -> int:
    from .check.command import describe_fix, run_check

    root = find_root(args.root or (args.paths[0] if args.paths else Path.cwd()))
    if root is None:
        print(
            _("safe-harbor: SH105 no conf/conf.py here or above; run from the curriculum folder"),
            file=sys.stderr,
        )
        return 2
    missing = [p for p in args.paths if not p.exists()]
    if missing:
        print(_("safe-harbor: SH105 no such file or folder: {path}").format(path=missing[0]), file=sys.stderr)
        return 2
    try:
        result = run_check(root, args.paths, fix=args.fix, jobs=max(args.jobs, 1))
    except KeyboardInterrupt:
        return 130
    for fixed in result.fixed:
        print(describe_fix(fixed, root))
    github = args.format == "github"
    for diagnostic in result.diagnostics:
        print(diagnostic.format_github(root) if github else diagnostic.format(root))
    failed = bool(result.errors or (args.strict and result.warnings))
    summary = _("check {verdict}: {errors} error(s), {warnings} warning(s)").format(
        verdict=_("failed") if failed else _("passed"),
        errors=len(result.errors),
        warnings=len(result.warnings),
    )
    if result.fixed:
        summary += _("; {count} replacement(s) made").format(count=len(result.fixed))
    print(summary, file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
