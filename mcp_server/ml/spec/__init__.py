"""Reading a MoAI SPEC, for every tool and capability: the one function `reader.load_spec`
(an id `ML-010`, `SPEC-ML-010`, a folder or a spec.md, always through `Workspace.resolve`, plus
the caller's fields) and `reader.spec_of` (the SPEC a run names, if it has a file); the file as a
document (`document`: frontmatter, sections, the `## ML` yaml, requirements, title), the `## ML`
fields and their checks (`fields`), MoAI's two SPEC formats (`moai_format`), acceptance.md's
Given/When/Then scenarios (`acceptance`), and a ready `## ML` block from a profile
(`starter_block`). Sits just above `modeling`: it checks metric and model names against them.
"""

__all__ = ["acceptance", "document", "fields", "moai_format", "reader", "starter_block"]
