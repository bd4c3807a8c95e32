"""The SPEC-driven RED -> GREEN -> REFACTOR cycle: reading a SPEC (`spec`), the three phases
(`phases`), the rendering context of the generated tests and pipeline (`context`, `imports`),
running what was generated (`run`), recording the phases' models as runs (`track`) and a SPEC's
gates applied to any run (`gates`).
"""

__all__ = ["context", "gates", "imports", "phases", "run", "spec", "track"]
