"""Skip the Sphinx stage when nothing it could read has changed.

Even with nothing to do, each Sphinx run loads its environment, copies theme files and rewrites
the search index and index pages: about a second per builder.  Before running a builder, the
pipeline fingerprints every input (each file's path, size and modification time under the
curriculum folder; the versions of Sphinx, MyST, the theme and this package, and this package's
own files) and compares it with the fingerprint stored after that builder's last clean run.
If they match and the output is there, the builder is skipped and the problems it reported
last time are reported again, so ``--strict`` gives the same answer on a warm build.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from importlib import metadata
from pathlib import Path

from .atomic import write_text_atomic
from .diagnostics import Diagnostic, Severity

DISTRIBUTIONS = ("sphinx", "docutils", "myst-parser", "sphinx-design", "furo", "safe-harbor")
PRUNED = {"_build", "node_modules", "__pycache__"}
PACKAGE = Path(__file__).resolve().parent


def inputs_fingerprint(root: Path, build_dir: Path) -> str:
    digest = hashlib.sha256()
    for name in DISTRIBUTIONS:
        try:
            digest.update(f"{name}={metadata.version(name)}\n".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{name}=none\n".encode())
    digest.update(f"SOURCE_DATE_EPOCH={os.environ.get('SOURCE_DATE_EPOCH', '')}\n".encode())
    _add_tree(digest, PACKAGE, PACKAGE, set())
    _add_tree(digest, root, root, {build_dir.resolve()})
    return digest.hexdigest()


def _add_tree(digest: hashlib._Hash, top: Path, base: Path, skip: set[Path]) -> None:
    for dirpath, dirnames, filenames in os.walk(top):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(".")
            and d not in PRUNED
            and (here / d).resolve() not in skip
            and not (here / d / "pyvenv.cfg").exists()
        )
        for name in sorted(filenames):
            path = here / name
            try:
                info = path.stat()
            except OSError:
                continue
            digest.update(f"{path.relative_to(base)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())


class SphinxState:
    """Per builder: the fingerprint of its last clean run and the problems it reported."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: dict[str, dict[str, object]] = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            self.data = {}

    def unchanged(self, builder: str, fingerprint: str) -> list[Diagnostic] | None:
        """The builder's previous diagnostics if its inputs are unchanged, else None."""
        entry = self.data.get(builder)
        if not entry or entry.get("fingerprint") != fingerprint:
            return None
        return [
            Diagnostic(
                d["code"], d["message"], d["path"], d["line"], Severity(d["severity"]), d.get("column")
            )
            for d in entry["diagnostics"]  # type: ignore[attr-defined]
        ]

    def record(self, builder: str, fingerprint: str, diagnostics: list[Diagnostic]) -> None:
        self.data[builder] = {
            "fingerprint": fingerprint,
            "diagnostics": [{**asdict(d), "severity": d.severity.value} for d in diagnostics],
        }

    def forget(self, builder: str) -> None:
        self.data.pop(builder, None)

    def forget_and_save(self, builder: str) -> None:
        self.forget(builder)
        self.save()

    def save(self) -> None:
        write_text_atomic(self.path, json.dumps(self.data, indent=1))
