"""The three adaptations on a tiny slice: what each stores, and that training is reproducible."""

import hashlib
import json
import struct

import pytest

from hub.errors import HubError
from ecohub_transformers.classifier import TextClassifier

BASE = "sentence-transformers/all-MiniLM-L6-v2"


def tensor_digests(path):
    """sha256 of each tensor's bytes in a safetensors file, by tensor name."""
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    header.pop("__metadata__", None)
    start = 8 + length
    return {name: hashlib.sha256(data[start + e["data_offsets"][0]:start + e["data_offsets"][1]]).hexdigest()
            for name, e in header.items()}


def fitted(adaptation, sms, minilm, tiny, **params):
    X, y = sms
    return TextClassifier(adaptation=adaptation, **{**tiny, **params}).fit(X, y, base=minilm, base_name=BASE,
                                                                            classes=("ham", "spam"))


def test_head_only_leaves_every_encoder_tensor_byte_identical_to_the_base(sms, minilm, tiny, tmp_path):
    fitted("head", sms, minilm, tiny, max_steps=5).save(tmp_path)

    saved, base = tensor_digests(tmp_path / "model.safetensors"), set(tensor_digests(minilm / "model.safetensors").values())
    assert sorted(name for name, digest in saved.items() if digest not in base) == ["classifier.bias", "classifier.weight"]
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["id2label"] == {"0": "ham", "1": "spam"}
    for name in ("tokenizer.json", "vocab.txt"):  # copied byte for byte, so the store keeps one copy
        assert (tmp_path / name).read_bytes() == (minilm / name).read_bytes()


def test_lora_stores_only_the_adapter_and_names_the_registered_base(sms, minilm, tiny, tmp_path):
    model = fitted("lora", sms, minilm, tiny)
    model.save(tmp_path)

    names = sorted(p.name for p in tmp_path.iterdir())
    assert "model.safetensors" not in names and "README.md" not in names
    assert {"adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "ecohub.json"} <= set(names)
    assert (tmp_path / "adapter_model.safetensors").stat().st_size < 2_000_000
    adapter = json.loads((tmp_path / "adapter_config.json").read_text())
    assert adapter["base_model_name_or_path"] == BASE
    assert adapter["r"] == 8 and sorted(adapter["target_modules"]) == ["query", "value"]
    assert {"classifier", "pooler"} <= set(adapter["modules_to_save"])
    with pytest.raises(HubError, match="needs its base model's files"):
        TextClassifier.load(tmp_path)


@pytest.mark.slow
def test_lora_with_its_default_parameters_learns_both_classes_of_a_small_slice(minilm):
    """Three epochs on 160 messages (21 spam): the defaults must learn spam, not settle on 'ham'."""
    import os
    from pathlib import Path

    import pandas as pd

    from ecohub_transformers import LORA

    table = pd.read_csv(Path(os.environ.get("HUB_DATA_DIR", "../shared/data")) / "sms_spam.csv.gz")
    table = table.sample(frac=1.0, random_state=0).reset_index(drop=True)
    y = (table.label == "spam").to_numpy().astype("int64")
    train, held_out = slice(0, 160), slice(2000, 2200)
    model = TextClassifier(adaptation="lora", **{**LORA.default_params, "max_length": 32}).fit(
        table[["text"]][train], y[train], base=minilm, base_name=BASE, classes=("ham", "spam"))

    predicted = model.predict(table[["text"]][held_out])
    assert set(predicted) == {0, 1}
    assert (predicted == y[held_out]).mean() > 0.9
    assert predicted[y[held_out] == 1].mean() > 0.5  # most spam is caught


def test_same_seed_gives_identical_predictions(sms, minilm, tiny):
    X, _ = sms
    first = fitted("full", sms, minilm, tiny, random_state=3).predict_proba(X)
    second = fitted("full", sms, minilm, tiny, random_state=3).predict_proba(X)
    assert (first == second).all()


def test_a_base_that_is_not_a_transformer_is_refused_clearly(sms, tmp_path, tiny):
    X, y = sms
    with pytest.raises(HubError, match="not a Hugging Face transformers model"):
        TextClassifier(**tiny).fit(X, y, base=tmp_path, base_name="credit-risk")


def test_bad_parameters_are_refused_before_loading_anything():
    with pytest.raises(HubError, match="adaptation"):
        TextClassifier(adaptation="prefix")
    with pytest.raises(HubError, match="max_length"):
        TextClassifier(max_length=1)
