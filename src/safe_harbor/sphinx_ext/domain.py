"""Cross-page state: every module, handout and facilitator note, keyed by the document that
declared it.

Like Sphinx's own ``todo`` extension, the data lives in a Domain so that ``clear_doc`` forgets a
document before it is re-read and ``merge_domaindata`` copies back only the documents a parallel
worker read.  Aggregate pages (agendas, checklists, indexes) read from here at write time.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from dataclasses import dataclass
from typing import Any, ClassVar

from sphinx.domains import Domain
from sphinx.environment import BuildEnvironment

from ..model import Handout, Module
from ..register import Claim


@dataclass
class NoteRecord:
    """A facilitator-only block, for the facilitator notes index."""

    kind: str
    anchor: str
    context: str  # the activity or section it belongs to
    excerpt: str


@dataclass
class BlockRecord:
    """The items of an objectives or key-points block on a page."""

    kind: str
    items: list[str]


class CurriculumDomain(Domain):
    name = "curriculum"
    label = "Curriculum"
    initial_data: ClassVar[dict[str, Any]] = {  # type: ignore[misc]
        "modules": {},  # docname -> Module
        "handouts": {},  # docname -> Handout
        "notes": {},  # docname -> list[NoteRecord]
        "blocks": {},  # docname -> list[BlockRecord]
        "aggregates": {},  # docname -> set of aggregate kinds on that page
        "claims": {},  # docname -> list[Claim], in page order
    }
    data_version = 2

    # --- typed accessors -----------------------------------------------------------------------
    @property
    def modules_by_doc(self) -> dict[str, Module]:
        return self.data["modules"]  # type: ignore[no-any-return]

    @property
    def handouts_by_doc(self) -> dict[str, Handout]:
        return self.data["handouts"]  # type: ignore[no-any-return]

    @property
    def notes(self) -> dict[str, list[NoteRecord]]:
        return self.data["notes"]  # type: ignore[no-any-return]

    @property
    def blocks(self) -> dict[str, list[BlockRecord]]:
        return self.data["blocks"]  # type: ignore[no-any-return]

    @property
    def claims(self) -> dict[str, list[Claim]]:
        return self.data["claims"]  # type: ignore[no-any-return]

    @property
    def aggregate_docs(self) -> dict[str, set[str]]:
        return self.data["aggregates"]  # type: ignore[no-any-return]

    def modules(self) -> dict[str, Module]:
        """Modules by id, in id order (folder names start with their number)."""
        found = {m.id: m for m in self.modules_by_doc.values()}
        return dict(sorted(found.items()))

    def module_doc(self, module_id: str) -> str | None:
        return next((d for d, m in self.modules_by_doc.items() if m.id == module_id), None)

    def handouts(self) -> dict[str, Handout]:
        return {h.id: h for h in sorted(self.handouts_by_doc.values(), key=lambda h: h.id)}

    def handout_doc(self, handout_id: str) -> str | None:
        return next((d for d, h in self.handouts_by_doc.items() if h.id == handout_id), None)

    def modules_using(self, handout_id: str) -> list[str]:
        return [m.id for m in self.modules().values() if handout_id in m.handouts]

    def add_note(self, docname: str, record: NoteRecord) -> None:
        self.notes.setdefault(docname, []).append(record)

    def add_block(self, docname: str, record: BlockRecord) -> None:
        self.blocks.setdefault(docname, []).append(record)

    # --- Sphinx protocol -----------------------------------------------------------------------
    def clear_doc(self, docname: str) -> None:
        for key in _PER_DOC:
            self.data[key].pop(docname, None)

    def merge_domaindata(self, docnames: Set[str], otherdata: dict[str, Any]) -> None:
        for key in _PER_DOC:
            for docname, value in otherdata[key].items():
                if docname in docnames:
                    self.data[key][docname] = value

    def resolve_any_xref(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []

    def get_objects(self) -> Iterable[tuple[str, str, str, str, str, int]]:
        for docname, handout in self.handouts_by_doc.items():
            yield handout.id, handout.title, "handout", docname, "", -1
        for docname, module in self.modules_by_doc.items():
            yield module.id, module.title, "module", docname, "", -1


_PER_DOC = ("modules", "handouts", "notes", "blocks", "aggregates", "claims")


def get_domain(env: BuildEnvironment) -> CurriculumDomain:
    domain = env.domains["curriculum"]
    assert isinstance(domain, CurriculumDomain)
    return domain
