"""Hostile input and faults: files from outside the project, facilitator-only content, damaged
input, interrupted and concurrent builds.  Each case fails without its fix."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import copy_root
from safe_harbor.diagnostics import Diagnostic
from safe_harbor.pipeline import BuildOptions, BuildReport, build

OUTSIDE_SECRET = "OUTSIDE-SECRET-7f3a"


def codes_at(report: BuildReport, code: str) -> list[Diagnostic]:
    return [d for d in report.diagnostics if d.code == code]


def where(diagnostic: Diagnostic, root: Path) -> str:
    return diagnostic.format(root).split(": ", 1)[0]


def files_containing(folder: Path, needle: bytes) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink() and needle in p.read_bytes()]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the project holding a file nobody may publish."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(f"{OUTSIDE_SECRET}\n")
    (folder / "secret.md").write_text(f"# Outside page\n\n{OUTSIDE_SECRET}\n")
    return folder


def hostile_root(tmp_path: Path, outside: Path) -> Path:
    root = copy_root("test-basic", tmp_path)
    up = "../" * (len(root.parts) + 2)
    secret = f"{up}{str(outside / 'secret.txt').lstrip('/')}"
    img = root / "handouts" / "img"
    img.mkdir()
    (img / "shadow.png").symlink_to(outside / "secret.txt")
    (img / "zero.png").symlink_to("/dev/zero")
    os.mkfifo(img / "fifo.png")
    (img / "inside.txt").write_text("inside the project\n")
    (img / "link-inside.txt").symlink_to(img / "inside.txt")
    (root / "docs" / "outside.md").symlink_to(outside / "secret.md")
    with (root / "handouts" / "alpha-sheet.md").open("a") as page:
        page.write(
            "\n![a secret](img/shadow.png)  <!-- refused -->\n"
            "\n![endless](img/zero.png)  <!-- refused -->\n"
            "\n![a pipe](img/fifo.png)  <!-- refused -->\n"
            f"\n```{{include}} {secret}\n```\n"
            f"\n```{{literalinclude}} {secret}\n```\n"
            f"\n{{download}}`the secret <{secret}>`  <!-- refused -->\n"
            f"\n```{{raw}} html\n:file: {outside / 'secret.txt'}\n```\n"
            f"\n```{{csv-table}} Secret\n:file: {secret}\n```\n"
            "\n```{literalinclude} img/link-inside.txt\n```\n"  # a link inside the project is fine
        )
    return root


def test_files_from_outside_the_project_are_refused_at_their_line(tmp_path: Path, outside: Path) -> None:
    root = hostile_root(tmp_path, outside)
    out = tmp_path / "out"
    report = build(BuildOptions(root=root, out=out, jobs=2, only="site"))
    lines = (root / "handouts" / "alpha-sheet.md").read_text().splitlines()
    expected = [
        number
        for number, text in enumerate(lines, start=1)
        if "refused" in text or (text.startswith("```{") and "link-inside" not in text)
    ]
    assert len(expected) == 8
    refused = {where(d, root) for d in codes_at(report, "SH106")}
    assert refused == {"docs/outside.md:1", *(f"handouts/alpha-sheet.md:{n}" for n in expected)}, [
        d.format(root) for d in report.diagnostics
    ]
    assert all(d.severity.value == "error" for d in codes_at(report, "SH106"))
    assert not files_containing(out, OUTSIDE_SECRET.encode())
    assert not (out / "site" / "_images").exists() and not (out / "site" / "_downloads").exists()
    assert not (out / "site" / "docs" / "outside.html").exists()
    page = (out / "site" / "handouts" / "alpha-sheet.html").read_text()
    assert "inside the project" in re.sub(r"<[^>]+>", "", page)


@pytest.mark.slow
def test_files_from_outside_never_reach_print_or_pdfs(tmp_path: Path, outside: Path) -> None:
    from test_build import pdf_text

    root = hostile_root(tmp_path, outside)
    out = tmp_path / "out"
    report = build(BuildOptions(root=root, out=out, jobs=2))
    assert codes_at(report, "SH106")
    assert not files_containing(out, OUTSIDE_SECRET.encode())
    for pdf in out.rglob("*.pdf"):
        assert OUTSIDE_SECRET not in pdf_text(pdf), pdf


def test_static_files_are_checked_and_copied_whole(tmp_path: Path, outside: Path) -> None:
    root = copy_root("test-basic", tmp_path)
    static = root / "conf" / "_static"
    static.mkdir()
    (static / "ok.css").write_text("body { color: black }\n")
    (static / "leak.css").symlink_to(outside / "secret.txt")
    (static / "zero.css").symlink_to("/dev/zero")
    with (root / "conf" / "conf.py").open("a") as conf:
        conf.write('html_static_path = ["_static"]\n')
    out = tmp_path / "out"
    report = build(BuildOptions(root=root, out=out, jobs=2, only="site"))
    refused = sorted(where(d, root) for d in codes_at(report, "SH106"))
    assert refused == ["conf/_static/leak.css", "conf/_static/zero.css"]
    assert (out / "site" / "_static" / "ok.css").read_text() == "body { color: black }\n"
    assert not (out / "site" / "_static" / "leak.css").exists()
    assert not files_containing(out, OUTSIDE_SECRET.encode())
    assert not list(out.rglob(".*.tmp-*"))


# --- facilitator-only content -------------------------------------------------------------------

FACILITATOR_SECRETS = (
    "FOOTNOTE-SECRET",
    "INDEXSECRETWORD",
    "labelsecret",
    "GLOSSSECRET",
    "DOWNLOAD-SECRET",
    "GAMMA-KEY-SECRET",
    "GAMMA-HEADING-SECRET",
)
SCOPED_NOTE = """
::::{facilitator-note}
Watch the time.[^fsecret] {index}`INDEXSECRETWORD`

(labelsecret)=
A labelled paragraph.

:::{glossary}
GLOSSSECRET
   A term only facilitators see.
:::

Print {download}`the key <key.txt>` first.
::::

[^fsecret]: FOOTNOTE-SECRET: a footnote only the note refers to.
"""
GAMMA = """---
title: Gamma answer key
audience: facilitator
summary: Answers for the facilitator.
---

## GAMMA-HEADING-SECRET

GAMMA-KEY-SECRET: the answers.
"""


def facilitator_scoped_root(tmp_path: Path) -> Path:
    from conftest import replace_in

    root = copy_root("test-basic", tmp_path)
    module = root / "modules" / "02-beta" / "index.md"
    (module.parent / "key.txt").write_text("DOWNLOAD-SECRET\n")
    with module.open("a") as page:
        page.write(SCOPED_NOTE)
    replace_in(
        module, "handouts: [beta-sheet, alpha-sheet]", "handouts: [beta-sheet, alpha-sheet, gamma-key]"
    )
    replace_in(module, "2. Discuss.", "2. Discuss. The facilitator keeps {handout}`gamma-key`.")
    (root / "handouts" / "gamma-key.md").write_text(GAMMA)
    return root


def participant_bytes(site: Path) -> dict[Path, bytes]:
    """Every participant file's bytes; objects.inv decompressed."""
    import zlib

    found = {}
    for path in site.rglob("*"):
        if path.is_file() and path.relative_to(site).parts[0] not in ("facilitator", "downloads"):
            data = path.read_bytes()
            if path.name == "objects.inv":
                data = zlib.decompress(data.split(b"\n", 4)[4])
            found[path] = data
    return found


def test_facilitator_only_content_defines_nothing_for_participants(tmp_path: Path) -> None:
    root = facilitator_scoped_root(tmp_path)
    out = tmp_path / "out"
    report = build(BuildOptions(root=root, out=out, jobs=2, only="site"))
    assert not report.errors, [d.format(root) for d in report.errors]
    site = out / "site"
    for path, data in participant_bytes(site).items():
        for secret in FACILITATOR_SECRETS:
            assert secret.encode() not in data, f"{secret} leaked into {path}"
    assert not (site / "_downloads").exists()
    page = (site / "modules/02-beta/index.html").read_text()
    module = page[page.index("<article") : page.index("</article>")]  # the navigation names every page
    assert "Gamma answer key (for facilitators)" in re.sub(r"<[^>]+>", "", module)
    assert "gamma-key.html" not in module and "gamma-key.pdf" not in module
    indexes = (site / "docs/indexes.html").read_text()
    assert "gamma-key" not in indexes[indexes.index("<article") : indexes.index("</article>")]
    # the facilitator view keeps all of it
    facilitator = (site / "facilitator/modules/02-beta/index.html").read_text()
    assert "FOOTNOTE-SECRET" in facilitator and "Watch the time" in facilitator
    assert "../../../downloads/guides/handouts/gamma-key.pdf" in facilitator
    assert "GAMMA-KEY-SECRET" in (site / "facilitator/handouts/gamma-key.html").read_text()
    warned = sorted(d.message.split(" inside")[0] for d in codes_at(report, "SH209"))
    assert warned == [
        "a download",
        "an index entry",
        "the glossary term 'GLOSSSECRET'",
        "the label 'labelsecret'",
    ]
    assert all(where(d, root).startswith("modules/02-beta/index.md:") for d in codes_at(report, "SH209"))


@pytest.mark.slow
def test_facilitator_handouts_stay_out_of_participant_downloads(tmp_path: Path) -> None:
    from test_build import pdf_text

    root = facilitator_scoped_root(tmp_path)
    out = tmp_path / "out"
    report = build(BuildOptions(root=root, out=out, jobs=2))
    assert not report.errors, [d.format(root) for d in report.errors]
    downloads = out / "site" / "downloads"
    handouts = {p.relative_to(downloads).as_posix() for p in (downloads / "handouts").rglob("*.pdf")}
    assert not any("gamma" in name for name in handouts), handouts
    key = downloads / "guides" / "handouts" / "gamma-key.pdf"
    assert "GAMMA-KEY-SECRET" in pdf_text(key)
    for workbook in (downloads / "workbooks").glob("*.pdf"):
        assert "GAMMA" not in pdf_text(workbook)
    assert "GAMMA-KEY-SECRET" in pdf_text(downloads / "guides" / "short-facilitator-guide.pdf")
