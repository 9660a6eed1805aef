"""Saving fitted models as skops files, and loading only the types this plugin trusts.

Models are shared between people, so a model file must be data, never code. Loading a pickle
runs whatever the file tells it to, so a shared pickle could take over the machine that opens
it. skops stores the object tree as data and, on load, builds only types on an allow-list.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
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


# scikit-learn's array-API shim for torch: a package with no estimator in it, whose import loads torch.
TORCH_SHIM = "sklearn.externals.array_api_compat.torch"


def skops_io() -> ModuleType:
    """``skops.io``, imported without loading torch.

    On import skops lists every scikit-learn estimator (``sklearn.utils.all_estimators``), which
    walks and imports every package under ``sklearn``, among them the array-API shim for torch,
    which imports torch: 1.2 s of a 2 s import, for a package that holds no estimator. A ``None``
    in ``sys.modules`` makes that one import fail, which the walk skips; the entry is removed
    again, so the shim still imports later for code that wants it. The estimator list, and so
    what skops trusts, is the same either way.
    """
    if "skops.io" not in sys.modules and TORCH_SHIM not in sys.modules:
        sys.modules[TORCH_SHIM] = None
        try:
            import skops.io
        finally:
            del sys.modules[TORCH_SHIM]
    import skops.io

    return skops.io


def save(model: Any, directory: Path) -> None:
    skops_io().dump(model, Path(directory) / FILENAME)


def load(directory: Path) -> Any:
    """Read a saved model, refusing a file that holds any type outside ``TRUSTED_TYPES``."""
    path, skops = Path(directory) / FILENAME, skops_io()
    untrusted = sorted(set(skops.get_untrusted_types(file=path)) - set(TRUSTED_TYPES))
    if untrusted:
        raise UnsafeArtifactError(
            f"{path} holds types that ecohub-sklearn does not trust: {', '.join(untrusted)}.",
            "Loading them could run code from the file. Retrain the model with the models "
            "ecohub-sklearn provides, or inspect the file with skops.io.get_untrusted_types.",
        )
    return skops.load(path, trusted=TRUSTED_TYPES)
