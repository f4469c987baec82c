"""Where the Sphinx side finds the curriculum configuration and the content folders."""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.errors import ConfigError

from ..config import CurriculumConfig, load_curriculum_config
from ..diagnostics import DiagnosticError

_LOADED: dict[Path, tuple[float, CurriculumConfig]] = {}


def register_config_values(app: Sphinx) -> None:
    app.add_config_value("safe_harbor_curriculum", "curriculum.yaml", "env", str)
    app.add_config_value("safe_harbor_modules_dir", "modules", "env", str)
    app.add_config_value("safe_harbor_handouts_dir", "handouts", "env", str)
    app.add_config_value("safe_harbor_downloads_dir", "downloads", "html", str)
    # Set from conf/curriculum.yaml: every page links across to the other view, so a change
    # must rewrite every page (Sphinx compares "html" settings with its last build).
    app.add_config_value("safe_harbor_view_addresses", "", "html", str)
    app.connect("config-inited", _resolve_config)


def _resolve_config(app: Sphinx, config: Config) -> None:
    path = Path(app.confdir) / config.safe_harbor_curriculum
    config.safe_harbor_curriculum = str(path.resolve())
    try:
        site = load_cached(path.resolve()).site
    except DiagnosticError as exc:
        # Sphinx prints a ConfigError as one clean message, without a traceback.
        raise ConfigError(str(exc)) from None
    config.safe_harbor_view_addresses = (
        f"{site.facilitator_view} {site.facilitator_address} {site.participant_address}"
    )


def load_cached(path: Path) -> CurriculumConfig:
    mtime = path.stat().st_mtime if path.exists() else 0.0
    cached = _LOADED.get(path)
    if cached is None or cached[0] != mtime:
        cached = (mtime, load_curriculum_config(path))
        _LOADED[path] = cached
    return cached[1]


def curriculum_config_path(env: BuildEnvironment) -> Path:
    return Path(env.config.safe_harbor_curriculum)


def curriculum_config(env: BuildEnvironment) -> CurriculumConfig:
    return load_cached(curriculum_config_path(env))


def content_kind(env: BuildEnvironment, docname: str) -> tuple[str, str] | None:
    """('module', id) for modules/<id>/index, ('handout', id) for handouts/<id>, else None."""
    parts = docname.split("/")
    if len(parts) == 3 and parts[0] == env.config.safe_harbor_modules_dir and parts[2] == "index":
        return "module", parts[1]
    if len(parts) == 2 and parts[0] == env.config.safe_harbor_handouts_dir:
        return "handout", parts[1]
    return None
