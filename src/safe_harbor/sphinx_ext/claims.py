"""The ``claim`` role: a factual claim in a page, recorded in the claim register.

``{claim}`text <source-id; 2026-12-01>``` renders *text* (MyST inline markup allowed) and records
the claim, the sources it cites from the page's own ``sources:`` and the date it was last
checked. A claim that cites an unknown source or has no valid date is an error at its line.
See :mod:`safe_harbor.register` for the data and the rules.
"""

from __future__ import annotations

import datetime as dt

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxRole

from ..diagnostics import Code
from ..register import parse_claim, recheck_due
from .config_bridge import curriculum_config
from .directives import warn
from .domain import get_domain


class ClaimRole(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        domain = get_domain(self.env)
        docname = self.env.docname
        page = domain.modules_by_doc.get(docname) or domain.handouts_by_doc.get(docname)
        claim, problems = parse_claim(self.text, page.references if page is not None else [])
        for problem in problems:
            warn(Code.CLAIM_INVALID, problem, (docname, self.lineno))
        text = claim.text if claim is not None else self.text.split("<", 1)[0].strip()
        node = nodes.inline(classes=["sh-claim"])
        self.set_source_info(node)
        children, messages = self.inliner.parse(text, self.lineno, self.inliner, node)  # type: ignore[attr-defined]
        node += children
        if claim is not None:  # the register keeps the text as read, without its markup
            claim.text, claim.line, claim.docname = node.astext(), self.lineno, docname
            domain.claims.setdefault(docname, []).append(claim)
        return [node], messages


def list_recheck_due(app: Sphinx, env: BuildEnvironment) -> None:
    """``safe-harbor check`` (config ``safe_harbor_list_recheck``): every claim last checked
    longer ago than ``facts.recheck_after_months``, at its line, as ``SH211``."""
    if not app.config.safe_harbor_list_recheck:
        return
    config = curriculum_config(env)
    months = config.facts.recheck_after_months
    claims = [claim for page in get_domain(env).claims.values() for claim in page]
    for claim in recheck_due(claims, dt.date.fromisoformat(config.build_date), months):
        warn(
            Code.RECHECK_DUE,
            f"re-check due: {claim.text!r} was last checked {claim.as_of} (over {months} months ago); "
            "check it against its sources and update the date",
            (claim.docname, claim.line),
        )
