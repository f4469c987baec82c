"""Sphinx configuration for Safe Harbor.

Builds the participant site with plain Sphinx too:
    sphinx-build -c conf -D safe_harbor_view_switch=0 . _build/plain
The curriculum itself (site metadata, print defaults, tracks) is in conf/curriculum.yaml.
"""

project = "Safe Harbor"
author = "Safe Harbor contributors"
copyright = "2026, Safe Harbor contributors. Content: CC BY-SA 4.0"
language = "en"

extensions = ["myst_parser", "sphinx_design", "safe_harbor"]

root_doc = "index"
# The repository root is the source folder; only these parts of it are pages.
include_patterns = ["index.md", "docs/**", "modules/**", "handouts/**"]
# Excluding whole folders also keeps Sphinx from walking them when it looks for pages.
exclude_patterns = [
    "_build",
    ".*",
    "**/.*",
    "src",
    "tests",
    "benchmarks",
    "requirements",
    "conf",
]

myst_enable_extensions = ["colon_fence", "deflist", "fieldlist"]
myst_title_to_header = True  # module and handout titles live in front matter
myst_heading_anchors = 3

html_theme = "furo"
html_title = "Safe Harbor"
html_copy_source = False  # page sources hold facilitator-only text: never publish them
html_show_sourcelink = False
html_static_path: list[str] = []
html_theme_options = {
    "top_of_page_buttons": [],  # no "edit"/"view source" links
}
html_permalinks_icon = "#"
suppress_warnings = ["myst.header"]
