"""Foundation models end to end: register MiniLM, adapt it three ways on SMS spam, serve the results
to the real transformers and peft clients on loopback.

Each adaptation trains two optimiser steps on 48 messages with inputs cut to 24 tokens, and is
scored on 2% of the messages held out: enough to exercise every path, not to learn much.
"""

from __future__ import annotations

import pytest

from hub.jobs.training import register_base_model
from hub.jobs.loading import loaded_version
from hub.plugins.manager import load_plugins
from hub.registry import Registry

from hub_server import hf_offline_safe, serving

pytestmark = pytest.mark.slow

BASE = "sentence-transformers/all-MiniLM-L6-v2"
TINY = {"max_length": 24, "max_steps": 2, "batch_size": 8}
KINDS = {"full": "text-finetune", "lora": "text-lora", "head": "text-head"}
MESSAGES = ["WINNER!! You have won a 1000 pound prize, call now to claim", "Are we still meeting for lunch?"]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("foundation")


@pytest.fixture(scope="module")
def adapted(folder):
    """A registry holding the base and one version of each adaptation."""
    from hub.jobs.training import train

    registry = Registry(f"sqlite:///{folder / 'registry.db'}", folder / "store")
    plugins = load_plugins()
    base = register_base_model(plugins, registry, BASE)
    versions = {kind: train(plugins, registry, dataset="sms-spam", model_type=model_type, name=f"sms-{kind}",
                            base=base.ref, params=TINY, max_rows=48, test_size=0.02)
                for kind, model_type in KINDS.items()}
    yield plugins, registry, base, versions
    registry.close()


def test_the_base_is_registered_once_with_its_upstream_source(adapted):
    plugins, registry, base, _ = adapted
    assert register_base_model(plugins, registry, BASE).ref == base.ref == f"{BASE}:1"
    assert base.license == "apache-2.0"
    assert base.config["source"] == f"hf:{BASE}@c9745ed1d9f207416be6d2e6f8de32d1f16199bf"
    (edge,) = registry.lineage(base.ref).ancestors  # hub lineage starts at the publisher
    assert (edge.relation, edge.parent, edge.license) == ("copy", base.config["source"], "apache-2.0")


def test_lineage_names_the_exact_base_version_and_the_dataset(adapted):
    _, registry, base, versions = adapted
    for kind, relation in (("full", "finetune"), ("lora", "adapter"), ("head", "finetune")):
        edges = {(edge.relation, edge.parent, edge.depth) for edge in registry.lineage(versions[kind].ref).ancestors}
        assert edges == {(relation, base.ref, 1), ("trained_on", "sms-spam", 1),
                         ("copy", base.config["source"], 2)}, kind
        assert versions[kind].metrics["test"]["accuracy"] >= 0
        assert versions[kind].config["reproducibility"]["base"]["commit"] == base.commit


def test_models_show_says_what_each_adaptation_stores_beyond_the_base(adapted, folder):
    import json

    from click.testing import CliRunner

    from hub.cli import cli

    added = {}
    for kind in KINDS:
        result = CliRunner().invoke(cli, ["--registry", f"sqlite:///{folder / 'registry.db'}", "--store",
                                          str(folder / "store"), "models", "show", f"sms-{kind}", "--json"])
        assert result.exit_code == 0, result.output
        sizes = json.loads(result.stdout)["storage"]["versions"]["1"]
        added[kind] = sizes["logical_bytes"], sizes["stored_beyond_parents_bytes"]
    logical, extra = added["head"]
    assert logical > 90_000_000 and extra < 100_000  # a whole model, stored as its head and config
    logical, extra = added["lora"]
    assert logical < 2_000_000 and extra < 2_000_000  # only the adapter
    logical, extra = added["full"]
    assert extra > 80_000_000  # every weight changed


def test_ecohub_loads_an_adapter_on_its_base_from_the_registry(adapted):
    plugins, registry, _, versions = adapted
    with loaded_version(plugins, registry, versions["lora"]) as loaded:
        assert loaded.model.predict_proba(MESSAGES).shape == (2, 2)


def test_transformers_pipeline_and_from_pretrained_work_against_hub_serve(adapted, monkeypatch, tmp_path):
    from huggingface_hub import constants
    from transformers import AutoModelForSequenceClassification, pipeline

    plugins, registry, _, versions = adapted
    hf_offline_safe(monkeypatch, tmp_path)
    with serving(registry) as url:
        monkeypatch.setattr(constants, "ENDPOINT", url)
        monkeypatch.setattr(constants, "HUGGINGFACE_CO_URL_TEMPLATE", url + "/{repo_id}/resolve/{revision}/{filename}")
        classify = pipeline("text-classification", model="sms-full")
        model = AutoModelForSequenceClassification.from_pretrained("sms-head")

    results = classify(MESSAGES)
    assert {result["label"] for result in results} <= {"ham", "spam"}
    assert model.config.id2label == {0: "ham", 1: "spam"}
    with loaded_version(plugins, registry, versions["full"]) as loaded:
        expected = loaded.model.predict_proba(MESSAGES).max(axis=1)
    assert [round(result["score"], 4) for result in results] == [round(float(score), 4) for score in expected]


PEFT_CLIENT = """
import json, sys, torch
from peft import PeftModel
from transformers import AutoModelForSequenceClassification, AutoTokenizer
base = AutoModelForSequenceClassification.from_pretrained(sys.argv[1], num_labels=2, id2label={0: "ham", 1: "spam"})
model = PeftModel.from_pretrained(base, "sms-lora").eval()
tokenizer = AutoTokenizer.from_pretrained("sms-lora")
with torch.no_grad():
    inputs = tokenizer(json.loads(sys.argv[2]), padding=True, truncation=True, max_length=24, return_tensors="pt")
    print(json.dumps(torch.softmax(model(**inputs).logits, dim=1).tolist()))
"""


def test_peft_loads_the_served_adapter_on_the_served_base(adapted, tmp_path):
    """As a user would: a fresh Python with HF_ENDPOINT pointing at hub serve (peft's own calls read it)."""
    import json
    import os
    import subprocess
    import sys

    plugins, registry, _, versions = adapted
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("HF_", "TRANSFORMERS_"))}
    with serving(registry) as url:
        result = subprocess.run(
            [sys.executable, "-c", PEFT_CLIENT, BASE, json.dumps(MESSAGES)], capture_output=True, text=True,
            timeout=300, env={**environment, "HF_ENDPOINT": url, "HF_HOME": str(tmp_path), "HF_HUB_DISABLE_XET": "1"},
        )
    assert result.returncode == 0, result.stderr[-3000:]
    served = json.loads(result.stdout.strip().splitlines()[-1])
    with loaded_version(plugins, registry, versions["lora"]) as loaded:
        expected = loaded.model.predict_proba(MESSAGES)
    assert abs(expected - served).max() < 1e-4
