"""The card a registry version shows to Hugging Face clients, and the one a push sends.

The registry writes a version's card (:meth:`hub.registry.Registry.card`): license, lineage and
its other facts in the front matter, its summary between markers. A version that came with its
own ``README.md`` keeps that text and the keys the registry does not own.
"""

from __future__ import annotations

from hub.registry import cards as registry_cards
from hub.sharing import cards

CARD = "README.md"


def card_text(registry, version) -> str:
    own = next((file for file in version.files if file.path == CARD), None)
    if own is None:
        return registry.card(version.ref)
    text = registry.store.read_bytes(own.sha256, f"{version.ref}/{CARD}").decode("utf-8", errors="replace")
    metadata, body = cards.split(text)
    return registry_cards.render(version, registry.check_license(version.ref), metadata, body,
                                 registry.card_fairness(version))

