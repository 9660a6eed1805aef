"""ecohub-torch: ecohub's training loop for torch models, and an MLP for tables built on it.

torch is imported only when a model is built, trained, saved or loaded, so listing plugins stays
fast. ``ecohub_torch.loop`` is the loop itself, for other plugins (ecohub-transformers) and
benchmarks to reuse.
"""

from hub import hookimpl
from hub.specs import TABULAR_CLASSIFICATION, TABULAR_REGRESSION, ModelSpec

from ecohub_torch.trainer import TORCH_TRAINER

HUB_PLUGIN_API = ">=1.1,<2"


def build_mlp(params):
    from ecohub_torch.tabular import TabularMLP

    return TabularMLP(**params)


MLP = ModelSpec(
    name="mlp",
    description="A multilayer perceptron: numerics standardised, categoricals embedded (or one-hot)",
    framework="torch",
    build=build_mlp,
    tasks=(TABULAR_CLASSIFICATION, TABULAR_REGRESSION),
    default_params={"hidden_sizes": [64, 32], "dropout": 0.1, "categorical": "embed", "embedding_dim": 8,
                    "epochs": 30, "batch_size": 64, "learning_rate": 1e-3, "patience": 5,
                    "validation_fraction": 0.15},
)


@hookimpl
def hub_models():
    return [MLP]


@hookimpl
def hub_trainers():
    return [TORCH_TRAINER]
