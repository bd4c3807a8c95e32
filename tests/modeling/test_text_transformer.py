"""The Transformer encoder trained from scratch on free text: its tokenizer learns from the training
split only, one seed gives one model on the CPU, the pickled model predicts on raw strings, and
the product's pipeline hands it the table's text column and says which columns it ignores."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from mcp_server.core.errors import DataError
from mcp_server.ml.modeling.text_io import validation_positions
from tests.text_support import support_tickets

# module fixtures: built once, on one worker
pytestmark = pytest.mark.xdist_group("text_transformer")

pytest.importorskip("tokenizers")
torch = pytest.importorskip("torch")

TINY = {"d_model": 16, "n_heads": 2, "n_layers": 1, "dim_feedforward": 32, "max_length": 24}
QUICK = {**TINY, "max_epochs": 2, "patience": 1, "batch_size": 32}


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    return support_tickets(240, seed=3)


def test_the_tokenizer_learns_only_from_the_training_rows_never_validation_or_holdout(tickets):  # type: ignore[no-untyped-def]
    from mcp_server.ml.modeling.text_transformer import TextTransformerClassifier

    train, holdout = tickets.iloc[:200].copy(), tickets.iloc[200:].copy()
    codes = np.unique(train["queue"], return_inverse=True)[1]
    fit_rows, valid_rows = validation_positions(codes, 0.1, 0)
    texts = train["text"].tolist()
    for i in fit_rows[:3]:
        texts[i] += " quokkaword"  # three training rows
    for i in valid_rows[:3]:
        texts[i] += " wombatword"  # three of the network's validation rows
    holdout["text"] = holdout["text"] + " platypusword"
    model = TextTransformerClassifier(vocab_size=3000, **QUICK).fit(texts, train["queue"])
    vocab = model.vocabulary()
    assert "quokkaword" in vocab
    assert "wombatword" not in vocab and "platypusword" not in vocab
    assert model.predict(holdout[["text"]]).shape == (40,)


def test_one_seed_gives_one_model_and_the_device_it_trained_on_is_recorded(tickets):  # type: ignore[no-untyped-def]
    from mcp_server.ml.modeling.text_transformer import TextTransformerClassifier

    X, y = tickets[["text"]], tickets["queue"]
    first = TextTransformerClassifier(random_state=7, **QUICK).fit(X, y)
    again = TextTransformerClassifier(random_state=7, **QUICK).fit(X, y)
    other = TextTransformerClassifier(random_state=8, **QUICK).fit(X, y)
    assert first.tokenizer_json_ == again.tokenizer_json_
    assert np.array_equal(first.predict_proba(X), again.predict_proba(X))
    assert not np.array_equal(first.predict_proba(X), other.predict_proba(X))
    expected = "cuda" if torch.cuda.is_available() else first.device_
    assert first.device_ == expected and first.device_ in ("cpu", "cuda", "mps")
    assert first.history_[-1]["epoch"] == first.n_epochs_ <= 2


def test_a_joblib_round_trip_predicts_on_raw_strings_a_series_and_a_table(tickets, tmp_path: Path):  # type: ignore[no-untyped-def]
    from mcp_server.ml.modeling.text_transformer import TextTransformerClassifier

    model = TextTransformerClassifier(text_column="text", **QUICK).fit(tickets, tickets["queue"])
    joblib.dump(model, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    one = "I was charged twice for my laptop, please refund me"
    assert loaded.predict([one])[0] in set(tickets["queue"])
    assert np.allclose(loaded.predict_proba([one]), model.predict_proba(pd.Series([one])))
    assert np.allclose(loaded.predict_proba(one), model.predict_proba([one]))
    table = pd.DataFrame({"priority": [1, 2], "text": [one, None]})  # the named column is read
    assert loaded.predict_proba(table).shape == (2, 5)


def test_the_pipeline_hands_the_family_the_text_column_and_warns_of_the_columns_it_ignores(
    tickets,
):  # type: ignore[no-untyped-def]
    from mcp_server.ml.data.kinds.table import TableKind
    from mcp_server.ml.modeling.dataset import schema_from
    from mcp_server.ml.modeling.preprocess import build_pipeline, ignored_columns

    schema, _ = schema_from(tickets, TableKind().profile(tickets, "queue", "auto"), None)
    assert schema.of_kind("text") == ["text"]
    pipeline = build_pipeline(schema, "text_transformer", dict(QUICK), 0)
    assert pipeline.named_steps["model"].text_column == "text"
    (warning,) = ignored_columns(schema, "text_transformer")
    assert "reads only the text column 'text'; it ignores priority" in warning
    assert ignored_columns(schema, "logistic_regression") == []
    table = tickets[["priority", "queue"]]
    numbers, _ = schema_from(table, TableKind().profile(table, "queue", "auto"), None)
    with pytest.raises(DataError, match="text_transformer reads a free-text column"):
        build_pipeline(numbers, "text_transformer", None, 0)


def test_a_fine_tuned_checkpoint_has_no_onnx_route_and_the_refusal_names_joblib_and_pyfunc():
    from sklearn.pipeline import Pipeline

    from mcp_server.core.errors import MoaiMlError
    from mcp_server.ml.export.onnx_text import text_onnx_bytes
    from mcp_server.ml.modeling.text_pretrained import PretrainedTextClassifier

    pipeline = Pipeline([("preprocess", "passthrough"), ("model", PretrainedTextClassifier())])
    with pytest.raises(MoaiMlError) as refused:
        text_onnx_bytes(pipeline, None, "text_pretrained", pd.DataFrame())  # type: ignore[arg-type]
    message = str(refused.value)
    assert message.startswith("text_pretrained has no ONNX route")
    assert "format='joblib' or format='pickle'" in message
    assert "mlflow.pyfunc.load_model" in message
    assert "\n" not in message


def test_a_text_network_on_thousands_of_rows_is_estimated_long_enough_to_run_as_a_job(
    tmp_path: Path,
):
    from mcp_server.files.workspace import Workspace
    from mcp_server.tools._background import INLINE_LIMIT_S
    from mcp_server.tools._estimates import compare_estimate, train_estimate

    support_tickets(3000, seed=1).to_csv(tmp_path / "tickets.csv", index=False)
    workspace = Workspace(tmp_path)
    table = {"data_path": "tickets.csv", "target": "queue"}
    assert train_estimate(workspace, {**table, "model": "text_transformer"}) > INLINE_LIMIT_S
    assert train_estimate(workspace, {**table, "model": "logistic_regression"}) < INLINE_LIMIT_S
    both = {**table, "models": ["logistic_regression", "text_transformer"], "cv_folds": 2}
    assert compare_estimate(workspace, both) > INLINE_LIMIT_S
