"""A card's lineage as registry parents, and back: ``base_model`` and ``datasets`` on one side,
lineage edges on the other.

A base model registered in this registry becomes an edge to it, so its license is known and the
policy reasons with it; anything else becomes an ``hf:`` reference. Datasets are ``trained_on``
edges to ``hf:datasets/...``.
"""

from __future__ import annotations

from hub.registry import licenses
from hub.errors import HubError
from hub.registry import policy
from hub.registry.cards import hub_name
from hub.registry.lineage import DATASET, DATASET_RELATION, MODEL, Parent
from hub.registry.records import Edge
from hub.sharing.cards import CardMetadata

# Hugging Face's base_model_relation values, as registry relations.
RELATIONS = {"adapter": "adapter", "merge": "merged", "quantized": "quantized", "finetune": "finetune"}


def base_models(version) -> list[str]:
    return [hub_name(edge.parent) for edge in version.lineage if edge.kind != DATASET]


def datasets(version) -> list[str]:
    return [hub_name(edge.parent) for edge in version.lineage if edge.kind == DATASET]


def _registered_license(registry, name: str) -> str | None:
    try:
        return registry.get_version(name).license
    except HubError:
        return None


def parents(registry, card: CardMetadata) -> list[Parent]:
    """What a card says a model was made from, as registry lineage."""
    relation = RELATIONS.get(str(card.raw.get("base_model_relation", "finetune")), "finetune")
    found = [Parent(name if _registered_license(registry, name) else f"hf:{name}", relation, MODEL)
             for name in card.base_models]
    return found + [Parent(f"hf:datasets/{name}", DATASET_RELATION, DATASET) for name in card.datasets]


def card_check(registry, card: CardMetadata, license_text: str) -> policy.Check:
    """The license policy for a model not yet registered, as its card describes it."""
    child = "card:new"
    edges = []
    for parent in parents(registry, card):
        name = parent.ref.removeprefix("hf:")
        known = None if parent.ref.startswith("hf:") else _registered_license(registry, name)
        edges.append(Edge(child=child, parent=parent.ref, relation=parent.relation, kind=parent.kind,
                          license=known or licenses.UNKNOWN, internal=known is not None))
    return policy.check(child, license_text, [(edge, license_text) for edge in edges])
