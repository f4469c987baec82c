"""Safe Harbor: a curriculum builder on Sphinx, MyST and WeasyPrint."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
# The package's own assets: site CSS, print CSS, fonts.
STATIC = Path(__file__).resolve().parent / "static"

if TYPE_CHECKING:
    from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict[str, Any]:
    """Sphinx entry point (``extensions = ["safe_harbor"]``); the wiring is imported lazily."""
    from .sphinx_ext import setup_extension

    return setup_extension(app)
