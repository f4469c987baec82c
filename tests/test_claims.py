"""The claim register: sourced, dated claims; errors for unsourced ones; the guide's re-check page."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import Built, copy_root, replace_in
from safe_harbor.diagnostics import Code
from safe_harbor.pipeline import BuildOptions, build
from safe_harbor.register import Claim, Reference, parse_claim, recheck_due
from safe_harbor.yamlsource import Source, load

REFS = [Reference("Example (2020).", id="example-2020"), Reference("Other (2024).", id="other")]


# --- the register, without Sphinx --------------------------------------------------------------


def test_parse_claim_with_two_sources() -> None:
    claim, problems = parse_claim("The law passed in *2018* <example-2020, other; 2026-12-01>", REFS)
    assert problems == []
    assert claim is not None
    assert claim.text == "The law passed in *2018*"
    assert claim.source_ids == ["example-2020", "other"]
    assert claim.as_of == "2026-12-01"
    assert claim.sources == ["Example (2020).", "Other (2024)."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No sources at all", "needs its text, then its sources"),
        ("Unknown <exampel-2020; 2026-12-01>", "unknown source 'exampel-2020'; did you mean 'example-2020'"),
        ("Bad date <example-2020; 2026-13-45>", "'as of' date must look like 2026-12-01"),
        ("No ids < ; 2026-12-01>", "at least one source id"),
        ("<example-2020; 2026-12-01>", "needs its text"),
    ],
)
def test_parse_claim_problems(text: str, expected: str) -> None:
    claim, problems = parse_claim(text, REFS)
    assert claim is None
    assert any(expected in p for p in problems), problems


def test_a_page_without_source_ids_says_how_to_add_one() -> None:
    _, problems = parse_claim("Fact <x; 2026-01-01>", [Reference("plain string source")])
    assert "give the source an 'id'" in problems[0]


def test_recheck_due_after_the_limit() -> None:
    claims = [
        Claim("old", ["a"], "2025-05-31", docname="m"),
        Claim("edge", ["a"], "2025-06-01", docname="m"),
        Claim("new", ["a"], "2026-11-01", docname="m"),
    ]
    due = recheck_due(claims, dt.date(2026, 12, 1), 18)
    assert [c.text for c in due] == ["old", "edge"]
    assert recheck_due(claims, dt.date(2026, 11, 30), 18) == []  # 17 full months


def test_references_from_front_matter() -> None:
    text = (
        "sources:\n"
        "  - 'A plain reference.'\n"
        "  - id: hhs-2025\n"
        "    text: 'HHS (2025). Press release.'\n"
        "    url: https://www.example.org/press\n"
        "    publisher: HHS\n"
        "    date: 2025-09-22\n"
        "    primary: true\n"
        "  - id: hhs-2025\n"
        "    txt: 'typo'\n"
    )
    source = Source(Path("page.md"))
    from safe_harbor.register import load_references

    refs = load_references(load(text, source), source)  # type: ignore[arg-type]
    assert refs[0] == Reference("A plain reference.", line=2)
    assert refs[1].primary and refs[1].date == "2025-09-22"
    assert refs[1].display == "HHS (2025). Press release. https://www.example.org/press"
    messages = {(d.code, d.line, d.message.split(";")[0]) for d in source.diagnostics}
    assert (Code.DUPLICATE_ID.code, 9, "source id 'hhs-2025' is used twice") in messages
    assert any(code == "SH102" and line == 10 for code, line, _ in messages)  # unknown key 'txt'
    assert any(code == "SH103" for code, _, _ in messages)  # 'text' is required


# --- in a build --------------------------------------------------------------------------------

CLAIMED = """sources:
  - 'Example, A. (2020). "A source for the dated fact." Example Press.'
  - id: law-2018
    text: 'Congress (2018). The example act.'
    url: https://www.example.org/act
    primary: true
---
"""


def claimed_root(tmp_path: Path, claim: str) -> Path:
    root = copy_root("test-basic", tmp_path)
    module = root / "modules/01-alpha/index.md"
    replace_in(
        module,
        """sources:
  - 'Example, A. (2020). "A source for the dated fact." Example Press.'
---
""",
        CLAIMED,
    )
    replace_in(module, "1. Pair people up.", f"1. Pair people up. {claim}")
    return root


@pytest.fixture(scope="module")
def claims_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("claims")
    root = claimed_root(base, "{claim}`The act became law in **2018** <law-2018; 2024-01-10>`")
    out = base / "out"
    report = build(BuildOptions(root=root, out=out, jobs=2))
    assert not report.errors, [d.format() for d in report.errors]
    return Built(root, out, report)


def test_a_claim_reads_as_its_text(claims_build: Built) -> None:
    page = (claims_build.site / "modules/01-alpha/index.html").read_text()
    assert '<span class="sh-claim">The act became law in <strong>2018</strong></span>' in page
    assert "law-2018;" not in page
    sources = page[page.index('id="sources"') :]
    assert "Congress (2018). The example act. https://www.example.org/act" in sources


def test_the_register_reaches_the_manifest(claims_build: Built) -> None:
    manifest = json.loads((claims_build.out / "print/manifest.json").read_text())
    (module,) = [m for m in manifest["modules"] if m["id"] == "01-alpha"]
    (claim,) = module["claims"]
    assert claim["as_of"] == "2024-01-10" and claim["source_ids"] == ["law-2018"]
    assert claim["line"] == 40 and claim["docname"] == "modules/01-alpha/index"


def test_the_guide_lists_facts_to_recheck(claims_build: Built) -> None:
    text = "\n".join(
        page.extract_text() or ""
        for page in PdfReader(claims_build.pdf("guides/short-facilitator-guide.pdf")).pages
    )
    section = text[text.index("These statements can change") :]
    assert "Re-check due. The act became law in 2018" in " ".join(section.split())
    assert "last checked 2024-01-10" in section
    assert "Congress (2018). The example act." in section
    contents = text[: text.index("Facts to re-check before you run this") + 60]
    assert "Contents" in contents


def test_the_build_lists_claims_due_for_a_recheck(claims_build: Built) -> None:
    (note,) = [n for n in claims_build.report.notes if "SH211" in n]
    assert note.startswith("modules/01-alpha/index.md:40: SH211 re-check due")
    assert "2024-01-10" in note


def test_a_claim_with_an_unknown_source_is_an_error(tmp_path: Path) -> None:
    root = claimed_root(tmp_path, "{claim}`Something <law-2019; 2026-01-01>`")
    report = build(BuildOptions(root=root, out=tmp_path / "out", jobs=1, only="site"))
    (error,) = [d for d in report.errors if d.code == Code.CLAIM_INVALID.code]
    assert error.line == 40 and error.path.endswith("modules/01-alpha/index.md")
    assert "unknown source 'law-2019'; did you mean 'law-2018'" in error.message


def test_participant_handouts_mark_claims_too(make_build: Callable[..., Built]) -> None:
    built = make_build()
    handout = built.root / "handouts/alpha-sheet.md"
    text = handout.read_text()
    assert "sources:" not in text.split("---")[1]
    replace_in(handout, "---\n\n", "sources:\n  - id: s\n    text: 'S (2021).'\n---\n\n")
    body_line = text.split("---", 2)[2].strip().splitlines()[0]
    replace_in(handout, body_line, body_line + "\n\n{claim}`Handout fact <s; 2026-01-01>`")
    report = built.rebuild(only="pdf")
    assert not report.errors, [d.format() for d in report.errors]
    manifest = json.loads((built.out / "print/manifest.json").read_text())
    (sheet,) = [h for h in manifest["handouts"] if h["id"] == "alpha-sheet"]
    assert [c["text"] for c in sheet["claims"]] == ["Handout fact"]


def test_check_lists_claims_due_for_a_recheck(tmp_path: Path) -> None:
    """``safe-harbor check`` lists each claim older than the limit at its line (SH211), and only those."""
    from safe_harbor.check.command import run_check

    root = claimed_root(
        tmp_path,
        "{claim}`Old fact <law-2018; 2024-01-10>` and {claim}`fresh fact <law-2018; 2026-01-10>`",
    )
    replace_in(
        root / "conf/curriculum.yaml", "paper: letter", "paper: letter\nfacts:\n  recheck_after_months: 12"
    )
    result = run_check(root)
    due = [d for d in result.diagnostics if d.code == Code.RECHECK_DUE.code]
    assert [(Path(d.path).name, d.line) for d in due] == [("index.md", 40)]
    assert "'Old fact' was last checked 2024-01-10 (over 12 months ago)" in due[0].message
    assert not [d for d in result.errors if d.code == Code.CLAIM_INVALID.code]
