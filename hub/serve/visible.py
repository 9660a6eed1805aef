"""The registry as one caller sees it: a model the caller may not read does not exist.

A card names its base models, and the license checks (``validate-yaml``, ecohub's
``license-check``) and a commit's lineage look each name up. Through this view a private model
the caller may not read is unknown exactly as a name never registered is: it becomes an ``hf:``
reference of unknown license, so neither its license nor whether it exists reaches that caller,
and a commit cannot tie a public model to it.
"""

from __future__ import annotations

from hub.access.policy import Caller
from hub.errors import UnknownNameError
from hub.registry.naming import validate_name


class VisibleRegistry:
    """A registry whose ``get_version`` knows only the models ``who`` may read; the rest is the registry's."""

    def __init__(self, registry, access, who: Caller):
        self._registry, self._access, self._who = registry, access, who

    def get_version(self, name: str, version: int | None = None):
        if not self._access.can_read(self._who, validate_name(name)):
            raise UnknownNameError(f"No registered model named '{name}'.",
                                   "Run 'hub models list' to see what is registered.")
        return self._registry.get_version(name, version)

    def __getattr__(self, attribute: str):
        return getattr(self._registry, attribute)
