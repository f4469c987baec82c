"""Shared fixtures: small test curricula under tests/roots/, built end to end in a temp folder."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from safe_harbor.model import is_facilitator_pdf
from safe_harbor.pipeline import BuildOptions, BuildReport, build

ROOTS = Path(__file__).parent / "roots"
# Tests that build a curriculum end to end (sites and PDFs) are `slow`: `./dev test --fast`
# skips them, CI runs them.  Everything else checks one part on a small input.
END_TO_END_FIXTURES = frozenset({"basic_build", "make_build", "real_build"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if END_TO_END_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@dataclass
class Built:
    root: Path
    out: Path
    report: BuildReport

    @property
    def site(self) -> Path:
        return self.out / "site"

    @property
    def downloads(self) -> Path:
        return self.out / "site" / "downloads"

    @property
    def facilitator(self) -> Path:
        return self.out / "facilitator"

    @property
    def facilitator_downloads(self) -> Path:
        return self.out / "facilitator" / "downloads"

    def pdf(self, name: str) -> Path:
        """A PDF by its path in a downloads folder: guides in the facilitator view's, the rest in the site's."""
        return (self.facilitator_downloads if is_facilitator_pdf(name) else self.downloads) / name

    def pdfs(self) -> dict[str, Path]:
        return {
            p.relative_to(folder).as_posix(): p
            for folder in (self.downloads, self.facilitator_downloads)
            for p in sorted(folder.rglob("*.pdf"))
        }

    def rebuild(self, **options: object) -> BuildReport:
        options.setdefault("jobs", 2)
        self.report = build(BuildOptions(root=self.root, out=self.out, **options))  # type: ignore[arg-type]
        return self.report


def replace_in(path: Path, old: str, new: str) -> None:
    """Edit a copied test file in place; the text to replace must be there."""
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def without_file_facts(html: str) -> str:
    """A page without the size and page count of its downloads (known only once PDFs exist)."""
    return re.sub(r'<span class="sh-file-facts">[^<]*</span>', '<span class="sh-file-facts"></span>', html)


def copy_root(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(ROOTS / name, target)
    return target


@pytest.fixture
def make_build(tmp_path: Path) -> Callable[..., Built]:
    def factory(name: str = "test-basic", **options: object) -> Built:
        root = copy_root(name, tmp_path)
        out = tmp_path / "out"
        report = build(BuildOptions(root=root, out=out, jobs=2, **options))  # type: ignore[arg-type]
        return Built(root, out, report)

    return factory


@pytest.fixture(scope="session")
def basic_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """One complete build of test-basic shared by the read-only tests."""
    base = tmp_path_factory.mktemp("basic")
    root = copy_root("test-basic", base)
    out = base / "out"
    report = build(BuildOptions(root=root, out=out, jobs=2))
    assert not report.errors, [d.format() for d in report.errors]
    return Built(root, out, report)
