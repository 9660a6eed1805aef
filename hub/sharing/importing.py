"""Turn a set of files with a model card into a registry version, license and lineage included.

Both a commit to ``hub serve`` and ``hub pull-remote`` land here, so a model keeps the same
license, base models and datasets whichever way it arrives. The registry applies its license
policy over that lineage while registering, and refuses what fails it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping

from hub.registry import VersionRecord
from hub.sharing import cards, lineage

CARD = "README.md"
CONFIG = "config.json"
TRAINER = "huggingface-hub"


def read_card(files: Mapping[str, Path]) -> cards.CardMetadata:
    if CARD not in files:
        return cards.CardMetadata()
    return cards.parse(Path(files[CARD]).read_text(encoding="utf-8", errors="replace"))


def _model_type(files: Mapping[str, Path]) -> str:
    try:
        config = json.loads(Path(files[CONFIG]).read_text(encoding="utf-8"))
    except (KeyError, OSError, ValueError):
        return ""
    return str(config.get("model_type", "")) if isinstance(config, dict) else ""


def register_files(registry, name: str, files: Mapping[str, Path], *, source: str, description: str = "",
                   actor: str | None = None) -> VersionRecord:
    """Register ``files`` as the next version of ``name``, with the license and lineage its card states."""
    card = read_card(files)
    return registry.register_version(
        name,
        files=dict(files),
        license=card.license or "unknown",
        license_name=card.license_name,
        license_link=card.license_link,
        license_reasons=[f"the model card declares license: {card.license or 'none'}"],
        lineage=lineage.parents(registry, card),
        framework=card.library_name or "",
        model_type=_model_type(files),
        trainer=TRAINER,
        task=card.pipeline_tag or "",
        config={"source": source},
        description=description,
        actor=actor,
    )
