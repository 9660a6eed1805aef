"""The hub_base_models hook: the packaged MiniLM, offered without downloading anything."""

from hub.registry import licenses
from hub.registry.naming import validate_external
from hub.specs import BaseModelSpec

import ecohub_transformers


def test_hook_hub_base_models(hub_plugins):
    hub_plugins.register(ecohub_transformers, "transformers")
    provided = hub_plugins.get("base_models", "sentence-transformers/all-MiniLM-L6-v2")

    spec = provided.spec
    assert isinstance(spec, BaseModelSpec) and provided.plugin == "transformers"
    assert licenses.get(spec.license).key == "apache-2.0"
    assert validate_external(spec.source) == "hf:sentence-transformers/all-MiniLM-L6-v2@c9745ed1d9f207416be6d2e6f8de32d1f16199bf"
    folder = spec.files()  # checks the weights against the upstream revision's
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in folder.iterdir()}
