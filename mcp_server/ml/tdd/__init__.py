"""The SPEC-driven RED -> GREEN -> REFACTOR cycle (the SPEC itself is read by `ml/spec`): the three
phases (`phases`), the next step after each (`next_steps`), the rendering context of the generated
tests and pipeline (`context`, `imports`), the acceptance scenarios that become tests
(`acceptance_tests`), the generated test files a phase runs and requires (`generated_tests`),
running what was generated (`run`), recording the phases' models as runs (`track`), REFACTOR's
tuning (`tuning_step`), a SPEC's gates applied to any run (`gates`), the data's values as
literals (`literals`) and the TRUST checks of the generated code (`trust`).
"""

__all__ = [
    "acceptance_tests",
    "context",
    "gates",
    "generated_tests",
    "imports",
    "literals",
    "next_steps",
    "phases",
    "run",
    "track",
    "trust",
    "tuning_step",
]
