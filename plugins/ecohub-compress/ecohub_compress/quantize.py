"""The ``int8`` deriver: export the parent to ONNX and quantize its weights to int8, dynamically.

Why ONNX Runtime rather than ``torch.ao.quantization.quantize_dynamic``: torch's int8 linear layers
keep packed weights that safetensors cannot hold, so saving them means pickle, and ecohub loads no
pickle. An ONNX file is a protobuf, data only; ONNX Runtime's int8 matrix kernels are fast on CPUs,
and the quantized version then runs without torch at all.

Dynamic quantization stores every matrix multiplication's weights as int8 (per tensor, or per
output channel with ``per_channel=true``) and quantizes activations on the fly, batch by batch, so
it needs no calibration data. Embeddings, layer norms and softmax stay in float.

Before quantizing a transformer, ONNX Runtime's transformer optimizer fuses the exported graph's
small operators (residual add + layer norm into ``SkipLayerNormalization``, bias + GELU into
``BiasGelu``). Once the matrix multiplications are int8, those element-wise operators are most of
the time left, so fusing them is what makes the int8 version clearly faster than its parent, not
only smaller (``benchmarks/train.py`` measures both). The fused operators are ONNX Runtime's own
(``com.microsoft`` domain), so the graph still needs no custom operator library.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterator

from hub.errors import HubError
from hub.specs import (TABULAR_REGRESSION, TEXT_CLASSIFICATION, DeriveRequest, Derived, DeriverSpec, ProgressCallback,
                       no_progress)

from ecohub_compress.runtime import FORMAT, GRAPH, SETTINGS, TABULAR, TEXT, TOKENIZER

OPSET = 18
PARAMS = ("per_channel",)
BERT_LIKE = ("bert", "roberta", "xlm-roberta", "camembert", "distilbert", "electra")
"""Encoder architectures whose exported graphs ONNX Runtime's ``bert`` optimizer knows how to fuse."""


def derive(request: DeriveRequest) -> Derived:
    """Write ``model.onnx`` (int8), ``ecohub.json`` and, for text, the parent's ``tokenizer.json``."""
    unknown = sorted(set(request.params) - set(PARAMS))
    if unknown:
        raise HubError(f"The int8 deriver has no parameter {', '.join(unknown)}.",
                       f"Its parameters: {', '.join(PARAMS)}.")
    per_channel = request.params.get("per_channel", False)
    if not isinstance(per_channel, bool):
        raise HubError(f"per_channel={per_channel!r} is not true or false.", "Pass --param per_channel=true.")
    details = quantize(request.model, request.parent.framework, request.directory, request.output,
                       per_channel=per_channel, progress=request.progress)
    return Derived(trainer="onnx", framework="onnx", model_type=f"{request.parent.model_type}-int8", details=details)


def quantize(model: Any, framework: str, directory: Path, output: Path, *, per_channel: bool = False,
             progress: ProgressCallback = no_progress) -> dict[str, Any]:
    """Quantize ``model`` (loaded by the ``framework`` trainer from ``directory``) into ``output``;
    returns what was done. ``benchmarks/train.py`` calls this too."""
    import json

    with tempfile.TemporaryDirectory(prefix="hub-int8-") as work:
        float_graph = Path(work) / "float.onnx"
        progress("exporting to ONNX", 0.0)
        fused: dict[str, int] = {}
        if framework == "transformers":
            settings = _export_text(model, Path(directory), Path(output), float_graph)
            progress("fusing the transformer's operators", 0.4)
            fused = _fuse(float_graph, model.model_.config)
        elif framework == "torch":
            settings = _export_tabular(model, float_graph)
        else:
            raise HubError(f"The int8 deriver quantizes transformers and torch models, not {framework} ones.")
        progress("quantizing weights to int8", 0.6)
        quantized = _quantize(float_graph, Path(output) / GRAPH, per_channel)
    (Path(output) / SETTINGS).write_text(json.dumps(settings, indent=2, sort_keys=True))
    return {"scheme": "dynamic int8 (ONNX Runtime)", "weights": "int8, symmetric",
            "activations": "uint8, quantized per batch at run time", "per_channel": per_channel,
            "quantized_operators": quantized, "fused_operators": fused, "opset": OPSET, "format": FORMAT,
            "parent_framework": framework, **_versions()}


def _export_text(classifier: Any, directory: Path, output: Path, path: Path) -> dict[str, Any]:
    """The classifier's transformer (LoRA adapters merged in) with token ids and mask as inputs."""
    import torch

    network = classifier.model_
    if hasattr(network, "merge_and_unload"):
        network = network.merge_and_unload()
    tokenizer_file = directory / TOKENIZER
    if not tokenizer_file.is_file():
        raise HubError(f"The model's files have no {TOKENIZER}, which its quantized version needs to read text.",
                       "Quantize a model whose base ships a fast tokenizer (tokenizer.json).")
    shutil.copyfile(tokenizer_file, output / TOKENIZER)
    # Two rows of different lengths, padded, so the exporter sees a real mask; the shapes stay dynamic.
    example = {"input_ids": torch.tensor([[101, 7592, 2088, 102], [101, 7592, 102, 0]]),
               "attention_mask": torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]])}
    batch, length = torch.export.Dim("batch"), torch.export.Dim("length")
    # Plain ("eager") attention exports as matrix products and an added mask; the SDPA default adds
    # NaN guards (Where, IsNaN) that cost a few per cent at run time and that no fusion removes.
    attention = network.config._attn_implementation
    network.set_attn_implementation("eager")
    try:
        _export(network.eval(), (), path, kwargs=example, input_names=["input_ids", "attention_mask"],
                dynamic_shapes={"input_ids": {0: batch, 1: length}, "attention_mask": {0: batch, 1: length}})
    finally:
        network.set_attn_implementation(attention)
    return {"format": FORMAT, "inputs": TEXT, "task": TEXT_CLASSIFICATION, "classes": list(classifier.classes_),
            "text": {"max_length": classifier.max_length, "pad_id": classifier.tokenizer_.pad_token_id or 0}}


def _export_tabular(mlp: Any, path: Path) -> dict[str, Any]:
    """The MLP's network, with standardised numbers and category codes as inputs."""
    import torch

    example = (torch.zeros((2, len(mlp.numeric_))), torch.zeros((2, len(mlp.categorical_)), dtype=torch.long))
    batch = torch.export.Dim("batch")
    _export(mlp.network_.eval(), example, path, input_names=["numeric", "codes"],
            dynamic_shapes={"numeric": {0: batch}, "codes": {0: batch}})
    return {"format": FORMAT, "inputs": TABULAR, "task": mlp.task_, "classes": list(mlp.classes_),
            "tabular": {"columns": list(mlp.columns_), "numeric": list(mlp.numeric_),
                        "categorical": list(mlp.categorical_), "mean": mlp.mean_.tolist(),
                        "scale": mlp.scale_.tolist(), "vocabulary": mlp.vocabulary_,
                        "target_mean": mlp.target_mean_ if mlp.task_ == TABULAR_REGRESSION else 0.0,
                        "target_scale": mlp.target_scale_ if mlp.task_ == TABULAR_REGRESSION else 1.0}}


def _export(network: Any, args: tuple, path: Path, **options: Any) -> None:
    """torch.export's exporter, into one self-contained file (no external data beside it)."""
    import torch

    with _quiet(), torch.inference_mode(False), torch.no_grad():
        torch.onnx.export(network, args, str(path), output_names=["logits"], opset_version=OPSET, dynamo=True,
                          external_data=False, verbose=False, **options)


def _fuse(graph: Path, config: Any) -> dict[str, int]:
    """Fuse ``graph``'s operators in place with ONNX Runtime's transformer optimizer; returns how
    many of each fused operator it made (none for an architecture the optimizer does not know).

    Only the optimizer's own pattern fusions run (``opt_level=0``): ONNX Runtime's session-level
    rewrites depend on the CPU, so they happen where the model is loaded, not baked in here.
    """
    from onnxruntime.transformers.optimizer import optimize_model

    if getattr(config, "model_type", None) not in BERT_LIKE:
        return {}
    with _quiet():
        optimized = optimize_model(str(graph), model_type="bert", num_heads=int(config.num_attention_heads),
                                   hidden_size=int(config.hidden_size), opt_level=0)
        optimized.save_model_to_file(str(graph), use_external_data_format=False)
    return {name: count for name, count in sorted(optimized.get_fused_operator_statistics().items()) if count}


def _quantize(source: Path, target: Path, per_channel: bool) -> int:
    """Quantize ``source`` into ``target``; returns how many operators became int8."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with _quiet():
        # Shape inference cannot type the outputs of fused (com.microsoft) operators; they are float.
        quantize_dynamic(source, target, weight_type=QuantType.QInt8, per_channel=per_channel,
                         use_external_data_format=False,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    graph = onnx.load(str(target)).graph
    return sum(node.op_type in ("MatMulInteger", "DynamicQuantizeMatMul") for node in graph.node)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Hold back the exporter's and quantizer's chatter (step banners, "consider pre-processing"),
    and warnings, which would break through ecohub's progress display; errors still raise."""
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(None), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logging.disable(logging.NOTSET)


def _versions() -> dict[str, str]:
    import onnx
    import onnxruntime
    import torch

    return {"torch": torch.__version__, "onnx": onnx.__version__, "onnxruntime": onnxruntime.__version__}


INT8 = DeriverSpec(
    name="int8",
    description="Dynamic int8 quantization through ONNX Runtime (weights int8, activations quantized per batch)",
    relation="quantized",
    derive=derive,
    frameworks=("transformers", "torch"),
    default_params={"per_channel": False},
)
