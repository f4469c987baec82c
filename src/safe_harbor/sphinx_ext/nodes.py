"""Doctree nodes of the curriculum.

They are format-neutral: a directive records *what* something is (an activity, a facilitator-only
block, a placeholder for an aggregate table) and the writers decide how it looks.  Facilitator-only
content is its own node class so participant outputs can drop it at write time, before the HTML
writer, the search indexer or the print pipeline ever see it.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes


class facilitator_only(nodes.container):  # noqa: N801  (docutils node naming)
    """Content only facilitators see: notes, scripts, answer keys, the minute-by-minute plan."""


class curriculum_block(nodes.container):  # noqa: N801
    """A labelled block (objectives, key points, debrief, content note...)."""


class activity(nodes.container):  # noqa: N801
    """One activity; attributes ``minutes``, ``format``, ``materials`` and ``activity_id``."""


class handout_ref(nodes.inline):  # noqa: N801
    """A reference to a handout by id, resolved at write time into page and PDF links."""


class aggregate(nodes.General, nodes.Element):  # noqa: N801
    """Placeholder for a table built from every document (agenda, checklist, indexes)."""


def _visit_container(self: Any, node: nodes.Element) -> None:
    self.visit_container(node)


def _depart_container(self: Any, node: nodes.Element) -> None:
    self.depart_container(node)


def _visit_inline(self: Any, node: nodes.Element) -> None:
    self.visit_inline(node)


def _depart_inline(self: Any, node: nodes.Element) -> None:
    self.depart_inline(node)


def _skip(self: Any, node: nodes.Element) -> None:
    raise nodes.SkipNode


CONTAINER_VISITORS = (_visit_container, _depart_container)
INLINE_VISITORS = (_visit_inline, _depart_inline)
FORMATS = ("html", "latex", "text", "man", "texinfo")
