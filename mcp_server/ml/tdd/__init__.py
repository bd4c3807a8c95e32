"""The SPEC-driven RED -> GREEN -> REFACTOR cycle: reading a SPEC (`spec`), the three phases
(`phases`), the rendering context of the generated tests and pipeline (`context`, `imports`),
running what was generated (`run`) and recording the phases' models as runs (`track`).
"""

__all__ = ["context", "imports", "phases", "run", "spec", "track"]
