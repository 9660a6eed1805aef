"""ecohub-transformers: text classification adapted from a registered transformer, and the MiniLM base.

Three model types share one classifier (``ecohub_transformers.classifier``) and ecohub-torch's
training loop: a full fine-tune, LoRA adapters (stored alone), and a head trained on a frozen
encoder (whose tensors the store keeps once). torch, transformers and peft are imported only when a
model is built, trained, saved or loaded.
"""

from hub import hookimpl
from hub.specs import TEXT_CLASSIFICATION, ModelSpec

from ecohub_transformers.base_models import MINILM
from ecohub_transformers.trainer import TRANSFORMERS_TRAINER

HUB_PLUGIN_API = ">=1.1,<2"


def _builder(adaptation):
    def build(params):
        from ecohub_transformers.classifier import TextClassifier

        return TextClassifier(**{**params, "adaptation": adaptation})

    return build


COMMON = {"max_length": 64, "batch_size": 16, "validation_fraction": 0.1, "patience": 2, "warmup_ratio": 0.1}

FINETUNE = ModelSpec(
    name="text-finetune",
    description="A transformer fine-tuned for text classification, every weight trained",
    framework="transformers", build=_builder("full"), tasks=(TEXT_CLASSIFICATION,), base_relation="finetune",
    default_params={**COMMON, "epochs": 2, "learning_rate": 5e-5},
)
LORA = ModelSpec(
    name="text-lora",
    description="LoRA adapters (query and value, rank 8) and a trained pooler and classifier on a frozen transformer",
    framework="transformers", build=_builder("lora"), tasks=(TEXT_CLASSIFICATION,), base_relation="adapter",
    # Few weights train, so the step is larger than a full fine-tune's: at 5e-4 or 1e-3 three epochs
    # on a few hundred messages still predicted only the majority class.
    default_params={**COMMON, "epochs": 3, "learning_rate": 2e-3, "lora_r": 8, "lora_alpha": 16,
                    "lora_dropout": 0.1},
)
HEAD = ModelSpec(
    name="text-head",
    description="A classification head trained on a frozen transformer encoder",
    framework="transformers", build=_builder("head"), tasks=(TEXT_CLASSIFICATION,), base_relation="finetune",
    default_params={**COMMON, "epochs": 50, "batch_size": 32, "learning_rate": 3e-3, "patience": 5,
                    "warmup_ratio": 0.0},
)


@hookimpl
def hub_models():
    return [FINETUNE, LORA, HEAD]


@hookimpl
def hub_trainers():
    return [TRANSFORMERS_TRAINER]


@hookimpl
def hub_base_models():
    return [MINILM]
