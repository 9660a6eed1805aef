"""ecohub-compress: dynamic int8 quantization of transformers and torch models, through ONNX Runtime.

``hub derive MODEL --with int8`` exports the parent to ONNX, quantizes its weights to int8 and
registers the result with lineage ``quantized``; the ``onnx`` trainer loads it back to predict.
torch, onnx and onnxruntime are imported only when a model is quantized or loaded.
"""

from hub import hookimpl

from ecohub_compress.quantize import INT8
from ecohub_compress.runtime import ONNX_TRAINER

HUB_PLUGIN_API = ">=1.1,<2"


@hookimpl
def hub_derivers():
    return [INT8]


@hookimpl
def hub_trainers():
    return [ONNX_TRAINER]
