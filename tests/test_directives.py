"""Directive output compared with stored expectations (tests/expected/).

The print fragments are the plainest rendering of a page (no theme), so they are what is stored.
After an intended change, regenerate with ``SAFE_HARBOR_UPDATE_EXPECTED=1 pytest
tests/test_directives.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from conftest import Built

EXPECTED = Path(__file__).parent / "expected"
PAGES = ["modules/01-alpha/index", "modules/02-beta/index", "handouts/beta-sheet", "docs/tracks"]


@pytest.mark.parametrize("docname", PAGES)
@pytest.mark.parametrize("audience", ["facilitator", "participant"])
def test_fragment_matches_expectation(basic_build: Built, docname: str, audience: str) -> None:
    page = json.loads((basic_build.out / "print" / f"{docname}.json").read_text())
    actual = page[audience]
    stored = EXPECTED / f"{docname.replace('/', '__')}.{audience}.html"
    if os.environ.get("SAFE_HARBOR_UPDATE_EXPECTED"):
        stored.write_text(actual)
    assert actual == stored.read_text(), f"{stored.name} differs; see the module docstring to update"


def test_participant_fragments_have_no_facilitator_blocks(basic_build: Built) -> None:
    for docname in PAGES:
        page = json.loads((basic_build.out / "print" / f"{docname}.json").read_text())
        for marker in ("sh-facilitator-note", "sh-script", "sh-answer-key", "sh-plan"):
            assert marker not in page["participant"], (docname, marker)
    module = json.loads((basic_build.out / "print/modules/01-alpha/index.json").read_text())
    for marker in ("sh-facilitator-note", "sh-script", "sh-plan"):
        assert marker in module["facilitator"]
