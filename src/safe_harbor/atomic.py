"""Atomic file writes: a temporary file next to the target, renamed into place.

Every output (pages, print fragments, PDFs, the build's state files) is written this way, so an
interrupted build leaves the previous file whole and never a truncated one.  Temporary files are
named ``.<name>.tmp-<pid>``, hidden and unique per process, so parallel writers never collide and
a later build can recognise what a killed one left behind.
"""

from __future__ import annotations

import os
from pathlib import Path


def temp_path(path: Path) -> Path:
    """Where a process writes *path* before renaming it into place."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_path(path)
    try:
        tmp.write_text(text, "utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
