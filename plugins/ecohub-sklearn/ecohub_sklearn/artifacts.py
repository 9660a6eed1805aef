"""Saving fitted models as skops files, and loading only the types this plugin trusts.

Models are shared between people, so a model file must be data, never code. Loading a pickle
runs whatever the file tells it to, so a shared pickle could take over the machine that opens
it. skops stores the object tree as data and, on load, builds only types on an allow-list.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hub.errors import UnsafeArtifactError

FILENAME = "model.skops"

# The types in this plugin's pipelines that skops does not trust by default, as reported by
# skops.io.get_untrusted_types on saved pipelines of each model type (classifiers and regressors).
# Every other scikit-learn estimator, numpy array and builtin they hold is trusted by skops.
TRUSTED_TYPES = [
    "numpy.dtype",
    "sklearn.compose._column_transformer.make_column_selector",
    "sklearn.tree._tree.Tree",
]


def save(model: Any, directory: Path) -> None:
    import skops.io

    skops.io.dump(model, Path(directory) / FILENAME)


def load(directory: Path) -> Any:
    """Read a saved model, refusing a file that holds any type outside ``TRUSTED_TYPES``."""
    import skops.io

    path = Path(directory) / FILENAME
    untrusted = sorted(set(skops.io.get_untrusted_types(file=path)) - set(TRUSTED_TYPES))
    if untrusted:
        raise UnsafeArtifactError(
            f"{path} holds types that ecohub-sklearn does not trust: {', '.join(untrusted)}.",
            "Loading them could run code from the file. Retrain the model with the models "
            "ecohub-sklearn provides, or inspect the file with skops.io.get_untrusted_types.",
        )
    return skops.io.load(path, trusted=TRUSTED_TYPES)
