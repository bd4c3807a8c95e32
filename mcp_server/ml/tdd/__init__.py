"""The SPEC-driven RED -> GREEN -> REFACTOR cycle: reading a SPEC (`spec`), a ready `## ML` block
from a profile (`spec_block`), the three phases (`phases`), the next step after each
(`next_steps`), the rendering context of the generated tests and pipeline (`context`, `imports`),
running what was generated (`run`), recording the phases' models as runs (`track`), a SPEC's
gates applied to any run (`gates`), MoAI's two SPEC formats (`moai_format`), acceptance.md's
scenarios (`acceptance`) and the TRUST checks of the generated code (`trust`).
"""

__all__ = [
    "acceptance",
    "context",
    "gates",
    "imports",
    "moai_format",
    "next_steps",
    "phases",
    "run",
    "spec",
    "spec_block",
    "track",
    "trust",
]
