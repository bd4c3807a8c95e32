"""Results and argument types of `ml_tune` (their JSON schemas are what clients see)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from mcp_server.ml.modeling import catalog
from mcp_server.tools.args import Families, Family, RejectedReason

STUDY = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"


class Trial(BaseModel):
    number: int = Field(description="Trial number in the study")
    model: str | None = Field(description="Registry model family")
    value: float | None = Field(description="Mean CV score of the metric")
    std: float | None = Field(description="Its standard deviation over the folds")
    fit_s: float | None = Field(description="Mean fit time of one fold, seconds")
    params: str = Field(description="Sampled parameters (JSON)")


class Member(BaseModel):
    model: str = Field(description="Registry model family")
    params: dict[str, Any] = Field(description="Its parameters")
    weight: int = Field(description="Its weight in the soft vote (1 for a single model)")
    trial: int = Field(description="The trial it comes from")


class GateRow(BaseModel):
    metric: str = Field(description="A SPEC gate's metric")
    needs: str = Field(description="Its threshold, e.g. '>= 0.8'")
    holdout: float | None = Field(description="On the SPEC's holdout (spec_path only)")
    met: bool = Field(description="Met (on the holdout if any, else in CV)")


class TuneResult(BaseModel):
    run_id: str = Field(
        description="MLflow run of the refitted winner; pass it to ml_evaluate, ml_export, serving"
    )
    experiment: str = Field(description="MLflow experiment of the run")
    task: Literal["binary", "multiclass", "regression"] = Field(
        description="Task inferred or given"
    )
    metric: str = Field(description="The metric searched")
    higher_is_better: bool = Field(description="Its direction")
    strategy: str = Field(description="Search strategy used")
    best_model: str = Field(description="Winning family, or 'ensemble' (soft vote of members)")
    best_params: dict[str, Any] = Field(
        description="Parameters of the winning single model (empty for an ensemble)"
    )
    members: list[Member] = Field(
        description="What was refitted: one member, or the ensemble's members"
    )
    best_cv: float = Field(description="Mean CV score of the winner")
    best_cv_std: float = Field(description="Its standard deviation over the folds")
    trials_done: int = Field(description="Finished trials in the study")
    trials_pruned: int = Field(
        description="Trials stopped early (pruned across folds, by the budget, or a repeat of a "
        "configuration already scored)"
    )
    trials_failed: int = Field(description="Trials that raised an error")
    trials_this_call: int = Field(
        description="Trials this call added to the study (workers add theirs)"
    )
    leaderboard: list[Trial] = Field(description="The best finished trials (up to 10)")
    param_importances: dict[str, float] = Field(
        description="Importance of the winning family's parameters (random-forest impurity over "
        "the "
        "trials)"
    )
    study_name: str = Field(description="Optuna study; workers join it with moai-ml tune-worker")
    storage: str = Field(description="Where the study lives (password hidden)")
    dashboard: str = Field(
        description="Command that opens the study in optuna-dashboard (the tune extra has it)"
    )
    search_s: float = Field(description="Wall time of the search")
    refit_s: float = Field(description="Wall time of the refit")
    rows: int = Field(description="Rows in the table")
    train_rows: int = Field(description="Rows searched and refitted on (spec_path: no holdout)")
    holdout_metrics: dict[str, float | None] | None = Field(
        description="The winner on the SPEC's holdout (spec_path), which the gates judge"
    )
    gates: list[GateRow] = Field(description="Each SPEC gate against CV and holdout")
    warnings: list[str] = Field(description="Things to know about the data")
    ran_on: str = Field(description="local, or the Dask cluster: workers, dashboard")
    artifacts: str = Field(description="Run artifacts: trials/trials.csv, plots/*.png, the model")
    gates_passed: bool | None = Field(
        description="Met the SPEC's gates (holdout with spec_path, else CV); null: none"
    )
    rejected_reason: RejectedReason
    verdict: str = Field(description="Whether tuning closed the gap, in one sentence")
    next_step: str = Field(description="The call to make next")


# ml_tune's own arguments
Strategy = Annotated[
    Literal["auto", "grid", "random", "optuna", "hyperopt"],
    Field(
        description="auto: AutoML "
        "(portfolio, TPE with pruning, ensemble if it wins on CV); optuna and hyperopt: TPE"
    ),
]
SearchSpace = Annotated[
    dict[Family, dict[str, Any]] | None,
    Field(
        description=f"Per model: {catalog.space_example()} (a range); a list = choices, "
        "a scalar = fixed"
    ),
]
Storage = Annotated[
    str | None,
    Field(
        min_length=3,
        max_length=2048,
        description="Study storage URL (postgresql://... to share with moai-ml tune-worker); "
        "default "
        "SQLite",
    ),
]


Models = Annotated[
    Families | None,
    Field(
        description="Registry families to search (default: linear, tree ensembles, boosters "
        "installed)"
    ),
]
TimeBudget = Annotated[
    float, Field(ge=1, le=86400, description="Search budget, s (the refit comes after)")
]
TrialLimit = Annotated[
    int | None, Field(ge=1, le=100000, description="Stop after this many trials")
]
StudyName = Annotated[
    str | None, Field(pattern=STUDY, description="Optuna study to create or join")
]
