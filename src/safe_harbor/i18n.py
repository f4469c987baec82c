"""Translatable messages for the layers that do not import Sphinx.

Messages are marked with ``_()`` (the standard ``gettext`` convention Sphinx uses too), so a
Spanish edition can add a catalog under ``safe_harbor/locale/<lang>/LC_MESSAGES/safe_harbor.mo``
without code changes.  Without a catalog the English text is used as is.
"""

from __future__ import annotations

import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_catalog = gettext.translation("safe_harbor", localedir=LOCALE_DIR, fallback=True)


def _(message: str) -> str:
    return _catalog.gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return _catalog.ngettext(singular, plural, count)
