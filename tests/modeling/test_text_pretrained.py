"""Fine-tuning a `transformers` text checkpoint saved locally (a tiny BERT config and a WordPiece
tokenizer trained with `tokenizers`, no download): a new head for the classes, the backbone frozen
or fine-tuned, the fitted model pickled and predicting on raw strings; a hub id that cannot be
fetched is one line naming the local-folder alternative."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest

from tests.text_support import support_tickets

transformers = pytest.importorskip("transformers")
torch = pytest.importorskip("torch")
# transformers' import and a fresh process: ~25 s of CPU
pytestmark = pytest.mark.slow

QUICK = {"max_epochs": 2, "patience": 1, "batch_size": 16, "max_length": 32, "learning_rate": 1e-3}
SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


@pytest.fixture(scope="module")
def tickets() -> pd.DataFrame:
    return support_tickets(120, seed=5)


def tiny_bert(folder: Path, texts: list[str]) -> str:
    """A 1-layer BERT and its tokenizer, written by save_pretrained into `folder`."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(
        texts, trainers.WordPieceTrainer(vocab_size=500, special_tokens=SPECIAL)
    )
    cls, sep = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
    )
    config = transformers.BertConfig(
        vocab_size=tokenizer.get_vocab_size(),
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=64,
        num_labels=2,
    )
    torch.manual_seed(0)  # the same "pretrained" weights on every run, as a real checkpoint's
    transformers.BertForSequenceClassification(config).save_pretrained(folder)
    fast.save_pretrained(folder)
    return str(folder)


def test_a_frozen_backbone_keeps_its_weights_and_the_pickled_model_predicts_on_strings(
    tickets, tmp_path: Path
):  # type: ignore[no-untyped-def]
    from mcp_server.ml.modeling.text_pretrained import PretrainedTextClassifier

    checkpoint = tiny_bert(tmp_path / "bert", tickets["text"].tolist())
    before = transformers.BertForSequenceClassification.from_pretrained(checkpoint)
    model = PretrainedTextClassifier(checkpoint=checkpoint, freeze_backbone=True, **QUICK).fit(
        tickets[["text"]], tickets["queue"]
    )
    net = model.module_.model
    assert net.classifier.out_features == 5 and model.device_ in ("cpu", "cuda", "mps")
    assert all(
        np.array_equal(a.detach().numpy(), b.detach().numpy())
        for a, b in zip(before.bert.parameters(), net.bert.parameters(), strict=True)
    )
    joblib.dump(model, tmp_path / "m.joblib")
    again = joblib.load(tmp_path / "m.joblib")
    one = tickets["text"].iloc[0]
    assert np.allclose(again.predict_proba([one]), model.predict_proba(tickets[["text"]].head(1)))
    assert again.predict(["where is my parcel, it never arrived"])[0] in set(tickets["queue"])


def test_fine_tuning_changes_the_backbone_and_one_seed_gives_one_model(tickets, tmp_path: Path):  # type: ignore[no-untyped-def]
    from mcp_server.ml.modeling.text_pretrained import PretrainedTextClassifier

    checkpoint = tiny_bert(tmp_path / "bert", tickets["text"].tolist())
    before = transformers.BertForSequenceClassification.from_pretrained(checkpoint)
    X, y = tickets["text"], tickets["queue"]
    model = PretrainedTextClassifier(checkpoint=checkpoint, **QUICK).fit(X, y)
    again = PretrainedTextClassifier(checkpoint=checkpoint, **QUICK).fit(X, y)
    changed = [
        not np.array_equal(a.detach().numpy(), b.detach().numpy())
        for a, b in zip(
            before.bert.parameters(), model.module_.model.bert.parameters(), strict=True
        )
    ]
    assert any(changed)
    assert np.array_equal(model.predict_proba(X), again.predict_proba(X))


def test_a_hub_id_that_cannot_be_fetched_names_the_local_folder_alternative():
    script = (
        "from mcp_server.ml.modeling.text_pretrained import load_text_checkpoint\n"
        "try:\n    load_text_checkpoint('no-such-org/no-such-model', 3)\n"
        "except ValueError as exc:\n    print(exc)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env={"HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        check=True,
    ).stdout
    assert "cannot load the checkpoint 'no-such-org/no-such-model'" in out
    assert out.strip().endswith(
        "pass a local folder written by save_pretrained (model and tokenizer) as checkpoint instead"
    )
    assert len(out.strip().splitlines()) == 1
