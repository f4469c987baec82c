"""Accessibility fixes to the theme's markup, applied to every page as it is written.

Furo (pinned) renders a few things that break WCAG checks; each fix here is a small, exact edit
of its markup, and the browser suite (axe-core, the Nu checker) fails if the markup changes and
a fix stops applying:

- the navigation's captions are ``<p role="heading">`` without the ``aria-level`` a heading
  role needs: level 2;
- the two sidebars are both ``<aside>`` landmarks without a name: named after what they hold;
- the current page's link in the navigation gets ``aria-current="page"``.
"""

from __future__ import annotations

import html
import re

from sphinx.locale import get_translation

_ = get_translation("safe_harbor")

_CAPTION = re.compile(r'<p class="caption" role="heading">')
_CURRENT = re.compile(r'(<li class="[^"]*\bcurrent-page\b[^"]*"><a )(?![^>]*aria-current)')


def fix_page(text: str) -> str:
    text = _CAPTION.sub('<p class="caption" role="heading" aria-level="2">', text)
    text = text.replace(
        '<aside class="sidebar-drawer">',
        f'<aside class="sidebar-drawer" aria-label="{html.escape(_("Site navigation"))}">',
        1,
    )
    text = re.sub(
        r'<aside class="toc-drawer( no-toc)?">',
        lambda m: (
            f'<aside class="toc-drawer{m.group(1) or ""}" aria-label="{html.escape(_("On this page"))}">'
        ),
        text,
        count=1,
    )
    return _CURRENT.sub(r'\1aria-current="page" ', text)
