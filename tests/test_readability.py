"""The offline reading-grade measure."""

from __future__ import annotations

from safe_harbor.check.readability import measure, plain_text, syllables


def test_syllables() -> None:
    assert syllables("cat") == 1
    assert syllables("harm") == 1
    assert syllables("reduction") >= 3
    assert syllables("responsibility") >= 5


def test_simple_text_grades_low_and_hard_text_grades_high() -> None:
    simple = measure("You can ask for help. We will listen. Take a break when you need one.")
    hard = measure(
        "Comprehensive epidemiological surveillance methodologies systematically underestimate "
        "the prevalence of occupational victimization experienced by marginalized populations."
    )
    assert simple.grade < 3
    assert hard.grade > 14


def test_plain_text_drops_markup() -> None:
    source = "---\ntitle: X\n---\n\n## Heading\n\n:::{answer-key}\n:minutes: 5\nSee {handout}`agreements-sheet`.\n:::\n"
    text = plain_text(source)
    assert "title" not in text and ":::" not in text and ":minutes:" not in text
    assert "agreements-sheet" in text and "{handout}" not in text
