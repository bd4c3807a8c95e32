"""A model after it ships: data drift with Evidently's default tests (`stattests`, `drift`, one
check
as the tool runs it in `drift_run`), the rows they read (`sources`: tables, a run's training data,
prediction logs), metrics per chunk and their label-free estimate (`performance`, `estimate`,
`scoring`), gated promotion against the champion (`promotion`), the model card (`card`,
`card_render`), their figures (`plots`) and what a run's SPEC says (`spec_info`)."""

__all__ = [
    "card",
    "card_render",
    "drift",
    "drift_run",
    "estimate",
    "performance",
    "plots",
    "promotion",
    "scoring",
    "sources",
    "spec_info",
    "stattests",
]
