"""Hostile input and faults: files from outside the project, facilitator-only content, damaged
input, interrupted and concurrent builds.  Each case fails without its fix."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
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
    report = build(BuildOptions(root=root, out=out, jobs=2, keep_going=True))  # PDFs despite the errors
    assert codes_at(report, "SH106")
    assert not files_containing(out, OUTSIDE_SECRET.encode())
    pdfs = list(out.rglob("*.pdf"))
    assert any(p.name == "alpha-sheet.pdf" for p in pdfs)
    for pdf in pdfs:
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
        if path.is_file() and path.suffix != ".pdf":
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
    facilitator = (out / "facilitator/modules/02-beta/index.html").read_text()
    assert "FOOTNOTE-SECRET" in facilitator and "Watch the time" in facilitator
    assert 'href="../../downloads/guides/handouts/gamma-key.pdf"' in facilitator
    assert "GAMMA-KEY-SECRET" in (out / "facilitator/handouts/gamma-key.html").read_text()
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
    published = {p.relative_to(downloads).as_posix() for p in downloads.rglob("*.pdf")}
    assert not any("gamma" in name or "guide" in name for name in published), published
    guides = out / "facilitator" / "downloads" / "guides"
    assert "GAMMA-KEY-SECRET" in pdf_text(guides / "handouts" / "gamma-key.pdf")
    for workbook in (downloads / "workbooks").glob("*.pdf"):
        assert "GAMMA" not in pdf_text(workbook)
    assert "GAMMA-KEY-SECRET" in pdf_text(guides / "short-facilitator-guide.pdf")


# --- damaged input: one line with a code, never a traceback -------------------------------------


def alias_bomb(levels: int = 9) -> str:
    text = 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    for level in range(1, levels):
        text += f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]\n"
    return text


CONFIG_CASES = {
    "bad byte": (b"site:\n  title: Caf\xe9\n", "SH105", 2, "not UTF-8"),
    "bad date": (b"site:\n  title: T\n  date: 2026-13-45\n", "SH101", 3, "date must look like"),
    "empty": (b"", "SH103", 1, "empty"),
    "deep nesting": (b"site:\n  title: T\nx: " + b"[" * 5000 + b"\n", "SH104", 3, "nested more than"),
    "alias bomb": (b"site:\n  title: T\n" + alias_bomb().encode(), "SH104", 7, "expands to more than"),
    "duplicate key": (b"site:\n  title: T\n  title: U\n", "SH104", 3, "given twice (first on line 2)"),
}


@pytest.mark.parametrize("case", CONFIG_CASES)
def test_damaged_curriculum_file_is_one_line_at_its_line(tmp_path: Path, case: str) -> None:
    import time

    from safe_harbor.config import load_curriculum_config
    from safe_harbor.diagnostics import DiagnosticError

    data, code, line, words = CONFIG_CASES[case]
    path = tmp_path / "curriculum.yaml"
    path.write_bytes(data)
    started = time.perf_counter()
    with pytest.raises(DiagnosticError) as info:
        load_curriculum_config(path)
    assert time.perf_counter() - started < 10  # the alias bomb took 5 minutes and 8 GB
    found = [(d.code, d.line) for d in info.value.diagnostics]
    assert (code, line) in found, [d.format() for d in info.value.diagnostics]
    assert any(words in d.message for d in info.value.diagnostics)


def test_damaged_module_front_matter_names_the_module_and_the_build_goes_on(tmp_path: Path) -> None:
    root = copy_root("test-basic", tmp_path)
    beta = root / "modules/02-beta/index.md"
    beta.write_bytes(beta.read_bytes().replace(b"2. Discuss.", b"2. Discuss \xff here."))
    alpha = root / "modules/01-alpha/index.md"
    alpha.write_text(alpha.read_text().replace("duration: 30\n", "duration: 30\ndate: 2026-13-45\n", 1))
    alpha_text = alpha.read_text()
    (root / "handouts/alpha-sheet.md").write_text(
        (root / "handouts/alpha-sheet.md").read_text().replace("---\n", "---\n" + alias_bomb(), 1)
    )
    glossary = root / "docs/glossary.md"
    glossary.write_text(glossary.read_text().replace("---\n", "---\ndeep: " + "[" * 5000 + "\n", 1))
    tracks = root / "docs/tracks.md"
    tracks.write_text(tracks.read_text().replace("---\n", "---\nkey: 1\nkey: 2\n", 1))
    out = tmp_path / "out"
    report = build(BuildOptions(root=root, out=out, jobs=2, only="site"))
    found = {(where(d, root), d.code) for d in report.diagnostics}
    bad_line = beta.read_bytes().split(b"\n").index(b"2. Discuss \xff here.") + 1
    assert (f"modules/02-beta/index.md:{bad_line}", "SH105") in found, found
    assert ("handouts/alpha-sheet.md:6", "SH104") in found, found  # a4: the level past 20,000 values
    assert ("docs/glossary.md:2", "SH104") in found, found
    assert ("docs/tracks.md:3", "SH104") in found, found
    date_line = alpha_text.splitlines().index("date: 2026-13-45") + 1
    assert (f"modules/01-alpha/index.md:{date_line}", "SH102") in found, found  # not a module key
    assert not [d for d in report.diagnostics if d.code == "SH901"], [d.format(root) for d in report.errors]
    assert (out / "site/modules/01-alpha/index.html").exists()  # the other pages are written


def test_output_folder_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from safe_harbor.cli import main

    root = copy_root("test-basic", tmp_path)
    target = tmp_path / "a-file"
    target.write_text("not a folder\n")
    assert main(["build", str(root), "-o", str(target)]) == 2
    assert "SH105 -o must be a folder" in capsys.readouterr().err
    report = build(BuildOptions(root=root, out=target))
    assert [d.code for d in report.errors] == ["SH105"]
    report = build(BuildOptions(root=root, out=target / "below", only="site"))
    assert [d.code for d in report.errors] == ["SH105"], [d.format() for d in report.diagnostics]
    assert target.read_text() == "not a folder\n"


@pytest.fixture
def mount_point(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """Mount small tmpfs folders (root only; skipped elsewhere)."""
    import subprocess

    mounted: list[Path] = []

    def mount(options: str) -> Path:
        folder = tmp_path / f"mnt{len(mounted)}"
        folder.mkdir()
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, check=False
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.decode().strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_read_only_output_folder_is_one_line(tmp_path: Path, mount_point: Callable[[str], Path]) -> None:
    root = copy_root("test-basic", tmp_path)
    read_only = mount_point("ro,size=1m")
    report = build(BuildOptions(root=root, out=read_only / "_build", only="site"))
    assert [d.code for d in report.errors] == ["SH105"], [d.format() for d in report.diagnostics]
    assert "Read-only file system" in report.errors[0].message


def test_killed_pdf_worker_is_a_message_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safe_harbor.pdf import render
    from safe_harbor.pdf.documents import PrintJob

    monkeypatch.setattr(render, "render_one", _killed_worker)
    jobs = [PrintJob(f"handouts/{n}.pdf", n, f"<p>{n}</p>", "handout", [n]) for n in ("a", "b")]
    results = render.render_jobs(
        jobs,
        base_dir=tmp_path,
        downloads_dir=tmp_path / "downloads",
        cache_path=tmp_path / "cache.json",
        allowed_roots=[tmp_path],
        workers=1,
    )
    failed = [r.diagnostic for r in results if r.diagnostic is not None]
    assert {d.code for d in failed} == {"SH302"} and len(failed) == 2
    assert all("worker stopped" in d.message for d in failed)


def _killed_worker(*args: object) -> dict[str, object]:
    import signal

    os.kill(os.getpid(), signal.SIGKILL)
    return {}


# --- input that would change the output without a word -------------------------------------------


@pytest.mark.parametrize(
    "bleed", ["-3mm", "3mm; } @import url(https://example.invalid/x.css); @page {", "3 mm", "3mm\n"]
)
def test_bleed_is_validated_like_the_config_value(tmp_path: Path, bleed: str) -> None:
    root = copy_root("test-basic", tmp_path)
    report = build(BuildOptions(root=root, out=tmp_path / "out", bleed=bleed))
    assert [d.code for d in report.errors] == ["SH101"]
    assert not (tmp_path / "out").exists()


def test_svg_reaching_outside_stops_the_render(tmp_path: Path, outside: Path) -> None:
    from safe_harbor.pdf import render
    from safe_harbor.pdf.documents import PrintJob

    project = tmp_path / "project"
    project.mkdir()
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'width="10" height="10"><image width="10" height="10" xlink:href="{}"/></svg>'
    )
    (project / "local.svg").write_text(svg.format((outside / "secret.txt").as_uri()))
    (project / "remote.svg").write_text(svg.format("https://example.invalid/x.png"))
    jobs = [
        PrintJob(f"handouts/{n}.pdf", n, f'<p>x</p><img src="{n}.svg" alt="x">', "handout", [f"handouts/{n}"])
        for n in ("local", "remote")
    ]
    results = render.render_jobs(
        jobs,
        base_dir=project,
        downloads_dir=project / "downloads",
        cache_path=project / "cache.json",
        allowed_roots=[project],
        workers=1,
        source_path=lambda docname: f"{docname}.md",
    )
    refused = {
        r.output: r.diagnostic for r in results if r.diagnostic is not None and r.diagnostic.code == "SH301"
    }
    assert set(refused) == {"handouts/local.pdf", "handouts/remote.pdf"}, results
    assert all(d.path.endswith(".md") for d in refused.values())
    assert not list((project / "downloads").rglob("*.pdf"))


def test_renderer_warnings_name_the_source_file(tmp_path: Path) -> None:
    from safe_harbor.pdf import render
    from safe_harbor.pdf.documents import PrintJob

    job = PrintJob("handouts/a.pdf", "a", '<p style="colour: red">x</p>', "handout", ["handouts/a"])
    results = render.render_jobs(
        [job],
        base_dir=tmp_path,
        downloads_dir=tmp_path / "downloads",
        cache_path=tmp_path / "cache.json",
        allowed_roots=[tmp_path],
        workers=1,
        source_path=lambda docname: f"{docname}.md",
    )
    warnings = [r.diagnostic for r in results if r.diagnostic is not None]
    assert warnings and all(d.code == "SH306" and d.path == "handouts/a.md" for d in warnings), warnings


def test_duration_and_prerequisite_problems_point_at_their_key(tmp_path: Path) -> None:
    from conftest import replace_in

    root = copy_root("test-basic", tmp_path)
    module = root / "modules/02-beta/index.md"
    replace_in(module, "duration: 15\n", "duration: 20\nprerequisites:\n  - 01-alpha\n  - 09-missing\n")
    report = build(BuildOptions(root=root, out=tmp_path / "out", jobs=2, only="site"))
    found = {(d.code, where(d, root)) for d in report.diagnostics}
    assert ("SH201", "modules/02-beta/index.md:4") in found, found
    assert ("SH203", "modules/02-beta/index.md:7") in found, found


def test_pdf_summary_counts_every_job_once() -> None:
    from safe_harbor.diagnostics import Code
    from safe_harbor.pdf.documents import PrintJob
    from safe_harbor.pdf.render import RenderResult
    from safe_harbor.pipeline import pdf_summary

    jobs = [PrintJob(f"{n}.pdf", n, "", "handout") for n in "abcd"]
    results = [
        RenderResult("a.pdf", True),
        RenderResult("a.pdf", False, diagnostic=Diagnostic.of(Code.RENDER_WARNING, "w")),
        RenderResult("b.pdf", False),
        RenderResult("c.pdf", False, diagnostic=Diagnostic.of(Code.RENDER_FAILED, "x")),
        RenderResult("d.pdf", False, diagnostic=Diagnostic.of(Code.FETCH_REFUSED, "y")),
    ]
    assert pdf_summary(jobs, results) == "1 rendered, 1 unchanged, 2 failed"


def test_no_outputs_line_when_nothing_was_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from safe_harbor.cli import main

    root = copy_root("test-basic", tmp_path)
    (root / "conf/curriculum.yaml").write_text("site:\n  titel: x\n")
    assert main(["build", str(root), "-o", str(tmp_path / "out")]) == 1
    output = capsys.readouterr().out
    assert "build failed" in output and "outputs in" not in output


# --- lost or wrong output: concurrent builds, full disks, kills ------------------------------------


def test_second_build_waits_for_the_first(tmp_path: Path) -> None:
    import fcntl
    import threading

    root = copy_root("test-basic", tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    holder = (out / ".lock").open("a+")
    fcntl.flock(holder, fcntl.LOCK_EX)
    report = build(BuildOptions(root=root, out=out, only="site", lock_timeout=0.5))
    assert [d.code for d in report.errors] == ["SH107"]
    assert "another build" in report.errors[0].message
    assert not (out / "site").exists()
    said: list[str] = []
    threading.Timer(1.0, lambda: fcntl.flock(holder, fcntl.LOCK_UN)).start()
    report = build(BuildOptions(root=root, out=out, only="site", jobs=2), say=said.append)
    holder.close()
    assert not report.errors and (out / "site/index.html").exists()
    assert any("waiting" in line for line in said)


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in (".lock", ".sphinx-state.json") and ".doctrees" not in p.parts
    }


def assert_same_tree(got: Path, expected: Path) -> None:
    a, b = tree_bytes(got), tree_bytes(expected)
    assert sorted(a) == sorted(b)
    differ = [name for name in a if a[name] != b[name]]
    assert not differ, differ


def test_disk_full_while_writing_pages_keeps_good_pages_and_recovers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno
    import shutil

    from conftest import replace_in

    root = copy_root("test-basic", tmp_path)
    out = tmp_path / "out"
    assert not build(BuildOptions(root=root, out=out, jobs=2, only="site")).errors
    page = out / "site/modules/01-alpha/index.html"
    before = page.read_bytes()
    replace_in(root / "modules/01-alpha/index.md", "Pair people up.", "Pair people up, then swap.")
    original = Path.write_text

    def full_disk(self: Path, data: str, *args: object, **kwargs: object) -> int:
        if self.name.startswith(".index.html.tmp-"):
            original(self, data[: len(data) // 2], *args, **kwargs)  # type: ignore[arg-type]
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, data, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "write_text", full_disk)
    report = build(BuildOptions(root=root, out=out, jobs=1, only="site"))
    monkeypatch.undo()
    assert "SH105" in {d.code for d in report.errors}, [d.format() for d in report.diagnostics]
    assert page.read_bytes() == before  # the last good page, not half of a new one
    assert not list(out.rglob(".*.tmp-*"))
    # space again: the next build writes everything that failed, and equals a clean build
    report = build(BuildOptions(root=root, out=out, jobs=2, only="site"))
    assert not report.errors, [d.format() for d in report.errors]
    clean = tmp_path / "clean"
    shutil.copytree(root, clean / "root")
    assert not build(BuildOptions(root=clean / "root", out=clean / "out", jobs=2, only="site")).errors
    assert_same_tree(out, clean / "out")


KILL_SCRIPT = """
import os, signal, sys
from pathlib import Path
from safe_harbor.builders import facilitator
from safe_harbor.pipeline import BuildOptions, build

written = []
original = facilitator.AtomicPagesMixin.handle_page

def handle_page(self, pagename, *args, **kwargs):
    original(self, pagename, *args, **kwargs)
    written.append(pagename)
    if len(written) == int(sys.argv[3]):
        os.kill(os.getpid(), signal.SIGKILL)

facilitator.AtomicPagesMixin.handle_page = handle_page
build(BuildOptions(root=Path(sys.argv[1]), out=Path(sys.argv[2]), jobs=1, only="site"))
"""


@pytest.mark.slow
def test_killed_site_build_recovers_to_a_clean_build(tmp_path: Path) -> None:
    import shutil
    import subprocess
    import sys

    from conftest import replace_in

    root = copy_root("test-basic", tmp_path)
    out = tmp_path / "out"
    assert not build(BuildOptions(root=root, out=out, jobs=2, only="site")).errors
    replace_in(root / "modules/01-alpha/index.md", "Pair people up.", "Pair people up, then swap.")
    replace_in(root / "handouts/alpha-sheet.md", "Alpha is the first letter.", "Alpha is letter one.")
    script = tmp_path / "kill.py"
    script.write_text(KILL_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    killed = subprocess.run([sys.executable, str(script), str(root), str(out), "2"], env=env, check=False)
    assert killed.returncode == -9
    report = build(BuildOptions(root=root, out=out, jobs=2, only="site"))
    assert not report.errors, [d.format() for d in report.errors]
    clean = tmp_path / "clean"
    shutil.copytree(root, clean / "root")
    assert not build(BuildOptions(root=clean / "root", out=clean / "out", jobs=2, only="site")).errors
    assert_same_tree(out, clean / "out")


def test_damaged_manifest_is_a_message_and_is_rewritten_next_time(tmp_path: Path) -> None:
    from safe_harbor.config import load_curriculum_config
    from safe_harbor.fingerprint import SphinxState
    from safe_harbor.pipeline import BuildReport, _has_output, paths, render_pdfs

    root = copy_root("test-basic", tmp_path)
    options = BuildOptions(root=root, out=tmp_path / "out")
    where = paths(options)
    where["print"].mkdir(parents=True)
    (where["print"] / "manifest.json").write_text('{"site": {"title": "Test", "lang')  # cut short
    state = SphinxState(where["sphinx-state"])
    state.record("safeharbor-print", "fingerprint", [])
    state.save()
    report = BuildReport()
    render_pdfs(options, load_curriculum_config(root / "conf"), where, report, lambda _: None)
    assert [d.code for d in report.errors] == ["SH302"] and "damaged" in report.errors[0].message
    assert not _has_output("safeharbor-print", where["print"])  # so the next build writes it again
    assert SphinxState(where["sphinx-state"]).unchanged("safeharbor-print", "fingerprint") is None


WORKER_SCRIPT = """
import sys
from pathlib import Path
from safe_harbor.pdf import render
from safe_harbor.pdf.documents import PrintJob

folder = Path(sys.argv[1])
job = PrintJob("slow.pdf", "slow", "<p>text</p>" * 200000, "handout", ["slow"])
render.render_jobs([job], base_dir=folder, downloads_dir=folder, cache_path=folder / "c.json",
                   allowed_roots=[folder], workers=1)
"""


def test_pdf_workers_die_with_a_killed_build(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "render.py"
    script.write_text(WORKER_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    build_process = subprocess.Popen([sys.executable, str(script), str(tmp_path)], env=env)
    try:
        workers: list[int] = []
        deadline = time.monotonic() + 120
        while not workers and time.monotonic() < deadline:
            children = Path(f"/proc/{build_process.pid}/task/{build_process.pid}/children")
            workers = [int(pid) for pid in children.read_text().split()] if children.exists() else []
            time.sleep(0.2)
        assert workers, "no PDF worker started"
        time.sleep(3)  # the worker is rendering now
        build_process.send_signal(signal.SIGKILL)
        build_process.wait()
        deadline = time.monotonic() + 30
        alive = workers
        while alive and time.monotonic() < deadline:
            alive = [pid for pid in workers if _running(pid)]
            time.sleep(0.2)
        assert not alive, f"PDF workers {alive} outlived the build"
    finally:
        if build_process.poll() is None:
            build_process.kill()


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"
