"""Extra Sphinx builders: the facilitator view and the print fragments.

Both reuse the environment (the parsed doctrees) the participant build wrote, so a complete build
reads every source once and writes it three times.
"""
