"""Every file the build reads or copies resolves to a regular file inside the project.

A page may name any path: ``{include} ../../../../etc/passwd``, an image that is a symbolic link
to ``/etc/shadow`` or ``/dev/zero``, a page that is a link to a file elsewhere.  Sphinx would read
or copy each of them.  This module is the one gate they all pass through:

* :func:`check_file` is the rule: after resolving symbolic links the path is inside the project
  folder (the Sphinx source folder), outside the build folder, and a regular file;
* **references from pages** (``include``, ``literalinclude``, images, figures, downloads) are
  resolved by :meth:`BuildEnvironment.relfn2path`; :func:`install` wraps it so that a refused
  path raises :class:`OutsideProject`, which the directives report at their line.  Images and
  downloads are checked earlier, on ``doctree-read`` before Sphinx's collectors
  (:func:`check_references`), so they are reported at their line and dropped from the page;
* **pages** found by Sphinx are checked before they are read (:func:`check_pages`);
* **copies** (static files, images, downloads) go through :func:`checked_copyfile`, which refuses
  a file in the project that resolves outside it or is not a regular file, and writes the copy to
  a temporary file renamed into place, so an interrupted copy never leaves a truncated file.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import Directive, DirectiveError
from docutils.parsers.rst.directives.misc import Raw
from docutils.parsers.rst.directives.tables import CSVTable
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from ..atomic import temp_path
from ..diagnostics import Code

logger = logging.getLogger(__name__)

_ORIGINAL_RELFN2PATH = BuildEnvironment.relfn2path
# The projects of the Sphinx applications in this process (source folder -> folders to refuse).
_PROJECTS: dict[Path, tuple[Path, ...]] = {}


class OutsideProject(DirectiveError):
    """A page named a file the build may not read.  Directives report it at their line."""

    def __init__(self, message: str) -> None:
        super().__init__(3, f"{Code.OUTSIDE_PROJECT.code} {message}")

    def __str__(self) -> str:
        return str(self.msg)


def check_file(path: Path, root: Path, refused: Iterable[Path] = ()) -> str | None:
    """Why *path* may not be read, or ``None``.  *root* and *refused* must be resolved."""
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None  # missing: the caller reports it as it always has
    if not real.is_relative_to(root):
        return f"it resolves to {real}, outside the project"
    if any(real.is_relative_to(folder) for folder in refused):
        return "it is inside the build folder"
    try:
        mode = real.stat().st_mode
    except OSError:
        return None
    if not stat.S_ISREG(mode):
        return "it is not a regular file"
    return None


def _project(env: BuildEnvironment) -> tuple[Path, tuple[Path, ...]]:
    root = Path(env.srcdir).resolve()
    return root, _PROJECTS.get(root, ())


def _checked_relfn2path(
    self: BuildEnvironment, filename: str | Path, docname: str | None = None
) -> tuple[str, str]:
    rel, absolute = _ORIGINAL_RELFN2PATH(self, filename, docname)
    if "safe_harbor_curriculum" in self.config:  # only for projects that use this extension
        problem = refusal(self, Path(absolute))
        if problem is not None:
            raise OutsideProject(f"cannot use {str(filename)!r}: {problem}")
    return rel, absolute


def refusal(env: BuildEnvironment, path: Path) -> str | None:
    """Why the page being read may not use *path*, or ``None``."""
    root, refused = _project(env)
    real = path.resolve()
    if not real.is_relative_to(root):
        return f"it resolves to {real}, outside the project"
    return check_file(real, root, refused)


def install(app: Sphinx) -> None:
    """Route Sphinx's reference resolution through the check (once per process)."""
    if BuildEnvironment.relfn2path is not _checked_relfn2path:
        BuildEnvironment.relfn2path = _checked_relfn2path  # type: ignore[method-assign]
    import sphinx.builders.html as html_builders
    import sphinx.util.fileutil as fileutil

    html_builders.copyfile = checked_copyfile  # type: ignore[attr-defined]
    fileutil.copyfile = checked_copyfile  # type: ignore[attr-defined]
    app.add_directive("raw", CheckedRaw, override=True)
    app.add_directive("csv-table", CheckedCSVTable, override=True)
    app.connect("builder-inited", _register_project)
    app.connect("env-before-read-docs", check_pages)
    app.connect("doctree-read", check_references, priority=400)  # before Sphinx's collectors (500)


def _register_project(app: Sphinx) -> None:
    root = Path(app.srcdir).resolve()
    refused = {Path(app.outdir).resolve(), root / "_build"}
    build = Path(app.doctreedir).resolve().parent  # the build folder holding the doctrees
    if build != root and not root.is_relative_to(build):
        refused.add(build)
    _PROJECTS[root] = tuple(sorted(refused))


def _active_project(path: Path) -> tuple[Path, tuple[Path, ...]] | None:
    """The project whose source folder holds *path* (not resolved), if any."""
    absolute = Path(os.path.abspath(path))
    for root, refused in _PROJECTS.items():
        if absolute.is_relative_to(root):
            return root, refused
    return None


def check_pages(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Pages that resolve outside the project, are not regular files, or are not UTF-8 text are
    not read (Sphinx would stop the whole build on a byte it cannot decode)."""
    root, refused = _project(env)
    for docname in list(docnames):
        path = Path(env.doc2path(docname))
        problem = check_file(path, root, refused)
        code, line = Code.OUTSIDE_PROJECT, 1
        if problem is None:
            try:
                data = path.read_bytes()
                data.decode("utf-8")
                continue
            except OSError as exc:
                code, problem = Code.FILE_UNREADABLE, f"cannot read it: {exc.strerror}"
            except UnicodeDecodeError as exc:
                code, line = Code.FILE_UNREADABLE, data[: exc.start].count(b"\n") + 1
                problem = f"byte 0x{data[exc.start]:02x} is not UTF-8 text; save the file as UTF-8"
        logger.error(
            f"{code.code} page not read: {problem}",
            location=(docname, line),
            type="safe-harbor",
            subtype=code.code,
        )
        docnames.remove(docname)
        env.project.docnames.discard(docname)


def check_references(app: Sphinx, doctree: nodes.document) -> None:
    """Images and downloads naming a refused file are reported at their line and dropped."""
    env = app.env
    for node in list(doctree.findall(nodes.image)):
        uri = str(node.get("uri", ""))
        if not uri or "://" in uri or uri.startswith("data:") or "*" in uri:
            continue
        _drop_if_refused(env, node, uri, "image")
    for ref in list(doctree.findall(addnodes.download_reference)):
        target = str(ref.get("reftarget", ""))
        if not target or "://" in target:
            continue
        _drop_if_refused(env, ref, target, "download")


def _drop_if_refused(env: BuildEnvironment, node: nodes.Element, target: str, what: str) -> None:
    try:
        env.relfn2path(target, env.docname)
    except OutsideProject as exc:
        line = node.line
        parent: Any = node.parent
        while line is None and parent is not None:
            line = parent.line
            parent = parent.parent
        logger.error(
            f"{exc.msg} ({what} not published)",
            location=(env.docname, line),
            type="safe-harbor",
            subtype=Code.OUTSIDE_PROJECT.code,
        )
        if what == "image":
            node.parent.remove(node)
        else:
            node.replace_self(nodes.inline("", node.astext()))


def checked_copyfile(
    source: str | os.PathLike[str], dest: str | os.PathLike[str], *, force: bool = False
) -> None:
    """Sphinx's ``copyfile``, refusing what the project may not publish, and atomic."""
    source, dest = Path(source), Path(dest)
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist")
    project = _active_project(source)
    if project is not None:
        problem = check_file(source, *project)
    else:  # theme and package files: still never a device or a FIFO
        problem = None if stat.S_ISREG(source.stat().st_mode) else "it is not a regular file"
    if problem is not None:
        where = nodes.Element()
        where.source = str(source)
        logger.error(
            f"{Code.OUTSIDE_PROJECT.code} not copied: {problem}",
            location=where,
            type="safe-harbor",
            subtype=Code.OUTSIDE_PROJECT.code,
        )
        return
    if dest.exists() and (not force or _same_bytes(source, dest)):
        return
    tmp = temp_path(dest)
    try:
        shutil.copyfile(source, tmp)
        st = source.stat()
        os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)


def _same_bytes(a: Path, b: Path) -> bool:
    import filecmp

    return filecmp.cmp(a, b, shallow=False)


class _FileOptionMixin(Directive):
    """docutils' ``raw`` and ``csv-table`` read ``:file:`` themselves and fetch ``:url:``."""

    def run(self) -> list[nodes.Node]:
        if "url" in self.options:
            raise self.error(
                f"{Code.OUTSIDE_PROJECT.code} {self.name}: ':url:' is not allowed (the build never "
                "reaches the network); copy the file into the project and use ':file:'"
            )
        if "file" in self.options:
            source = self.state.document.current_source or ""
            path = Path(os.path.dirname(os.path.abspath(source)), self.options["file"])
            env = self.state.document.settings.env
            problem = refusal(env, Path(os.path.normpath(path)))
            if problem is not None:
                raise self.error(
                    f"{Code.OUTSIDE_PROJECT.code} cannot use {self.options['file']!r}: {problem}"
                )
        return super().run()  # type: ignore[no-any-return]


class CheckedRaw(_FileOptionMixin, Raw):
    pass


class CheckedCSVTable(_FileOptionMixin, CSVTable):
    pass
