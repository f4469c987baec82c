"""conf/curriculum.yaml validation, and the Sphinx warning parser."""

from __future__ import annotations

from pathlib import Path

import pytest

from safe_harbor.config import load_curriculum_config
from safe_harbor.diagnostics import DiagnosticError, Severity, parse_sphinx_warning

GOOD = """\
site:
  title: T
print:
  paper: a4
tracks:
  - id: one
    title: One
    days:
      - start: "09:00"
        end: "10:00"
        items: []
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "curriculum.yaml").write_text(text)
    return tmp_path


def test_good_config(tmp_path: Path) -> None:
    config = load_curriculum_config(write(tmp_path, GOOD))
    assert config.print.paper == "a4"
    assert config.track("one") is not None
    assert config.site.license == "CC BY-SA 4.0"


def test_every_problem_reported_with_file_and_line(tmp_path: Path) -> None:
    bad = GOOD.replace("paper: a4", "paper: a5").replace("  title: T", "  title: T\n  licence: MIT")
    with pytest.raises(DiagnosticError) as info:
        load_curriculum_config(write(tmp_path, bad))
    lines = [d.format(tmp_path) for d in info.value.diagnostics]
    assert lines == [
        "curriculum.yaml:3: SH102 unknown key 'licence' in 'site'; did you mean 'license'?",
        "curriculum.yaml:5: SH101 paper must be one of letter, a4, got 'a5'",
    ]


def test_duplicate_track_ids(tmp_path: Path) -> None:
    doubled = GOOD + GOOD[GOOD.index("  - id: one") :]
    with pytest.raises(DiagnosticError) as info:
        load_curriculum_config(write(tmp_path, doubled))
    assert [d.code for d in info.value.diagnostics] == ["SH206"]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DiagnosticError) as info:
        load_curriculum_config(tmp_path)
    assert info.value.diagnostics[0].code == "SH105"


def test_build_date_from_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert load_curriculum_config(write(tmp_path, GOOD)).build_date == "2023-11-14"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            "/x/modules/a/index.md:12: WARNING: SH201 module duration is 30 [safe-harbor.SH201]",
            ("SH201", "/x/modules/a/index.md", 12, "module duration is 30", Severity.WARNING),
        ),
        (
            "/x/a.md:3: ERROR: SH202 unknown handout 'x' [safe-harbor.SH202]",
            ("SH202", "/x/a.md", 3, "unknown handout 'x'", Severity.ERROR),
        ),
        (
            "/x/a.md:7: WARNING: Unknown directive type: 'frobnicate' [myst.directive_unknown]",
            (
                "myst.directive_unknown",
                "/x/a.md",
                7,
                "Unknown directive type: 'frobnicate'",
                Severity.WARNING,
            ),
        ),
        (
            "WARNING: html_static_path entry 'x' does not exist",
            ("SH900", "", None, "html_static_path entry 'x' does not exist", Severity.WARNING),
        ),
    ],
)
def test_parse_sphinx_warning(line: str, expected: tuple[object, ...]) -> None:
    diag = parse_sphinx_warning(line)
    assert diag is not None
    assert (diag.code, diag.path, diag.line, diag.message, diag.severity) == expected
