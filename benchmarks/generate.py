"""Generate a synthetic Safe Harbor curriculum of N modules for benchmarking.

The layout copies the real repository:

    <root>/conf/conf.py              copied from the repository's conf/conf.py
    <root>/conf/curriculum.yaml      site + print settings; one track per two days of modules
    <root>/index.md                  module index and glob toctrees over modules/*/index and handouts/*
    <root>/modules/<NNN-slug>/index.md   full front matter, content note, questions, 3 activities, key points
    <root>/handouts/<id>.md          2 participant handouts per module (~300 words, headings, list, table)

Text is deterministic: module ``k`` is generated from its own seeded random stream, so module 7 is
byte-identical whether the curriculum has 10 or 200 modules, and two runs give the same files.
A module page is about 1,200 words of body text; a handout about 300.

No docs/ folder is written: the print manifest sets ``glossary`` to None when docs/glossary is
not among the found documents (builders/printhtml.py, ``write_manifest``), and the synthetic
text uses no ``{term}`` roles.

Usage::

    .venv/bin/python benchmarks/generate.py 50 benchmarks/_work/example
"""

from __future__ import annotations

import argparse
import random
import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DAY_START = 8 * 60  # 08:00
DAY_END = 18 * 60  # 18:00: every day is packed so that it never runs past this
DAYS_PER_TRACK = 2
BREAK_MINUTES = 15
FIXED_DATE = "2026-01-15"  # printed on every PDF; fixed so rebuilds on another day change nothing

# --- vocabulary ------------------------------------------------------------------------------

SUBJECTS = [
    "the group",
    "each person",
    "your program",
    "the facilitator",
    "outreach staff",
    "peer workers",
    "the team",
    "participants",
    "a volunteer",
    "the drop-in staff",
    "a co-facilitator",
    "new staff",
    "the community",
    "people who use drugs",
    "sex workers",
    "the whole room",
    "your partner",
]
VERBS = [
    "names",
    "lists",
    "compares",
    "shares",
    "writes down",
    "talks about",
    "checks",
    "plans",
    "reviews",
    "maps",
    "asks about",
    "notices",
    "describes",
    "sorts",
    "ranks",
    "practises",
    "explains",
    "builds",
    "tests",
    "chooses",
    "questions",
    "rewrites",
    "records",
    "updates",
]
OBJECTS = [
    "the main barriers to care",
    "one small change",
    "the words we use",
    "a safer plan",
    "the outreach schedule",
    "what people asked for",
    "the intake form",
    "the referral list",
    "a short script",
    "the supply list",
    "the steps on the sheet",
    "three ideas",
    "the hardest question",
    "the program rules",
    "the feedback from last month",
    "a local resource",
    "the agreements on the wall",
    "the risks in each option",
    "a way to follow up",
    "the story from the case",
    "a plain answer",
    "the first step",
    "what went well",
]
TAILS = [
    "before the break",
    "in plain words",
    "with a partner",
    "on a sticky note",
    "for five minutes",
    "without naming anyone",
    "at the front of the room",
    "one at a time",
    "in small groups",
    "on the flip chart",
    "before moving on",
    "for the next session",
    "with care",
    "as a group",
    "in their own words",
    "from the handout",
    "if there is time",
    "and then pauses",
]
HEAD_WORDS = [
    "Listening",
    "Outreach",
    "Supplies",
    "Trust",
    "Referrals",
    "Language",
    "Safety",
    "Consent",
    "Feedback",
    "Rights",
    "Care",
    "Access",
    "Stigma",
    "Power",
    "Support",
    "Planning",
    "Change",
    "Partners",
    "Pay",
    "Leadership",
    "Privacy",
    "Health",
    "Housing",
    "Policing",
    "Money",
]
TOPIC_WORDS = [
    "first contact",
    "the intake desk",
    "night outreach",
    "peer leadership",
    "safer supplies",
    "bad date lists",
    "paying peers",
    "clinic referrals",
    "language and labels",
    "online work",
    "legal risks",
    "self-care",
    "program rules",
    "data and privacy",
    "naloxone training",
    "street-based work",
    "drop-in hours",
    "testing services",
    "housing support",
    "court support",
]
MATERIAL_ITEMS = [
    "Flip chart paper",
    "Markers",
    "Sticky notes",
    "Timer",
    "Pens",
    "Index cards",
    "Masking tape",
    "Printed scenario cards",
    "Tape",
    "A bell",
    "Name tags",
    "Water",
    "Tissues",
    "Blank paper",
]
FORMATS = ["solo", "pairs", "small groups", "whole group"]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def sentence(rng: random.Random) -> str:
    return _cap(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(TAILS)}.")


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def wrap(text: str, width: int = 100) -> str:
    return "\n".join(textwrap.wrap(text, width))


def question(rng: random.Random) -> str:
    return (
        f"What {rng.choice(['would', 'could', 'should', 'does'])} {rng.choice(SUBJECTS)} "
        f"{rng.choice(['change about', 'learn from', 'say about', 'need for'])} {rng.choice(OBJECTS)}?"
    )


def slug(words: list[str]) -> str:
    return "-".join(w.lower().replace(" ", "-") for w in words)


def yaml_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# --- model of what is generated --------------------------------------------------------------


@dataclass
class GeneratedModule:
    id: str
    title: str
    duration: int
    handouts: list[str] = field(default_factory=list)


@dataclass
class Generated:
    root: Path
    modules: list[GeneratedModule]

    @property
    def handouts(self) -> list[str]:
        return [h for m in self.modules for h in m.handouts]

    def track_id(self, module_id: str) -> str:
        return track_of(self.modules)[module_id]


def split_minutes(rng: random.Random, total: int, parts: int) -> list[int]:
    """``parts`` whole numbers of at least 5 that add up to ``total``."""
    cuts = sorted(rng.sample(range(1, total // 5), parts - 1))
    pieces = [b - a for a, b in zip([0, *cuts], [*cuts, total // 5], strict=True)]
    minutes = [p * 5 for p in pieces]
    minutes[-1] += total - sum(minutes)
    return minutes


def module_page(number: int, rng: random.Random) -> tuple[GeneratedModule, str, list[tuple[str, str]]]:
    topic = rng.choice(TOPIC_WORDS)
    head = rng.choice(HEAD_WORDS)
    module_id = f"{number:03d}-{slug([head, *topic.split()])}"[:40].rstrip("-")
    title = f"{head} and {topic} ({number})"
    duration = rng.choice([45, 60, 75, 90])
    handout_ids = [f"m{number:03d}-{slug([w])}" for w in rng.sample(HEAD_WORDS, 2)]
    handout_titles = [f"{h.split('-', 1)[1].title()} worksheet for module {number}" for h in handout_ids]
    minutes = split_minutes(rng, duration, 3)
    formats = [rng.choice(FORMATS) for _ in range(3)]

    def bullets(items: list[str], indent: str = "  ") -> str:
        return "\n".join(f"{indent}- {yaml_str(i)}" for i in items)

    front = "\n".join(
        [
            "---",
            f"title: {yaml_str(title)}",
            f"summary: {yaml_str(paragraph(rng, 1))}",
            f"duration: {duration}",
            "audience: Harm reduction staff, peers and volunteers",
            "objectives:",
            bullets([f"Describe {rng.choice(OBJECTS)} {rng.choice(TAILS)}." for _ in range(4)]),
            "prerequisites: []",
            "materials:",
            bullets([f"{m} ({rng.randint(1, 12)})" for m in rng.sample(MATERIAL_ITEMS, 5)]),
            "preparation:",
            bullets([paragraph(rng, 1) for _ in range(4)]),
            f"handouts: [{', '.join(handout_ids)}]",
            "content_notes:",
            bullets([f"Talk about {rng.choice(OBJECTS)}" for _ in range(2)]),
            "sources:",
            bullets(
                [
                    f'Author{number}, A. ({2000 + number % 25}). "{_cap(rng.choice(OBJECTS))}." Example Press.',
                    f'Writer{number}, B. ({2001 + number % 24}). "{_cap(rng.choice(TOPIC_WORDS))}." Journal of Practice.',
                ]
            ),
            "---",
        ]
    )
    parts = [
        front,
        "",
        ":::{content-note}",
        wrap(paragraph(rng, 4)),
        ":::",
        "",
        ":::{questions}",
        *[f"- {question(rng)}" for _ in range(3)],
        ":::",
    ]
    for index in range(3):
        heading = f"{rng.choice(HEAD_WORDS)}: {rng.choice(TOPIC_WORDS)} (part {index + 1})"
        materials = ", ".join(rng.sample(MATERIAL_ITEMS, 3))
        steps = [f"{i}. {paragraph(rng, 2)} ({rng.randint(1, 5)} min)" for i in range(1, 7)]
        if index == 0:
            steps[1] = (
                f"2. Hand out {{handout}}`{handout_ids[0]}` and {{handout}}`{handout_ids[1]}`. {paragraph(rng, 1)}"
            )
        notes = [f"- {wrap(paragraph(rng, 2), 98)}".replace("\n", "\n  ") for _ in range(4)]
        parts += [
            "",
            f"## {heading}",
            "",
            "::::{activity}",
            f":minutes: {minutes[index]}",
            f":format: {formats[index]}",
            f":materials: {materials}",
            "",
            *steps,
            "",
            ":::{script}",
            wrap(paragraph(rng, 5)),
            "",
            wrap(paragraph(rng, 5)),
            ":::",
            "",
            ":::{facilitator-note}",
            *notes,
            ":::",
            "",
            ":::{debrief}",
            *[f"- {question(rng)}" for _ in range(2)],
            ":::",
            "::::",
        ]
    parts += [
        "",
        "## Key points",
        "",
        ":::{key-points}",
        *[f"- {paragraph(rng, 1)}" for _ in range(4)],
        ":::",
        "",
    ]
    module = GeneratedModule(module_id, title, duration, handout_ids)
    return module, "\n".join(parts), list(zip(handout_ids, handout_titles, strict=True))


def handout_page(title: str, rng: random.Random) -> str:
    rows = [f"| {rng.choice(TOPIC_WORDS)} | {rng.choice(OBJECTS)} | {rng.choice(TAILS)} |" for _ in range(3)]
    return "\n".join(
        [
            "---",
            f"title: {yaml_str(title)}",
            "audience: participant",
            f"summary: {yaml_str(paragraph(rng, 1))}",
            "---",
            "",
            "## What this is about",
            "",
            wrap(paragraph(rng, 5)),
            "",
            "## Things to try",
            "",
            *[f"- **{rng.choice(HEAD_WORDS)}.** {paragraph(rng, 1)}" for _ in range(6)],
            "",
            "## Who does what",
            "",
            "| Topic | What | When |",
            "| --- | --- | --- |",
            *rows,
            "",
            "## Your notes",
            "",
            wrap(paragraph(rng, 6)),
            "",
            wrap(paragraph(rng, 4)),
            "",
        ]
    )


def pack_days(modules: list[GeneratedModule]) -> list[list[GeneratedModule]]:
    """Modules in order, as many per day as fit between DAY_START and DAY_END with breaks."""
    days: list[list[GeneratedModule]] = [[]]
    clock = DAY_START
    for module in modules:
        needed = module.duration + (BREAK_MINUTES if days[-1] else 0)
        if days[-1] and clock + needed > DAY_END:
            days.append([])
            clock = DAY_START
            needed = module.duration
        days[-1].append(module)
        clock += needed
    return days


def track_of(modules: list[GeneratedModule]) -> dict[str, str]:
    """Module id -> id of the track that runs it."""
    days = pack_days(modules)
    return {
        module.id: f"track-{index // DAYS_PER_TRACK + 1:03d}"
        for index, day in enumerate(days)
        for module in day
    }


def curriculum_yaml(modules: list[GeneratedModule]) -> str:
    days = pack_days(modules)
    lines = [
        "# Synthetic curriculum for benchmarks/run.py (generated; do not edit).",
        "site:",
        "  title: Safe Harbor",
        "  subtitle: Synthetic benchmark curriculum",
        "  author: Safe Harbor contributors",
        '  version: "0.1.0"',
        f"  date: {FIXED_DATE}",
        "  language: en",
        "  license: CC BY-SA 4.0",
        "  license_url: https://creativecommons.org/licenses/by-sa/4.0/",
        '  online_address: ""',
        "  facilitator_view: true",
        "",
        "print:",
        "  paper: letter",
        "  bleed: 0mm",
        "  crop_marks: false",
        "  large_print: true",
        "",
        "tracks:",
    ]
    # Real tracks are one- or two-day trainings of a handful of modules, so the synthetic
    # curriculum gets one track per two days (a single 200-module track would make one guide
    # of some 1,700 pages, which no program prints).
    for first in range(0, len(days), DAYS_PER_TRACK):
        chunk = days[first : first + DAYS_PER_TRACK]
        number = first // DAYS_PER_TRACK + 1
        lines += [
            f"  - id: track-{number:03d}",
            f"    title: Track {number}",
            "    description: Modules in order, packed into full days.",
            "    participants: 16",
            "    days:",
        ]
        for day_number, day in enumerate(chunk, start=1):
            lines += [
                f"      - title: Day {day_number}",
                f'        start: "{DAY_START // 60:02d}:{DAY_START % 60:02d}"',
                f'        end: "{DAY_END // 60:02d}:{DAY_END % 60:02d}"',
                "        items:",
            ]
            for index, module in enumerate(day):
                if index:
                    lines.append(f"          - break: {BREAK_MINUTES}")
                lines.append(f"          - module: {module.id}")
    return "\n".join(lines) + "\n"


INDEX = """\
---
title: Safe Harbor
---

A synthetic curriculum generated by `benchmarks/generate.py` to measure the build.

## Modules

:::{module-index}
:::

```{toctree}
:caption: Modules
:maxdepth: 1
:glob:

modules/*/index
```

```{toctree}
:caption: Handouts
:maxdepth: 1
:glob:

handouts/*
```
"""


def generate(root: Path, count: int, seed: int = 20260115) -> Generated:
    """Write a fresh curriculum of ``count`` modules into ``root`` (which is emptied first)."""
    if root.exists():
        shutil.rmtree(root)
    (root / "conf").mkdir(parents=True)
    shutil.copy2(REPO / "conf" / "conf.py", root / "conf" / "conf.py")
    modules: list[GeneratedModule] = []
    for number in range(1, count + 1):
        rng = random.Random(f"{seed}-module-{number}")
        module, text, handouts = module_page(number, rng)
        folder = root / "modules" / module.id
        folder.mkdir(parents=True)
        (folder / "index.md").write_text(text, "utf-8")
        for handout_id, title in handouts:
            handout_rng = random.Random(f"{seed}-handout-{handout_id}")
            (root / "handouts").mkdir(exist_ok=True)
            (root / "handouts" / f"{handout_id}.md").write_text(handout_page(title, handout_rng), "utf-8")
        modules.append(module)
    (root / "conf" / "curriculum.yaml").write_text(curriculum_yaml(modules), "utf-8")
    (root / "index.md").write_text(INDEX, "utf-8")
    return Generated(root, modules)


def word_count(path: Path) -> int:
    text = path.read_text("utf-8")
    if text.startswith("---"):
        text = text.split("\n---", 1)[1]
    return len(text.split())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", type=int, help="number of modules")
    parser.add_argument("root", type=Path, help="folder to write (emptied first)")
    parser.add_argument("--seed", type=int, default=20260115)
    args = parser.parse_args()
    generated = generate(args.root, args.modules, args.seed)
    module_words = [word_count(args.root / "modules" / m.id / "index.md") for m in generated.modules]
    handout_words = [word_count(args.root / "handouts" / f"{h}.md") for h in generated.handouts]
    print(
        f"{len(generated.modules)} modules (~{sum(module_words) // len(module_words)} words of body each), "
        f"{len(generated.handouts)} handouts (~{sum(handout_words) // len(handout_words)} words each) in {args.root}"
    )


if __name__ == "__main__":
    main()
