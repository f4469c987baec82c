"""Model tests: front matter, timing, tracks and agendas, without Sphinx."""

from __future__ import annotations

from pathlib import Path

import pytest

from safe_harbor.diagnostics import DiagnosticError
from safe_harbor.model import (
    Activity,
    Handout,
    Module,
    Track,
    build_agenda,
    check_track,
    format_clock,
    merge_items,
)
from safe_harbor.yamlsource import Source, load, split_front_matter

MODULE = """\
---
title: Opening
summary: Why we are here.
duration: 45
objectives:
  - Describe the plan
handouts: [agreements]
---
body
"""


def load_module(text: str) -> tuple[Module, Source]:
    front, _ = split_front_matter(text)
    assert front is not None
    source = Source(Path("modules/01-opening/index.md"), first_line=2)
    return Module.from_front_matter("01-opening", load(front, source), source), source


def test_valid_module_front_matter() -> None:
    module, source = load_module(MODULE)
    assert source.diagnostics == []
    assert module.title == "Opening"
    assert module.duration == 45
    assert module.handouts == ["agreements"]
    assert module.handout_lines == {"agreements": 7}


def test_unknown_key_names_line_and_suggests() -> None:
    _, source = load_module(MODULE.replace("duration: 45", "duraton: 45"))
    messages = [(d.code, d.line, d.message) for d in source.diagnostics]
    assert ("SH102", 4, "unknown key 'duraton' in module front matter; did you mean 'duration'?") in messages
    assert any(code == "SH103" and "'duration'" in message for code, _, message in messages)


def test_wrong_type_is_reported_with_line() -> None:
    _, source = load_module(MODULE.replace("duration: 45", "duration: soon"))
    (diag,) = source.diagnostics
    assert diag.code == "SH101" and diag.line == 4
    assert "whole number" in diag.message
    assert diag.format() == f"modules/01-opening/index.md:4: SH101 {diag.message}"


def test_yaml_syntax_error_has_line() -> None:
    with pytest.raises(DiagnosticError) as info:
        load_module(MODULE.replace("summary: Why we are here.", "summary: [unclosed"))
    (diag,) = info.value.diagnostics
    assert diag.code == "SH104"
    assert diag.line is not None and diag.line >= 3


def test_handout_audience_checked() -> None:
    source = Source(Path("handouts/x.md"), first_line=2)
    data = load("title: X\naudience: participants\n", source)
    handout = Handout.from_front_matter("x", data, source)
    assert handout.audience == "participant"
    assert "did you mean 'participant'" in source.diagnostics[0].message


def test_module_plan_and_timing_sum() -> None:
    module, _ = load_module(MODULE)
    module.activities = [Activity("a", "A", 10), Activity("b", "B", 20), Activity("c", "C", 10)]
    assert module.activity_minutes == 40 != module.duration
    assert [(start, a.id) for start, a in module.plan()] == [(0, "a"), (10, "b"), (30, "c")]


TRACK = """\
id: full
title: Full
days:
  - start: "09:00"
    end: "10:00"
    items:
      - module: m1
      - break: 15
      - module: m2
        activities: [m2-first]
  - title: Second day
    start: "23:30"
    end: "23:59"
    items:
      - meal: 20
        title: Dinner
      - module: m1
"""


def modules() -> dict[str, Module]:
    m1 = Module("m1", "One", "s", 30, activities=[Activity("m1-a", "A", 30)])
    m2 = Module(
        "m2", "Two", "s", 25, activities=[Activity("m2-first", "F", 10), Activity("m2-second", "S", 15)]
    )
    return {"m1": m1, "m2": m2}


def load_track(text: str = TRACK) -> tuple[Track, Source]:
    source = Source(Path("conf/curriculum.yaml"))
    return Track.from_mapping(load(text, source), source), source


def test_agenda_clock_arithmetic_across_days_and_breaks() -> None:
    track, source = load_track()
    assert source.diagnostics == []
    day1, day2 = build_agenda(track, modules())
    assert [(format_clock(s.start), format_clock(s.end), s.title) for s in day1.slots] == [
        ("09:00", "09:30", "One"),
        ("09:30", "09:45", "Break"),
        ("09:45", "09:55", "Two"),  # only the chosen activity: 10 min
    ]
    assert day1.total == 55 and day1.overrun == 0
    assert day2.title == "Second day"
    assert [format_clock(s.start) for s in day2.slots] == ["23:30", "23:50"]
    assert format_clock(day2.finish) == "00:20 (+1d)"
    assert day2.overrun == 21


def test_check_track_reports_overrun_and_unknown_module() -> None:
    track, _ = load_track(TRACK.replace("module: m2\n", "module: m3\n"))
    source = Source(Path("conf/curriculum.yaml"))
    check_track(track, modules(), source)
    codes = sorted(d.code for d in source.diagnostics)
    # without m3, day 1 ends at 09:45, before its planned 10:00 (SH212); day 2 overruns (SH205)
    assert codes == ["SH203", "SH205", "SH212"]
    unknown = next(d for d in source.diagnostics if d.code == "SH203")
    assert unknown.line == 9 and "'m3'" in unknown.message


def test_track_validation_errors() -> None:
    _, source = load_track(TRACK.replace('start: "09:00"', 'start: "9h"').replace("break: 15", "brake: 15"))
    messages = [d.message for d in source.diagnostics]
    assert any("time must look like 09:30" in m for m in messages)
    assert any("exactly one of 'module', 'break' or 'meal'" in m for m in messages)


def test_merge_items_counts_modules() -> None:
    merged = merge_items([("m1", ["Markers", "Timer"]), ("m2", ["markers.", "Tape"])])
    assert [(e.text, e.count, e.modules) for e in merged] == [
        ("Markers", 2, ["m1", "m2"]),
        ("Timer", 1, ["m1"]),
        ("Tape", 1, ["m2"]),
    ]


def day_track(end: str) -> Track:
    """One day from 09:00 holding m1 (30 min) and a 15-minute break: its items end at 09:45."""
    track, source = load_track(
        f'id: one\ntitle: One\ndays:\n  - start: "09:00"\n    end: "{end}"\n'
        "    items:\n      - module: m1\n      - break: 15\n"
    )
    assert source.diagnostics == []
    return track


def timing_codes(track: Track) -> list[tuple[str, str]]:
    source = Source(Path("conf/curriculum.yaml"))
    check_track(track, modules(), source)
    return [(d.code, d.message) for d in source.diagnostics]


def test_unused_stretch_at_the_end_of_a_day_warns() -> None:
    (plan,) = build_agenda(day_track("09:46"), modules())
    assert plan.unused == 1 and plan.overrun == 0
    ((code, message),) = timing_codes(day_track("09:46"))
    assert code == "SH212"
    assert message == (
        "track 'one', Day 1: its last item ends at 09:45, 1 min before its end time 09:46; "
        "fill the time or move the end time"
    )
    ((code, message),) = timing_codes(day_track("10:45"))
    assert code == "SH212" and "60 min before" in message


def test_day_that_ends_on_time_or_overruns_has_no_unused_warning() -> None:
    (plan,) = build_agenda(day_track("09:45"), modules())
    assert plan.unused == plan.overrun == 0
    assert timing_codes(day_track("09:45")) == []
    (plan,) = build_agenda(day_track("09:44"), modules())
    assert plan.unused == 0 and plan.overrun == 1
    assert [code for code, _ in timing_codes(day_track("09:44"))] == ["SH205"]
