"""The SPEC-driven RED -> GREEN -> REFACTOR cycle: reading a SPEC (`spec`), a ready `## ML` block
from a profile (`spec_block`), the three phases (`phases`), the next step after each
(`next_steps`), the rendering context of the generated tests and pipeline (`context`, `imports`),
running what was generated (`run`), recording the phases' models as runs (`track`) and a SPEC's
gates applied to any run (`gates`).
"""

__all__ = ["context", "gates", "imports", "next_steps", "phases", "run", "spec", "spec_block", "track"]
