"""Turn a set of files with a model card into a registry version, license and lineage included.

Both a commit to ``hub serve`` and ``hub pull-remote`` land here, so a model keeps the same
license, base models and datasets whichever way it arrives. The registry applies its license
policy over that lineage while registering, and refuses what fails it.

Files that carry an ecohub record (``.ecohub/``, :mod:`hub.sharing.record`) are registered with
it, checked first by :mod:`hub.sharing.restore`: the same metrics, datasets, lineage, model type,
trainer and training configuration as the source, and its reports attached as ``imported``, each
with where it came from. The record's files are not stored as model files: the version shows its
record afresh, as every version does. Files without one are read from their card alone.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from hub.registry import VersionRecord, audit, licenses, policy, schema
from hub.registry.records import Edge
from hub.sharing import cards, lineage, record, restore

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
                   actor: str | None = None, origin: Mapping[str, str] | None = None) -> VersionRecord:
    """Register ``files`` as the next version of ``name``, with its record if it carries one, else with
    the license and lineage its card states. ``origin`` names the hub, repository and commit the files
    came from (default: ``source``, the repository ``name``, and the commit the record states)."""
    model_files, found = restore.split_files(files)
    if found:
        restored = restore.read(found, model_files)
        origin = {"hub": source, "repo": name, "commit": restored.source["commit"], **(origin or {})}
        return _register_record(registry, name, model_files, restored, origin, description=description,
                                actor=actor)
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


def _register_record(registry, name: str, files: Mapping[str, Path], restored: restore.Restored,
                     origin: Mapping[str, Any], *, description: str, actor: str | None) -> VersionRecord:
    """Register the model files with a checked record, attach its reports as imported, and audit
    the import with what the source's push overrode."""
    parents = restore.parents(registry, restored)
    imported = {"hub": origin["hub"], "repo": origin["repo"], "commit": origin["commit"], "source": restored.source,
                "reports": restore.imported_reports(restored, origin),
                **({"push": restored.push} if restored.push else {})}
    version = registry.register_version(
        name,
        files=dict(files),
        license=restored.declared_license,
        license_link=restored.license_link or None,
        license_reasons=_own_reasons(restored),
        lineage=parents,
        framework=restored.framework,
        model_type=restored.model_type,
        trainer=restored.trainer,
        task=restored.task,
        config={**restored.config, record.IMPORTED: imported},
        metrics=restored.metrics,
        datasets=restored.datasets,
        description=description,
        actor=actor,
    )
    for entry, body in restored.reports:
        registry.add_report(version.model, version.version, evaluator=entry["evaluator"], kind=entry["kind"],
                            plugin=entry["plugin"], dataset=entry["dataset"], body=body, role=record.IMPORTED,
                            rows_sha256=entry["rows_sha256"], sensitive=entry["sensitive"], params=entry["params"],
                            actor=actor)
    push = restored.push or {}
    with schema.writing(registry.engine) as connection:
        audit.record(connection, audit.current_actor(actor), "version.import", version.ref,
                     push.get("justification") or None,
                     {"from": {key: imported[key] for key in ("hub", "repo", "commit", "source")},
                      "reports": len(restored.reports), "overridden": push.get("failing", []),
                      "review": push.get("review", False)})
    return registry.get_version(version.model, version.version)


def _own_reasons(restored: restore.Restored) -> list[str]:
    """The source's license reasons, less those the registry adds again for what parents carry."""
    edges = [Edge(child="import", parent=edge["parent"], relation=edge["relation"], kind=edge["kind"],
                  license=edge["license"], internal=edge["internal"]) for edge in restored.lineage]
    _, carried = policy.conclude(licenses.parse(restored.declared_license), edges)
    return [reason for reason in restored.license_reasons if reason not in carried]
