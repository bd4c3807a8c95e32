"""The SPEC-driven RED -> GREEN -> REFACTOR cycle (the SPEC itself is read by `ml/spec`): the three
phases as capabilities of the lifecycle driver (`capabilities`, their `requests`), run in the
caller's process too (`phases`, `refactor`); the SPEC loaded and a phase's files rendered
(`rendering`), a pipeline trained and tested in the job (`attempts`), REFACTOR's selection on a
copy of the project (`refactor_job`, `staged`), the one judge of a phase's run (`judge`), what a
phase answers (`results`), the next step after each (`next_steps`), the rendering context of the
generated tests and pipeline (`context`, `imports`), the acceptance scenarios that become tests
(`acceptance_tests`), the generated test files a phase runs and requires (`generated_tests`),
running what was generated (`run`), staging the phases' models as runs (`track`), REFACTOR's
tuning (`tuning_step`), a SPEC's gates applied to any run (`gates`), the data's values as
literals (`literals`) and the TRUST checks of the generated code (`trust`).
"""

__all__ = [
    "acceptance_tests",
    "attempts",
    "capabilities",
    "context",
    "gates",
    "generated_tests",
    "imports",
    "judge",
    "literals",
    "next_steps",
    "phases",
    "refactor",
    "refactor_job",
    "rendering",
    "requests",
    "results",
    "run",
    "staged",
    "track",
    "trust",
    "tuning_step",
]
