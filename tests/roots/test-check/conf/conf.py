# Test curriculum for the contributor checks: every rule has a page line that must trigger it
# (marked "% expect: CODE" on the line before, or "% expect N: CODE" for line N) and near misses
# that must not.  tests/test_check.py copies conf/language.yaml from the real curriculum here.
project = "Check Test Curriculum"
extensions = ["myst_parser", "sphinx_design", "safe_harbor"]
root_doc = "index"
include_patterns = ["index.md", "docs/**", "modules/**", "handouts/**"]
exclude_patterns = ["_build"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_title_to_header = True
myst_heading_anchors = 3
html_theme = "furo"
html_copy_source = False
suppress_warnings = ["myst.header"]
