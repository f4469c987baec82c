project = "Test Curriculum"
extensions = ["myst_parser", "sphinx_design", "safe_harbor"]
root_doc = "index"
include_patterns = ["index.md", "docs/**", "modules/**", "handouts/**"]
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence"]
myst_title_to_header = True
html_theme = "furo"
html_copy_source = False
html_show_sourcelink = False
html_static_path: list[str] = []
# The test curriculum is much smaller than a real one: relax the content rules (tests/roots/test-check tests them).
safe_harbor_min_activities = 1
safe_harbor_activity_parts: list[str] = []
safe_harbor_module_parts: list[str] = []
safe_harbor_handout_min_words = 0
