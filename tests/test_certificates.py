"""``safe-harbor certificates``: names read once, PDFs read back, names nowhere else, clear errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from pypdf import PdfReader

from conftest import copy_root, replace_in
from safe_harbor.certificates import (
    CertificateError,
    duplicates,
    file_names,
    format_hours,
    plan,
    read_names,
    training_minutes,
)
from safe_harbor.cli import _parser as build_parser
from safe_harbor.cli import main
from safe_harbor.config import load_curriculum_config

REPO = Path(__file__).resolve().parent.parent
ROOTS = Path(__file__).parent / "roots"

# Every case the issue lists: an empty line, a duplicate, right-to-left and accented names, and a
# comma inside quotes.  Each name carries a marker so the privacy check can search for it.
NAMES_CSV = 'name\nMaríaqx José Núñez\n\n"Garcíaqx, Ana"\nمريمqx الحسن\nשרהqx כהן\nSamqx Lee\n  \nSamqx Lee\n'
EXPECTED = ["Maríaqx José Núñez", "Garcíaqx, Ana", "مريمqx الحسن", "שרהqx כהן", "Samqx Lee", "Samqx Lee"]


def pdf_text(path: Path) -> str:
    text = " ".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return unicodedata.normalize("NFKC", " ".join(text.split()))


def write(path: Path, text: str | bytes) -> Path:
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, "utf-8")
    return path


# --- reading names ----------------------------------------------------------------------------


def test_names_file_cases(tmp_path: Path) -> None:
    people = read_names(write(tmp_path / "names.csv", NAMES_CSV))
    assert [p.name for p in people] == EXPECTED
    assert [p.line for p in people] == [2, 4, 5, 6, 7, 9]
    assert duplicates(people) == [[5, 6]]
    names = file_names(people)
    assert len(set(names)) == len(names) == 6
    assert names[1] == "002-Garcíaqx-Ana.pdf" and names[2] == "003-مريمqx-الحسن.pdf"


def test_three_hundred_names_and_odd_ones(tmp_path: Path) -> None:
    rows = [f"Person {n}" for n in range(300)]
    rows += ['"  spaced   out  "', "a/b:c*d", "..", "x" * 400, "Name,with,extra,columns"]
    people = read_names(write(tmp_path / "n.csv", "\ufeff" + "\r\n".join(rows) + "\r\n"))  # Excel: BOM, CRLF
    assert len(people) == 305 and people[0].name == "Person 0"
    assert people[300].name == "spaced out"
    assert people[304].name == "Name"  # first column only
    names = file_names(people)
    assert len(set(names)) == 305
    assert names[301] == "302-abcd.pdf" and names[302] == "303-certificate.pdf"
    assert all(len(n.encode()) < 200 and "/" not in n for n in names)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read names file: No such file or directory"),
        (b"\xff\xfeA\x00n\x00n\x00", "not UTF-8 text"),
        ("\n\n  \n", "has no names"),
        ("name\n", "has no names"),
    ],
)
def test_bad_names_file_is_one_clear_problem(
    tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    path = tmp_path / "names.csv"
    if content is not None:
        write(path, content)
    with pytest.raises(CertificateError) as caught:
        read_names(path)
    assert message in str(caught.value) and "\n" not in str(caught.value)


# --- hours --------------------------------------------------------------------------------------


def test_hours_come_from_the_track_without_breaks_or_meals(tmp_path: Path) -> None:
    root = copy_root("test-basic", tmp_path)
    config = load_curriculum_config(root / "conf")
    tracks = {t.id: t for t in config.tracks}
    assert training_minutes(tracks["short"], root / "modules", config.path) == 45  # 30 + 15, no break
    assert training_minutes(tracks["two-day"], root / "modules", config.path) == 45  # no lunch
    replace_in(
        root / "conf/curriculum.yaml",
        "- module: 01-alpha\n          - break",
        "- module: 01-alpha\n            activities: [main-part]\n          - break",
    )
    subset = load_curriculum_config(root / "conf").track("short")
    assert subset is not None and training_minutes(subset, root / "modules", config.path) == 35


def test_real_tracks_hours_equal_their_modules() -> None:
    config = load_curriculum_config(REPO / "conf")
    full = config.track("full-day")
    assert full is not None
    expected = 0
    for module in full.module_ids:
        text = (REPO / "modules" / module / "index.md").read_text("utf-8")
        expected += int(re.search(r"^duration: (\d+)$", text, re.M)[1])  # type: ignore[index]
    assert training_minutes(full, REPO / "modules", config.path) == expected
    for track in config.tracks:  # every track's chosen activities are found
        assert training_minutes(track, REPO / "modules", config.path) > 0


def test_format_hours() -> None:
    assert format_hours(45) == "45 minutes"
    assert format_hours(60) == "1 hour"
    assert format_hours(74) == "1 hour"
    assert format_hours(265) == "4.25 hours"  # rounded down to the quarter hour
    assert format_hours(90) == "1.5 hours"
    assert format_hours(480) == "8 hours"


# --- the command --------------------------------------------------------------------------------


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safe_harbor.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["--track", "shorty", "--names", "{names}"],
            "SH207 unknown track 'shorty'; tracks: short, two-day; did you mean 'short'?",
        ),
        (
            ["--track", "short", "--names", "{names}", "--date", "14/03/2026"],
            "SH101 --date must be a date like",
        ),
        (
            ["--track", "short", "--names", "{missing}"],
            "SH105 cannot read names file: No such file or directory",
        ),
        (["--track", "short", "--names", "{folder}"], "SH105 names file is a folder"),
        (["--track", "short", "--names", "{names}", "-o", "{site}"], "must not go inside the published site"),
    ],
)
def test_command_errors_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], expected: str
) -> None:
    root = copy_root("test-basic", tmp_path)
    places = {
        "names": str(write(tmp_path / "names.csv", "Ann\n")),
        "missing": str(tmp_path / "nope.csv"),
        "folder": str(tmp_path),
        "site": str(root / "_build/site/certs"),
    }
    code = main(["certificates", str(root), *[a.format(**places) for a in args]])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err
    assert not (root / "_build").exists()  # nothing written


def test_certificates_read_back_and_names_stay_in_them(tmp_path: Path) -> None:
    root = copy_root("test-basic", tmp_path)
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()
    names = write(tmp_path / "names.csv", NAMES_CSV)
    build = run_cli("build", str(root), "--only", "site", "-q")  # a build folder with caches, to search
    assert build.returncode == 0, build.stderr
    out = root / "_build" / "certificates" / "short"
    result = run_cli(
        "certificates", str(root), "--track", "short", "--names", str(names), "--date", "2026-03-14",
        "--facilitators", "Jo Rivera and Kim Tran", env={"TMPDIR": str(scratch)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"wrote 6 certificate(s) (Short track, 45 minutes, March 14, 2026) to {out}" in result.stdout
    assert "certificates 005, 006 are for people with the same name" in result.stdout
    assert "qx" not in result.stdout + result.stderr  # names are not printed
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 6 and not list(out.glob(".*"))  # no temporary files left behind
    for pdf, name in zip(pdfs, EXPECTED, strict=True):
        text = pdf_text(pdf)
        assert name in text and "Certificate of completion" in text, (pdf.name, text)
        for fact in ("Short track", "45 minutes of training", "March 14, 2026", "Jo Rivera and Kim Tran"):
            assert fact in text, (pdf.name, fact)
        reader = PdfReader(pdf)
        assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged
        assert reader.trailer["/Root"]["/Lang"] == "en"
    # Names reach nothing but the certificates: not the build folder, its caches, the curriculum
    # or any temporary folder.  File contents and file names are both searched.
    firsts = [n.split()[0] for n in EXPECTED]  # "Maríaqx", "Garcíaqx,", ...: never there by chance
    markers = [f.strip(",").encode() for f in firsts]
    assert all(m in names.read_bytes() for m in markers)  # the search would find them
    for folder in (root, scratch):
        for path in folder.rglob("*"):
            if path.parent == out and path.suffix == ".pdf":
                continue
            assert not any(f.strip(",") in path.name for f in firsts), path
            if path.is_file():
                data = path.read_bytes()
                assert not any(m in data for m in markers), path


def test_combined_pdf_for_three_hundred_people(tmp_path: Path) -> None:
    root = copy_root("test-basic", tmp_path)
    names = write(tmp_path / "names.csv", "\n".join(f"Person{n:03d} Zed" for n in range(300)) + "\n")
    out = tmp_path / "certs"
    result = run_cli(
        "certificates", str(root), "--track", "two-day", "--names", str(names), "--combined", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    pdf = out / "certificates-two-day.pdf"
    assert (
        "wrote one PDF with 300 certificate(s) (Two days, 45 minutes, " in result.stdout
        and str(pdf) in result.stdout
    )
    reader = PdfReader(pdf)
    assert len(reader.pages) == 300
    for number in (0, 151, 299):
        text = " ".join((reader.pages[number].extract_text() or "").split())
        assert f"Person{number:03d} Zed" in text and "Two days" in text
    assert [p.name for p in out.iterdir()] == [pdf.name]


def test_discreet_certificates_leave_the_topic_off(tmp_path: Path) -> None:
    root = copy_root("test-basic", tmp_path)
    names = write(tmp_path / "names.csv", "Ann\n")
    args = ["--track", "short", "--names", str(names), "--date", "2026-03-14"]
    plain = plan(build_parser().parse_args(["certificates", str(root), *args]))
    discreet = plan(build_parser().parse_args(["certificates", str(root), *args, "--discreet"]))
    assert "A small curriculum for tests" in plain.jobs[0][0] and "Test Curriculum" in plain.jobs[0][0]
    document = discreet.jobs[0][0]
    assert "Test Curriculum" not in document and "A small curriculum for tests" not in document
    assert "Training notes" in document and "Short track" in document and "Ann" in document
    assert not (root / "_build").exists()  # planning writes nothing
